"""Reading fields of untrusted payloads: check the type, name the field, never echo a value.

Payloads come from state databases and files anyone with write access may have edited. Every
failure here is a :class:`~compat.exceptions.PayloadError` whose message names the field
(``_result.location``, ``cached_inputs['x'].dir``), what was expected and the JSON type that
was found. Values are never included: they can hold credentials and can be huge.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from compat.exceptions import PayloadError

__all__ = [
    "MAX_DEPTH",
    "check_depth",
    "fail",
    "optional_class_name",
    "optional_datetime",
    "optional_int",
    "optional_mapping",
    "optional_secret_name",
    "optional_str",
    "shown_name",
    "subfield",
]

#: How deeply a payload may nest objects and lists (Prefect's own payloads use about 5).
MAX_DEPTH = 64
_CLASS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,79}")
#: A class path as ``f"{cls.__module__}.{cls.__qualname__}"`` writes it (``<locals>`` too).
_CLASS_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_.<>]{0,199}")
_MAX_NAME = 200


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def fail(field: str, expectation: str, value: Any) -> PayloadError:
    """The error for ``field`` holding ``value`` where ``expectation`` was needed."""
    return PayloadError(f"payload field {field} must be {expectation}, got {_json_type(value)}")


def subfield(field: str, key: str) -> str:
    """``_result`` + ``dir`` → ``_result.dir``; keys that are not names are quoted."""
    if _CLASS_NAME.fullmatch(key) and "." not in key:
        return f"{field}.{key}" if field else key
    return f"{field}[{shown_name(key)}]"


def shown_name(name: Any) -> str:
    """A type or key name for a message: shown if short and name-like, else described."""
    if isinstance(name, str) and _CLASS_NAME.fullmatch(name):
        return repr(name)
    return f"<{_json_type(name)}>"


def optional_str(payload: Mapping[str, Any], key: str, field: str) -> str | None:
    """The string at ``key``, or ``None`` if absent or null."""
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(subfield(field, key), "a string or null", value)
    return value


def optional_class_name(payload: Mapping[str, Any], key: str, field: str) -> str | None:
    """The class name or dotted class path at ``key``, or ``None`` if absent or null.

    These names end up in error messages at hydration, so anything else (a megabyte of
    text, newlines forging log lines) is refused here.
    """
    value = optional_str(payload, key, field)
    if value is not None and not _CLASS_PATH.fullmatch(value):
        msg = (
            f"payload field {subfield(field, key)} must be a class name or dotted class path "
            "such as 'my_flows.handlers.MyHandler' (at most 200 characters)"
        )
        raise PayloadError(msg)
    return value


def optional_secret_name(payload: Mapping[str, Any], key: str, field: str) -> str | None:
    """The secret name at ``key`` (printable, at most 200 characters), or ``None``.

    A payload names the secret a result re-reads; the name is echoed when it is missing.
    """
    value = optional_str(payload, key, field)
    if value is not None and (len(value) > _MAX_NAME or not value.isprintable()):
        msg = (
            f"payload field {subfield(field, key)} must be a secret name (printable, at most "
            f"{_MAX_NAME} characters)"
        )
        raise PayloadError(msg)
    return value


def optional_int(payload: Mapping[str, Any], key: str, field: str) -> int | None:
    """The non-negative integer at ``key``, or ``None`` if absent or null."""
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(subfield(field, key), "a non-negative integer or null", value)
    return value


def optional_mapping(payload: Mapping[str, Any], key: str, field: str) -> Mapping[str, Any] | None:
    """The object at ``key`` (string keys), or ``None`` if absent or null."""
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise fail(subfield(field, key), "an object (with string keys) or null", value)
    return value


def optional_datetime(payload: Mapping[str, Any], key: str, field: str) -> dt.datetime | None:
    """The ISO 8601 timestamp at ``key`` as a datetime, or ``None`` if absent or null."""
    text = optional_str(payload, key, field)
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        msg = f"payload field {subfield(field, key)} must be an ISO 8601 timestamp"
        raise PayloadError(msg) from None


def check_depth(value: Any, field: str, limit: int = MAX_DEPTH) -> None:
    """Refuse objects and lists nested deeper than ``limit`` (without recursing)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    seen: set[tuple[int, int]] = set()  # (node, depth): shared or cyclic nodes stay bounded
    while pending:
        node, depth = pending.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth >= limit:
            msg = f"payload field {field} nests objects or lists more than {limit} levels deep"
            raise PayloadError(msg)
        if (id(node), depth) in seen:
            continue
        seen.add((id(node), depth))
        pending.extend((child, depth + 1) for child in children)
