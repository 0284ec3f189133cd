"""The run's outcome: counts, the closing summary line, the exit code and the JSON report.

Exit codes (the highest that applies wins): 0 nothing left to do, 1 files changed or would
change, 2 manual TODOs remain, 3 errors (unreadable or unparsable files, crashes, bad
usage or configuration).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codemods._runner import FileRecord, FileStatus, Mode, ReportSite
from codemods._source import atomic_write
from codemods._types import SiteStatus

__all__ = [
    "EXIT_CHANGED",
    "EXIT_CLEAN",
    "EXIT_ERROR",
    "EXIT_TODO",
    "Summary",
    "build_report",
    "summarize",
    "write_report",
]

EXIT_CLEAN = 0
EXIT_CHANGED = 1
EXIT_TODO = 2
EXIT_ERROR = 3

REPORT_VERSION = 1


@dataclass(frozen=True)
class Summary:
    """Counts over a whole run."""

    sites: int
    migrated: int
    todos: int
    files_scanned: int
    files_changed: int
    files_skipped: int
    errors: int
    suppressed: int = 0

    @property
    def exit_code(self) -> int:
        """The documented exit code: the highest condition that applies."""
        if self.errors:
            return EXIT_ERROR
        if self.todos:
            return EXIT_TODO
        if self.files_changed:
            return EXIT_CHANGED
        return EXIT_CLEAN

    def line(self) -> str:
        """``N of M sites migrated, K files changed, T TODOs, E errors``."""
        line = (
            f"{self.migrated} of {self.sites} sites migrated, {self.files_changed} files changed, "
            f"{self.todos} TODOs, {self.errors} errors"
        )
        return f"{line}, {self.suppressed} suppressed" if self.suppressed else line


def summarize(records: Sequence[FileRecord], *, extra_errors: int = 0) -> Summary:
    """Count sites and files; ``extra_errors`` covers problems outside any file."""
    sites = [s for r in records for s in r.sites]
    status = Counter(r.status for r in records)
    return Summary(
        sites=len(sites),
        migrated=sum(1 for s in sites if s.site.status is SiteStatus.REWRITTEN),
        todos=sum(1 for s in sites if s.site.status is SiteStatus.TODO),
        files_scanned=len(records),
        files_changed=status[FileStatus.CHANGED],
        files_skipped=status[FileStatus.SKIPPED],
        errors=status[FileStatus.ERROR] + extra_errors,
        suppressed=sum(1 for s in sites if s.site.status is SiteStatus.SUPPRESSED),
    )


def _site(entry: ReportSite) -> dict[str, Any]:
    site = entry.site
    data: dict[str, Any] = {"file": entry.file, "line": site.line, "column": site.column}
    if entry.cell is not None:
        data["cell"] = entry.cell
    data.update(
        rule=str(getattr(site.rule, "value", site.rule)),
        status=site.status.value,
        message=site.message,
    )
    return data


def build_report(
    records: Sequence[FileRecord],
    summary: Summary,
    *,
    mode: Mode,
    target: str,
    warnings: Sequence[str] = (),
    extra_errors: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """The JSON-serialisable inventory of every site, file outcome, error and warning."""
    per_rule: dict[str, dict[str, int]] = {}
    for record in records:
        for entry in record.sites:
            rule = str(getattr(entry.site.rule, "value", entry.site.rule))
            counts = per_rule.setdefault(rule, {"rewritten": 0, "todo": 0})
            status = entry.site.status.value
            counts[status] = counts.get(status, 0) + 1
    files = [
        {"path": r.display, "status": r.status.value, **({"reason": r.reason} if r.reason else {})}
        for r in records
        if r.status is not FileStatus.UNCHANGED or r.sites or r.reason
    ]
    errors = [
        {"file": r.display, "message": r.reason} for r in records if r.status is FileStatus.ERROR
    ]
    return {
        "tool": "prefect-result-upgrade",
        "report_version": REPORT_VERSION,
        "mode": mode.value,
        "target": target,
        "summary": {
            "line": summary.line(),
            "sites": summary.sites,
            "migrated": summary.migrated,
            "todos": summary.todos,
            # Only when a noqa comment silenced a site, so reports without any keep their shape.
            **({"suppressed": summary.suppressed} if summary.suppressed else {}),
            "files_scanned": summary.files_scanned,
            "files_changed": summary.files_changed,
            "files_skipped": summary.files_skipped,
            "errors": summary.errors,
            "exit_code": summary.exit_code,
        },
        "rules": dict(sorted(per_rule.items())),
        "sites": [_site(s) for r in records for s in r.sites],
        "files": files,
        "errors": [*errors, *extra_errors],
        "warnings": list(warnings),
    }


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write the report as indented JSON (atomically when the file already exists).

    Paths in it are already printable (see ``display_path``); any other stray surrogate
    escape is written as a ``\\udcNN`` escape rather than failing the whole report.
    """
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    data = text.encode("utf-8", "backslashreplace")
    if path.exists():
        atomic_write(path, data)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
