"""A reversible log of everything the bridge changes, so ``uninstall()`` restores it all."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

_MISSING = object()


class Patches:
    """Records attribute, ``sys.modules`` and environment changes; ``undo()`` reverts them."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def set_attr(self, owner: Any, name: str, value: Any) -> None:
        """Set ``owner.name`` (a class or module's own attribute, not an inherited one)."""
        previous = vars(owner).get(name, _MISSING)
        setattr(owner, name, value)

        def restore() -> None:
            if previous is _MISSING:
                if name in vars(owner):
                    delattr(owner, name)
            else:
                setattr(owner, name, previous)

        self._undo.append(restore)

    def set_item(self, mapping: dict[str, Any], key: str, value: Any) -> None:
        """Set ``mapping[key]`` (a schema table, for instance)."""
        previous = mapping.get(key, _MISSING)
        mapping[key] = value

        def restore() -> None:
            if previous is _MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = previous

        self._undo.append(restore)

    def add_module(self, module: ModuleType) -> None:
        """Register ``module`` in ``sys.modules`` and as an attribute of its parent."""
        parent_name, _, child = module.__name__.rpartition(".")
        self.set_item(sys.modules, module.__name__, module)  # type: ignore[arg-type]
        self.set_attr(sys.modules[parent_name], child, module)

    def set_environ(self, key: str, value: str) -> None:
        """Set an environment variable (inherited by the processes started afterwards)."""
        previous = os.environ.get(key)
        os.environ[key] = value

        def restore() -> None:
            if previous is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = previous

        self._undo.append(restore)

    def undo(self) -> None:
        """Revert every change, newest first."""
        while self._undo:
            self._undo.pop()()
