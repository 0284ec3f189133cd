"""Serializers turn values into bytes for storage and back (Prefect 0.12.1+ names and formats).

A serializer is a small value object: two serializers are equal when they are the same
class with the same settings. ``PickleSerializer`` also reads the base64-wrapped payloads
written by the legacy cloud handlers and by Prefect before 0.12.1.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import io
import json
import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import cloudpickle

from compat._extras import import_extra

__all__ = [
    "Base64PickleSerializer",
    "CompressedSerializer",
    "DateTimeSerializer",
    "JSONSerializer",
    "PandasSerializer",
    "PickleSerializer",
    "Serializer",
]


class Serializer(ABC):
    """Turns a value into bytes and back; subclasses implement both directions."""

    @abstractmethod
    def serialize(self, value: Any) -> bytes:
        """Return the bytes that represent ``value``."""

    @abstractmethod
    def deserialize(self, value: bytes) -> Any:
        """Return the value that ``value`` (bytes produced by ``serialize``) represents."""

    def _settings(self) -> tuple[Any, ...]:
        """The values that, together with the class, decide equality."""
        return ()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._settings() == other._settings()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._settings()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PickleSerializer(Serializer):
    """cloudpickle, raw; reading falls back to the legacy base64-wrapped form.

    cloudpickle payloads are meant for the same Python and library versions that wrote
    them; they are not a long-term archive format.
    """

    def serialize(self, value: Any) -> bytes:
        return _pickled(value)

    def deserialize(self, value: bytes) -> Any:
        try:
            return cloudpickle.loads(value)
        except Exception as original:
            try:
                return cloudpickle.loads(base64.b64decode(value, validate=True))
            except Exception:
                raise original from None


class Base64PickleSerializer(PickleSerializer):
    """base64 of cloudpickle: what the legacy S3/GCS/Azure handlers uploaded."""

    def serialize(self, value: Any) -> bytes:
        return base64.b64encode(_pickled(value))


#: Types whose values cloudpickle writes exactly as the standard pickler does (it never
#: customises them), so the faster standard pickler serves them.
_PLAIN_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None)})


def _pickled(value: Any) -> bytes:
    """``cloudpickle.dumps(value)``, byte for byte, at lower cost for plain scalar values."""
    if type(value) in _PLAIN_TYPES:
        return pickle.dumps(value, protocol=cloudpickle.DEFAULT_PROTOCOL)
    return cloudpickle.dumps(value)


class JSONSerializer(Serializer):
    """JSON text encoded as UTF-8."""

    def serialize(self, value: Any) -> bytes:
        return json.dumps(value).encode("utf-8")

    def deserialize(self, value: bytes) -> Any:
        return json.loads(value.decode("utf-8") if isinstance(value, bytes) else value)


class DateTimeSerializer(Serializer):
    """ISO 8601 text for ``datetime`` values (UTC written as ``Z``, as pendulum does)."""

    def serialize(self, value: Any) -> bytes:
        if not isinstance(value, dt.datetime):
            msg = f"DateTimeSerializer needs a datetime.datetime, got {type(value).__name__}"
            raise TypeError(msg)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        text = value.isoformat()
        if text.endswith("+00:00"):
            text = text[: -len("+00:00")] + "Z"
        return text.encode("utf-8")

    def deserialize(self, value: bytes) -> Any:
        text = value.decode("utf-8")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        return dt.datetime.fromisoformat(text)


_COMMON_COMPRESSION = ("bz2", "gzip", "lzma", "zlib")


def _compression_module(name: str) -> ModuleType:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        msg = (
            f"cannot import the compression module {name!r}; "
            f"did you mean one of {', '.join(_COMMON_COMPRESSION)}?"
        )
        raise ImportError(msg) from exc
    if not (
        callable(getattr(module, "compress", None))
        and callable(getattr(module, "decompress", None))
    ):
        msg = f"module {name!r} has no compress()/decompress() functions to compress with"
        raise ValueError(msg)
    return module


class CompressedSerializer(Serializer):
    """Wraps another serializer and compresses its bytes.

    Give either ``format`` (a module name with ``compress``/``decompress``, such as
    ``"gzip"``) or both ``compress`` and ``decompress`` functions, not both.
    """

    def __init__(
        self,
        serializer: Serializer,
        format: str | None = None,
        compress: Callable[..., bytes] | None = None,
        decompress: Callable[..., bytes] | None = None,
        compress_kwargs: Mapping[str, Any] | None = None,
        decompress_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if format is not None and (compress is not None or decompress is not None):
            msg = (
                "give either `format` or `compress`/`decompress` to CompressedSerializer, not both"
            )
            raise ValueError(msg)
        if format is not None:
            module = _compression_module(format)
            compress, decompress = module.compress, module.decompress
        elif compress is None or decompress is None:
            msg = (
                "CompressedSerializer needs `format` (such as 'gzip') or both `compress` "
                "and `decompress` functions"
            )
            raise ValueError(msg)
        self.serializer = serializer
        self.format = format
        self._compress = compress
        self._decompress = decompress
        self.compress_kwargs = dict(compress_kwargs or {})
        self.decompress_kwargs = dict(decompress_kwargs or {})

    def serialize(self, value: Any) -> bytes:
        return self._compress(self.serializer.serialize(value), **self.compress_kwargs)

    def deserialize(self, value: bytes) -> Any:
        return self.serializer.deserialize(self._decompress(value, **self.decompress_kwargs))

    def _settings(self) -> tuple[Any, ...]:
        return (
            self.serializer,
            self._compress,
            self._decompress,
            tuple(sorted(self.compress_kwargs.items())),
            tuple(sorted(self.decompress_kwargs.items())),
        )

    def __repr__(self) -> str:
        how = self.format or getattr(self._compress, "__name__", "custom")
        return f"CompressedSerializer({self.serializer!r}, {how!r})"


#: pandas formats that need something other than a byte buffer (a database connection, a
#: file path, a catalog, the system clipboard), so they cannot store a result's bytes.
_PANDAS_UNBUFFERED = frozenset({"clipboard", "gbq", "hdf", "iceberg", "sql"})


def _pandas() -> ModuleType:
    """pandas, imported on first use (``import compat`` never imports it)."""
    return import_extra("pandas", "pandas", "PandasSerializer")


class PandasSerializer(Serializer):
    """A pandas ``DataFrame`` written with ``DataFrame.to_<file_type>`` and read back with
    ``pandas.read_<file_type>`` (``"csv"``, ``"json"``, ``"parquet"``, ``"feather"``,
    ``"pickle"``, ``"orc"``, ``"stata"``, ``"excel"``... whatever pandas offers both ways).

    ``serialize_kwargs`` go to the ``to_`` method, ``deserialize_kwargs`` to the ``read_``
    function. pandas is imported when the serializer is built (extra ``[pandas]``), never by
    ``import compat``; an unknown file type fails here, not at the first write.
    """

    def __init__(
        self,
        file_type: str,
        deserialize_kwargs: Mapping[str, Any] | None = None,
        serialize_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(file_type, str):
            msg = f"PandasSerializer file_type must be a string such as 'csv', got {file_type!r}"
            raise TypeError(msg)
        pandas = _pandas()
        usable = sorted(
            name[len("read_") :]
            for name in dir(pandas)
            if name.startswith("read_")
            and hasattr(pandas.DataFrame, "to_" + name[len("read_") :])
            and name[len("read_") :] not in _PANDAS_UNBUFFERED
        )
        if file_type not in usable:
            why = (
                "it does not read from or write to a byte buffer"
                if file_type in _PANDAS_UNBUFFERED
                else f"pandas has no read_{file_type}() and DataFrame.to_{file_type}() pair"
            )
            msg = (
                f"PandasSerializer cannot use file_type {file_type!r}: {why}; "
                f"choose one of {', '.join(usable)}"
            )
            raise ValueError(msg)
        self.file_type = file_type
        self.deserialize_kwargs = dict(deserialize_kwargs or {})
        self.serialize_kwargs = dict(serialize_kwargs or {})

    def serialize(self, value: Any) -> bytes:
        pandas = _pandas()
        if not isinstance(value, pandas.DataFrame):
            msg = (
                f"PandasSerializer({self.file_type!r}) stores pandas DataFrames, got "
                f"{type(value).__name__}; convert it first (e.g. series.to_frame())"
            )
            raise TypeError(msg)
        write = getattr(value, f"to_{self.file_type}")
        buffer = io.BytesIO()
        try:
            write(buffer, **self.serialize_kwargs)
        except TypeError:
            # Some writers (html, older pandas csv/json) only accept text buffers.
            text = io.StringIO()
            write(text, **self.serialize_kwargs)
            return text.getvalue().encode("utf-8")
        return buffer.getvalue()

    def deserialize(self, value: bytes) -> Any:
        read = getattr(_pandas(), f"read_{self.file_type}")
        return read(io.BytesIO(value), **self.deserialize_kwargs)

    def _settings(self) -> tuple[Any, ...]:
        return (self.file_type, self.serialize_kwargs, self.deserialize_kwargs)

    def __hash__(self) -> int:  # keyword values may be lists: hash what is always hashable
        return hash((type(self), self.file_type))

    def __repr__(self) -> str:
        return f"PandasSerializer({self.file_type!r})"
