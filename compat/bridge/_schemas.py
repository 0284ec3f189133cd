"""Legacy state payloads through Prefect's own ``StateSchema``, values and locations kept.

Prefect 0.14+ turns an unknown result ``type`` into a bare ``Result(location=None)``, so a
0.10 ``SafeResult`` (the handler's reference and the handler) loses both. The bridge adds
the two legacy types to ``StateResultSchema``'s table: ``SafeResult`` loads as a
:class:`~compat.bridge._results.ResultHandlerResult` holding the handler rebuilt from the
payload and the reference as its ``location``, so ``state.load_result()`` reads the value
back; ``ResultHandlerResult`` (0.11 – 0.13 payloads, and what the bridge dumps) keeps its
location and the handler's class name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, post_load
from prefect.serialization.result import StateResultSchema
from prefect.utilities.serialization import ObjectSchema

from compat.bridge._patch import Patches
from compat.bridge._results import ResultHandlerResult
from compat.exceptions import PayloadError


class LegacySafeResultSchema(ObjectSchema):
    """A 0.10 ``SafeResult``: the handler's reference (``value``) and the handler's payload."""

    class Meta:
        object_class = ResultHandlerResult

    value = fields.Raw(allow_none=True)
    result_handler = fields.Raw(allow_none=True)

    @post_load
    def create_object(self, data: dict[str, Any], **kwargs: Any) -> ResultHandlerResult:
        from compat.serialization.result import load_handler

        payload = data.get("result_handler")
        if not isinstance(payload, Mapping):
            msg = f"a SafeResult payload needs an object under 'result_handler', got {payload!r}"
            raise PayloadError(msg)
        return ResultHandlerResult(load_handler(payload), location=data.get("value"))


class LegacyResultHandlerResultSchema(ObjectSchema):
    """A 0.11 – 0.13 ``ResultHandlerResult``: a location and the handler's class name."""

    class Meta:
        object_class = ResultHandlerResult
        exclude_fields = ["result_handler_type"]

    location = fields.Raw(allow_none=True)
    result_handler_type = fields.Function(
        lambda result: type(result.result_handler).__name__, lambda name: name
    )

    @post_load
    def create_object(self, data: dict[str, Any], **kwargs: Any) -> ResultHandlerResult:
        from compat.engine.results.result_handler_result import UnresolvedResultHandler

        handler = UnresolvedResultHandler(str(data.get("result_handler_type") or "ResultHandler"))
        return ResultHandlerResult(handler, location=data.get("location"))


def register_legacy_schemas(patches: Patches) -> None:
    """Add the legacy result types to Prefect's ``StateResultSchema`` table."""
    table = StateResultSchema.type_schemas
    patches.set_item(table, "SafeResult", LegacySafeResultSchema)
    patches.set_item(table, "ResultHandlerResult", LegacyResultHandlerResultSchema)
