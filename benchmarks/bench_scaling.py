"""Benchmark: the codemod's cost per MB from 1 KB to 50 MB, beside a plain LibCST pass.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_scaling.py [--sizes 1k,10k,100k,1m,10m,50m]
        [--kinds sparse,dense] [--repeats 3] [--memory-limit-gb 8] [--timeout 1200]

For each size it generates one module of two kinds:

* ``sparse``: one block of legacy code near the top, the rest unrelated functions and
  classes (a large module with a few legacy sites);
* ``dense``: legacy blocks (handlers in task, flow and custom-handler slots, some of which
  get TODO comments) alternating with unrelated code, so every few lines hold a site.

Each measurement runs in a fresh subprocess, so its peak memory (``ru_maxrss``, minus what
the process held before the work began) is its own:

* ``plain``: ``libcst.parse_module(source).code``, the usual LibCST parse-and-regenerate;
* ``tool``: ``codemods._engine.rewrite_checked(source)``, what the command line runs per
  file (rules, re-parse, compile, second run);
* ``plain-gc-paused``: the plain pass with the cyclic garbage collector paused, as the tool
  pauses it during a rewrite (for reference: the ratios are against ``plain``).

Children run under an address-space limit (``--memory-limit-gb``) so that a size the
machine cannot hold fails alone, as "out of memory", instead of starving the machine.
Results (wall and CPU seconds, MB, and the tool/plain ratios measured side by side in the
same run) go to stdout and ``benchmarks/results/scaling.json``. CPU time is the steadier
figure on a busy machine. Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["generate_module", "main"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "scaling.json"
#: What is measured per file: the two compared, and (for reference) the plain pass with
#: the cyclic garbage collector paused, as the tool pauses it during a rewrite.
MODES = ("plain", "tool", "plain-gc-paused")

_HEADER = '''"""A generated module for the scaling benchmark."""

import logging

from prefect import Flow, Task, task
from prefect.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler

logger = logging.getLogger(__name__)
'''

_PLAIN = '''

def stage_{i}(values, *, scale={scale}):
    """Summarise ``values`` scaled by ``scale``."""
    total = 0.0
    for index, value in enumerate(values):
        if value % {mod} == 0:
            total += value * scale  # multiples count in full
        else:
            total += value / (index + 1)
    logger.debug("computed %s for %d values", total, len(values))
    return {{"name": "stage_{i}", "total": total, "count": len(values)}}


class Record{i}:
    """A small record type."""

    def __init__(self, ident, label="r{i}"):
        self.ident = ident
        self.label = label

    def describe(self):
        return f"{{self.label}}#{{self.ident}}"
'''

_LEGACY = """

@task(result_handler=LocalResultHandler(dir="/data/{i}"))
def extract_{i}():
    return list(range({n}))


class Audit{i}(ResultHandler):
    def write(self, result):
        return str(result)

    def read(self, loc):
        return loc


with Flow("legacy-{i}", result_handler=JSONResultHandler()) as flow_{i}:
    extract_{i}()
audit_{i} = Task(result_handler=Audit{i}())
"""


def generate_module(size: int, kind: str) -> str:
    """Return a module of about ``size`` bytes of the given kind (``sparse``/``dense``)."""
    parts = [_HEADER, _LEGACY.format(i=0, n=3)]
    length = sum(map(len, parts))
    i = 0
    while length < size:
        i += 1
        piece = _PLAIN.format(i=i, scale=1 + i % 7, mod=2 + i % 5)
        if kind == "dense":
            piece += _LEGACY.format(i=i, n=i % 50)
        parts.append(piece)
        length += len(piece)
    return "".join(parts)


def _child(mode: str, path: Path) -> None:
    """Measure one run in this process and print it as JSON (the subprocess side)."""
    sys.path.insert(0, str(ROOT))
    import libcst

    from codemods._engine import rewrite_checked

    def run(source: str) -> int:
        if mode == "tool":
            return len(rewrite_checked(source).sites)
        paused = mode == "plain-gc-paused"
        if paused:
            gc.disable()
        libcst.parse_module(source).code  # noqa: B018 - the regeneration is the work
        if paused:
            gc.enable()
        return 0

    run(generate_module(2000, "dense"))  # first-use costs, paid once per process
    source = path.read_text(encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, start_cpu = time.perf_counter(), time.process_time()
    sites = run(source)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": (peak - before) / 1024}
            | {"sites": sites}
        )
    )


def _measure(mode: str, path: Path, limit_gb: float, timeout: float) -> dict[str, object]:
    limit = int(limit_gb * 1024**3)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = [sys.executable, __file__, "--child", mode, str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, preexec_fn=cap, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        if "MemoryError" in done.stderr or "memory allocation" in done.stderr:
            last = f"out of memory under the {limit_gb:g} GB limit"
        return {"error": last}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size(text: str) -> int:
    units = {"k": 1024, "m": 1024**2}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def _best(runs: list[dict[str, object]]) -> dict[str, object]:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[-1]
    return {
        "seconds": min(float(r["seconds"]) for r in ok),  # type: ignore[arg-type]
        "cpu_seconds": min(float(r["cpu_seconds"]) for r in ok),  # type: ignore[arg-type]
        "peak_mb": min(float(r["peak_mb"]) for r in ok),  # type: ignore[arg-type]
        "sites": ok[0]["sites"],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k,100k,1m,10m,50m")
    parser.add_argument("--kinds", default="sparse,dense")
    parser.add_argument("--repeats", type=int, default=3, help="for sizes up to 1 MB")
    parser.add_argument("--memory-limit-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--modes", default=",".join(MODES), help="what to measure")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other rows and modes of the output file, replacing what is measured",
    )
    parser.add_argument("--markdown", action="store_true", help="print the saved results")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return 0
    if args.markdown:
        print(_markdown(json.loads(args.output.read_text())["rows"]))
        return 0

    modes = args.modes.split(",")
    rows: list[dict[str, object]] = []
    if args.update and args.output.exists():
        rows = json.loads(args.output.read_text())["rows"]
    print(
        f"{'kind':<8}{'size':>8}{'plain s':>10}{'tool s':>10}{'x time':>8}{'x CPU':>8}"
        f"{'plain MB':>10}{'tool MB':>10}{'x mem':>8}{'tool CPU s/MB':>15}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        for kind in args.kinds.split(","):
            for label in args.sizes.split(","):
                path = Path(tmp) / f"{kind}-{label}.py"
                path.write_text(generate_module(_size(label), kind), encoding="utf-8")
                actual = path.stat().st_size
                repeats = args.repeats if actual <= 1024**2 else 1
                row = next((r for r in rows if (r["kind"], r["size"]) == (kind, label)), None)
                if row is None:
                    row = {"kind": kind, "size": label, "bytes": actual}
                    rows.append(row)
                for mode in modes:
                    runs = [
                        _measure(mode, path, args.memory_limit_gb, args.timeout)
                        for _ in range(repeats)
                    ]
                    row[mode] = _best(runs)
                _print_row(row)
                path.unlink()
    result = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "memory_limit_gb": args.memory_limit_gb,
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"saved to {shown}")
    return 0


def _markdown(rows: list[dict[str, Any]]) -> str:
    """The saved rows as a Markdown table of CPU time and peak memory."""
    lines = [
        "| module | size | plain CPU s | tool CPU s | tool/plain | plain MB | tool MB "
        "| tool/plain | tool CPU s per MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        plain, tool = row.get("plain", {}), row.get("tool", {})
        cells = [row["kind"], row["size"]]
        for key in ("cpu_seconds", "peak_mb"):
            both = key in plain and key in tool
            cells += [
                f"{plain[key]:.2f}" if key in plain else plain.get("error", "-"),
                f"{tool[key]:.2f}" if key in tool else tool.get("error", "-"),
                f"{tool[key] / plain[key]:.2f}x" if both and plain[key] > 0 else "-",
            ]
        per_mb = tool["cpu_seconds"] / (row["bytes"] / 1024**2) if "cpu_seconds" in tool else None
        cells.append(f"{per_mb:.2f}" if per_mb is not None else "-")
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def _print_row(row: dict[str, object]) -> None:
    plain, tool = row.get("plain", {}), row.get("tool", {})
    assert isinstance(plain, dict)
    assert isinstance(tool, dict)

    def cell(values: dict[str, object], key: str) -> str:
        return f"{float(values[key]):.2f}" if key in values else "failed"  # type: ignore[arg-type]

    def ratio(key: str) -> str:
        if key in plain and key in tool and float(plain[key]) > 0:  # type: ignore[arg-type]
            return f"{float(tool[key]) / float(plain[key]):.2f}"  # type: ignore[arg-type]
        return "-"

    megabytes = int(row["bytes"]) / 1024**2  # type: ignore[call-overload]
    per_mb = f"{float(tool['cpu_seconds']) / megabytes:.2f}" if "seconds" in tool else "-"  # type: ignore[arg-type]
    print(
        f"{row['kind']!s:<8}{row['size']!s:>8}{cell(plain, 'seconds'):>10}"
        f"{cell(tool, 'seconds'):>10}{ratio('seconds'):>8}{ratio('cpu_seconds'):>8}"
        f"{cell(plain, 'peak_mb'):>10}{cell(tool, 'peak_mb'):>10}{ratio('peak_mb'):>8}"
        f"{per_mb:>15}"
    )
    paused = row.get("plain-gc-paused")
    if isinstance(paused, dict) and "seconds" in paused:
        print(f"    plain with the collector paused: {float(paused['cpu_seconds']):.2f} s CPU")  # type: ignore[arg-type]
    for mode in MODES:
        values = row.get(mode)
        if isinstance(values, dict) and "error" in values:
            print(f"    {mode}: {values['error']}")


if __name__ == "__main__":
    raise SystemExit(main())
