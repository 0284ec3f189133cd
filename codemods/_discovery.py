"""Finding the files to rewrite: recursion, ``.gitignore``, excludes and skipped directories.

Directories are walked in sorted order so every run sees files in the same order. Paths
named explicitly on the command line are always taken (that is how pre-commit passes
files), unless an ``--exclude`` pattern matches them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codemods._gitignore import IgnoreFile, parse_lines

__all__ = [
    "SKIP_DIRS",
    "SOURCE_SUFFIXES",
    "Discovery",
    "discover",
    "find_repo_root",
    "is_generated",
]

#: Directory names never descended into: environments, caches, build output, VCS data.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "site-packages",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        "node_modules",
    }
)
#: File suffixes the tool rewrites.
SOURCE_SUFFIXES = frozenset({".py", ".pyi", ".ipynb"})
#: Markers that make a file "generated": it is reported as skipped and never rewritten.
GENERATED_MARKERS = ("@generated", "DO NOT EDIT")
_GENERATED_HEADER_LINES = 10


def is_generated(text: str) -> bool:
    """Whether the first lines of ``text`` carry a generated-code marker."""
    head = "\n".join(text.split("\n", _GENERATED_HEADER_LINES)[:_GENERATED_HEADER_LINES])
    return any(marker in head for marker in GENERATED_MARKERS)


def find_repo_root(start: Path) -> Path | None:
    """The nearest ancestor of ``start`` (inclusive) that holds a ``.git`` entry."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@dataclass
class Discovery:
    """The outcome of a walk: files to process and paths skipped with their reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)


def _is_venv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _ancestor_ignores(start: Path) -> list[IgnoreFile]:
    """``.gitignore`` files that apply to ``start`` from above, outermost first."""
    root = find_repo_root(start)
    if root is None:
        return []
    chain = [start, *start.parents]
    dirs = list(reversed(chain[: chain.index(root) + 1]))
    ignores = [IgnoreFile.read(root / ".git" / "info" / "exclude", base=root)]
    # ``start`` itself is read during the walk.
    ignores.extend(
        IgnoreFile.read(d / ".gitignore") for d in dirs[:-1] if (d / ".gitignore").is_file()
    )
    return ignores


def _ignored(ignores: Sequence[IgnoreFile], path: Path, *, is_dir: bool) -> bool:
    verdict = False
    for ignore in ignores:
        result = ignore.match(path, is_dir=is_dir)
        if result is not None:
            verdict = result
    return verdict


def discover(
    paths: Iterable[Path],
    *,
    exclude: Sequence[str] = (),
    exclude_base: Path | None = None,
    respect_gitignore: bool = True,
) -> Discovery:
    """Collect source files under ``paths`` (absolute, sorted, without duplicates).

    ``exclude`` holds gitignore-style patterns relative to ``exclude_base`` (the directory of
    the configuration file, or the working directory).
    """
    base = (exclude_base or Path.cwd()).resolve()
    excludes = IgnoreFile(base=base, patterns=parse_lines(exclude))
    found = Discovery()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        if path not in seen:
            seen.add(path)
            found.files.append(path)

    for given in paths:
        path = Path(os.path.abspath(given))
        if not path.exists():
            found.missing.append(Path(given))
            continue
        if path.is_file():
            if excludes.match(path, is_dir=False):
                found.skipped.append((path, "excluded"))
            else:
                add(path)
            continue
        ignores = [excludes]
        if respect_gitignore:
            ignores = [*_ancestor_ignores(path), excludes]
        _walk(path, ignores, respect_gitignore, found, add)
    found.files.sort()
    found.skipped.sort()
    return found


def _walk(
    top: Path,
    ignores: list[IgnoreFile],
    respect_gitignore: bool,
    found: Discovery,
    add: Callable[[Path], None],
) -> None:
    stack: list[tuple[Path, list[IgnoreFile]]] = [(top, ignores)]
    while stack:
        directory, scope = stack.pop()
        if respect_gitignore and (directory / ".gitignore").is_file():
            scope = [*scope[:-1], IgnoreFile.read(directory / ".gitignore"), scope[-1]]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            found.skipped.append((directory, f"unreadable directory: {exc.strerror}"))
            continue
        subdirs: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or _is_venv(path) or _ignored(scope, path, is_dir=True):
                    continue
                subdirs.append(path)
            elif path.suffix in SOURCE_SUFFIXES and not _ignored(scope, path, is_dir=False):
                add(path)
        stack.extend((d, scope) for d in reversed(subdirs))
