"""``task_run_id`` keeps the shape of ``str(uuid.uuid4())`` (drawn cheaply, once per run)."""

from __future__ import annotations

import uuid

from compat import Flow, task
from compat.utilities.context import context


def test_every_task_run_gets_a_fresh_uuid4_text() -> None:
    """Each run id parses as a version-4, RFC 4122 UUID and prints back identically."""
    seen: list[str] = []

    @task
    def record(i: int) -> int:
        seen.append(context["task_run_id"])
        return i

    with Flow("ids") as flow:
        for i in range(200):
            record(i)
    assert flow.run().is_successful()
    assert len(seen) == 200
    assert len(set(seen)) == 200
    for text in seen:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
