"""A Prefect 0.10-style flow with result handlers, running unchanged on ``compat``.

Run it with ``python examples/legacy_flow.py``; it checkpoints into a temporary directory
and prints where each task's output went, then ``prefect-result-upgrade --diff examples/``
shows how the codemod would migrate this file.
"""

from __future__ import annotations

import tempfile
import warnings

from compat import Flow, Parameter, task
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.utilities.configuration import set_temporary_config


@task(result_handler=JSONResultHandler())
def add(x: int, y: int = 1) -> int:
    """Add two numbers; the JSON handler keeps the value itself as the safe value."""
    return x + y


@task
def double(x: int) -> int:
    """Double a number; the flow-level local handler pickles it to a file."""
    return 2 * x


def main() -> None:
    """Build the flow, run it with checkpointing on, and report each task's result."""
    results_dir = tempfile.mkdtemp(prefix="legacy-flow-")
    warnings.simplefilter("default", DeprecationWarning)
    with Flow("legacy flow", result_handler=LocalResultHandler(dir=results_dir)) as flow:
        start = Parameter("start", default=1)
        total = add(start, y=2)
        doubled = double(total)

    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run(parameters={"start": 1})

    print(f"flow state: {state!r}")
    for name, node in (("start", start), ("add", total), ("double", doubled)):
        result = state.result[node]._result
        print(f"{name:>6}: value={result.value!r} safe_value={result.safe_value!r}")


if __name__ == "__main__":
    main()
