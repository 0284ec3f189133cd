"""The serializer dimension of the contract: every backend runs it once per serializer."""

from __future__ import annotations

import datetime as dt

import pytest

from compat.engine.serializers import (
    Base64PickleSerializer,
    CompressedSerializer,
    DateTimeSerializer,
    JSONSerializer,
    PandasSerializer,
    PickleSerializer,
)
from tests.contract.abstract import SerializerCase


def _rich(i: int) -> object:
    return {"n": i, "pair": (i, -i), "set": frozenset({i, i + 1}), "blob": bytes([i % 256]) * 64}


def _json(i: int) -> object:
    return {"n": i, "items": [i, 2.5, None, True], "text": f"été-{i}"}


def _moment(i: int) -> dt.datetime:
    return dt.datetime(2020, 1, 2, 3, 4, 5, i, tzinfo=dt.timezone.utc)


def _frame(i: int) -> object:
    import pandas as pd

    return pd.DataFrame(
        {"n": [i, i + 1, -i], "x": [0.5, 1.5, i / 3], "text": ["a", f"été-{i}", ""]}
    )


def _same_frame(left: object, right: object) -> bool:
    return bool(left.equals(right))  # type: ignore[attr-defined]


SERIALIZER_CASES = [
    SerializerCase("pickle", PickleSerializer(), _rich),
    SerializerCase("json", JSONSerializer(), _json),
    SerializerCase("datetime", DateTimeSerializer(), _moment),
    *(
        SerializerCase(
            f"compressed-{fmt}", CompressedSerializer(PickleSerializer(), format=fmt), _rich
        )
        for fmt in ("gzip", "bz2", "lzma", "zlib")
    ),
    SerializerCase("base64-pickle", Base64PickleSerializer(), _rich),
    SerializerCase(
        "pandas-csv",
        PandasSerializer(
            "csv", serialize_kwargs={"index": False}, deserialize_kwargs={"keep_default_na": False}
        ),
        _frame,
        _same_frame,
    ),
    SerializerCase("pandas-parquet", PandasSerializer("parquet"), _frame, _same_frame),
]


@pytest.fixture(params=SERIALIZER_CASES, ids=[case.id for case in SERIALIZER_CASES])
def serializer_case(request: pytest.FixtureRequest) -> SerializerCase:
    """One serializer with matching sample values."""
    return request.param
