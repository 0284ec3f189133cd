"""Benchmark: ``prefect-result-upgrade`` against a plain LibCST pass, in the same run.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_codemods.py [--modules 2000] [--legacy-share 0.02]
        [--repeats 5] [--jobs 1]

It generates a tree of realistic modules (30-150 lines each), of which a small share use
the Prefect 0.x result-handler API, then times

(a) the tool over the tree, in-process, exactly as the command line runs it (discovery,
    ``.gitignore``, reading, text gate, rules, verification, atomic writes), on a fresh copy
    of the tree each repeat, and
(b) the usual LibCST approach: read every file, ``libcst.parse_module(src).code``.

It prints wall times (best and median of the repeats), the speed-up ratio (b / a), and
throughput per rewritten file for both, and saves everything to
``benchmarks/results/codemods.json``. Timings are never asserted anywhere.

It then does the same on a real tree dense with legacy code: the source distribution of
Prefect 0.10.7 (195 modules, 32 of them use the result-handler API), downloaded once with
``pip download`` into the ignored ``.benchmarks/`` directory (``--no-real-tree`` skips it).
Besides wall times it records CPU times of the in-process runs, which a busy machine
disturbs less.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

__all__ = ["generate_tree", "main"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "codemods.json"
CACHE = ROOT / ".benchmarks"
REAL_TREE = "prefect==0.10.7"

_PLAIN_HEADER = '''"""{doc}"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)
'''

_FUNCTION = '''

def {name}(values: list[int], *, scale: float = {scale}) -> dict[str, Any]:
    """Summarise ``values`` scaled by ``scale`` ({doc})."""
    total = 0.0
    for index, value in enumerate(values):
        if value % {mod} == 0:
            total += value * scale  # multiples count in full
        else:
            total += value / (index + 1)
    logger.debug("computed %s for %d values", total, len(values))
    return {{"name": "{name}", "total": total, "count": len(values)}}
'''

_CLASS = '''

@dataclass
class {name}:
    """A small record type ({doc})."""

    ident: int
    label: str = "{label}"
    tags: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """Human-readable one-liner."""
        return f"{{self.label}}#{{self.ident}} [{{', '.join(self.tags)}}]"

    def with_tag(self, tag: str) -> {name}:
        return {name}(self.ident, self.label, [*self.tags, tag])
'''

_PREFECT_PLAIN = """

from prefect import Flow, task


@task
def extract_{i}() -> list[int]:
    return list(range({n}))


with Flow("plain-{i}") as flow_{i}:
    extract_{i}()
"""

_LEGACY = '''

from prefect import Flow, Task, task
from prefect.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from prefect.engine.result_handlers import S3ResultHandler as S3RH


class AuditHandler(ResultHandler):
    """A custom handler: cannot be converted automatically."""

    def write(self, result):
        return str(result)

    def read(self, loc):
        return loc


@task(result_handler=LocalResultHandler(dir="{dir}"))
def extract_{i}() -> list[int]:
    return list(range({n}))


@task(checkpoint=True, result_handler=JSONResultHandler())
def transform_{i}(values: list[int]) -> int:
    return sum(values)


class Load{i}(Task):
    def __init__(self, **kwargs):
        super().__init__(result_handler=S3RH(bucket="bucket-{i}"), **kwargs)

    def run(self, value: int) -> None:
        print(value)


with Flow("legacy-{i}", result_handler=LocalResultHandler(dir="{dir}")) as flow_{i}:
    Load{i}()(transform_{i}(extract_{i}()))
audit_{i} = AuditHandler()
'''


def _module(rng: random.Random, index: int, legacy: bool) -> str:
    parts = [_PLAIN_HEADER.format(doc=f"Module {index}: helpers for pipeline stage {index % 17}.")]
    target_lines = rng.randint(30, 150)
    if legacy:
        parts.append(_LEGACY.format(i=index, n=rng.randint(3, 50), dir=f"/data/{index}"))
    elif rng.random() < 0.1:
        parts.append(_PREFECT_PLAIN.format(i=index, n=rng.randint(3, 50)))
    k = 0
    while sum(p.count("\n") for p in parts) < target_lines:
        k += 1
        if rng.random() < 0.6:
            parts.append(
                _FUNCTION.format(
                    name=f"stage_{index}_{k}",
                    scale=round(rng.uniform(0.5, 3), 2),
                    mod=rng.randint(2, 9),
                    doc=f"variant {k}",
                )
            )
        else:
            parts.append(_CLASS.format(name=f"Record{index}x{k}", label=f"r{k}", doc=f"kind {k}"))
    return "".join(parts)


def generate_tree(root: Path, modules: int, legacy_share: float, seed: int = 4) -> list[Path]:
    """Write ``modules`` modules under ``root``; return the paths of the legacy ones."""
    rng = random.Random(seed)
    legacy_count = round(modules * legacy_share)
    legacy_ids = set(rng.sample(range(modules), legacy_count))
    legacy_paths = []
    for index in range(modules):
        package = root / f"pkg{index // 100:02}" / f"sub{index // 20 % 5}"
        package.mkdir(parents=True, exist_ok=True)
        path = package / f"mod{index:04}.py"
        path.write_text(_module(rng, index, index in legacy_ids), encoding="utf-8")
        if index in legacy_ids:
            legacy_paths.append(path)
    (root / ".gitignore").write_text("build/\n*.egg-info/\n")
    return legacy_paths


def _plain_libcst(root: Path) -> int:
    import libcst

    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                source = Path(dirpath, name).read_text(encoding="utf-8")
                libcst.parse_module(source).code  # noqa: B018 - the regeneration is the work
                count += 1
    return count


def _tool(root: Path, jobs: int) -> int:
    from codemods.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli_main(["-q", "--no-progress", "--isolated", "-j", str(jobs), str(root)])
    if code == 3:
        raise SystemExit(f"the tool reported errors on the generated tree:\n{err.getvalue()}")
    return code


def _time(fn: Callable[[], object], cpu: list[float] | None = None) -> float:
    """Return the wall time of ``fn()``; append its CPU time (this process) to ``cpu``."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def real_tree() -> Path:
    """Return the unpacked Prefect 0.10.7 source distribution, downloading it once."""
    name = REAL_TREE.replace("==", "-")
    unpacked = CACHE / name
    if not unpacked.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        download = ["download", "--no-deps", "--no-binary", ":all:", "--dest", str(CACHE)]
        subprocess.run([sys.executable, "-m", "pip", *download, REAL_TREE], check=True)
        with tarfile.open(CACHE / f"{name}.tar.gz") as archive:
            archive.extractall(CACHE, filter="data")
    return unpacked


def _bench_real_tree(repeats: int, jobs: list[int]) -> dict[str, object]:
    """Time the tool and the plain pass over the real tree, side by side in each repeat."""
    tree = real_tree()
    files = sorted(tree.rglob("*.py"))
    with tempfile.TemporaryDirectory(prefix="bench-codemods-real-") as tmp:
        work = Path(tmp) / "work"

        def fresh() -> None:
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(tree, work)

        fresh()
        _tool(work, 1)  # warm-up
        walls: dict[str, list[float]] = {"plain_libcst": []}
        walls.update({f"tool_j{j}": [] for j in jobs})
        cpus: dict[str, list[float]] = {"plain_libcst": [], "tool_j1": []}
        for _ in range(repeats):
            walls["plain_libcst"].append(_time(lambda: _plain_libcst(tree), cpus["plain_libcst"]))
            for j in jobs:
                fresh()
                cpu = cpus["tool_j1"] if j == 1 else None  # in this process only with -j 1
                walls[f"tool_j{j}"].append(_time(lambda j=j: _tool(work, j), cpu))
        changed = sum(
            1 for p in files if (work / p.relative_to(tree)).read_bytes() != p.read_bytes()
        )
    best_wall = {k: min(v) for k, v in walls.items()}
    best_cpu = {k: min(v) for k, v in cpus.items() if v}
    return {
        "tree": REAL_TREE,
        "modules": len(files),
        "changed_modules": changed,
        "repeats": repeats,
        "best_wall_seconds": best_wall,
        "best_cpu_seconds": best_cpu,
        # Above 1: the tool is faster than a plain LibCST pass over every file.
        "speedup_vs_plain_libcst_wall": {
            k: best_wall["plain_libcst"] / v for k, v in best_wall.items() if k != "plain_libcst"
        },
        "speedup_vs_plain_libcst_cpu": (
            best_cpu["plain_libcst"] / best_cpu["tool_j1"] if "tool_j1" in best_cpu else None
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=2000)
    parser.add_argument("--legacy-share", type=float, default=0.02)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-real-tree", action="store_true", help="skip Prefect 0.10.7")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    with tempfile.TemporaryDirectory(prefix="bench-codemods-") as tmp:
        pristine = Path(tmp) / "pristine"
        legacy = generate_tree(pristine, args.modules, args.legacy_share)
        lines = sum(p.read_text().count("\n") for p in pristine.rglob("*.py"))
        work = Path(tmp) / "work"
        legacy_only = Path(tmp) / "legacy-only"
        for path in legacy:
            dest = legacy_only / path.relative_to(pristine)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)

        def fresh(src: Path = pristine) -> None:
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(src, work)

        # Warm-up: imports and first-parse costs are paid once, outside the timings.
        warm = Path(tmp) / "warm"
        shutil.copytree(legacy[0].parent, warm)
        _tool(warm, 1)
        _plain_libcst(warm)
        rewritten = -1

        times: dict[str, list[float]] = {"plain_libcst": []}
        times.update({f"tool_j{j}": [] for j in args.jobs})
        times["tool_legacy_only_j1"] = []
        times["plain_libcst_legacy_only"] = []
        cpus: dict[str, list[float]] = {"plain_libcst": [], "tool_j1": []}
        for _ in range(args.repeats):
            times["plain_libcst"].append(
                _time(lambda: _plain_libcst(pristine), cpus["plain_libcst"])
            )
            for jobs in args.jobs:
                fresh()
                cpu = cpus["tool_j1"] if jobs == 1 else None  # in this process only with -j 1
                times[f"tool_j{jobs}"].append(_time(lambda j=jobs: _tool(work, j), cpu))
                if rewritten < 0:
                    rewritten = sum(
                        1
                        for p in legacy
                        if (work / p.relative_to(pristine)).read_bytes() != p.read_bytes()
                    )
            fresh(legacy_only)
            times["tool_legacy_only_j1"].append(_time(lambda: _tool(work, 1)))
            times["plain_libcst_legacy_only"].append(_time(lambda: _plain_libcst(legacy_only)))

    best = {k: min(v) for k, v in times.items()}
    median = {k: statistics.median(v) for k, v in times.items()}
    n_legacy = len(legacy)
    result = {
        "modules": args.modules,
        "legacy_modules": n_legacy,
        "rewritten_modules": rewritten,
        "lines": lines,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "best_seconds": best,
        "median_seconds": median,
        "speedup_vs_plain_libcst": {
            k: best["plain_libcst"] / best[k] for k in best if k.startswith("tool_j")
        },
        # CPU time, steadier than wall time on a busy machine (in-process runs only).
        "best_cpu_seconds": {k: min(v) for k, v in cpus.items() if v},
        "speedup_vs_plain_libcst_cpu": (
            min(cpus["plain_libcst"]) / min(cpus["tool_j1"]) if cpus["tool_j1"] else None
        ),
        # Files rewritten per second of wall time. The plain pass regenerates every file,
        # so every file counts as "rewritten" for it.
        "rewritten_files_per_second": {
            "plain_libcst": args.modules / best["plain_libcst"],
            **{k: rewritten / best[k] for k in best if k.startswith("tool_j")},
        },
        # The cost on the legacy files alone: full rules + verification vs parse+regenerate.
        "legacy_only_files_per_second": {
            "tool_j1": n_legacy / best["tool_legacy_only_j1"],
            "plain_libcst": n_legacy / best["plain_libcst_legacy_only"],
        },
    }
    if not args.no_real_tree:
        result["real_tree"] = _bench_real_tree(args.repeats, args.jobs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")

    print(
        f"{args.modules} modules ({lines} lines), {n_legacy} legacy, {rewritten} rewritten; "
        f"best of {args.repeats}, Python {result['python']}, {result['cpus']} CPUs"
    )
    print(f"{'run':<28}{'best s':>10}{'median s':>10}{'x plain':>10}{'rewr./s':>10}")
    for key in times:
        ratio = best["plain_libcst"] / best[key] if key.startswith("tool_j") else float("nan")
        rate = result["rewritten_files_per_second"].get(key, float("nan"))
        print(f"{key:<28}{best[key]:>10.3f}{median[key]:>10.3f}{ratio:>10.1f}{rate:>10.1f}")
    if result["speedup_vs_plain_libcst_cpu"] is not None:
        print(
            f"CPU time: the plain pass takes {result['speedup_vs_plain_libcst_cpu']:.1f}x tool -j 1"
        )
    legacy_rates = result["legacy_only_files_per_second"]
    print(
        f"legacy files only: tool {legacy_rates['tool_j1']:.1f} files/s, "
        f"plain LibCST {legacy_rates['plain_libcst']:.1f} files/s"
    )
    real = result.get("real_tree")
    if isinstance(real, dict):
        print(
            f"real tree {real['tree']}: {real['modules']} modules, {real['changed_modules']} "
            f"changed; best of {real['repeats']}"
        )
        for key, wall in real["best_wall_seconds"].items():
            cpu = real["best_cpu_seconds"].get(key)
            ratio = real["speedup_vs_plain_libcst_wall"].get(key, float("nan"))
            shown_cpu = f"{cpu:>10.3f}" if cpu is not None else f"{'-':>10}"
            print(f"{key:<28}{wall:>10.3f}{shown_cpu}{ratio:>10.2f}")
        print(
            f"CPU time: the plain pass takes {real['speedup_vs_plain_libcst_cpu']:.2f}x tool -j 1"
        )
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"saved to {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
