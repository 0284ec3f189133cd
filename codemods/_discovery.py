"""Finding the files to rewrite: recursion, ``.gitignore``, excludes and skipped directories.

Directories are walked in sorted order so every run sees files in the same order. Paths
named explicitly on the command line are always taken (that is how pre-commit passes
files), unless an ``--exclude`` pattern matches them. A symbolic link to a file outside
the given paths is skipped unless ``follow_symlinks`` is set; a directory that cannot be
read is an error for itself, never the end of the walk. Temporaries left next to source
files by an interrupted write are collected, so the caller can remove stale ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codemods._gitignore import IgnoreFile, parse_lines
from codemods._source import is_temporary_name, not_regular_reason

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
        if _exists(candidate / ".git"):
            return candidate
    return None


@dataclass
class Discovery:
    """The outcome of a walk: files to process and paths skipped with their reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    temporaries: list[Path] = field(default_factory=list)


def _probe(test: Callable[[Path], bool], path: Path) -> bool:
    """``test(path)`` (``Path.exists``, ``Path.is_file``...) answering ``False`` where a
    permission forbids looking, instead of raising ``PermissionError``."""
    try:
        return test(path)
    except OSError:
        return False


def _exists(path: Path) -> bool:
    return _probe(Path.exists, path)


def _is_file(path: Path) -> bool:
    return _probe(Path.is_file, path)


def _is_dir(path: Path) -> bool:
    return _probe(Path.is_dir, path)


def _is_venv(directory: Path) -> bool:
    return _is_file(directory / "pyvenv.cfg")


def _outside(link: Path, roots: Sequence[Path]) -> bool:
    """Whether the file ``link`` resolves to lies outside every directory in ``roots``."""
    real = Path(os.path.realpath(link))
    return not any(real.is_relative_to(root) for root in roots)


_OUTSIDE = "symbolic link to a file outside the given paths, not followed (see --follow-symlinks)"


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
        IgnoreFile.read(d / ".gitignore") for d in dirs[:-1] if _is_file(d / ".gitignore")
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
    follow_symlinks: bool = False,
) -> Discovery:
    """Collect source files under ``paths`` (absolute, sorted, without duplicates).

    ``exclude`` holds gitignore-style patterns relative to ``exclude_base`` (the directory of
    the configuration file, or the working directory). Symbolic links to files are taken
    when they resolve inside a given directory (or, for a named file, inside the directory
    that holds it), or always with ``follow_symlinks``.
    """
    base = (exclude_base or Path.cwd()).resolve()
    excludes = IgnoreFile(base=base, patterns=parse_lines(exclude))
    found = Discovery()
    seen: set[Path] = set()
    links: set[Path] = set()
    given_paths = [Path(os.path.abspath(given)) for given in paths]
    roots = [
        Path(os.path.realpath(p if _is_dir(p) else p.parent)) for p in given_paths if _exists(p)
    ]

    def add(path: Path, is_link: bool, is_regular: bool) -> None:
        if path in seen:
            return
        seen.add(path)
        if is_link:
            links.add(path)
        if is_link and not follow_symlinks and _outside(path, roots):
            found.skipped.append((path, _OUTSIDE))
        elif is_regular:
            found.files.append(path)
        else:
            _add_special(found, path)

    for given, path in zip(paths, given_paths):
        if not _exists(path) and not _probe(Path.is_symlink, path):
            found.missing.append(Path(given))
            continue
        if not _is_dir(path):
            if excludes.match(path, is_dir=False):
                found.skipped.append((path, "excluded"))
            else:
                add(path, _probe(Path.is_symlink, path), _is_file(path))
            continue
        ignores = [excludes]
        if respect_gitignore:
            ignores = [*_ancestor_ignores(path), excludes]
        _walk(path, ignores, respect_gitignore, found, add)
    _collect_temporaries(found, [p for p in given_paths if not _is_dir(p)])
    _drop_other_names(found, links)
    found.files.sort()
    found.skipped.sort()
    found.errors.sort()
    return found


def _add_special(found: Discovery, path: Path) -> None:
    """A FIFO, socket, device or directory named like a source file is an error of its own
    (never read: a FIFO would block); a path that cannot be examined is left to the reader,
    which reports why."""
    try:
        mode = path.stat().st_mode
    except OSError:
        found.files.append(path)
    else:
        found.errors.append((path, not_regular_reason(mode)))


def _probe_entry(entry: os.DirEntry[str]) -> bool:
    """``entry.is_file()`` (free for entries that are not links), ``False`` on errors."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _drop_other_names(found: Discovery, links: set[Path]) -> None:
    """Keep one name per file: a link (symbolic or hard) to a file that was also found
    under another name is skipped, so no file is rewritten or counted twice. A name that
    is not a symbolic link wins, then the first in path order."""
    taken: dict[tuple[int, int], Path] = {}
    kept: list[Path] = []
    for path in sorted(found.files, key=lambda p: (p in links, p)):
        try:
            info = path.stat()
        except OSError:
            kept.append(path)  # the reader reports it
            continue
        other = taken.setdefault((info.st_dev, info.st_ino), path)
        if other == path:
            kept.append(path)
        else:
            found.skipped.append((path, f"another name of {_shown(other)}, which is taken"))
    found.files = kept


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return Path(path if relative.startswith("..") else relative).as_posix()


def _collect_temporaries(found: Discovery, named_files: Sequence[Path]) -> None:
    """Add the temporaries next to files named on the command line (walks found the rest)."""
    names = {p.name for p in named_files}
    for directory in sorted({p.parent for p in named_files}):
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        found.temporaries.extend(
            Path(e.path)
            for e in entries
            if is_temporary_name(e.name) and e.name[1:].rsplit(".", 2)[0] in names
        )


def _walk(
    top: Path,
    ignores: list[IgnoreFile],
    respect_gitignore: bool,
    found: Discovery,
    add: Callable[[Path, bool, bool], None],
) -> None:
    stack: list[tuple[Path, list[IgnoreFile]]] = [(top, ignores)]
    while stack:
        directory, scope = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            found.errors.append(
                (directory, f"is a directory that cannot be read ({exc.strerror}); skipped")
            )
            continue
        if respect_gitignore and _is_file(directory / ".gitignore"):
            scope = [*scope[:-1], IgnoreFile.read(directory / ".gitignore"), scope[-1]]
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
                add(path, entry.is_symlink(), _probe_entry(entry))
            elif is_temporary_name(entry.name):
                found.temporaries.append(path)
        stack.extend((d, scope) for d in reversed(subdirs))
