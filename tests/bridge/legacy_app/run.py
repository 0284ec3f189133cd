"""Run the legacy flow on one executor and print what happened as JSON (for subprocess tests).

``python -m legacy_app.run EXECUTOR RESULTS_DIR [DASK_ADDRESS]``
"""

from __future__ import annotations

import json
import sys
from typing import Any

import prefect


def make_executor(name: str, address: str | None = None) -> Any:
    """One of Prefect's executors by short name."""
    from prefect.executors import DaskExecutor, LocalDaskExecutor, LocalExecutor

    if name == "local":
        return LocalExecutor()
    if name == "threads":
        return LocalDaskExecutor(scheduler="threads", num_workers=2)
    if name == "processes":
        return LocalDaskExecutor(scheduler="processes", num_workers=2)
    if name == "dask":
        if address:
            return DaskExecutor(address=address)
        return DaskExecutor(
            cluster_kwargs={
                "n_workers": 2,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": ":0",
            }
        )
    msg = f"unknown executor {name!r}; use local, threads, processes or dask"
    raise ValueError(msg)


def run(executor: str, results_dir: str, address: str | None = None) -> dict[str, Any]:
    """Build and run the legacy flow with checkpointing; describe the outcome."""
    from legacy_app.flows import build_flow

    flow, tasks = build_flow(results_dir)
    with prefect.context(checkpointing=True):
        state = flow.run(executor=make_executor(executor, address))
    total_state = state.result[tasks["total"]]
    return {
        "flow": type(state).__name__,
        "message": str(total_state.message),
        "total": total_state.result,
        "total_result": type(total_state._result).__name__,
        "total_location": total_state._result.location,
        "numbers_location": state.result[tasks["numbers"]]._result.location,
        "squares": state.result[tasks["square"]].result,
        "bridge": "prefect.engine.result_handlers" in sys.modules,
    }


if __name__ == "__main__":
    print(json.dumps(run(*sys.argv[1:])))
