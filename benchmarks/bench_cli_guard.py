"""Benchmark: what the CPython pre-parse (``codemods._guard``) adds to a codemod run.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_cli_guard.py [--repeats 5]

Every source that reaches libcst is first parsed by CPython, so that a source nested too
deeply for libcst's native parser is an error for its file instead of a crash of the run.
For the same texts, in the same run, it times (best of the repeats)

(a) the guard (``source_problem``),
(b) a plain LibCST pass (``libcst.parse_module(src).code``), and
(c) the verified rewrite (``_engine.rewrite_checked``) for texts with legacy names,

and prints the ratios a/b and a/c; results go to ``benchmarks/results/cli_guard.json``.
The texts: the legacy fixtures of the test suite, and a few large standard-library
modules with one legacy statement prepended. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "cli_guard.json"
LEGACY = (
    "from prefect import task\n"
    "from prefect.engine.result_handlers import LocalResultHandler\n"
    "TASK = task(lambda: 1, result_handler=LocalResultHandler(dir='/tmp'))\n"
)
LARGE_MODULES = ("argparse", "typing", "inspect", "pydoc")


def _best(action: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _corpora() -> dict[str, list[str]]:
    fixtures = sorted((ROOT / "tests" / "codemods" / "fixtures").rglob("*.py"))
    large = []
    for name in LARGE_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            large.append(LEGACY + Path(spec.origin).read_text(encoding="utf-8"))
    return {"legacy fixtures": [p.read_text() for p in fixtures], "large modules": large}


def main(argv: list[str] | None = None) -> int:
    """Measure and print the guard's cost; save the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import libcst

    from codemods import _engine
    from codemods._guard import source_problem

    rows = []
    for label, texts in _corpora().items():
        texts = [t for t in texts if _engine.may_contain_legacy(t)]
        guard = _best(lambda: [source_problem(t) for t in texts], args.repeats)  # noqa: B023
        plain = _best(lambda: [libcst.parse_module(t).code for t in texts], args.repeats)  # noqa: B023
        rewrite = _best(lambda: [_engine.rewrite_checked(t) for t in texts], args.repeats)  # noqa: B023
        row = {
            "corpus": label,
            "files": len(texts),
            "bytes": sum(len(t.encode()) for t in texts),
            "guard_s": round(guard, 5),
            "plain_libcst_s": round(plain, 5),
            "rewrite_s": round(rewrite, 5),
            "guard_over_plain": round(guard / plain, 4),
            "guard_over_rewrite": round(guard / rewrite, 4),
        }
        rows.append(row)
        print(
            f"{label}: {row['files']} files, {row['bytes']:,} bytes; guard {guard * 1e3:.1f} ms, "
            f"plain LibCST {plain * 1e3:.1f} ms, rewrite {rewrite * 1e3:.1f} ms; "
            f"guard/plain {row['guard_over_plain']:.3f}, guard/rewrite "
            f"{row['guard_over_rewrite']:.3f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "cli_guard",
                "repeats": args.repeats,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
