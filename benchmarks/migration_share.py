"""How much of a tree's legacy code the codemod migrates by itself, and what it breaks.

Usage::

    python benchmarks/migration_share.py [--target prefect|compat] [-j N] PATH [PATH ...]

Runs the real rewrite (nothing is written) over the files the command line would pick,
then prints, per rule and overall, the sites migrated automatically (``rewritten``), left
to a person (``todo``) and silenced (``suppressed``), and the files that are *broken*:
rejected by the rewrite's own verification (output does not compile, or a second run
changes it), plus any changed file whose output fails those checks again here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from codemods._discovery import discover
from codemods._engine import rewrite_checked
from codemods._runner import FileStatus, Mode, Options, process_files
from codemods._types import SiteStatus, Target


def measure(paths: list[Path], target: Target, jobs: int) -> dict[str, object]:
    """Return the counts for ``paths`` (see the module docstring)."""
    found = discover(paths)
    records = process_files(found.files, options=Options(target=target), mode=Mode.DIFF, jobs=jobs)
    per_rule: dict[str, Counter[str]] = {}
    for record in records:
        for entry in record.sites:
            per_rule.setdefault(entry.site.rule, Counter())[entry.site.status.value] += 1
    total = sum(per_rule.values(), Counter())
    broken = [
        f"{r.display}: {r.reason}"
        for r in records
        if r.status is FileStatus.ERROR and "verification" in r.reason
    ]
    for record in records:
        if (
            record.status is FileStatus.CHANGED
            and record.output is not None
            and record.path.suffix == ".py"
        ):
            code = record.output.decode("utf-8", errors="replace")
            try:
                compile(code, record.display, "exec", dont_inherit=True)
                if rewrite_checked(code, target=target).code != code:
                    broken.append(f"{record.display}: a second run changes the output")
            except (SyntaxError, ValueError) as exc:
                broken.append(f"{record.display}: output does not compile ({exc})")
    counted = total[SiteStatus.REWRITTEN.value] + total[SiteStatus.TODO.value]
    return {
        "files": len(records),
        "files_with_sites": sum(1 for r in records if r.sites),
        "files_changed": sum(1 for r in records if r.status is FileStatus.CHANGED),
        "errors": [f"{r.display}: {r.reason}" for r in records if r.status is FileStatus.ERROR],
        "rules": {rule: dict(counts) for rule, counts in sorted(per_rule.items())},
        "sites": dict(total),
        "migrated_share": round(total[SiteStatus.REWRITTEN.value] / counted, 4)
        if counted
        else None,
        "broken_files": broken,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--target", choices=[t.value for t in Target], default="prefect")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    result = measure(args.paths, Target(args.target), args.jobs)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if result["broken_files"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
