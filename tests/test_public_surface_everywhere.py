"""Every public module of both packages declares ``__all__`` and it matches what it defines."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import codemods
import compat


def _walk(package) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


PUBLIC_MODULES = _walk(compat) + _walk(codemods)


def test_the_walk_reaches_the_runtime_and_the_command_line():
    """The parametrised check below covers the runtime and the CLI, not only the models."""
    for expected in ("compat.core.flow", "compat.engine.flow_runner", "codemods.cli"):
        assert expected in PUBLIC_MODULES


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_declared_and_complete(module_name: str) -> None:
    """``__all__`` exists, names only real attributes, and exports every public def/class."""
    module = importlib.import_module(module_name)
    declared = module.__all__
    assert len(declared) == len(set(declared)), "duplicates in __all__"
    missing = [name for name in declared if not hasattr(module, name)]
    assert missing == [], f"{module_name}.__all__ names attributes that do not exist"
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module_name
    }
    assert defined - set(declared) == set(), "defined publicly but not exported"


def test_compat_core_offers_the_classes_prefect_core_did() -> None:
    """``from prefect.core import Flow, Task, Parameter, Edge`` works with only the root changed."""
    import compat
    from compat.core import Edge, Flow, Parameter, Task
    from compat.core.edge import Edge as EdgeClass

    assert (Flow, Task, Parameter, Edge) == (compat.Flow, compat.Task, compat.Parameter, EdgeClass)
