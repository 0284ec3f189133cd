"""The rewrite rules, one module per rule (see :class:`codemods._catalogue.Rule`)."""

from __future__ import annotations

from codemods._cst.base import PassState, RuleTransformer

from .constructors import ConstructorRule
from .custom_handlers import CustomHandlerRule
from .imports import ImportRule, StarImportRule
from .legacy_results import LegacyResultRule
from .result_handler_keyword import ResultHandlerKeywordRule

__all__ = [
    "PIPELINE",
    "ConstructorRule",
    "CustomHandlerRule",
    "ImportRule",
    "LegacyResultRule",
    "PassState",
    "ResultHandlerKeywordRule",
    "RuleTransformer",
    "StarImportRule",
]

#: The passes in the order they run. The order is a contract between the rules:
#: 1. StarImportRule (PRU001) first, so later passes see qualified names for `*` imports;
#: 2. LegacyResultRule (PRU005), independent of the others;
#: 3. ResultHandlerKeywordRule (PRU003) renames `result_handler` slots to `result` while
#:    the handler expressions are still there to judge;
#: 4. CustomHandlerRule (PRU004) and 5. ConstructorRule (PRU002) act on `result` slots;
#: 6. ImportRule (PRU001) last, once every use it depends on was rewritten.
PIPELINE: tuple[type[RuleTransformer], ...] = (
    StarImportRule,
    LegacyResultRule,
    ResultHandlerKeywordRule,
    CustomHandlerRule,
    ConstructorRule,
    ImportRule,
)
