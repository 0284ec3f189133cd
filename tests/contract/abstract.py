"""The storage contract every result backend runs, written once (as fsspec's ``tests/abstract``).

A backend test class mixes :class:`ResultContract` in and provides three fixtures:

* ``make_result(**kwargs)``: a new, storage-backed ``Result`` writing under a base that is
  fresh for the test, using the serializer of the ``serializer_case`` fixture;
* ``list_stored()``: every stored name below that base (relative, ``/``-separated), so the
  suite can check that no temporary file of an atomic write is left behind;
* ``serializer_case``: supplied by ``tests/contract/conftest.py``, parametrised over every
  serializer, so each backend runs the whole contract once per serializer.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from compat.engine.result.base import Result
from compat.engine.serializers import Serializer

MakeResult = Callable[..., Result]
ListStored = Callable[[], list[str]]

N_WRITERS = 8


@dataclass(frozen=True)
class SerializerCase:
    """A serializer, a way to build distinct sample values it can store, and how to compare
    two of them (``==`` unless the values compare element-wise, as DataFrames do)."""

    id: str
    serializer: Serializer
    sample: Callable[[int], Any]
    same: Callable[[Any, Any], bool] = operator.eq


def _no_temporary_files(names: list[str]) -> list[str]:
    return [name for name in names if name.rsplit("/", 1)[-1].startswith(".~")]


class ResultContract:
    """Round trip, exists, missing location, templates, overwrite and concurrent writers."""

    def test_round_trip(self, make_result: MakeResult, serializer_case: SerializerCase) -> None:
        """A written value reads back equal, and the returned result carries value and location."""
        value = serializer_case.sample(1)
        written = make_result().write(value)
        assert serializer_case.same(written.value, value)
        assert written.location
        hydrated = make_result().read(written.location)
        assert serializer_case.same(hydrated.value, value)
        assert hydrated.location == written.location

    def test_write_returns_new_result(
        self, make_result: MakeResult, serializer_case: SerializerCase
    ) -> None:
        """``write`` leaves the configured result untouched and returns a new one."""
        result = make_result()
        written = result.write(serializer_case.sample(2))
        assert written is not result
        assert result.value is None
        assert result.location is None

    def test_exists_after_write(
        self, make_result: MakeResult, serializer_case: SerializerCase
    ) -> None:
        """``exists`` is false before a write to a location and true after it."""
        result = make_result(location="present.bin")
        assert result.exists("present.bin") is False
        written = result.write(serializer_case.sample(3))
        assert result.exists("present.bin") is True
        assert make_result().exists(written.location) is True

    def test_missing_location(self, make_result: MakeResult) -> None:
        """Reading a location that holds nothing raises ``FileNotFoundError``; exists is false."""
        result = make_result()
        assert result.exists("nothing/here.bin") is False
        with pytest.raises(FileNotFoundError):
            result.read("nothing/here.bin")

    def test_templated_location(
        self,
        make_result: MakeResult,
        list_stored: ListStored,
        serializer_case: SerializerCase,
    ) -> None:
        """A location template is formatted with the write's keywords, sub-directories included."""
        template = "{flow_name}/{task_name}-{map_index}.bin"
        result = make_result(location=template)
        value = serializer_case.sample(4)
        written = result.write(value, flow_name="etl", task_name="load", map_index=3)
        assert written.location.endswith("etl/load-3.bin")
        assert result.location == template  # formatting never mutates the configured result
        assert result.exists(template, flow_name="etl", task_name="load", map_index=3)
        assert not result.exists(template, flow_name="etl", task_name="load", map_index=4)
        assert serializer_case.same(make_result().read(written.location).value, value)
        assert list_stored() == ["etl/load-3.bin"]

    def test_overwrite(
        self,
        make_result: MakeResult,
        list_stored: ListStored,
        serializer_case: SerializerCase,
    ) -> None:
        """A second write to the same location replaces the value and leaves no temporary file."""
        result = make_result(location="same.bin")
        first = result.write(serializer_case.sample(5))
        second = result.write(serializer_case.sample(6))
        assert first.location == second.location
        stored = make_result().read(second.location).value
        assert serializer_case.same(stored, serializer_case.sample(6))
        names = list_stored()
        assert names == ["same.bin"]
        assert _no_temporary_files(names) == []

    def test_default_locations_are_distinct(
        self, make_result: MakeResult, serializer_case: SerializerCase
    ) -> None:
        """Without a configured location, each write gets its own default location."""
        result = make_result()
        locations = {result.write(serializer_case.sample(i)).location for i in range(5)}
        assert len(locations) == 5

    def test_concurrent_writers_same_location(
        self,
        make_result: MakeResult,
        list_stored: ListStored,
        serializer_case: SerializerCase,
    ) -> None:
        """Writers racing on one location leave exactly one complete value, never a torn one."""
        result = make_result(location="contended.bin")
        values = [serializer_case.sample(10 + i) for i in range(N_WRITERS)]
        _run_concurrently([lambda v=v: result.write(v) for v in values])
        stored = make_result().read("contended.bin").value
        assert any(serializer_case.same(stored, value) for value in values)
        assert list_stored() == ["contended.bin"]

    def test_concurrent_writers_default_locations(
        self,
        make_result: MakeResult,
        list_stored: ListStored,
        serializer_case: SerializerCase,
    ) -> None:
        """Concurrent writes with default locations all land, each readable at its own location."""
        result = make_result()
        values = [serializer_case.sample(20 + i) for i in range(N_WRITERS)]
        written = _run_concurrently([lambda v=v: result.write(v) for v in values])
        assert len({w.location for w in written}) == N_WRITERS
        for item in written:
            assert serializer_case.same(make_result().read(item.location).value, item.value)
        assert len(list_stored()) == N_WRITERS
        assert _no_temporary_files(list_stored()) == []


def _run_concurrently(jobs: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            outcomes[index] = job()
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return outcomes
