"""Serializers: formats, the base64 read fallback and ``CompressedSerializer``'s rules (§2.4)."""

from __future__ import annotations

import base64
import bz2
import datetime as dt
import gzip
import importlib
import lzma
import pickle
import zlib

import cloudpickle
import pytest

from compat.engine import serializers
from compat.engine.serializers import (
    Base64PickleSerializer,
    CompressedSerializer,
    DateTimeSerializer,
    JSONSerializer,
    PickleSerializer,
    Serializer,
)

MODULES = {"gzip": gzip, "bz2": bz2, "lzma": lzma, "zlib": zlib}


def test_all_names() -> None:
    """The module exports Prefect's serializer names plus ``Base64PickleSerializer``."""
    assert sorted(serializers.__all__) == sorted(
        [
            "Serializer",
            "PickleSerializer",
            "JSONSerializer",
            "DateTimeSerializer",
            "CompressedSerializer",
            "PandasSerializer",
            "Base64PickleSerializer",
        ]
    )


def test_base_is_abstract() -> None:
    """The base ``Serializer`` cannot be used without implementing both directions."""
    with pytest.raises(TypeError):
        Serializer()  # type: ignore[abstract]


def test_pickle_is_raw_cloudpickle() -> None:
    """``PickleSerializer`` writes raw cloudpickle (no base64) and reads it back."""
    value = {"a": (1, 2), "f": frozenset({3})}
    payload = PickleSerializer().serialize(value)
    assert payload == cloudpickle.dumps(value)
    assert PickleSerializer().deserialize(payload) == value


def test_pickle_handles_lambdas() -> None:
    """Functions defined on the fly pickle by value."""
    double = PickleSerializer().deserialize(PickleSerializer().serialize(lambda x: x * 2))
    assert double(4) == 8


def test_pickle_reads_legacy_base64_payloads() -> None:
    """Base64-wrapped cloudpickle (legacy cloud handlers, Prefect < 0.12.1) still reads."""
    legacy = base64.b64encode(cloudpickle.dumps([1, "two"]))
    assert PickleSerializer().deserialize(legacy) == [1, "two"]


def test_pickle_fallback_reraises_the_original_error() -> None:
    """When neither form loads, the original unpickling error is raised, not the base64 one."""
    with pytest.raises(pickle.UnpicklingError):
        PickleSerializer().deserialize(b"definitely not a pickle")


def test_base64_pickle_serializer() -> None:
    """``Base64PickleSerializer`` writes base64 of cloudpickle and reads both forms."""
    payload = Base64PickleSerializer().serialize({"x": 1})
    assert payload == base64.b64encode(cloudpickle.dumps({"x": 1}))
    assert Base64PickleSerializer().deserialize(payload) == {"x": 1}
    assert Base64PickleSerializer().deserialize(cloudpickle.dumps({"x": 1})) == {"x": 1}


def test_json_serializer() -> None:
    """JSON text as UTF-8 bytes."""
    assert JSONSerializer().serialize({"x": [1, 2]}) == b'{"x": [1, 2]}'
    assert JSONSerializer().deserialize(b'{"x": [1, 2]}') == {"x": [1, 2]}
    with pytest.raises(TypeError):
        JSONSerializer().serialize({1, 2})


def test_datetime_serializer_format() -> None:
    """UTC datetimes become ``...Z`` ISO 8601 text, like pendulum's ``to_iso8601_string``."""
    moment = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert DateTimeSerializer().serialize(moment) == b"2020-01-02T03:04:05Z"
    assert DateTimeSerializer().deserialize(b"2020-01-02T03:04:05Z") == moment


def test_datetime_serializer_offsets_and_naive() -> None:
    """Offsets round trip; naive datetimes are taken as UTC; non-datetimes are refused."""
    plus_two = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert DateTimeSerializer().deserialize(DateTimeSerializer().serialize(plus_two)) == plus_two
    naive = dt.datetime(2020, 1, 2, 3, 4, 5)
    assert DateTimeSerializer().serialize(naive) == b"2020-01-02T03:04:05Z"
    with pytest.raises(TypeError, match="datetime"):
        DateTimeSerializer().serialize("2020-01-02")


@pytest.mark.parametrize("fmt", sorted(MODULES))
def test_compressed_formats(fmt: str) -> None:
    """``format`` names a module; its output is that module's compression of the inner bytes."""
    serializer = CompressedSerializer(PickleSerializer(), format=fmt)
    payload = serializer.serialize({"k": "v" * 1000})
    assert MODULES[fmt].decompress(payload) == cloudpickle.dumps({"k": "v" * 1000})
    assert len(payload) < len(cloudpickle.dumps({"k": "v" * 1000}))
    assert serializer.deserialize(payload) == {"k": "v" * 1000}


def test_compressed_custom_functions_and_kwargs() -> None:
    """Explicit ``compress``/``decompress`` functions and their keyword arguments are used."""
    serializer = CompressedSerializer(
        JSONSerializer(),
        compress=zlib.compress,
        decompress=zlib.decompress,
        compress_kwargs={"level": 9},
    )
    payload = serializer.serialize([1, 2, 3])
    assert payload == zlib.compress(b"[1, 2, 3]", level=9)
    assert serializer.deserialize(payload) == [1, 2, 3]


def test_compressed_format_and_functions_refused() -> None:
    """Giving ``format`` and functions together is a ``ValueError``."""
    with pytest.raises(ValueError, match="not both"):
        CompressedSerializer(
            PickleSerializer(), format="gzip", compress=gzip.compress, decompress=gzip.decompress
        )
    with pytest.raises(ValueError):
        CompressedSerializer(PickleSerializer(), format="gzip", compress=gzip.compress)


@pytest.mark.parametrize(
    "kwargs", [{}, {"compress": zlib.compress}, {"decompress": zlib.decompress}]
)
def test_compressed_needs_format_or_both_functions(kwargs: dict) -> None:
    """Neither ``format`` nor both functions is a ``ValueError``."""
    with pytest.raises(ValueError, match="format"):
        CompressedSerializer(PickleSerializer(), **kwargs)


def test_compressed_unknown_module_is_import_error() -> None:
    """A module that does not import raises ``ImportError`` suggesting the common ones."""
    with pytest.raises(ImportError, match="bz2, gzip, lzma, zlib"):
        CompressedSerializer(PickleSerializer(), format="no_such_compression_lib")


def test_compressed_module_without_functions_is_value_error() -> None:
    """A module lacking ``compress``/``decompress`` is a ``ValueError``."""
    importlib.import_module("json")
    with pytest.raises(ValueError, match="compress"):
        CompressedSerializer(PickleSerializer(), format="json")


def test_equality() -> None:
    """Serializers are equal by type and settings; compressed ones by inner serializer and codec."""
    assert PickleSerializer() == PickleSerializer()
    assert PickleSerializer() != JSONSerializer()
    assert PickleSerializer() != Base64PickleSerializer()
    assert CompressedSerializer(PickleSerializer(), format="gzip") == CompressedSerializer(
        PickleSerializer(), format="gzip"
    )
    assert CompressedSerializer(PickleSerializer(), format="gzip") != CompressedSerializer(
        PickleSerializer(), format="bz2"
    )
    assert CompressedSerializer(PickleSerializer(), format="gzip") != CompressedSerializer(
        JSONSerializer(), format="gzip"
    )
    assert CompressedSerializer(
        PickleSerializer(), format="zlib", compress_kwargs={"level": 1}
    ) != CompressedSerializer(PickleSerializer(), format="zlib")
    assert hash(PickleSerializer()) == hash(PickleSerializer())


def test_serializers_pickle() -> None:
    """Serializers survive pickling (results carrying them are pickled with flows)."""
    for serializer in (
        PickleSerializer(),
        JSONSerializer(),
        DateTimeSerializer(),
        Base64PickleSerializer(),
        CompressedSerializer(PickleSerializer(), format="gzip"),
    ):
        assert cloudpickle.loads(cloudpickle.dumps(serializer)) == serializer
