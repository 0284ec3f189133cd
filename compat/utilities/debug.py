"""``raise_on_exception()``: errors inside a flow run leave ``flow.run()``, for tests.

Prefect 0.x projects test their flows with ``prefect.utilities.debug.raise_on_exception``;
this is the same helper at the same path under ``compat``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from compat.utilities.context import context

__all__ = ["raise_on_exception"]


@contextmanager
def raise_on_exception() -> Iterator[None]:
    """Within the block, the first error in a run is raised out of ``flow.run()``.

    As in Prefect: an exception or a signal (``SKIP``, ``FAIL``, ``TRIGGERFAIL``...) raised
    by a task, a ``TimeoutError``, or an error in a state handler, instead of the ``Failed``
    (or ``Skipped``...) state the run would otherwise end in. ``LOOP`` keeps looping.
    """
    with context(raise_on_exception=True):
        yield
