"""Cache validators: may a cached state stand in for a new run of the task?

Each validator is called as ``validator(state, inputs, parameters)`` where ``inputs`` are
the raw input values of the new run and ``parameters`` the flow run's parameters.

Input comparisons use ``hashed_inputs`` tokens: :func:`tokenize` is the SHA-256 of the
value's cloudpickle bytes (stable for plain data within one Python version; Prefect used
``dask.base.tokenize``, which would make dask a dependency).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import cloudpickle

from compat.engine.state import State

__all__ = [
    "all_inputs",
    "all_parameters",
    "duration_only",
    "hash_inputs",
    "never_use",
    "partial_inputs_only",
    "partial_parameters_only",
    "tokenize",
]

Validator = Callable[[State, Mapping[str, Any], Mapping[str, Any] | None], bool]


def tokenize(value: Any) -> str:
    """A stable hash of ``value``: SHA-256 of the cloudpickle bytes of a canonical form.

    Dicts are ordered by key and sets by element, so equal inputs get equal tokens whatever
    their insertion order or the interpreter's hash seed (as ``dask.base.tokenize`` does).
    """
    return hashlib.sha256(cloudpickle.dumps(_canonical(value))).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        items = sorted((tokenize(k), _canonical(v)) for k, v in value.items())
        return ("dict", tuple(items))
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, tuple(sorted(tokenize(v) for v in value)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_canonical(v) for v in value))
    return value


def hash_inputs(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Tokens for every input value."""
    return {key: tokenize(value) for key, value in inputs.items()}


def never_use(state: State, inputs: Mapping[str, Any], parameters: Any) -> bool:
    """Never use a cache (the default without ``cache_for``)."""
    return False


def duration_only(state: State, inputs: Mapping[str, Any], parameters: Any) -> bool:
    """Use the cache until it expires (no expiration: always)."""
    expiration = getattr(state, "cached_result_expiration", None)
    return expiration is None or expiration > dt.datetime.now(dt.timezone.utc)


def _same_inputs(state: State, inputs: Mapping[str, Any], keys: Iterable[str] | None) -> bool:
    wanted = set(inputs) if keys is None else set(keys)
    hashed = getattr(state, "hashed_inputs", None)
    if hashed is not None:
        current = hash_inputs({k: v for k, v in inputs.items() if k in wanted})
        return {k: v for k, v in hashed.items() if k in wanted} == current
    cached = {k: r.value for k, r in (state.cached_inputs or {}).items() if k in wanted}
    return cached == {k: v for k, v in inputs.items() if k in wanted}


def all_inputs(state: State, inputs: Mapping[str, Any], parameters: Any) -> bool:
    """Use the cache while unexpired and only if every input is the same."""
    return duration_only(state, inputs, parameters) and _same_inputs(state, inputs, None)


def all_parameters(state: State, inputs: Mapping[str, Any], parameters: Any) -> bool:
    """Use the cache while unexpired and only if every flow parameter is the same."""
    if not duration_only(state, inputs, parameters):
        return False
    return getattr(state, "cached_parameters", None) == (parameters or {})


def partial_parameters_only(validate_on: Iterable[str] | None = None) -> Validator:
    """Compare only the named parameters (all of them count as equal if none are named)."""
    names = None if validate_on is None else set(validate_on)

    def _validator(state: State, inputs: Mapping[str, Any], parameters: Any) -> bool:
        if not duration_only(state, inputs, parameters):
            return False
        if names is None:
            return True
        cached = getattr(state, "cached_parameters", None) or {}
        current = parameters or {}
        return {k: v for k, v in cached.items() if k in names} == {
            k: v for k, v in current.items() if k in names
        }

    return _validator


def partial_inputs_only(validate_on: Iterable[str] | None = None) -> Validator:
    """Compare only the named inputs (all of them count as equal if none are named)."""
    names = None if validate_on is None else set(validate_on)

    def _validator(state: State, inputs: Mapping[str, Any], parameters: Any) -> bool:
        if not duration_only(state, inputs, parameters):
            return False
        return names is None or _same_inputs(state, inputs, names)

    return _validator
