"""Running the rewrite over many files: read, gate, transform (optionally in processes), write.

The main process does all file I/O, so writes happen in one place and in path order; only
the pure ``text -> FileOutcome`` step runs in worker processes. Results are collected in
input order, so ``-j 4`` produces the same output, report and exit code as ``-j 1``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from codemods._discovery import is_generated
from codemods._guard import source_problem, too_deep
from codemods._lines import LINE
from codemods._notebook import (
    Notebook,
    NotebookError,
    hidden_code,
    mask_magics,
    masked_line_numbers,
    unmask_magics,
)
from codemods._progress import Progress
from codemods._project import (
    MAX_INDEXED_BYTES,
    ProjectContext,
    ProjectIndex,
    build_index,
    module_name,
    using,
)
from codemods._source import (
    DecodedSource,
    NotARegularFileError,
    SourceDecodeError,
    SourceTooLargeError,
    atomic_write,
    decode_source,
    encode_source,
    read_source,
)
from codemods._subset import identifiers
from codemods._types import Site, Target

__all__ = [
    "FileRecord",
    "FileStatus",
    "Mode",
    "Options",
    "ReportSite",
    "UnitResult",
    "display_path",
    "process_files",
    "process_stdin",
    "transform_unit",
]

#: Below this many candidate texts per worker a process pool costs more than it saves.
_MIN_UNITS_PER_WORKER = 4
_GENERATED = "generated file (@generated / DO NOT EDIT)"
_NO_EOL = "\n\\ No newline at end of file\n"
_CELL_MARK = "__prefect_result_upgrade_cell_boundary__ = {n}"


class Mode(str, Enum):
    """What to do with a rewritten file."""

    WRITE = "write"
    DIFF = "diff"
    CHECK = "check"


class FileStatus(str, Enum):
    """What happened to one file."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class Options:
    """Rewrite settings passed to every worker."""

    target: Target = Target.PREFECT
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    #: The project's class index (see ``_project``) and the file's package, if known.
    project: ProjectIndex | None = None
    package: str = ""
    module: str = ""

    def project_context(self) -> ProjectContext | None:
        """The project context the rules read while rewriting this file (also an empty
        index: where the file sits tells which imports are the project's)."""
        if self.project is None:
            return None
        return ProjectContext(self.project, self.package, self.module)


@dataclass(frozen=True)
class ReportSite:
    """A :class:`Site` located in a file (and, for notebooks, a cell)."""

    file: str
    site: Site
    cell: int | None = None


@dataclass
class FileRecord:
    """Everything the report and the console need to know about one file."""

    path: Path
    display: str
    status: FileStatus = FileStatus.UNCHANGED
    reason: str = ""
    sites: list[ReportSite] = field(default_factory=list)
    diff: str = ""
    uses_handler_result: bool = False
    output: bytes | None = None
    writable: bool = True

    def fail(self, reason: str) -> None:
        """Mark the file as an error; nothing of it counts as migrated or is written."""
        self.status, self.reason = FileStatus.ERROR, reason
        self.sites, self.diff, self.output = [], "", None


@dataclass(frozen=True)
class UnitResult:
    """The outcome of rewriting one text: new code and sites, or an error message."""

    code: str | None
    sites: tuple[Site, ...] = ()
    error: str | None = None


def transform_unit(item: tuple[str, Options]) -> UnitResult:
    """Rewrite one Python text with full verification; never raises.

    Runs in worker processes, so it takes and returns only picklable values.
    """
    import libcst

    from codemods import _engine

    text, options = item
    problem = source_problem(text)
    if problem is not None:
        return UnitResult(None, error=problem)
    try:
        with using(options.project_context()):
            outcome = _engine.rewrite_checked(
                text, target=options.target, select=options.select, ignore=options.ignore
            )
    except libcst.ParserSyntaxError as exc:
        detail = exc.message.removeprefix("parser error: ")
        if "error at" not in detail:
            detail = f"line {exc.editor_line}, column {exc.editor_column}: {detail}"
        return UnitResult(
            None, error=f"is not valid Python ({detail}); fix the syntax or exclude the file"
        )
    except _engine.UnreproducibleSourceError as exc:
        return UnitResult(None, error=f"was left untouched: {exc}")
    except _engine.RewriteVerificationError as exc:
        return UnitResult(
            None,
            error=f"was left untouched because the rewrite failed verification ({exc}); "
            "please report this with the file",
        )
    except RecursionError:
        return UnitResult(None, error=too_deep("the rewrite exceeded Python's recursion limit"))
    except Exception as exc:  # one bad file must never stop the run
        return UnitResult(
            None,
            error=f"crashed the rewriter ({type(exc).__name__}: {exc}); "
            "the file was left untouched, please report this with the file",
        )
    return UnitResult(outcome.code, tuple(outcome.sites))


def _may_contain_legacy(text: str, target: Target) -> bool:
    from codemods import _engine

    return bool(_engine.may_contain_legacy(text, target))


# --- preparing files -------------------------------------------------------------------


@dataclass
class _Pending:
    """A file whose candidate texts are waiting for the transform."""

    record: FileRecord
    decoded: DecodedSource
    options: Options
    notebook: Notebook | None = None
    # (cell index or None, masked text, saved magic lines)
    units: list[tuple[int | None, str, list[str]]] = field(default_factory=list)
    # Notebooks: every rewritable code cell, sent to the rules joined as one module.
    cells: list[tuple[int | None, str, list[str]]] = field(default_factory=list)
    # Notebooks: the statement using every name of the code left alone, and its TODOs.
    opaque: str | None = None
    opaque_sites: list[tuple[int, Site]] = field(default_factory=list)


def _prepare(
    record: FileRecord, data: bytes, options: Options, read: dict[Path, str] | None = None
) -> _Pending | None:
    """Decode and gate one file; ``None`` when there is nothing to transform.

    The text of a Python file small enough for the project index goes into ``read``.
    """
    try:
        decoded = decode_source(data)
    except SourceDecodeError as exc:
        if _may_contain_legacy(data.decode("latin-1"), options.target):
            record.status, record.reason = FileStatus.ERROR, str(exc)
        else:
            record.status, record.reason = FileStatus.SKIPPED, f"{exc} (no legacy names found)"
        return None
    if record.path.suffix == ".ipynb":
        return _prepare_notebook(record, decoded, options)
    text = decoded.text
    if read is not None and len(data) <= MAX_INDEXED_BYTES:
        read[record.path] = text
    if not _may_contain_legacy(text, options.target):
        return None
    if is_generated(text):
        record.status, record.reason = FileStatus.SKIPPED, _GENERATED
        return None
    return _Pending(record, decoded, options, units=[(None, text, [])])


def _prepare_notebook(
    record: FileRecord, decoded: DecodedSource, options: Options
) -> _Pending | None:
    """Join the notebook's code cells into one module, so names imported in one cell are
    resolved in the others (as the kernel would); boundaries are marked by statements the
    rules never touch, and the output is split back at them."""
    if not _may_contain_legacy(decoded.text, options.target):
        return None
    try:
        notebook = Notebook.parse(decoded.text)
    except NotebookError as exc:
        record.status, record.reason = FileStatus.ERROR, str(exc)
        return None
    pending = _Pending(record, decoded, options, notebook=notebook)
    skipped: list[int] = []
    hidden: list[tuple[int, int, str]] = []  # (cell, line, text) of code left alone
    for index, source in notebook.code_cells():
        masked = mask_magics(source)
        if masked is None:
            if _may_contain_legacy(source, options.target):
                skipped.append(index)
            hidden.append((index, 1, source))
            continue
        pending.cells.append((index, masked[0], masked[1]))
        hidden.extend((index, n, masked[1][i]) for n, i in masked_line_numbers(masked[0]))
    if skipped:
        record.reason = "cell magic cells left alone: " + ", ".join(map(str, skipped))
    texts = [text for _, text, _ in pending.cells] + [text for _, _, text in hidden]
    if not any(_may_contain_legacy(text, options.target) for text in texts):
        return None
    joined = "".join(
        f"{text}\n{_CELL_MARK.format(n=n)}\n" for n, (_, text, _) in enumerate(pending.cells)
    )
    _hide(pending, joined, hidden)
    pending.units = [(None, joined + (pending.opaque or ""), [])]
    return pending


def _hide(pending: _Pending, joined: str, hidden: list[tuple[int, int, str]]) -> None:
    """Keep the imports IPython code may use; report that code where it needs work."""
    options = pending.options
    pending.opaque, todos = hidden_code(
        joined, hidden, target=options.target, select=options.select, ignore=options.ignore
    )
    pending.opaque_sites.extend(todos)


def _split_notebook(pending: _Pending, result: UnitResult) -> list[UnitResult] | None:
    """Per-cell results from the joined module's result; ``None`` if it cannot be split."""
    if result.code is None:
        return None
    parts: list[list[str]] = [[]]
    for line in result.code.split("\n"):
        if line == _CELL_MARK.format(n=len(parts) - 1):
            parts.append([])
        else:
            parts[-1].append(line)
    if len(parts) != len(pending.cells) + 1:
        return None
    if pending.opaque is None and "".join(parts[-1]).strip():
        return None
    starts, line = [], 0
    for _, text, _ in pending.cells:
        starts.append(line)
        line += text.count("\n") + 2
    sites: list[list[Site]] = [[] for _ in pending.cells]
    for site in result.sites:
        if site.line > line:
            continue  # on the statement standing for code left alone
        cell = max(i for i, start in enumerate(starts) if start < site.line)
        sites[cell].append(replace(site, line=site.line - starts[cell]))
    return [
        UnitResult("\n".join(part), tuple(cell_sites))
        for part, cell_sites in zip(parts[:-1], sites)
    ]


def _rewrite_cell(text: str, pending: _Pending) -> UnitResult:
    """Rewrite one cell on its own, with the statement standing for code left alone."""
    if pending.opaque is None:
        return transform_unit((text, pending.options))
    mark = _CELL_MARK.format(n=0)
    result = transform_unit((f"{text}\n{mark}\n{pending.opaque}", pending.options))
    if result.code is None:
        return result
    end = text.count("\n") + 1
    code = result.code.split(f"\n{mark}\n", 1)[0]
    return UnitResult(code, tuple(s for s in result.sites if s.line <= end))


# --- finishing files -------------------------------------------------------------------


def _unified(old: str, new: str, name: str) -> str:
    lines = list(
        difflib.unified_diff(
            LINE.findall(old),  # Python's lines: a form feed does not end one
            LINE.findall(new),
            fromfile=name if name.startswith("/") else f"a/{name}",
            tofile=name if name.startswith("/") else f"b/{name}",
        )
    )
    return "".join(line if line.endswith("\n") else line + _NO_EOL for line in lines)


def _finish(pending: _Pending, results: Sequence[UnitResult]) -> None:
    record = pending.record
    if pending.notebook is not None:
        per_cell = _split_notebook(pending, results[0])
        if per_cell is None:
            # Cells that do not join into one valid module: rewrite each on its own.
            per_cell = [
                _rewrite_cell(text, pending)
                if _may_contain_legacy(text, pending.options.target)
                else UnitResult(text)
                for _, text, _ in pending.cells
            ]
        pending.units, results = pending.cells, per_cell
    errors = [r.error for r in results if r.error]
    if errors:
        record.status, record.reason = FileStatus.ERROR, errors[0]
        return
    record.sites.extend(ReportSite(record.display, s, cell) for cell, s in pending.opaque_sites)
    diffs: list[str] = []
    changed_cells: list[tuple[int | None, str]] = []
    for (cell, text, saved), result in zip(pending.units, results):
        if result.code is None:  # pragma: no cover - every error carries a message
            continue
        record.sites.extend(ReportSite(record.display, site, cell) for site in result.sites)
        if result.code == text:
            continue
        if "ResultHandlerResult" in result.code and "ResultHandlerResult" not in text:
            record.uses_handler_result = True
        old, new = unmask_magics(text, saved), unmask_magics(result.code, saved)
        name = record.display if cell is None else f"{record.display}:cell[{cell}]"
        diffs.append(_unified(old, new, name))
        changed_cells.append((cell, new))
    if not changed_cells:
        return
    if pending.notebook is not None:
        for cell, new in changed_cells:
            if cell is not None:
                pending.notebook.set_source(cell, new)
        new_text = pending.notebook.dumps()
    else:
        new_text = changed_cells[0][1]
    try:
        output = encode_source(new_text, pending.decoded)
    except SourceDecodeError as exc:
        record.status, record.reason = FileStatus.ERROR, str(exc)
        return
    record.status = FileStatus.CHANGED
    record.diff = "".join(diffs)
    record.output = output


def display_path(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when inside it, in POSIX form, printable as UTF-8.

    Bytes of a file name that are not UTF-8 (kept by Python as surrogate escapes, which
    no UTF-8 stream or JSON file accepts) are shown as ``\\xNN``.
    """
    try:
        text = path.relative_to(cwd).as_posix()
    except ValueError:
        text = path.as_posix()
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _run_units(
    items: list[tuple[str, Options]], jobs: int, progress: Progress
) -> Iterator[UnitResult]:
    progress.start(len(items), "rewriting")
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    workers = min(workers, max(len(items) // _MIN_UNITS_PER_WORKER, 1))
    if workers <= 1:
        for item in items:
            yield transform_unit(item)
            progress.advance()
        return
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(items) // (workers * 4))
            for result in pool.map(transform_unit, items, chunksize=chunk):
                done += 1
                yield result
                progress.advance()
    except BrokenProcessPool:
        # A worker died (a native crash, or the memory killer): redo what is left one text
        # per process, so only the text that kills its process is an error.
        for item in items[done:]:
            yield _isolated(item)
            progress.advance()


def _isolated(item: tuple[str, Options]) -> UnitResult:
    """Rewrite one text in a process of its own; its death is an error for this text only."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(transform_unit, item).result()
    except BrokenProcessPool:
        return UnitResult(
            None,
            error="killed the process rewriting it (a crash in native code, or out of "
            "memory); the file was left untouched, please report this with the file",
        )


def process_files(
    paths: Sequence[Path],
    *,
    options: Options,
    mode: Mode,
    jobs: int = 1,
    cwd: Path | None = None,
    progress: Progress | None = None,
    max_file_size: int | None = None,
) -> list[FileRecord]:
    """Rewrite ``paths`` (sorted, absolute) and return one record per file, in path order.

    Files larger than ``max_file_size`` bytes are skipped; ``None`` or 0 means no limit.
    """
    cwd = cwd or Path.cwd()
    progress = progress or Progress(enabled=False)
    progress.start(len(paths), "reading")
    records: list[FileRecord] = []
    read: dict[Path, str] = {}  # Python texts, for the project index
    pending: list[_Pending] = []
    for path in paths:
        record = FileRecord(path=path, display=display_path(path, cwd))
        records.append(record)
        try:
            source = read_source(path, max_size=max_file_size)
        except SourceTooLargeError as exc:
            record.status, record.reason = FileStatus.SKIPPED, str(exc)
        except NotARegularFileError as exc:
            record.status, record.reason = FileStatus.ERROR, str(exc)
        except OSError as exc:
            record.status, record.reason = FileStatus.ERROR, f"cannot be read ({exc.strerror})"
        else:
            record.writable = source.writable
            prepared = _prepare(record, source.data, options, read)
            if prepared is not None:
                pending.append(prepared)
        progress.advance()
    _index_project(paths, pending, records, read)
    items = [(text, p.options) for p in pending for (_, text, _) in p.units]
    results = iter(_run_units(items, jobs, progress))
    for item in pending:
        _finish(item, [next(results) for _ in item.units])
    if mode is Mode.WRITE:
        for record in records:
            if record.status is FileStatus.CHANGED and record.output is not None:
                _write(record)
    return records


def _index_project(
    paths: Sequence[Path],
    pending: list[_Pending],
    records: list[FileRecord],
    read: dict[Path, str],
) -> None:
    """Give the files to rewrite the project's class index (built only if there are any).

    A file skipped or failed already is not part of the run for the index: what it holds
    stays as it is.
    """
    if not pending:
        return
    done = (FileStatus.SKIPPED, FileStatus.ERROR)
    rewritten = [r.path for r in records if r.status not in done]
    used = frozenset().union(*(identifiers(t) for item in pending for (_, t, _) in item.units))
    index = build_index(paths, rewritten, used_names=used, read=read)
    for item in pending:
        module, package = module_name(item.record.path)
        item.options = replace(item.options, project=index, package=package, module=module)


def _write(record: FileRecord) -> None:
    if not record.writable:
        record.fail(
            "is read-only (no write permission), so it was left alone; "
            "make it writable to rewrite it, or exclude it"
        )
        return
    try:
        atomic_write(record.path, record.output or b"")
    except OSError as exc:
        record.fail(f"could not be written ({exc}); the original is unchanged")


def process_stdin(data: bytes, *, name: str, options: Options) -> FileRecord:
    """Rewrite one in-memory file (``-`` on the command line); nothing is written."""
    record = FileRecord(path=Path(name), display=name)
    index = build_index([record.path]) if record.path.parent.is_dir() else None
    if index is not None:  # the file's siblings, when its name says where it lives
        module, package = module_name(record.path)
        options = replace(options, project=index, package=package, module=module)
    prepared = _prepare(record, data, options)
    if prepared is not None:
        _finish(prepared, [transform_unit((text, options)) for (_, text, _) in prepared.units])
    return record
