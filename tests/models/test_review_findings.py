"""Regressions found by an adversarial review of the issue 8 and issue 11 result hardening.

Each test reproduces one defect found after the hardening was merged (it failed before its
fix): malformed payloads that escaped :class:`PayloadError`, secrets a template could still
print, a format spec that still exploded, and the crash-litter sweeper removing a live
writer's temporary file.
"""

from __future__ import annotations

from typing import Any

import pytest

from compat.engine.state import State
from compat.exceptions import PayloadError

# -- payloads: every malformed SafeResult is a PayloadError naming the field -------------------


@pytest.mark.parametrize(
    "handler",
    [
        {"type": "S3ResultHandler", "bucket": None},
        {"type": "GCSResultHandler"},
        {"type": "AzureResultHandler", "container": None},
    ],
)
def test_a_safe_result_whose_handler_lacks_its_bucket_is_a_payload_error(
    handler: dict[str, Any],
) -> None:
    """The handler loads, but converts to no valid result: that was a bare ``ValueError``."""
    payload = {
        "type": "Success",
        "_result": {"type": "SafeResult", "value": "k", "result_handler": handler},
    }
    with pytest.raises(PayloadError, match=r"_result\.result_handler"):
        State.deserialize(payload)


@pytest.mark.parametrize("value", [None, 7, ["a"], {"k": "v"}, True])
@pytest.mark.parametrize("handler_type", ["LocalResultHandler", "S3ResultHandler"])
def test_a_stored_value_reference_that_is_not_a_string_is_refused(
    value: Any, handler_type: str
) -> None:
    """A locating handler's reference is a path or key; anything else read back as ``None``."""
    handler = {"type": handler_type, "dir": "/r", "bucket": "b"}
    payload = {
        "type": "Success",
        "_result": {"type": "SafeResult", "value": value, "result_handler": handler},
    }
    with pytest.raises(PayloadError, match=r"_result\.value must be a string") as info:
        State.deserialize(payload)
    assert "got" in str(info.value)
