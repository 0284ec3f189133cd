"""State payloads: Prefect-compatible JSON shapes for every state (reference §5).

``{"type": "Success", "__version__": ..., "message": ..., "_result": {...},
"context": {...}, "cached_inputs": {...} | null}`` plus per-type fields: ``start_time``
(Scheduled, Retrying), ``run_count`` (Retrying), ``cached_parameters``,
``cached_result_expiration``, ``hashed_inputs`` (Cached), ``n_map_states`` (Mapped),
``loop_count`` (Looped). Results go through :func:`compat.serialization.result.dump_result`,
so no raw value is ever stored (a ``PrefectResult`` location is the value's JSON, by design).
A loaded state's result has ``value is None``; hydrate it with ``state.load_result(reader)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat.engine import state as states
from compat.exceptions import PayloadError
from compat.serialization._fields import (
    check_depth,
    fail,
    optional_datetime,
    optional_int,
    optional_mapping,
    optional_str,
    shown_name,
    subfield,
)
from compat.serialization.result import dump_legacy_result, dump_result, load_result

__all__ = ["StateSchema", "dump_state", "load_state"]

_STATE_CLASSES: dict[str, type[states.State]] = {
    name: getattr(states, name) for name in states.__all__
}
_DATETIME_FIELDS = ("start_time", "cached_result_expiration")


def _version() -> str:
    import compat

    return compat.__version__


def dump_state(state: states.State, *, legacy: bool = False) -> dict[str, Any]:
    """Return the JSON-compatible payload of ``state``.

    ``legacy=True`` dumps results in the 0.10 shape (``SafeResult`` with its handler, see
    :func:`~compat.serialization.result.dump_legacy_result`), for Prefect 0.10 readers.
    """
    dump = dump_legacy_result if legacy else dump_result
    name = type(state).__name__
    if _STATE_CLASSES.get(name) is not type(state):
        msg = f"cannot dump {state!r}: {name} is not a compat state class"
        raise PayloadError(msg)
    payload: dict[str, Any] = {
        "type": name,
        "__version__": _version(),
        "message": state.message,
        "_result": dump(state._result),
        "context": dict(state.context),
        "cached_inputs": None
        if state.cached_inputs is None
        else {key: dump(value) for key, value in state.cached_inputs.items()},
    }
    for field in _DATETIME_FIELDS:
        if hasattr(state, field):
            value = getattr(state, field)
            payload[field] = value.isoformat() if value is not None else None
    if isinstance(state, states.Retrying):
        payload["run_count"] = state.run_count
    if isinstance(state, states.Cached):
        payload["cached_parameters"] = state.cached_parameters
        payload["hashed_inputs"] = state.hashed_inputs
    if isinstance(state, states.Mapped):
        payload["n_map_states"] = state.n_map_states
        del payload["_result"]  # as in Prefect: children are not serialized with the parent
    if isinstance(state, states.Looped):
        payload["loop_count"] = state.loop_count
    return payload


def load_state(payload: Mapping[str, Any]) -> states.State:
    """Rebuild a state from its payload (unknown fields are ignored).

    Every field is checked before use: a malformed payload raises
    :class:`~compat.exceptions.PayloadError` naming the field (never its value), and result
    payloads naming storage outside the allow-list are refused before anything is read.
    """
    if not isinstance(payload, Mapping):
        raise fail("(the state)", "an object", payload)
    name = payload.get("type")
    cls = _STATE_CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        msg = (
            f"payload field type names an unknown state type {shown_name(name)}; "
            f"known types: {', '.join(sorted(_STATE_CLASSES))}"
        )
        raise PayloadError(msg)
    check_depth(payload, "(the state)")
    kwargs: dict[str, Any] = {}
    for field in _DATETIME_FIELDS:
        if payload.get(field) is not None:
            kwargs[field] = optional_datetime(payload, field, "")
    for field in ("run_count", "loop_count"):
        if field in payload:
            kwargs[field] = optional_int(payload, field, "")
    for field in ("cached_parameters", "hashed_inputs"):
        if field in payload:
            kwargs[field] = optional_mapping(payload, field, "")
    if any(not isinstance(v, str) for v in (kwargs.get("hashed_inputs") or {}).values()):
        raise fail("hashed_inputs", "an object of strings", payload["hashed_inputs"])
    if cls is states.Retrying and kwargs.get("run_count") is None:
        kwargs.pop("run_count", None)
    context = optional_mapping(payload, "context", "") or {}
    if context.get("_loop_count") is not None:  # the runner resumes a loop from it
        loop_count = optional_int(context, "_loop_count", "context")
        if not loop_count:
            raise fail("context._loop_count", "a positive integer", loop_count)
    cached = optional_mapping(payload, "cached_inputs", "")
    n_map_states = optional_int(payload, "n_map_states", "")
    state = cls(
        message=optional_str(payload, "message", ""),
        result=load_result(payload.get("_result"), field="_result"),
        context=dict(context),
        cached_inputs=None
        if cached is None
        else {
            key: load_result(value, field=subfield("cached_inputs", key))
            for key, value in cached.items()
        },
        **kwargs,
    )
    if isinstance(state, states.Mapped):
        state.n_map_states = n_map_states or 0
    return state


class StateSchema:
    """Prefect-style ``dump``/``load`` wrapper around :func:`dump_state`/:func:`load_state`."""

    def dump(self, state: states.State) -> dict[str, Any]:
        """Return the payload for ``state``."""
        return dump_state(state)

    def load(self, payload: Mapping[str, Any]) -> states.State:
        """Return the state described by ``payload``."""
        return load_state(payload)
