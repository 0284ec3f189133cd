"""``prefect-result-upgrade``: rewrite Prefect 0.x ``result_handler`` code to ``result`` code.

The command line is a thin layer: it reads settings (command line over
``[tool.prefect-result-upgrade]`` in ``pyproject.toml``), finds files, hands them to
:mod:`codemods._runner`, prints what happened and returns the documented exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from codemods._config import (
    DEFAULT_MAX_FILE_SIZE,
    ConfigError,
    FileConfig,
    find_pyproject,
    load_config,
    parse_size,
)
from codemods._discovery import discover, find_repo_root
from codemods._progress import Progress
from codemods._report import EXIT_CLEAN, EXIT_ERROR, build_report, summarize, write_report
from codemods._requirements import check_requirements
from codemods._runner import (
    FileRecord,
    FileStatus,
    Mode,
    Options,
    display_path,
    process_files,
    process_stdin,
)
from codemods._source import remove_stale_temporary
from codemods._types import SiteStatus, Target

__all__ = ["UsageError", "build_parser", "main"]

PROG = "prefect-result-upgrade"

EPILOG = """\
exit codes (when several apply, the highest wins):
  0  nothing left to do: no file changed or would change, no TODOs, no errors
  1  files were changed (or, with --check/--diff, would be changed)
  2  manual TODOs remain (sites the tool could not rewrite safely; see --report)
  3  errors: unreadable, read-only, non-UTF-8, unparsable or too deeply nested
     files, special files (FIFOs...), unreadable directories, failed verification,
     crashes, bad options or configuration

Settings may also be given in pyproject.toml under [tool.prefect-result-upgrade]
(target, select, ignore, exclude, jobs, report, respect-gitignore, follow-symlinks,
max-file-size); the command line wins.
"""


class UsageError(Exception):
    """Bad command-line usage; reported with exit code 3."""


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage, which here means "TODOs remain"; use 3."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _codes(values: Sequence[str] | None) -> list[str]:
    return [
        code.strip().upper() for value in values or () for code in value.split(",") if code.strip()
    ]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prefect-result-compat")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(
        prog=PROG,
        description="Rewrite Prefect 0.x result-handler code (result_handler=, *ResultHandler) "
        "to Result code (result=, *Result), in .py files and Jupyter notebooks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories to rewrite; '-' reads stdin"
    )
    mode = parser.add_argument_group("what to do with the result")
    mode.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit non-zero if anything would change or manual work remains",
    )
    mode.add_argument(
        "--show-diff", action="store_true", help="write the files and also print the diff"
    )
    mode.add_argument("--report", metavar="FILE", help="write a JSON inventory of every site")
    rules = parser.add_argument_group("rules")
    rules.add_argument(
        "--target",
        choices=[t.value for t in Target],
        help="API of the rewritten code: 'prefect' (Prefect 0.11+, default) or 'compat' "
        "(this package)",
    )
    rules.add_argument(
        "--select", action="append", metavar="CODES", help="only these rules (comma-separated)"
    )
    rules.add_argument(
        "--ignore", action="append", metavar="CODES", help="skip these rules (comma-separated)"
    )
    rules.add_argument("--list-rules", action="store_true", help="list rule codes and exit")
    files = parser.add_argument_group("files")
    files.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        default=[],
        help="gitignore-style pattern of paths to skip (repeatable)",
    )
    files.add_argument("--no-gitignore", action="store_true", help="do not honour .gitignore files")
    files.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="also rewrite files that symbolic links lead to outside the given paths",
    )
    files.add_argument(
        "--max-file-size",
        metavar="SIZE",
        help="skip (and report) larger files; bytes or K/M/G, 0 for no limit (default 64M)",
    )
    files.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="name used for '-' in messages (a .ipynb name reads a notebook)",
    )
    run = parser.add_argument_group("running")
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes for the rewrite (0 = one per CPU; default 1)",
    )
    run.add_argument("--config", metavar="FILE", help="pyproject.toml to read settings from")
    run.add_argument("--isolated", action="store_true", help="ignore configuration files")
    run.add_argument("-q", "--quiet", action="store_true", help="print only errors and warnings")
    run.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    run.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _rule_codes() -> list[tuple[str, str]]:
    from codemods import _engine

    return [(str(rule.value), str(rule.description)) for rule in _engine.Rule]


def _expand(codes: Sequence[str], known: Sequence[str], flag: str) -> frozenset[str]:
    selected: set[str] = set()
    for code in codes:
        if code == "ALL":
            selected.update(known)
            continue
        matches = [k for k in known if k.startswith(code)]
        if not matches:
            raise UsageError(
                f"unknown rule code {code!r} in {flag}; valid codes: {', '.join(known)} "
                f"(see {PROG} --list-rules)"
            )
        selected.update(matches)
    from codemods import _engine

    return frozenset(_engine.Rule(code) for code in selected)


def _load_config(args: argparse.Namespace) -> FileConfig:
    if args.isolated:
        return FileConfig()
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise UsageError(f"--config {args.config}: no such file")
        return load_config(path)
    first = next((p for p in args.paths if p != "-"), None)
    return load_config(find_pyproject(Path(first) if first else Path.cwd()))


def _max_file_size(args: argparse.Namespace, config: FileConfig) -> int:
    if args.max_file_size is None:
        return DEFAULT_MAX_FILE_SIZE if config.max_file_size is None else config.max_file_size
    try:
        return parse_size(args.max_file_size)
    except ValueError as exc:
        raise UsageError(f"--max-file-size: {exc}") from exc


def _emit_record(
    record: FileRecord, mode: Mode, quiet: bool, err: TextIO, *, stdin: bool = False
) -> None:
    if record.status is FileStatus.ERROR:
        err.write(f"{record.display}: error: {record.reason}\n")
        return
    if quiet:
        return
    if record.status is FileStatus.SKIPPED:
        err.write(f"{record.display}: skipped: {record.reason}\n")
    for entry in record.sites:
        site = entry.site
        if site.status is SiteStatus.TODO:
            where = f"{record.display}:{site.line}:{site.column}"
            if entry.cell is not None:
                where = f"{record.display}:cell[{entry.cell}]:{site.line}:{site.column}"
            rule = getattr(site.rule, "value", site.rule)
            err.write(f"{where}: {rule} TODO: {site.message}\n")
    if record.status is FileStatus.CHANGED:
        if stdin:
            err.write(f"{record.display}: changed (the new code is on stdout)\n")
            return
        verb = "rewrote" if mode is Mode.WRITE else "would rewrite"
        err.write(f"{verb} {record.display}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``--help``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        return _main(args, out, err)
    except (UsageError, ConfigError) as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_ERROR
    except ImportError as exc:
        err.write(
            f"{PROG}: error: the rewrite engine cannot be imported ({exc}); reinstall {PROG}\n"
        )
        return EXIT_ERROR


def _main(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.list_rules:
        for code, description in _rule_codes():
            out.write(f"{code}  {description}\n")
        return EXIT_CLEAN
    if not args.paths:
        raise UsageError(
            f"give at least one PATH (for example '.'), or '-' for stdin; see {PROG} --help"
        )
    if "-" in args.paths and len(args.paths) > 1:
        raise UsageError("'-' (stdin) cannot be combined with other paths")
    config = _load_config(args)
    known = [code for code, _ in _rule_codes()]
    select_codes = _codes(args.select) if args.select else list(config.select or ())
    select = _expand(select_codes, known, "--select") if args.select or config.select else None
    ignore = _expand(_codes(args.ignore) or list(config.ignore), known, "--ignore")
    target = Target(args.target or config.target or Target.PREFECT.value)
    options = Options(target=target, select=select, ignore=ignore)
    if args.check or args.diff:
        mode = Mode.CHECK if args.check else Mode.DIFF
    else:
        mode = Mode.WRITE
    stdin = args.paths == ["-"]
    # With stdin in write mode, stdout carries the rewritten code, so no diff goes there.
    print_diff = args.diff or (args.show_diff and not stdin)
    jobs = args.jobs if args.jobs is not None else (config.jobs if config.jobs is not None else 1)
    if jobs < 0:
        raise UsageError(f"-j/--jobs must be 0 (one per CPU) or more, got {jobs}")
    max_file_size = _max_file_size(args, config)
    cwd = Path.cwd()

    extra_errors: list[dict[str, str]] = []
    if stdin:
        name = args.stdin_filename or "-"
        data = sys.stdin.buffer.read()
        if max_file_size and len(data) > max_file_size:
            raise UsageError(
                f"stdin holds {len(data)} bytes, more than --max-file-size ({max_file_size}); "
                "raise the limit (0: no limit)"
            )
        record = process_stdin(data, name=name, options=options)
        records = [record]
        if mode is Mode.WRITE:
            out.buffer.write(record.output if record.output is not None else data)
            out.flush()
    else:
        try:
            found = discover(
                [Path(p) for p in args.paths],
                exclude=[*config.exclude, *args.exclude],
                exclude_base=config.base or cwd,
                respect_gitignore=config.respect_gitignore and not args.no_gitignore,
                follow_symlinks=args.follow_symlinks or config.follow_symlinks,
            )
        except OSError as exc:
            raise UsageError(f"cannot walk the given paths: {exc}") from exc
        for missing in found.missing:
            shown = display_path(missing, Path())
            err.write(f"{shown}: error: no such file or directory\n")
            extra_errors.append({"file": shown, "message": "no such file or directory"})
        if mode is Mode.WRITE:
            removed = sum(remove_stale_temporary(p) for p in found.temporaries)
            if removed and not args.quiet:
                err.write(f"removed {removed} temporary files left by an interrupted run\n")
        progress = Progress(
            enabled=err.isatty() and not args.quiet and not args.no_progress, stream=err
        )
        try:
            records = process_files(
                found.files,
                options=options,
                mode=mode,
                jobs=jobs,
                cwd=cwd,
                progress=progress,
                max_file_size=max_file_size,
            )
        finally:
            progress.close()
        records.extend(
            FileRecord(path=p, display=display_path(p, cwd), status=status, reason=reason)
            for status, entries in (
                (FileStatus.SKIPPED, found.skipped),
                (FileStatus.ERROR, found.errors),
            )
            for p, reason in entries
            if reason != "excluded"
        )
    if print_diff:
        for record in records:
            if record.diff:
                out.write(record.diff)
        out.flush()
    for record in records:
        _emit_record(record, mode, args.quiet, err, stdin=stdin)

    summary = summarize(records, extra_errors=len(extra_errors))
    warnings: list[str] = []
    if summary.migrated:
        first = next((p for p in args.paths if p != "-"), ".")
        start = Path(first).resolve()
        start = start if start.is_dir() else start.parent
        # The project being migrated, never the directory the command happens to run in.
        project = config.base or find_repo_root(start) or start
        warnings = check_requirements(
            project,
            target=target.value,
            uses_handler_result=any(r.uses_handler_result for r in records),
        )
    for warning in warnings:
        err.write(f"warning: {warning}\n")
    report_path = args.report or config.report
    if report_path:
        path = Path(report_path)
        if not args.report and config.base is not None and not path.is_absolute():
            path = config.base / path
        report = build_report(
            records,
            summary,
            mode=mode,
            target=target.value,
            warnings=warnings,
            extra_errors=extra_errors,
        )
        write_report(report, path)
    if not args.quiet or summary.exit_code:
        err.write(summary.line() + "\n")
        if mode is not Mode.WRITE and not args.quiet:
            err.write(f"(nothing written: --{mode.value})\n")
        elif stdin and not args.quiet:
            err.write("(no file written: the new code went to stdout)\n")
    return summary.exit_code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
