"""How much of a tree's legacy code the codemod migrates by itself, and what it breaks.

Usage (from the tree's root, so its configuration applies as it would in CI)::

    python benchmarks/migration_share.py [--target prefect|compat] [-j N] PATH [PATH ...]

Runs ``prefect-result-upgrade --check --report`` (nothing is written) and prints, per rule
and overall, the sites migrated automatically (``rewritten``), left to a person (``todo``)
and silenced by ``# noqa`` (``suppressed``), the share migrated (rewritten over rewritten
plus TODO), and the *broken* files: those whose rewrite failed the tool's own verification
(the output does not compile, or a second run would change it), which it never writes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from codemods.cli import main as upgrade


def measure(paths: list[str], target: str, jobs: int) -> dict[str, object]:
    """Return the counts for ``paths`` (see the module docstring)."""
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        args = ["--check", "--quiet", "--target", target, "-j", str(jobs)]
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade([*args, "--report", str(report_path), *paths])
        report = json.loads(report_path.read_text())
    per_rule: dict[str, Counter[str]] = {}
    for site in report["sites"]:
        per_rule.setdefault(site["rule"], Counter())[site["status"]] += 1
    total = sum(per_rule.values(), Counter())
    counted = total["rewritten"] + total["todo"]
    return {
        "files_scanned": report["summary"]["files_scanned"],
        "files_with_sites": len({s["file"] for s in report["sites"]}),
        "files_changed": report["summary"]["files_changed"],
        "rules": {rule: dict(counts) for rule, counts in sorted(per_rule.items())},
        "sites": dict(total),
        "migrated_share": round(total["rewritten"] / counted, 4) if counted else None,
        "broken_files": [e for e in report["errors"] if "verification" in e["message"]],
        "errors": report["errors"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--target", choices=["prefect", "compat"], default="prefect")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    result = measure(args.paths, args.target, args.jobs)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if result["broken_files"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
