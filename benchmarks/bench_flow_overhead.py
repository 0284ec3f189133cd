"""Benchmark: per-task overhead of ``flow.run()``, ``compat`` against Prefect 0.15.13.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_flow_overhead.py [--tasks 1000] [--repeats 5]
        [--shape chain|fan|both] [--only compat|prefect] [--scratch DIR --label NAME]
        [--profile] [--no-save]

What it does:

1. Creates (or reuses) a throwaway virtual environment ``benchmarks/.venvs/prefect-0.15.13``
   (gitignored) with ``prefect==0.15.13`` and the pins that make it work on current Python
   (``marshmallow<4``, ``marshmallow-oneofschema<3.1``, ``pendulum<3``).
2. Writes one flow script (:data:`FLOW_SCRIPT`) that runs unchanged under both packages: it
   imports ``Flow``/``task`` and ``LocalResult`` from ``compat`` or from ``prefect`` (the
   ``BENCH_ROOT`` environment variable says which) and builds a flow of ``--tasks`` trivial
   ``inc`` tasks (a chain ``x = inc(x)`` and a fan ``inc(i)`` of independent tasks, both
   by default), every one checkpointed with ``LocalResult(dir=<fresh temporary directory>)``
   (``PREFECT__FLOWS__CHECKPOINTING=true``).
3. Runs that script as a subprocess under each interpreter (this project's for ``compat``,
   the throwaway one for Prefect), alternating the two, ``--repeats`` times each.

Timing happens inside the flow script, around ``flow.run()`` only (imports and flow
construction are excluded from the ratio; construction time is reported on its own). In
each process: one warm-up run of a 10-task flow (first-run lazy imports), then one run of
an empty flow (``t_empty``), then the measured run of the N-task flow (``t_run``).
The script checks that all N results were written and the final value is right, so a run
that silently skipped checkpointing cannot look fast.

**Per-task overhead** = ``(t_run - t_empty) / N``: what each additional task costs, with the
fixed cost of running any flow taken out. ``t_run / N`` is reported too. The headline ratio is
Prefect's median per-task overhead divided by compat's (the target is at least 10), per
shape. ``--profile`` runs each side once under cProfile instead and prints where time goes.

**The bare write** is measured in the same process right after the flow run: N values, each
``cloudpickle.dumps`` plus an exclusive create, write and ``os.replace`` of a new file (what
checkpointing a small value costs at the least). ``overhead/write`` = per-task overhead
divided by the bare write per value, per process; the target for ``compat`` is at most 2.
The same ratio is also given in CPU time of the process (``time.process_time``), which a busy
machine inflates much less than wall-clock time. The bare write runs in a tight loop, with
the kernel's and the interpreter's caches warm; the same system calls made between task
runs cost more, and the ratio charges that difference to the engine.

Both packages log at ``ERROR`` (``PREFECT__LOGGING__LEVEL=ERROR``) so that terminal output
of 2,000 INFO lines is not what gets measured; ``home_dir`` points at a temporary directory.
Creating a file costs the same for both packages and, on a slow disk, can be a large part of
a task's cost (about a millisecond per new file on some virtual disks, tens of microseconds
on tmpfs). ``--scratch DIR --label NAME`` puts ``home_dir`` and the result directories under
``DIR`` (e.g. a tmpfs mount) so that the engines' own overhead can be compared apart from
the disk; each (label, shape) pair is kept as its own entry in the JSON file.

Results are printed as a table and merged into ``benchmarks/results/flow_overhead.json``.
Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["FLOW_SCRIPT", "ensure_prefect_venv", "main", "run_once"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "flow_overhead.json"
VENV = HERE / ".venvs" / "prefect-0.15.13"
PREFECT_REQUIREMENTS = [
    "prefect==0.15.13",
    "marshmallow<4",
    "marshmallow-oneofschema<3.1",
    "pendulum<3",
]

#: The one flow script, importable under ``compat`` and under ``prefect``.
FLOW_SCRIPT = '''\
"""Time flow.run() for N trivial checkpointed tasks; print one JSON line."""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.environ["BENCH_ROOT"]
if ROOT == "compat":
    from compat import Flow, task
    from compat.engine.results import LocalResult
else:
    from prefect import Flow, task
    from prefect.engine.results import LocalResult

N_TASKS = int(os.environ["BENCH_TASKS"])
SHAPE = os.environ["BENCH_SHAPE"]


@task
def inc(x):
    return x + 1


def build(n, results_dir):
    with Flow(f"bench-{n}", result=LocalResult(dir=results_dir)) as flow:
        if SHAPE == "chain":
            x = 0
            for _ in range(n):
                x = inc(x)
            last = x if n else None
        else:
            last = [inc(i) for i in range(n)][-1] if n else None
    return flow, last


BUILD_TIMES = {}
CPU_TIMES = {}


def timed_run(n):
    results_dir = tempfile.mkdtemp(prefix=f"bench-{n}-")
    start = time.perf_counter()
    flow, last = build(n, results_dir)
    BUILD_TIMES[n] = time.perf_counter() - start
    # Start every timed run with no dirty pages left by earlier runs (either package's):
    # on a real disk their write-back otherwise lands in whichever run comes next.
    os.sync()
    start, start_cpu = time.perf_counter(), time.process_time()
    state = flow.run()
    elapsed = time.perf_counter() - start
    CPU_TIMES[n] = time.process_time() - start_cpu
    if not state.is_successful():
        raise SystemExit(f"flow of {n} tasks did not succeed: {state!r}")
    written = len(os.listdir(results_dir)) if os.path.isdir(results_dir) else 0
    if written != n:
        raise SystemExit(f"expected {n} checkpointed results, found {written}")
    if n:
        if state.result[last].result != n:  # chain: 0 + n; fan: the last inc(n - 1)
            raise SystemExit(f"wrong final value {state.result[last].result!r}")
    return elapsed


def timed_writes(n):
    """The write no engine can avoid: cloudpickle, then an atomic write of a new file."""
    import cloudpickle

    target_dir = tempfile.mkdtemp(prefix=f"bench-writes-{n}-")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    os.sync()
    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        data = cloudpickle.dumps(i + 1)
        final = os.path.join(target_dir, f"prefect-result-write-{i:06d}")
        temporary = final + ".tmp"
        handle = os.open(temporary, flags, 0o666)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, final)
    CPU_TIMES["writes"] = time.process_time() - start_cpu
    return time.perf_counter() - start


timed_run(10)  # warm-up: lazy imports and first-run caches
timed_writes(10)
empty = timed_run(0)
if os.environ.get("BENCH_PROFILE"):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run = timed_run(N_TASKS)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime")
    stats.print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
else:
    run = timed_run(N_TASKS)
writes = timed_writes(N_TASKS)
version = getattr(sys.modules[ROOT], "__version__", "?")
print(json.dumps({"root": ROOT, "version": version, "n_tasks": N_TASKS, "shape": SHAPE,
                  "t_empty": empty, "t_run": run, "t_build": BUILD_TIMES[N_TASKS],
                  "t_writes": writes, "cpu_empty": CPU_TIMES[0],
                  "cpu_run": CPU_TIMES[N_TASKS], "cpu_writes": CPU_TIMES["writes"]}))
'''


def ensure_prefect_venv(venv: Path = VENV) -> Path:
    """Create the throwaway Prefect 0.15.13 environment unless it already works."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import prefect; print(prefect.__version__)"]
    if python.exists():
        done = subprocess.run(check, capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == "0.15.13":
            return python
    print(f"creating {venv.relative_to(ROOT)} with {' '.join(PREFECT_REQUIREMENTS)} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PREFECT_REQUIREMENTS], check=True
    )
    subprocess.run(check, check=True, capture_output=True)
    return python


def run_once(
    python: str,
    root: str,
    script: Path,
    n_tasks: int,
    shape: str,
    *,
    scratch: str | None = None,
    profile: bool = False,
) -> dict[str, Any]:
    """Run the flow script once under ``python``; return its timings.

    With ``profile`` the measured run is profiled with cProfile and the statistics are
    printed to this process's standard error.
    """
    with tempfile.TemporaryDirectory(prefix="bench-", dir=scratch) as base:
        # Separate trees: a LocalResult dir inside home_dir would be redirected to
        # home_dir/results (Prefect's rule, which compat keeps).
        home, scratch = os.path.join(base, "home"), os.path.join(base, "tmp")
        os.makedirs(home)
        os.makedirs(scratch)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PREFECT__", "BENCH_")) and key != "PYTHONPATH"
        }
        env.update(
            {
                "BENCH_ROOT": root,
                "BENCH_TASKS": str(n_tasks),
                "BENCH_SHAPE": shape,
                "PREFECT__FLOWS__CHECKPOINTING": "true",
                "PREFECT__LOGGING__LEVEL": "ERROR",
                "PREFECT__HOME_DIR": home,
                "PREFECT__USER_CONFIG_PATH": os.path.join(home, "config.toml"),
                "TMPDIR": scratch,
            }
        )
        if profile:
            env["BENCH_PROFILE"] = "1"
        if root == "compat":
            env["PYTHONPATH"] = str(ROOT)
        done = subprocess.run(
            [python, str(script)], env=env, cwd=home, capture_output=True, text=True
        )
    if done.returncode != 0:
        msg = f"{root} run failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-4000:]}"
        raise RuntimeError(msg)
    if profile:
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians (and spread) of the per-process measurements of one package."""
    n = runs[0]["n_tasks"]
    per_task = [(r["t_run"] - r["t_empty"]) / n for r in runs]
    per_write = [r["t_writes"] / n for r in runs]
    # Each process measures its flow and the bare writes side by side: ratio per process.
    over_write = [(r["t_run"] - r["t_empty"]) / r["t_writes"] for r in runs]
    # The same in CPU time of the process: on a busy machine, time spent waiting for a core
    # inflates wall-clock timings, not CPU time (the write's system calls count in both).
    cpu_over_write = [(r["cpu_run"] - r["cpu_empty"]) / r["cpu_writes"] for r in runs]
    return {
        "version": runs[0]["version"],
        "n_tasks": n,
        "repeats": len(runs),
        "median_run_s": statistics.median(r["t_run"] for r in runs),
        "median_empty_flow_s": statistics.median(r["t_empty"] for r in runs),
        "median_per_task_overhead_us": statistics.median(per_task) * 1e6,
        "min_per_task_overhead_us": min(per_task) * 1e6,
        "max_per_task_overhead_us": max(per_task) * 1e6,
        "median_total_per_task_us": statistics.median(r["t_run"] / n for r in runs) * 1e6,
        "median_build_s": statistics.median(r["t_build"] for r in runs),
        "median_write_us": statistics.median(per_write) * 1e6,
        "median_overhead_over_write": statistics.median(over_write),
        "median_cpu_per_task_overhead_us": statistics.median(
            (r["cpu_run"] - r["cpu_empty"]) / n for r in runs
        )
        * 1e6,
        "median_cpu_write_us": statistics.median(r["cpu_writes"] / n for r in runs) * 1e6,
        "median_cpu_overhead_over_write": statistics.median(cpu_over_write),
        "runs": runs,
    }


def measure(
    pythons: dict[str, str],
    sides: list[str],
    shape: str,
    n_tasks: int,
    repeats: int,
    scratch: str | None,
) -> dict[str, Any]:
    """Alternate the packages ``repeats`` times on one flow shape; summarise each."""
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory(prefix="bench-flow-") as tmp:
        script = Path(tmp) / "bench_flow_script.py"
        script.write_text(FLOW_SCRIPT, encoding="utf-8")
        for repeat in range(repeats):
            for side in sides:  # alternate, so drift in machine load hits both alike
                result = run_once(pythons[side], side, script, n_tasks, shape, scratch=scratch)
                runs[side].append(result)
                per_task = (result["t_run"] - result["t_empty"]) / n_tasks * 1e6
                per_write = result["t_writes"] / n_tasks * 1e6
                cpu_ratio = (result["cpu_run"] - result["cpu_empty"]) / result["cpu_writes"]
                print(
                    f"  {shape:5s} repeat {repeat + 1}/{repeats} {side:8s} "
                    f"run {result['t_run']:.3f} s  empty {result['t_empty'] * 1e3:.2f} ms  "
                    f"per task {per_task:.1f} us  write {per_write:.1f} us "
                    f"({per_task / per_write:.2f}x; CPU time {cpu_ratio:.2f}x)",
                    flush=True,
                )
    summary: dict[str, Any] = {side: summarise(side_runs) for side, side_runs in runs.items()}
    if len(sides) == 2:
        summary["ratio_prefect_over_compat"] = (
            summary["prefect"]["median_per_task_overhead_us"]
            / summary["compat"]["median_per_task_overhead_us"]
        )
    return summary


def print_table(shape: str, n_tasks: int, summary: dict[str, Any]) -> None:
    print(f"\nflow of {n_tasks} trivial tasks ({shape}), LocalResult checkpointing on")
    header = (
        f"{'package':10s} {'version':12s} {'median run':>12s} {'empty flow':>12s} "
        f"{'per-task overhead':>18s} {'run / N':>10s} {'build (untimed)':>16s} "
        f"{'bare write':>11s} {'overhead/write':>15s}"
    )
    print(header)
    print("-" * len(header))
    for side in ("compat", "prefect"):
        if side not in summary:
            continue
        s = summary[side]
        print(
            f"{side:10s} {s['version']:12s} {s['median_run_s']:>10.3f} s "
            f"{s['median_empty_flow_s'] * 1e3:>9.2f} ms "
            f"{s['median_per_task_overhead_us']:>15.1f} us "
            f"{s['median_total_per_task_us']:>7.1f} us "
            f"{s['median_build_s']:>14.3f} s "
            f"{s['median_write_us']:>8.1f} us "
            f"{s['median_overhead_over_write']:>14.2f}x"
        )
    ratio = summary.get("ratio_prefect_over_compat")
    if ratio is not None:
        verdict = "meets" if ratio >= 10 else "MISSES"
        print(f"per-task overhead ratio prefect/compat: {ratio:.1f}x ({verdict} the 10x target)")
    if "compat" in summary:
        s = summary["compat"]
        for label, over in (
            ("wall clock", s["median_overhead_over_write"]),
            ("CPU time", s["median_cpu_overhead_over_write"]),
        ):
            verdict = "meets" if over <= 2 else "MISSES"
            print(
                f"compat per-task overhead / bare write ({label}): {over:.2f}x "
                f"({verdict} the 2x target)"
            )
        print(
            f"compat in CPU time: {s['median_cpu_per_task_overhead_us']:.1f} us per task, "
            f"bare write {s['median_cpu_write_us']:.1f} us"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000, help="tasks in the flow (1000)")
    parser.add_argument("--repeats", type=int, default=5, help="processes per package (5)")
    parser.add_argument("--shape", choices=["chain", "fan", "both"], default="both")
    parser.add_argument("--only", choices=["compat", "prefect"], help="run one side only")
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON file")
    parser.add_argument(
        "--scratch",
        help="directory under which home_dir and the result files are created "
        "(default: the system temporary directory)",
    )
    parser.add_argument(
        "--label",
        default="default temp dir",
        help="name of this storage set-up in the JSON file (e.g. 'tmpfs')",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run each selected side once under cProfile and print the statistics",
    )
    args = parser.parse_args(argv)

    sides = [args.only] if args.only else ["compat", "prefect"]
    shapes = ["chain", "fan"] if args.shape == "both" else [args.shape]
    pythons = {"compat": sys.executable}
    if "prefect" in sides:
        pythons["prefect"] = str(ensure_prefect_venv())

    if args.profile:
        with tempfile.TemporaryDirectory(prefix="bench-flow-") as tmp:
            script = Path(tmp) / "bench_flow_script.py"
            script.write_text(FLOW_SCRIPT, encoding="utf-8")
            for shape in shapes:
                for side in sides:
                    print(f"== cProfile: {side}, {shape} of {args.tasks} ==", file=sys.stderr)
                    run_once(
                        pythons[side],
                        side,
                        script,
                        args.tasks,
                        shape,
                        scratch=args.scratch,
                        profile=True,
                    )
        return 0

    results = {}
    for shape in shapes:
        results[shape] = measure(pythons, sides, shape, args.tasks, args.repeats, args.scratch)
    for shape in shapes:
        print(f"\n[{args.label}]", end="")
        print_table(shape, args.tasks, results[shape])

    if not args.no_save:
        save(args, results)
    return 0


def save(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Merge this run's results into the JSON file, keyed by storage label and shape."""
    previous: dict[str, Any] = {}
    if RESULTS.exists():
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
    configurations = {(c["storage"], c["shape"]): c for c in previous.get("configurations", [])}
    command = (
        "python benchmarks/bench_flow_overhead.py "
        f"--tasks {args.tasks} --repeats {args.repeats} --shape {args.shape}"
        + (f" --only {args.only}" if args.only else "")
        + (f" --scratch <dir> --label {args.label!r}" if args.scratch else "")
    )
    for shape, summary in results.items():
        configurations[(args.label, shape)] = {
            "storage": args.label,
            "shape": shape,
            "command": command,
            **summary,
        }
    payload = {
        "benchmark": "flow_overhead",
        "definition": "per-task overhead = (t_run(N tasks) - t_run(empty flow)) / N, "
        "timed inside the process around flow.run() after a 10-task warm-up run; "
        "median over separate processes; ratio = prefect median / compat median",
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "prefect_requirements": PREFECT_REQUIREMENTS,
        "target_ratio": 10,
        "write_definition": "bare write = cloudpickle.dumps + exclusive create + write + "
        "os.replace of one small value into a new file, N times in the same process right "
        "after the flow run; overhead/write = per-task overhead / bare write per value",
        "target_overhead_over_write": 2,
        "configurations": sorted(configurations.values(), key=lambda c: (c["storage"], c["shape"])),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"\nsaved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
