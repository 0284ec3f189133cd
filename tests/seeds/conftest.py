"""Seed-document fixtures: config pointed at tmp, checkpointing, the docs' bucket on moto."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compat.utilities.configuration import config, reload_config
from tests.seeds._support import list_keys

CHECKPOINTING_ENV = "PREFECT__FLOWS__CHECKPOINTING"


@pytest.fixture
def prefect_home(tmp_path: Path) -> Iterator[Path]:
    """Point ``home_dir`` at a fresh temporary directory (checkpointing left at its default)."""
    saved = copy.deepcopy(dict(config))
    home = tmp_path / "prefect-home"
    config.set_nested("home_dir", str(home))
    config.set_nested("flows.checkpointing", False)
    try:
        yield home
    finally:
        config.clear()
        config.update(saved)


@pytest.fixture
def checkpointing(prefect_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``export PREFECT__FLOWS__CHECKPOINTING=true`` as the docs say, then reload the config.

    ``home_dir`` stays on the temporary directory; the shared config object is restored
    whatever order the fixtures are torn down in.
    """
    saved = copy.deepcopy(dict(config))
    monkeypatch.setenv(CHECKPOINTING_ENV, "true")
    reload_config()
    config.set_nested("home_dir", str(prefect_home))
    assert config.flows.checkpointing is True
    try:
        yield prefect_home
    finally:
        config.clear()
        config.update(saved)


@pytest.fixture
def prefect_results_bucket(s3_server: Any, s3_env: None) -> Iterator[dict[str, Any]]:
    """The documents' bucket ``prefect_results``, empty, on the shared moto server.

    Gives the boto3 client and the ``boto3_kwargs`` a result needs to reach the server.
    """
    boto3_kwargs = {
        "endpoint_url": s3_server.endpoint_url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "region_name": "us-east-1",
    }
    client = s3_server.client()
    client.create_bucket(Bucket="prefect_results")
    try:
        yield {"client": client, "boto3_kwargs": boto3_kwargs}
    finally:
        for key in list_keys(client, "prefect_results"):
            client.delete_object(Bucket="prefect_results", Key=key)
        client.delete_bucket(Bucket="prefect_results")
