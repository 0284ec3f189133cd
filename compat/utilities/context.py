"""A thread-local, dict-like run context, as ``prefect.context`` is.

``with context(key=value):`` adds keys for the duration of the block and restores the
previous values afterwards; attribute access (``context.flow_name``) mirrors item access.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

__all__ = ["Context", "context"]


class Context(MutableMapping[str, Any]):
    """A mapping with attribute access whose contents are local to each thread."""

    def __init__(self) -> None:
        object.__setattr__(self, "_local", threading.local())

    @property
    def _data(self) -> dict[str, Any]:
        local = self._local
        try:
            return local.data
        except AttributeError:  # first use in this thread
            local.data = {}
            return local.data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The value at ``key``, or ``default`` (one lookup: runners call this a lot)."""
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            msg = f"context has no key {name!r}; available keys: {sorted(self._data)}"
            raise AttributeError(msg) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __repr__(self) -> str:
        return f"<Context: {sorted(self._data)}>"

    def __reduce__(self) -> str:
        """Pickle as a reference to the module's ``context``: a task function sent to another
        process by value (cloudpickle, dask) finds that process's own context there."""
        return "context"

    def to_dict(self) -> dict[str, Any]:
        """Return a shallow copy of the current thread's contents."""
        return dict(self._data)

    def __call__(self, *args: Mapping[str, Any], **kwargs: Any) -> _Overlay:
        """Temporarily add keys (from mappings and keywords); restore the old state on exit.

        The block works on a new dictionary and the old one is put back afterwards, so
        whatever the block sets or deletes is undone, at the cost of one merge.
        """
        return _Overlay(self, args, kwargs)


class _Overlay:
    """The ``with context(...):`` block (a plain class: runners enter one per task run)."""

    __slots__ = ("_context", "_mappings", "_previous")

    def __init__(
        self, context: Context, mappings: tuple[Mapping[str, Any], ...], keywords: dict[str, Any]
    ) -> None:
        self._context = context
        self._mappings = (*mappings, keywords)
        self._previous: dict[str, Any] | None = None

    def __enter__(self) -> Context:
        previous = self._context._data
        merged = previous.copy()
        for mapping in self._mappings:
            merged.update(mapping)
        self._previous = previous
        self._context._local.data = merged
        return self._context

    def __exit__(self, *exc_info: object) -> None:
        self._context._local.data = self._previous


context = Context()
