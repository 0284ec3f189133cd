"""Constants and helpers shared by the seed-document tests."""

from __future__ import annotations

import re
from typing import Any

#: ``prefect-result-<slugified UTC isoformat>``: what local results and handlers name files.
LOCAL_NAME = r"prefect-result-\d{4}-\d{2}-\d{2}t\d{2}-\d{2}-\d{2}(-\d{1,6})?-00-00-\d{16}"

#: ``Y/M/D/<uuid4>.prefect_result`` with month and day not zero-padded (pendulum ``Y/M/D``).
CLOUD_KEY = (
    r"\d{4}/[1-9]\d?/[1-9]\d?/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.prefect_result"
)

#: Pickle protocol 5 of the int ``3``, as the concepts document shows it.
PICKLED_THREE = b"\x80\x05K\x03."


def assert_cloud_key(key: Any) -> None:
    """Fail unless ``key`` is a default cloud key (full regex match)."""
    assert isinstance(key, str)
    assert re.fullmatch(CLOUD_KEY, key), key


def list_keys(client: Any, bucket: str) -> list[str]:
    """All keys in ``bucket`` (what ``gsutil ls -r`` shows in the docs), sorted."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))
