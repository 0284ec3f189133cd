"""The serializer dimension of the contract: every backend runs it once per serializer."""

from __future__ import annotations

import datetime as dt

import pytest

from compat.engine.serializers import (
    Base64PickleSerializer,
    CompressedSerializer,
    DateTimeSerializer,
    JSONSerializer,
    PickleSerializer,
)
from tests.contract.abstract import SerializerCase


def _rich(i: int) -> object:
    return {"n": i, "pair": (i, -i), "set": frozenset({i, i + 1}), "blob": bytes([i % 256]) * 64}


def _json(i: int) -> object:
    return {"n": i, "items": [i, 2.5, None, True], "text": f"été-{i}"}


def _moment(i: int) -> dt.datetime:
    return dt.datetime(2020, 1, 2, 3, 4, 5, i, tzinfo=dt.timezone.utc)


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
]


@pytest.fixture(params=SERIALIZER_CASES, ids=[case.id for case in SERIALIZER_CASES])
def serializer_case(request: pytest.FixtureRequest) -> SerializerCase:
    """One serializer with matching sample values."""
    return request.param
