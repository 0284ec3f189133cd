"""Which module-level names of the rewritten files other files of the project may use.

A handler held in a module-level name (``RESULT_HANDLER = S3ResultHandler(...)``, a helper
returning one) can be turned into a ``Result`` only if nothing else uses it as a handler.
The run sees its own files and their siblings; users are often elsewhere: flows in another
package, tests, notebooks, scripts, a ``conftest.py`` that patches the name with
``monkeypatch.setattr(settings, "RESULT_HANDLER", ...)``, files left out with ``--exclude``
or ``.gitignore``. So every file of the project is read (read only, never rewritten): the
project is the nearest directory above the rewritten files holding ``pyproject.toml``,
``setup.py``, ``setup.cfg`` or ``.git``, or else the directory above their top package.

A file *may use* a name of module ``pkg.settings`` when an import statement of it names
``settings`` and it spells the name as a word anywhere (strings count: ``getattr``,
``monkeypatch.setattr``). That errs on the side of keeping a handler: the cost of a wrong
"may use" is a TODO, of a wrong "no" a broken project.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from codemods._source import read_source
from codemods._subset import identifiers

__all__ = ["MAX_PROJECT_BYTES", "MAX_PROJECT_FILES", "ProjectMentions", "project_mentions"]

#: Above these, the project is not read, and every name counts as used elsewhere.
MAX_PROJECT_FILES = 20_000
MAX_PROJECT_BYTES = 200 * 1024 * 1024
_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
#: An import statement (a parenthesised list may span lines; in a notebook it starts inside
#: a JSON string, maybe not at the start of a line).
_IMPORTS = re.compile(r'(?:^|")[ \t]*(?:from|import)[ \t][^\n("]*(?:\([^)]*)?', re.MULTILINE)
_SKIPPED_DIRECTORIES = {"__pycache__", "node_modules", "site-packages", "venv", "env"}


class ProjectMentions:
    """The words of the project's files, to ask whether a file other than a module's own
    may use one of its names."""

    def __init__(self, texts: dict[Path, str], roots: dict[Path, Path], complete: bool) -> None:
        self._words: dict[Path, set[str]] = {}
        self._texts = texts
        self._roots = roots  # each file's project directory
        #: ``False`` when the project was too large or a file could not be read.
        self.complete = complete

    def used_elsewhere(
        self, candidates: list[tuple[Path, str, set[str]]]
    ) -> dict[tuple[Path, str], str]:
        """Which names of ``candidates`` (``(path, module_word, names)``: module-level names
        of the file ``path``, a module whose last dotted part is ``module_word``) another
        file may use, by ``(path, name)``, with the first such file (its path in the
        project, or "a file not read").

        Each file's import statements are searched once for all the module words; only the
        files importing one are split into words.
        """
        if not self.complete:
            return {(p, n): "a file not read" for p, _, names in candidates for n in names}
        by_word: dict[str, list[tuple[Path, set[str]]]] = {}
        for path, word, names in candidates:
            by_word.setdefault(word, []).append((path, names))
        any_word = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(by_word))) + r")\b")
        found: dict[tuple[Path, str], str] = {}
        for other, text in self._texts.items():
            imported = "\n".join(_IMPORTS.findall(text))
            for word in sorted(set(any_word.findall(imported))):
                for path, names in by_word[word]:
                    if path == other:
                        continue
                    words = self._words.get(other)
                    if words is None:
                        words = self._words[other] = identifiers(text)
                    for name in sorted(names & words):
                        found.setdefault((path, name), self._shown(other))
        return found

    def _shown(self, path: Path) -> str:
        """``path`` from its project's directory (no machine path in a TODO)."""
        return path.relative_to(self._roots[path]).as_posix()


def project_mentions(rewritten: Iterable[Path], read: dict[Path, str]) -> ProjectMentions:
    """Read the project around ``rewritten`` (texts in ``read`` are not read again)."""
    files = [p for p in rewritten if p.suffix in (".py", ".ipynb")]
    roots = {_project_root(directory) for directory in {p.parent for p in files}}
    texts: dict[Path, str] = {}
    owners: dict[Path, Path] = {}
    complete = True
    total = 0
    for root in sorted(roots):
        paths, listed = _project_files(root)
        complete = complete and listed
        for path in paths:
            if path in texts:
                continue
            if len(texts) >= MAX_PROJECT_FILES or total > MAX_PROJECT_BYTES:
                return ProjectMentions(texts, owners, complete=False)
            text = read.get(path)
            if text is None:
                try:
                    data = read_source(path, max_size=MAX_PROJECT_BYTES).data
                except OSError:
                    complete = False  # unreadable, or not a regular file
                    continue
                text = data.decode("utf-8", errors="replace")
            texts[path] = text
            owners[path] = root
            total += len(text)
    return ProjectMentions(texts, owners, complete)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a directory on the way that may not be searched
        return False


def _project_root(directory: Path) -> Path:
    """The project directory of the files in ``directory`` (see the module docstring)."""
    for candidate in (directory, *directory.parents):
        if any(_exists(candidate / marker) for marker in _MARKERS):
            return candidate
    while _exists(directory / "__init__.py") and directory.parent != directory:
        directory = directory.parent
    return directory


def _project_files(root: Path) -> tuple[list[Path], bool]:
    """The ``.py`` and ``.ipynb`` files under ``root``, without following links, hidden
    directories and virtual environments; and whether every directory could be listed."""
    found: list[Path] = []
    failed: list[OSError] = []
    for directory, subdirectories, names in os.walk(root, onerror=failed.append):
        subdirectories[:] = sorted(
            d
            for d in subdirectories
            if not d.startswith(".")
            and d not in _SKIPPED_DIRECTORIES
            and not _exists(Path(directory, d) / "pyvenv.cfg")
        )
        found.extend(Path(directory, n) for n in sorted(names) if n.endswith((".py", ".ipynb")))
        if len(found) > MAX_PROJECT_FILES:
            break
    return found, not failed
