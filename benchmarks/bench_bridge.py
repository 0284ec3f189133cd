"""Benchmark: the bridge on real Prefect 1.4.1, side by side in the same run.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_bridge.py [--tasks 1000] [--repeats 5]
        [--items 16] [--work 0.25] [--python PATH] [--no-save]

1. **Per-task cost of legacy handlers through the bridge.** One flow of ``--tasks`` trivial
   ``inc`` tasks in a chain, every one checkpointed (``PREFECT__FLOWS__CHECKPOINTING=true``),
   written three ways and run on ``LocalExecutor``:

   * ``native``: ``@task(result=LocalResult(dir=...))`` on plain Prefect (no bridge);
   * ``legacy_builtin``: ``@task(result_handler=LocalResultHandler(dir=...))`` through the
     bridge (converted to Prefect's own ``LocalResult``);
   * ``legacy_custom``: ``@task(result_handler=PickleFileHandler(dir))``, a custom handler
     through the bridge (wrapped in ``ResultHandlerResult``), writing the same cloudpickle
     files by hand.

   Each sample is a fresh process: a 10-task warm-up run, an empty-flow run (``t_empty``),
   then the measured run (``t_run``), timed around ``flow.run()`` only. Per-task cost is
   ``(t_run - t_empty) / N``; the three variants alternate, ``--repeats`` samples each, and
   the headline is the ratio of medians, legacy / native (target: at most 1.05).

2. **Distribution on Dask.** A CPU-bound task mapped over ``--items`` inputs (each burns
   about ``--work`` seconds of pure-Python CPU), legacy handlers through the bridge, run on
   ``LocalExecutor`` and on ``DaskExecutor`` against a ``LocalCluster`` of 2 worker processes
   (1 thread each; started once, outside the timing, with ``PREFECT_RESULT_COMPAT_BRIDGE=1``).
   Alternated, ``--repeats`` each; speed-up = median local / median Dask (target: at least
   1.6 on 2 cores).

The Prefect interpreter is ``--python``, or a venv made (once) at
``benchmarks/.venvs/bridge-prefect-1.4.1`` from ``constraints/prefect-1.4.1.txt`` plus this
project's wheel. Results are printed and written to ``benchmarks/results/bridge.json``
(``--distribution-only`` reruns section 2 and keeps the saved section 1).
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

__all__ = ["CHAIN_SCRIPT", "MAP_SCRIPT", "ensure_prefect_venv", "main"]

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / ".venvs" / "bridge-prefect-1.4.1"
RESULTS = ROOT / "benchmarks" / "results" / "bridge.json"

CHAIN_SCRIPT = r"""
import json, os, sys, tempfile, time, warnings
warnings.simplefilter("ignore")
variant, n = sys.argv[1], int(sys.argv[2])
if variant != "native":
    import compat.bridge
    compat.bridge.install()
import cloudpickle
from prefect import Flow, task

def make_task(directory):
    if variant == "native":
        from prefect.engine.results import LocalResult
        return task(result=LocalResult(dir=directory))(inc)
    if variant == "legacy_builtin":
        from prefect.engine.result_handlers import LocalResultHandler
        return task(result_handler=LocalResultHandler(dir=directory))(inc)
    from prefect.engine.result_handlers import ResultHandler

    class PickleFileHandler(ResultHandler):
        def __init__(self, directory):
            self.directory, self.count = directory, 0
        def write(self, result):
            self.count += 1
            path = os.path.join(self.directory, f"value-{os.getpid()}-{self.count}")
            with open(path, "wb") as file:
                file.write(cloudpickle.dumps(result))
            return path
        def read(self, location):
            with open(location, "rb") as file:
                return cloudpickle.loads(file.read())

    return task(result_handler=PickleFileHandler(directory))(inc)

def inc(x):
    return x + 1

def chain(size):
    directory = tempfile.mkdtemp()
    step = make_task(directory)
    with Flow(f"chain-{size}") as flow:
        x = 0
        for _ in range(size):
            x = step(x)
    return flow, directory

def timed(size):
    flow, directory = chain(size)
    start = time.perf_counter()
    state = flow.run()
    elapsed = time.perf_counter() - start
    assert state.is_successful(), state
    assert len(os.listdir(directory)) == size, "every task must have been checkpointed"
    return elapsed

timed(10)
print(json.dumps({"t_empty": timed(0), "t_run": timed(n)}))
"""

MAP_SCRIPT = r"""
import json, sys, tempfile, time, warnings
warnings.simplefilter("ignore")
import compat.bridge
compat.bridge.install()
from prefect import Flow, task
from prefect.executors import DaskExecutor, LocalExecutor
from prefect.engine.result_handlers import LocalResultHandler

items, work, address, order = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4:]

def calibrate():
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < 0.2:
        sum(i * i for i in range(10_000))
        n += 1
    return int(n * work / 0.2)

loops = calibrate()

@task(result_handler=LocalResultHandler(dir=tempfile.mkdtemp()))
def burn(i, loops):
    import os
    total = 0
    for _ in range(loops):
        total += sum(k * k for k in range(10_000))
    return os.getpid()

with Flow("cpu-bound map") as flow:
    burn.map(list(range(items)), loops=[loops] * items)

out = {}
for name in order:
    executor = LocalExecutor() if name == "local" else DaskExecutor(address=address)
    start = time.perf_counter()
    state = flow.run(executor=executor)
    out[name] = time.perf_counter() - start
    assert state.is_successful(), state
    pids = state.result[flow.get_tasks(name="burn")[0]].result
    out[name + "_processes"] = len(set(pids))
print(json.dumps(out))
"""


MICRO_SCRIPT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import prefect
from prefect.core.edge import Edge
from prefect.engine.results import LocalResult
from prefect.engine.state import Pending, Success
from prefect.engine.task_runner import TaskRunner
import compat.bridge

calls = int(sys.argv[1])
up, down = prefect.Task(), prefect.Task()
edge = Edge(up, down, key="x")
runner = TaskRunner(down)

def per_call(load_results):
    upstream = Success(result=LocalResult(dir="/nonexistent", location="x").from_value(1))
    start = time.perf_counter()
    for _ in range(calls):
        load_results(runner, Pending(), {edge: upstream})
    return (time.perf_counter() - start) / calls

native = per_call(TaskRunner.load_results)
compat.bridge.install()
bridged = per_call(TaskRunner.load_results)
print(json.dumps({"native": native, "bridged": bridged}))
"""


def ensure_prefect_venv() -> Path:
    """The Prefect 1.4.1 interpreter with this project installed from its wheel."""
    python = VENV / "bin" / "python"
    if python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    constraints = ROOT / "constraints" / "prefect-1.4.1.txt"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(constraints)], check=True)
    with tempfile.TemporaryDirectory() as wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", wheels],
            check=True,
        )
        wheel = next(Path(wheels).glob("*.whl"))
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True
        )
    return python


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_RESULT_COMPAT_BRIDGE"}
    env.update(
        PREFECT__FLOWS__CHECKPOINTING="true",
        PREFECT__LOGGING__LEVEL="ERROR",
        PREFECT__HOME_DIR=tempfile.mkdtemp(),
        **extra,
    )
    return env


def _run(python: Path, script: str, *args: str, **env: str) -> dict[str, float]:
    done = subprocess.run(
        [str(python), "-c", script, *args],
        env=_environment(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def per_task(python: Path, tasks: int, repeats: int) -> dict[str, Any]:
    """Section 1: per-task cost of each variant, alternated."""
    variants = ["native", "legacy_builtin", "legacy_custom"]
    samples: dict[str, list[float]] = {v: [] for v in variants}
    for repeat in range(repeats):
        for variant in variants[repeat % 3 :] + variants[: repeat % 3]:
            timing = _run(python, CHAIN_SCRIPT, variant, str(tasks))
            samples[variant].append((timing["t_run"] - timing["t_empty"]) / tasks)
    medians = {v: statistics.median(s) for v, s in samples.items()}
    best = {v: min(s) for v, s in samples.items()}
    micro = _run(python, MICRO_SCRIPT, "20000")
    return {
        "tasks": tasks,
        "per_task_seconds": samples,
        "median_per_task_seconds": medians,
        "ratio_to_native": {v: medians[v] / medians["native"] for v in variants[1:]},
        "best_ratio_to_native": {v: best[v] / best["native"] for v in variants[1:]},
        "paired_ratios_to_native": {
            v: [a / b for a, b in zip(samples[v], samples["native"])] for v in variants[1:]
        },
        # What the bridge adds to each task run at run time: its load_results (restart
        # hydration) against Prefect's no-op, per call, in one process.
        "load_results_seconds_per_call": micro,
        "load_results_added_fraction_of_native_task": (micro["bridged"] - micro["native"])
        / medians["native"],
    }


def distribution(python: Path, items: int, work: float, repeats: int) -> dict[str, Any]:
    """Section 2: mapped CPU-bound flow, LocalExecutor against DaskExecutor (2 processes)."""
    starter = (
        "import time, sys\n"
        "from distributed import LocalCluster\n"
        "cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,"
        " dashboard_address=':0')\n"
        "print(cluster.scheduler_address, flush=True)\n"
        "sys.stdin.read()\n"
        "cluster.close()\n"
    )
    cluster = subprocess.Popen(
        [str(python), "-c", starter],
        env=_environment(PREFECT_RESULT_COMPAT_BRIDGE="1"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        address = cluster.stdout.readline().strip()  # type: ignore[union-attr]
        local: list[float] = []
        dask: list[float] = []
        processes: list[int] = []
        for repeat in range(repeats):
            order = ["local", "dask"] if repeat % 2 == 0 else ["dask", "local"]
            timing = _run(python, MAP_SCRIPT, str(items), str(work), address, *order)
            local.append(timing["local"])
            dask.append(timing["dask"])
            processes.append(int(timing["dask_processes"]))
    finally:
        cluster.communicate("", timeout=60)
    return {
        "items": items,
        "work_seconds_per_item": work,
        "local_seconds": local,
        "dask_seconds": dask,
        "speedup_median": statistics.median(local) / statistics.median(dask),
        "speedup_best": min(local) / min(dask),
        "dask_worker_processes_used": processes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--work", type=float, default=0.25)
    parser.add_argument("--python", type=Path, default=None)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument(
        "--distribution-only",
        action="store_true",
        help="rerun section 2 only, keeping section 1 of the saved results",
    )
    args = parser.parse_args(argv)

    python = args.python or ensure_prefect_venv()
    report = {
        "benchmark": "bridge",
        "prefect": "1.4.1",
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "command": "python benchmarks/bench_bridge.py " + " ".join(argv or sys.argv[1:]),
        "per_task": (
            json.loads(RESULTS.read_text())["per_task"]
            if args.distribution_only
            else per_task(python, args.tasks, args.repeats)
        ),
        "distribution": distribution(python, args.items, args.work, args.repeats),
    }
    if args.distribution_only:
        report["per_task_command"] = json.loads(RESULTS.read_text()).get("command")
    ratios = report["per_task"]["ratio_to_native"]
    medians = report["per_task"]["median_per_task_seconds"]
    tasks, repeats = (
        report["per_task"]["tasks"],
        len(report["per_task"]["per_task_seconds"]["native"]),
    )
    print(f"per-task cost, {tasks}-task checkpointed chain (median of {repeats}):")
    for name, seconds in medians.items():
        ratio = ratios.get(name, 1.0)
        print(f"  {name:15s} {seconds * 1e3:7.3f} ms/task   x{ratio:.3f} of native")
    best = report["per_task"]["best_ratio_to_native"]
    print(f"  best-of ratios: {', '.join(f'{k} x{v:.3f}' for k, v in best.items())}")
    added = report["per_task"]["load_results_added_fraction_of_native_task"]
    print(f"  bridge's run-time addition (load_results) per task: {added:.4%} of a native task")
    dist = report["distribution"]
    print(
        f"mapped CPU-bound flow, DaskExecutor (2 procs) vs LocalExecutor: "
        f"{dist['speedup_median']:.2f}x median, {dist['speedup_best']:.2f}x best; "
        f"worker processes used: {dist['dask_worker_processes_used']}"
    )
    if not args.no_save:
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
