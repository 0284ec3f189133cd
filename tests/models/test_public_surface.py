"""The public surface: ``__all__`` of every public model module matches what it defines."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import compat

#: Model modules and packages (the runtime pins its own modules).
MODEL_PACKAGES = [
    "compat.engine.result",
    "compat.engine.results",
    "compat.engine.result_handlers",
    "compat.serialization",
    "compat.client",
]
MODEL_MODULES = [
    "compat.conversion_table",
    "compat.exceptions",
    "compat.engine.serializers",
    "compat.engine.conversion",
    "compat.serialization.result",
    "compat.utilities.configuration",
    "compat.client.secrets",
]

#: Names a module deliberately re-exports from elsewhere (Prefect had them there too).
REEXPORTS = {"compat.engine.result.base": {"ResultNotImplementedError"}}

#: Packages whose ``__all__`` is exactly the names of their submodules' ``__all__``.
PACKAGE_ALL = {
    "compat.engine.result": [
        "NoResult",
        "NoResultType",
        "Result",
        "ResultInterface",
        "ResultNotImplementedError",
        "SafeResult",
    ],
    "compat.engine.results": [
        "AzureResult",
        "ConstantResult",
        "FSSpecResult",
        "GCSResult",
        "LocalResult",
        "PrefectResult",
        "ResultHandlerResult",
        "S3Result",
        "SecretResult",
    ],
    "compat.engine.result_handlers": [
        "AzureResultHandler",
        "ConstantResultHandler",
        "GCSResultHandler",
        "JSONResultHandler",
        "LocalResultHandler",
        "ResultHandler",
        "S3ResultHandler",
        "SecretResultHandler",
    ],
    "compat.client": ["Secret"],
    "compat.serialization": [],
}


def _submodules(package: str) -> list[str]:
    module = importlib.import_module(package)
    return [
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(module.__path__)
        if not info.name.startswith("_")
    ]


PUBLIC_MODULES = sorted(
    {*MODEL_MODULES, *(name for pkg in MODEL_PACKAGES for name in _submodules(pkg))}
)


def _defined_public_names(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        if (inspect.isclass(value) or inspect.isfunction(value)) and (
            value.__module__ == module_name
        ):
            names.add(name)
    return names


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_matches_defined_public_classes_and_functions(module_name: str) -> None:
    """``__all__`` lists exactly the public classes and functions the module defines."""
    module = importlib.import_module(module_name)
    declared = set(module.__all__)
    assert len(module.__all__) == len(declared), "duplicates in __all__"
    for name in declared:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name!r}"
    defined = _defined_public_names(module_name)
    assert defined - declared == set(), "public but not exported"
    extra = declared - defined - REEXPORTS.get(module_name, set())
    undefined_non_constants = {
        name
        for name in extra
        if inspect.isclass(getattr(module, name)) or callable(getattr(module, name))
    }
    assert undefined_non_constants == set(), "exported but defined elsewhere"


@pytest.mark.parametrize("package", sorted(PACKAGE_ALL))
def test_package_all_is_pinned(package: str) -> None:
    """Each model package exports exactly the pinned names."""
    assert sorted(importlib.import_module(package).__all__) == PACKAGE_ALL[package]


def test_top_level_all_is_pinned() -> None:
    """``compat`` exports Prefect's top-level names, lazily."""
    assert sorted(compat.__all__) == [
        "Flow",
        "Parameter",
        "Task",
        "__version__",
        "config",
        "context",
        "tags",
        "task",
        "unmapped",
    ]
    assert sorted(dir(compat)) == sorted(compat.__all__)
    with pytest.raises(AttributeError, match="no attribute"):
        compat.NotAThing  # noqa: B018
