"""The one place where handlers become results and results become handlers.

Handler → result is driven by a registry keyed by *exact* handler class. The built-in
rows come from :mod:`compat.conversion_table` (the same data the codemods read), so both
always agree. Lookup rules:

1. an exact registered class converts with its converter;
2. a *subclass* of a registered class that overrides ``read`` or ``write`` is wrapped in
   ``ResultHandlerResult``, keeping its behaviour (Prefect flattened it and lost the
   overrides); a subclass that overrides neither converts like its parent;
3. anything else is wrapped in ``ResultHandlerResult``.

Result → handler: a ``ResultHandlerResult`` gives back its handler; a result that carries
a ``result_handler`` gives that; a result converted from a built-in handler gives back that
handler; ``PrefectResult`` and ``ConstantResult`` map to their exact
legacy handlers; any other storage-backed result is wrapped in :class:`ResultAsHandler`.

Third parties register their own classes with :func:`register_handler_conversion` and
:func:`register_result_conversion` (``clobber=False`` refuses silent overwrites).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from compat import conversion_table
from compat.engine.result.base import Result
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.exceptions import ConversionError

__all__ = [
    "ResultAsHandler",
    "handler_converters",
    "register_handler_conversion",
    "register_result_conversion",
    "result_converters",
    "result_from_handler",
    "to_handler",
    "to_result",
]

HandlerConverter = Callable[[ResultHandler], Result]
ResultConverter = Callable[[Result], ResultHandler]

_handler_converters: dict[type[ResultHandler], HandlerConverter] = {}
_result_converters: dict[type[Result], ResultConverter] = {}

#: Read-only views of the registries.
handler_converters: Mapping[type[ResultHandler], HandlerConverter] = MappingProxyType(
    _handler_converters
)
result_converters: Mapping[type[Result], ResultConverter] = MappingProxyType(_result_converters)


def _register(
    registry: dict[Any, Any], base: type, cls: Any, converter: Any, clobber: bool, caller: str
) -> None:
    if not (isinstance(cls, type) and issubclass(cls, base)):
        msg = f"{caller} needs a {base.__name__} subclass, got {cls!r}"
        raise TypeError(msg)
    if cls in registry and not clobber:
        msg = f"{cls.__name__} already has a conversion; pass clobber=True to replace it"
        raise ValueError(msg)
    registry[cls] = converter


def register_handler_conversion(
    handler_class: type[ResultHandler], converter: HandlerConverter, *, clobber: bool = False
) -> None:
    """Teach the conversion how to turn instances of ``handler_class`` into a ``Result``."""
    _register(
        _handler_converters,
        ResultHandler,
        handler_class,
        converter,
        clobber,
        "register_handler_conversion",
    )


def register_result_conversion(
    result_class: type[Result], converter: ResultConverter, *, clobber: bool = False
) -> None:
    """Teach the conversion how to use instances of ``result_class`` as a handler."""
    _register(
        _result_converters, Result, result_class, converter, clobber, "register_result_conversion"
    )


def _overrides_io(handler_class: type, base: type) -> bool:
    return any(
        getattr(handler_class, name) is not getattr(base, name) for name in ("read", "write")
    )


def result_from_handler(handler: ResultHandler) -> Result:
    """Return the ``Result`` equivalent of a legacy handler (see the module docstring)."""
    from compat.engine.results.result_handler_result import ResultHandlerResult

    if not isinstance(handler, ResultHandler):
        msg = f"expected a ResultHandler to convert, got {handler!r}"
        raise ConversionError(msg)
    cls = type(handler)
    converter = _handler_converters.get(cls)
    if converter is not None:
        return converter(handler)
    for registered in cls.__mro__[1:]:
        if registered in _handler_converters:
            if _overrides_io(cls, registered):
                break
            return _handler_converters[registered](handler)
    return ResultHandlerResult(handler)


def to_result(obj: Result | ResultHandler | None) -> Result | None:
    """Accept a ``Result`` (returned as is), a handler (converted) or ``None``."""
    if obj is None or isinstance(obj, Result):
        return obj
    if isinstance(obj, ResultHandler):
        return result_from_handler(obj)
    msg = (
        f"expected a Result (such as LocalResult()) or a ResultHandler, got {obj!r} of type "
        f"{type(obj).__name__}"
    )
    raise ConversionError(msg)


class ResultAsHandler(ResultHandler):
    """A ``Result`` used where the legacy model wants a handler.

    ``write`` stores the value with the result and returns its location; ``read`` reads
    the value at a location back.
    """

    def __init__(self, result: Result) -> None:
        self.result = result.from_value(None)

    def write(self, result: Any) -> Any:
        return self.result.write(result).location

    def read(self, location: Any) -> Any:
        return self.result.read(location).value

    def __repr__(self) -> str:
        return f"<ResultHandler: {type(self.result).__name__} as handler>"


def to_handler(obj: Result | ResultHandler) -> ResultHandler:
    """Return a handler for ``obj``: a handler as is, or a ``Result`` used as a handler."""
    if isinstance(obj, ResultHandler):
        return obj
    if not isinstance(obj, Result):
        msg = f"expected a ResultHandler or a Result, got {obj!r} of type {type(obj).__name__}"
        raise ConversionError(msg)
    if obj.result_handler is not None:
        return obj.result_handler
    source = getattr(obj, "_converted_from", None)
    if isinstance(source, ResultHandler):
        return source
    converter = _result_converters.get(type(obj))  # exact class: subclasses may store elsewhere
    if converter is not None:
        return converter(obj)
    if not obj.is_storage_backed:
        msg = (
            f"{obj!r} cannot store values, so it cannot serve as a result handler; use a "
            "storage-backed result such as LocalResult"
        )
        raise ConversionError(msg)
    return ResultAsHandler(obj)


def _import(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def _table_converter(row: conversion_table.Conversion) -> HandlerConverter:
    result_class = _import(
        f"compat.{conversion_table.RESULTS_MODULE}.{row.result_module}", row.result
    )

    def convert(handler: ResultHandler) -> Result:
        kwargs = {
            rule.result_arg: getattr(handler, rule.handler_arg, None)
            for rule in row.arguments
            if rule.result_arg is not None and hasattr(handler, rule.handler_arg)
        }
        result: Result = result_class(**kwargs)
        # Kept privately for the reverse conversion only: a public ``result_handler`` would
        # make the converted result unequal to the same result built by hand (as in Prefect).
        result._converted_from = handler  # type: ignore[attr-defined]
        return result

    convert.__name__ = f"convert_{row.handler}"
    return convert


def _register_builtins() -> None:
    for row in conversion_table.conversions():
        handler_class = _import(
            f"compat.{conversion_table.HANDLERS_MODULE}.{row.module}", row.handler
        )
        register_handler_conversion(handler_class, _table_converter(row))

    from compat.engine.result_handlers import ConstantResultHandler, JSONResultHandler
    from compat.engine.results import ConstantResult, PrefectResult
    from compat.engine.serializers import JSONSerializer

    def prefect_to_handler(result: Result) -> ResultHandler:
        if result.serializer == JSONSerializer():
            return JSONResultHandler()
        return ResultAsHandler(result)

    def constant_to_handler(result: Result) -> ResultHandler:
        return ConstantResultHandler(result.value)

    register_result_conversion(PrefectResult, prefect_to_handler)
    register_result_conversion(ConstantResult, constant_to_handler)


_register_builtins()
