"""Fixtures for the model tests: an isolated Prefect home directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from compat.utilities.configuration import set_temporary_config


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A temporary ``home_dir`` so default result directories never touch the real home."""
    home_dir = tmp_path / "prefect-home"
    with set_temporary_config({"home_dir": str(home_dir)}):
        yield home_dir
