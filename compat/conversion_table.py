"""The handler-to-result conversion table, as plain data.

This module is the single definition of how each legacy result handler maps onto a
``Result`` class, argument by argument. Two readers share it and so can never disagree:

* the runtime conversion registry (:mod:`compat.engine.conversion`), which turns handler
  *objects* into result objects, and
* the codemods (:mod:`codemods`), which turn handler *source code* into result source code.

It imports nothing from the rest of :mod:`compat`, so reading it never starts the runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "HANDLERS_MODULE",
    "HANDLER_MODULES",
    "HANDLER_NAMES",
    "RESULTS_MODULE",
    "ArgumentRule",
    "Conversion",
    "conversion_for",
    "conversions",
]

#: The legacy package that held every handler, relative to the ``prefect``/``compat`` root.
HANDLERS_MODULE = "engine.result_handlers"
#: The package that holds every ``Result`` class, relative to the same root.
RESULTS_MODULE = "engine.results"


@dataclass(frozen=True)
class ArgumentRule:
    """How one handler constructor argument carries over to the result constructor.

    ``result_arg`` is the keyword the argument becomes on the result (``None``: it has no
    home at all). ``prefect_safe`` says whether Prefect's own ``Result`` class (0.11+)
    accepts that keyword with the same meaning; when it does not, the codemod leaves a TODO
    for the ``prefect`` target while the ``compat`` runtime still keeps the setting.
    """

    handler_arg: str
    result_arg: str | None
    prefect_safe: bool = True
    note: str = ""


@dataclass(frozen=True)
class Conversion:
    """One row of the table: a built-in handler class and its ``Result`` equivalent."""

    handler: str
    module: str
    result: str
    result_module: str
    #: Constructor parameters of the handler, in positional order.
    parameters: tuple[str, ...]
    #: Parameters the handler requires (no default).
    required: tuple[str, ...] = ()
    arguments: tuple[ArgumentRule, ...] = field(default=())

    def rule_for(self, handler_arg: str) -> ArgumentRule | None:
        """Return the rule for ``handler_arg``, or ``None`` if the handler has no such argument."""
        for rule in self.arguments:
            if rule.handler_arg == handler_arg:
                return rule
        return None


_ROWS: tuple[Conversion, ...] = (
    Conversion(
        handler="ConstantResultHandler",
        module="constant_result_handler",
        result="ConstantResult",
        result_module="constant_result",
        parameters=("value",),
        required=("value",),
        arguments=(ArgumentRule("value", "value"),),
    ),
    Conversion(
        handler="JSONResultHandler",
        module="json_result_handler",
        result="PrefectResult",
        result_module="prefect_result",
        parameters=(),
    ),
    Conversion(
        handler="LocalResultHandler",
        module="local_result_handler",
        result="LocalResult",
        result_module="local_result",
        parameters=("dir", "validate"),
        arguments=(
            ArgumentRule("dir", "dir"),
            ArgumentRule(
                "validate",
                "validate_dir",
                prefect_safe=False,
                note="LocalResult has `validate_dir`, but it validates (creates) the "
                "directory at construction rather than per write; check the intent",
            ),
        ),
    ),
    Conversion(
        handler="SecretResultHandler",
        module="secret_result_handler",
        result="SecretResult",
        result_module="secret_result",
        parameters=("secret_task",),
        required=("secret_task",),
        arguments=(ArgumentRule("secret_task", "secret_task"),),
    ),
    Conversion(
        handler="GCSResultHandler",
        module="gcs_result_handler",
        result="GCSResult",
        result_module="gcs_result",
        parameters=("bucket", "credentials_secret"),
        arguments=(
            ArgumentRule("bucket", "bucket"),
            ArgumentRule(
                "credentials_secret",
                "credentials_secret",
                prefect_safe=False,
                note="Prefect's GCSResult has no credentials argument; it reads the "
                "`GCP_CREDENTIALS` secret from context",
            ),
        ),
    ),
    Conversion(
        handler="S3ResultHandler",
        module="s3_result_handler",
        result="S3Result",
        result_module="s3_result",
        parameters=("bucket", "aws_credentials_secret", "boto3_kwargs"),
        required=("bucket",),
        arguments=(
            ArgumentRule("bucket", "bucket"),
            ArgumentRule(
                "aws_credentials_secret",
                "aws_credentials_secret",
                prefect_safe=False,
                note="Prefect's S3Result has no credentials argument; it reads the "
                "`AWS_CREDENTIALS` secret from context",
            ),
            ArgumentRule("boto3_kwargs", "boto3_kwargs"),
        ),
    ),
    Conversion(
        handler="AzureResultHandler",
        module="azure_result_handler",
        result="AzureResult",
        result_module="azure_result",
        parameters=("container", "connection_string", "azure_credentials_secret"),
        required=("container",),
        arguments=(
            ArgumentRule("container", "container"),
            ArgumentRule("connection_string", "connection_string"),
            ArgumentRule(
                "azure_credentials_secret",
                "azure_credentials_secret",
                prefect_safe=False,
                note="Prefect's AzureResult takes `connection_string_secret` (a secret "
                "holding a connection string), not an ACCOUNT_NAME/ACCOUNT_KEY secret",
            ),
        ),
    ),
)

_BY_HANDLER: Mapping[str, Conversion] = MappingProxyType({row.handler: row for row in _ROWS})

#: Every public name of the legacy handlers package (what ``import *`` brought in).
HANDLER_NAMES: tuple[str, ...] = ("ResultHandler", *sorted(_BY_HANDLER))
#: Submodule of the handlers package defining each name.
HANDLER_MODULES: Mapping[str, str] = MappingProxyType(
    {"ResultHandler": "result_handler", **{row.handler: row.module for row in _ROWS}}
)


def conversions() -> tuple[Conversion, ...]:
    """Return every row of the table, in a stable order."""
    return _ROWS


def conversion_for(handler_name: str) -> Conversion | None:
    """Return the row for a built-in handler class name, or ``None`` for any other name."""
    return _BY_HANDLER.get(handler_name)
