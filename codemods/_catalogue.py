"""The rule catalogue: stable codes, one-line descriptions, the module implementing each.

Codes never change meaning once published (users put them in ``--select``/``--ignore``
and in CI configuration), so a retired rule keeps its code reserved.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["Rule"]


class Rule(str, Enum):
    """A rewrite rule, bump-pydantic style: the value is the code, plus a description."""

    description: str
    module: str

    def __new__(cls, code: str, module: str, description: str) -> Rule:
        member = str.__new__(cls, code)
        member._value_ = code
        member.module = module
        member.description = description
        return member

    PRU001 = (
        "PRU001",
        "imports",
        "Move imports from `prefect.engine.result_handlers` to `prefect.engine.results`.",
    )
    PRU002 = (
        "PRU002",
        "constructors",
        "Replace built-in handler constructors with their `Result` class, arguments mapped.",
    )
    PRU003 = (
        "PRU003",
        "result_handler_keyword",
        "Rename `result_handler=` (keywords, attributes, kwargs keys) to `result=`.",
    )
    PRU004 = (
        "PRU004",
        "custom_handlers",
        "Wrap custom `ResultHandler` subclasses in `ResultHandlerResult` where used.",
    )
    PRU005 = (
        "PRU005",
        "legacy_results",
        "Flag `SafeResult`, `.safe_value`, `.store_safe_value()`, `.to_result()` uses.",
    )

    def __str__(self) -> str:
        return self.value
