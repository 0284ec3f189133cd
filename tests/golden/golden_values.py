"""The values written into the golden files, and the tagged JSON codec for manifests.

Standard library only: this module is imported by ``make_golden.py`` inside throwaway
virtual environments that run old Prefect releases, and by ``test_golden.py`` in CI.

Manifest encoding: JSON-native values (``int``, ``float``, ``str``, ``bool``, ``None``,
``list`` and ``dict`` with ``str`` keys) are stored as themselves. Everything else is a
one-key object whose key starts with ``$``:

- ``{"$bytes": "<base64>"}``
- ``{"$tuple": [...]}``
- ``{"$set": [...]}`` and ``{"$frozenset": [...]}`` (items sorted by ``repr``)
- ``{"$dict": [[key, value], ...]}`` for dicts with a non-``str`` key or a key starting with ``$``
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

#: Placeholder for the directory that holds one version's golden data
#: (``tests/golden/data/<version>``). Committed payloads never contain machine paths.
GOLDEN_DIR_PLACEHOLDER = "{GOLDEN_DIR}"


def golden_values() -> dict[str, Any]:
    """Return the plain-data values written by every legacy format, by name."""
    return {
        "int": 42,
        "big_int": 2**70,
        "float": 3.141592653589793,
        "negative_float": -2.5,
        "bool": True,
        "none": None,
        "str_unicode": "héllo wörld ✓ 日本語 🐍",
        "empty_str": "",
        "bytes": b"\x00\x01binary\xff",
        "list": [1, "two", 3.0, None, True],
        "nested_dict": {"a": {"b": [1, 2, {"c": None}]}, "flag": False, "ünï": "cödé"},
        "tuple": (1, "a", (2, 3)),
        "set": {1, 2, 3},
        "frozenset": frozenset({"x", "y"}),
        "int_key_dict": {1: "one", 2: (3, 4)},
        "big_list": list(range(2000)),
    }


#: Names of the values that survive ``json.dumps``/``json.loads`` unchanged.
JSON_VALUE_NAMES: tuple[str, ...] = (
    "int",
    "big_int",
    "float",
    "negative_float",
    "bool",
    "none",
    "str_unicode",
    "empty_str",
    "list",
    "nested_dict",
    "big_list",
)


def _plain_dict(value: dict[Any, Any]) -> bool:
    return all(isinstance(key, str) and not key.startswith("$") for key in value)


def encode_value(value: Any) -> Any:
    """Encode ``value`` as JSON-compatible data (see the module docstring)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"$tuple": [encode_value(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        tag = "$frozenset" if isinstance(value, frozenset) else "$set"
        return {tag: [encode_value(item) for item in sorted(value, key=repr)]}
    if isinstance(value, list):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        if _plain_dict(value):
            return {key: encode_value(item) for key, item in value.items()}
        return {"$dict": [[encode_value(k), encode_value(v)] for k, v in value.items()]}
    raise TypeError(f"cannot encode {type(value).__name__} value {value!r} for a manifest")


def decode_value(data: Any) -> Any:
    """Invert :func:`encode_value`."""
    if isinstance(data, list):
        return [decode_value(item) for item in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        ((tag, body),) = data.items()
        if tag == "$bytes":
            return base64.b64decode(body)
        if tag == "$tuple":
            return tuple(decode_value(item) for item in body)
        if tag == "$set":
            return {decode_value(item) for item in body}
        if tag == "$frozenset":
            return frozenset(decode_value(item) for item in body)
        if tag == "$dict":
            return {decode_value(k): decode_value(v) for k, v in body}
    return {key: decode_value(item) for key, item in data.items()}


def same_value(expected: Any, actual: Any) -> bool:
    """Return whether two values are equal and of the same types, recursively."""
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, (list, tuple)):
        return len(expected) == len(actual) and all(
            same_value(e, a) for e, a in zip(expected, actual)
        )
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(
            same_value(expected[key], actual[key]) for key in expected
        )
    return bool(expected == actual)


def result_cache_facts(
    result_class: Any, json_handler_class: Any, validator: Any
) -> dict[str, Any]:
    """What ``Result(..., cache_for=..., cache_validator=...)`` keeps, for Prefect 0.10.7 and
    compat alike (the same calls on either library's classes)."""
    hour = datetime.timedelta(hours=1)
    with_cache = result_class(5, result_handler=json_handler_class(), cache_for=hour)
    with_cache.store_safe_value()
    explicit = result_class(1, cache_for=hour, cache_validator=validator)
    alone = result_class(1, cache_validator=validator)
    plain = result_class(1)
    return {
        "cache_for_seconds": with_cache.cache_for.total_seconds(),
        "default_validator": with_cache.cache_validator.__name__,
        "explicit_validator": explicit.cache_validator.__name__,
        "validator_alone": [alone.cache_for, alone.cache_validator.__name__],
        "no_cache_args": [plain.cache_for, plain.cache_validator],
        "safe_value": repr(with_cache.safe_value),
        "equal_same_args": result_class(1, cache_for=hour) == result_class(1, cache_for=hour),
        "equal_without_cache_for": result_class(1, cache_for=hour) == plain,
    }
