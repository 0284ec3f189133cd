"""Helpers shared by the cloud results: reading credential secrets."""

from __future__ import annotations

from typing import Any

__all__ = ["secret_value"]


def secret_value(name: str, *, required: bool) -> dict[str, Any] | None:
    """Return the named secret as a dict, ``None`` if absent and not ``required``."""
    from compat.client.secrets import Secret

    try:
        value = Secret(name).get()
    except ValueError:
        if required:
            raise
        return None
    if not isinstance(value, dict):
        msg = f"secret {name!r} must hold a JSON object of credentials, got {type(value).__name__}"
        raise ValueError(msg)
    return value
