"""Result I/O benchmark: ``LocalResult`` write + read against the raw floor, in one run.

The floor is what any pickling result must do at least: ``cloudpickle.dumps`` + a plain
``open(path, "wb").write`` + ``open(path, "rb").read()`` + ``cloudpickle.loads``.
``LocalResult`` adds templating, an atomic write (temporary file + ``os.replace``, or a
no-clobber link for default names) and the result copies. A third column measures
``LocalResult`` with ``results.durable_writes`` on (fsync of the file, then of its directory),
the cost users pay for values that survive a power loss. Each case is repeated, the three
interleaved, and the median reported; ratios are against the floor and, for durable writes,
against plain ``LocalResult`` in the same run.

Run from the repository root::

    python benchmarks/bench_result_io.py [--repeats N]

Results go to stdout and to ``benchmarks/results/result_io.json``. This is a measurement,
not a test: nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cloudpickle

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compat.engine.results import LocalResult  # noqa: E402
from compat.utilities.configuration import set_temporary_config  # noqa: E402

SIZES = {"1 KB": 1024, "10 MB": 10 * 1024 * 1024}
TARGET_10MB = 1.15


def _value(size: int) -> dict[str, object]:
    # Mostly bytes (like arrays or frames) plus some structure to pickle.
    return {"payload": os.urandom(size), "meta": {"rows": size // 8, "name": "bench"}}


def _floor(path: str, value: object) -> None:
    with open(path, "wb") as stream:
        stream.write(cloudpickle.dumps(value))
    with open(path, "rb") as stream:
        cloudpickle.loads(stream.read())


def _local_result(result: LocalResult, value: object) -> str:
    written = result.write(value)
    result.read(written.location)
    return written.location


def _sample(op, cleanup, durable: bool = False) -> float:
    """Time one call of ``op``; ``cleanup`` (untimed) removes what it wrote."""
    with set_temporary_config({"results.durable_writes": durable}):
        start = time.perf_counter()
        made = op()
        elapsed = time.perf_counter() - start
    cleanup(made)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "result_io.json"))
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-result-io-") as directory:
        result = LocalResult(dir=os.path.join(directory, "results"))
        floor_dir = os.path.join(directory, "floor")
        os.makedirs(floor_dir)
        for label, size in SIZES.items():
            value = _value(size)
            inner = 200 if size < 1024 * 1024 else 1
            counter = itertools.count()

            def floor_op(v=value, n=inner, c=counter) -> list[str]:
                paths = [os.path.join(floor_dir, f"floor-{next(c)}") for _ in range(n)]
                for path in paths:
                    _floor(path, v)
                return paths

            def result_op(v=value, n=inner) -> list[str]:
                return [_local_result(result, v) for _ in range(n)]

            def remove(paths: list[str] | None) -> None:
                for path in paths or ():
                    os.unlink(path)

            for _ in range(3):  # warm up: imports, directory creation, page cache
                _sample(floor_op, remove)
                _sample(result_op, remove)
                _sample(result_op, remove, durable=True)
            # Interleave, rotating which goes first, and delete what each sample wrote
            # (untimed) so page-cache writeback pressure weighs on all sides alike.
            floor_samples, result_samples, durable_samples = [], [], []
            cases = [
                (floor_samples, floor_op, False),
                (result_samples, result_op, False),
                (durable_samples, result_op, True),
            ]
            for index in range(args.repeats):
                turn = index % len(cases)
                for samples, op, durable in cases[turn:] + cases[:turn]:
                    samples.append(_sample(op, remove, durable) / inner)
            floor_s = statistics.median(floor_samples)
            result_s = statistics.median(result_samples)
            durable_s = statistics.median(durable_samples)
            rows.append(
                {
                    "size": label,
                    "bytes": size,
                    "floor_ms": floor_s * 1000,
                    "local_result_ms": result_s * 1000,
                    "ratio": result_s / floor_s,
                    "overhead_us": (result_s - floor_s) * 1e6,
                    "durable_ms": durable_s * 1000,
                    "durable_vs_local_result": durable_s / result_s,
                    "durable_vs_floor": durable_s / floor_s,
                    "repeats": args.repeats,
                    "inner_loops": inner,
                }
            )

    print(
        f"{'size':>6} | {'floor (ms)':>10} | {'LocalResult (ms)':>16} | {'ratio':>6} | "
        f"{'durable (ms)':>12} | durable/LocalResult"
    )
    print("-" * 84)
    for row in rows:
        print(
            f"{row['size']:>6} | {row['floor_ms']:>10.3f} | {row['local_result_ms']:>16.3f} | "
            f"{row['ratio']:>5.2f}x | {row['durable_ms']:>12.3f} | "
            f"{row['durable_vs_local_result']:.2f}x"
        )
    big = next(r for r in rows if r["size"] == "10 MB")
    verdict = "within" if big["ratio"] <= TARGET_10MB else "ABOVE"
    print(f"10 MB target: <= {TARGET_10MB}x of the floor -> {verdict} ({big['ratio']:.3f}x)")

    report = {
        "benchmark": (
            "LocalResult write+read (plain and durable) vs cloudpickle + plain file write/read"
        ),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cloudpickle": cloudpickle.__version__,
        "target_10mb_ratio": TARGET_10MB,
        "rows": rows,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
