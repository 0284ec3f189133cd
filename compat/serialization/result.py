"""Result payloads: what a state stores about its result, never the raw value.

Shapes follow Prefect's ``StateResultSchema``/``ResultHandlerSchema`` (see the reference,
§1.5 and §5): ``{"type": "LocalResult", "dir": ..., "location": ...}``,
``{"type": "SafeResult", "value": ..., "result_handler": {"type": ...}}``,
``{"type": "NoResultType"}`` and so on. Unknown fields are ignored on load.

Unlike Prefect 0.14+, a 0.10-era ``SafeResult`` payload loads as a hydratable result: the
handler is converted to its ``Result`` class and the safe value becomes the location.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from compat._storage import check_payload_location
from compat.engine.result.base import NoResult, NoResultType, Result, SafeResult
from compat.engine.result_handlers import (
    AzureResultHandler,
    GCSResultHandler,
    JSONResultHandler,
    LocalResultHandler,
    ResultHandler,
    S3ResultHandler,
    SecretResultHandler,
)
from compat.engine.results import (
    AzureResult,
    ConstantResult,
    FSSpecResult,
    GCSResult,
    LocalResult,
    PrefectResult,
    ResultHandlerResult,
    S3Result,
    SecretResult,
)
from compat.engine.results.fsspec_result import require_location
from compat.engine.results.result_handler_result import UnresolvedResultHandler
from compat.engine.results.secret_result import SecretSource
from compat.engine.serializers import (
    Base64PickleSerializer,
    JSONSerializer,
    PickleSerializer,
    Serializer,
)
from compat.exceptions import PayloadError
from compat.serialization._fields import (
    check_depth,
    fail,
    optional_class_name,
    optional_secret_name,
    optional_str,
    subfield,
)

__all__ = [
    "StateResultSchema",
    "dump_handler",
    "dump_legacy_result",
    "dump_result",
    "load_handler",
    "load_result",
]

Payload = dict[str, Any]

# -- handlers -------------------------------------------------------------------------------

#: Built-in handler class → fields its payload carries (secrets and clients never).
_HANDLER_FIELDS: dict[type[ResultHandler], tuple[str, ...]] = {
    ResultHandler: (),
    JSONResultHandler: (),
    LocalResultHandler: ("dir",),
    GCSResultHandler: ("bucket", "credentials_secret"),
    S3ResultHandler: ("bucket", "aws_credentials_secret"),
    AzureResultHandler: ("container", "azure_credentials_secret"),
}


def dump_handler(handler: ResultHandler) -> Payload:
    """Return the payload of a handler (custom classes become ``CustomResultHandler``)."""
    cls = type(handler)
    if cls in _HANDLER_FIELDS:
        return {"type": cls.__name__, **{f: getattr(handler, f) for f in _HANDLER_FIELDS[cls]}}
    if cls is UnresolvedResultHandler:  # loaded from a payload: dump what was loaded
        known = handler.type_name  # type: ignore[attr-defined]
        if known == "CustomResultHandler":
            return {"type": "CustomResultHandler"}
        return {"type": "CustomResultHandler", "qualified_name": known}
    if cls is SecretResultHandler:
        return {"type": "SecretResultHandler", "name": handler.secret_task.name}  # type: ignore[attr-defined]
    return {"type": "CustomResultHandler", "qualified_name": f"{cls.__module__}.{cls.__qualname__}"}


#: Handler type → the payload fields it reads (all strings or null): what it dumps.
_HANDLER_STRINGS: dict[str, tuple[str, ...]] = {
    **{cls.__name__: fields for cls, fields in _HANDLER_FIELDS.items() if fields},
    "SecretResultHandler": ("name",),
    "CustomResultHandler": ("qualified_name",),
}
#: Handlers whose safe value is a storage location, and the fields that choose the storage.
_LOCATING_HANDLERS: dict[str, tuple[str, ...]] = {
    "LocalResultHandler": ("dir",),
    "GCSResultHandler": ("bucket",),
    "S3ResultHandler": ("bucket",),
    "AzureResultHandler": ("container",),
}

_HANDLER_LOADERS: dict[str, Callable[[Mapping[str, Any]], ResultHandler]] = {
    "ResultHandler": lambda p: ResultHandler(),
    "JSONResultHandler": lambda p: JSONResultHandler(),
    "LocalResultHandler": lambda p: LocalResultHandler(dir=p.get("dir"), validate=False),
    "GCSResultHandler": lambda p: GCSResultHandler(
        bucket=p.get("bucket"), credentials_secret=p.get("credentials_secret")
    ),
    "S3ResultHandler": lambda p: S3ResultHandler(
        bucket=p.get("bucket"), aws_credentials_secret=p.get("aws_credentials_secret")
    ),
    "AzureResultHandler": lambda p: AzureResultHandler(
        container=p.get("container"),
        azure_credentials_secret=p.get("azure_credentials_secret") or "AZ_CREDENTIALS",
    ),
    "SecretResultHandler": lambda p: SecretResultHandler(SecretSource(p.get("name") or "")),
    "ConstantResultHandler": lambda p: UnresolvedResultHandler("ConstantResultHandler"),
}


def load_handler(payload: Mapping[str, Any], *, field: str = "result_handler") -> ResultHandler:
    """Rebuild a handler from its payload (custom handlers load as a placeholder).

    Fields that choose storage must name an allowed protocol (see ``docs/security.md``).
    """
    kind = _type_of(payload, field)
    for key in _HANDLER_STRINGS.get(kind, ("qualified_name",)):
        optional_str(payload, key, field)
    for key in _LOCATING_HANDLERS.get(kind, ()):
        _check_storage(payload, key, field)
    if kind == "SecretResultHandler":
        optional_secret_name(payload, "name", field)
    loader = _HANDLER_LOADERS.get(kind)
    if loader is None:  # the names are kept for messages and dumps: class names only
        optional_class_name(payload, "type", field)
        qualified_name = optional_class_name(payload, "qualified_name", field)
        return UnresolvedResultHandler(qualified_name or kind)
    return _build(loader, payload, kind, field)


# -- results --------------------------------------------------------------------------------

_RESULT_FIELDS: dict[type[Result], tuple[str, ...]] = {
    Result: (),
    LocalResult: ("dir",),
    PrefectResult: (),
    ConstantResult: (),
    S3Result: ("bucket",),
    GCSResult: ("bucket",),
    AzureResult: ("container",),
    FSSpecResult: ("url",),
}


def _stored_through_handler(result: object) -> SafeResult | None:
    """The ``SafeResult`` of a base ``Result`` stored through a legacy handler, if any.

    Refuses anything that is not a result at all.
    """
    if not isinstance(result, Result):
        msg = f"cannot dump a {type(result).__name__}: expected a Result, SafeResult or NoResult"
        raise PayloadError(msg)
    if type(result) is Result and not isinstance(result.safe_value, NoResultType):
        return result.safe_value
    return None


def dump_result(result: Result | SafeResult) -> Payload:
    """Return the payload a state stores for ``result`` (never its raw value).

    A base ``Result`` whose value was stored through a legacy handler dumps as the
    0.10-era ``SafeResult`` shape, which old readers understand.
    """
    if isinstance(result, NoResultType):
        return {"type": "NoResultType"}
    if isinstance(result, SafeResult):
        return {
            "type": "SafeResult",
            "value": result.value,
            "result_handler": dump_handler(result.result_handler),
        }
    stored = _stored_through_handler(result)
    if stored is not None:
        return dump_result(stored)
    cls = type(result)
    if cls is ResultHandlerResult:
        handler = result.result_handler
        return {
            "type": "ResultHandlerResult",
            "location": result.location,
            "result_handler_type": getattr(handler, "type_name", type(handler).__name__),
        }
    if cls is SecretResult:
        return {
            "type": "SecretResult",
            "location": result.location,
            "secret_type": type(result.secret_task).__name__,  # type: ignore[attr-defined]
        }
    if cls in _RESULT_FIELDS:
        fields = {f: getattr(result, f) for f in _RESULT_FIELDS[cls]}
        return {"type": cls.__name__, **fields, "location": result.location}
    return {
        "type": "CustomResult",
        "location": result.location,
        "qualified_name": f"{cls.__module__}.{cls.__qualname__}",
    }


# -- the 0.10 shape (dump only) ---------------------------------------------------------------

#: Result class → (the 0.10 handler that reads its files, the serializer those files need).
_LEGACY_READERS: dict[type[Result], tuple[type[ResultHandler], type[Serializer]]] = {
    LocalResult: (LocalResultHandler, PickleSerializer),
    PrefectResult: (JSONResultHandler, JSONSerializer),
    S3Result: (S3ResultHandler, Base64PickleSerializer),
    GCSResult: (GCSResultHandler, Base64PickleSerializer),
    AzureResult: (AzureResultHandler, Base64PickleSerializer),
}


def dump_legacy_result(result: Result | SafeResult) -> Payload:
    """Return the payload Prefect 0.10 stores for ``result``: a ``SafeResult`` or no result.

    The reference and the handler are the ones a 0.10.7 reader needs to read the value
    back: a ``LocalResult`` becomes ``LocalResultHandler(dir)`` with the absolute path, a
    ``PrefectResult`` ``JSONResultHandler`` with the JSON text, a ``ResultHandlerResult`` its
    own handler (a custom one is named ``CustomResultHandler``, as 0.10.7 names it). A result
    without a location stored nothing (``NoResultType``). Storage a 0.10 handler cannot
    read (another serializer, an fsspec URL) raises :class:`PayloadError`, never a payload
    that would read back as ``None``.
    """
    safe = _legacy_safe_result(result)
    if isinstance(safe, NoResultType):
        return {"type": "NoResultType"}
    return {
        "type": "SafeResult",
        "value": safe.value,
        "result_handler": dump_handler(safe.result_handler),
    }


def _legacy_safe_result(result: Result | SafeResult) -> SafeResult:
    from compat.engine.conversion import ResultAsHandler

    if isinstance(result, SafeResult):
        handler = result.result_handler
        if isinstance(handler, ResultAsHandler) and not isinstance(result, NoResultType):
            return SafeResult(result.value, _legacy_handler(handler.result))
        return result
    stored = _stored_through_handler(result)
    if stored is not None:
        return _legacy_safe_result(stored)
    cls = type(result)
    if result.location is None:
        return NoResult
    if cls is ResultHandlerResult:
        return SafeResult(result.location, result.result_handler)  # type: ignore[arg-type]
    if cls is LocalResult:
        return SafeResult(result.full_path(result.location), _legacy_handler(result))  # type: ignore[attr-defined]
    if cls in _BUCKET_RESULTS:  # the handler first: it checks the serializer
        handler = _legacy_handler(result)
        return SafeResult(_key_in_bucket(result), handler)  # type: ignore[arg-type]
    return SafeResult(result.location, _legacy_handler(result))


#: Results whose 0.10 handler reads a key relative to its bucket or container.
_BUCKET_RESULTS = (S3Result, GCSResult, AzureResult)


def _key_in_bucket(result: FSSpecResult) -> str:
    """The key a 0.10 cloud handler reads: where ``result`` stored, relative to its bucket.

    ``compat`` strips a leading ``/`` and accepts a full URL as the location; the 0.10
    handlers take the reference as the key itself, so ``"/k"`` would read another object.
    """
    path = result.full_path(require_location(result))
    bucket_url = result.url + "/"
    if not path.startswith(bucket_url):
        msg = (
            f"cannot dump {type(result).__name__} in the 0.10 shape: its location is a URL "
            f"outside {result.url!r}, which the 0.10 handler of that bucket cannot read"
        )
        raise PayloadError(msg)
    return path[len(bucket_url) :]


def _legacy_handler(result: Result) -> ResultHandler:
    """The 0.10 handler that reads what ``result`` stored (see ``_LEGACY_READERS``)."""
    cls = type(result)
    if cls is SecretResult:
        return SecretResultHandler(result.secret_task)  # type: ignore[attr-defined]
    if cls not in _LEGACY_READERS:
        if cls.__module__.startswith("compat."):
            msg = (
                f"cannot dump {cls.__name__} in the 0.10 shape: Prefect 0.10 has no handler "
                "that reads it; use LocalResult, PrefectResult or a ResultHandlerResult, or "
                "dump in the current shape (legacy=False)"
            )
            raise PayloadError(msg)
        # A user's own class: named like a custom handler, as 0.10.7 names those.
        return UnresolvedResultHandler(f"{cls.__module__}.{cls.__qualname__}")
    handler_class, serializer_class = _LEGACY_READERS[cls]
    if type(result.serializer) is not serializer_class:
        msg = (
            f"cannot dump {cls.__name__} with {result.serializer!r} in the 0.10 shape: "
            f"Prefect 0.10's {handler_class.__name__} reads only what "
            f"{serializer_class.__name__}() writes; configure that serializer, or dump in "
            "the current shape (legacy=False)"
        )
        raise PayloadError(msg)
    source = getattr(result, "_converted_from", None)
    if type(source) is handler_class:  # keeps settings the result has no field for
        return source  # type: ignore[return-value]
    fields = {name: getattr(result, name) for name in _RESULT_FIELDS[cls]}
    if handler_class is LocalResultHandler:
        return LocalResultHandler(dir=fields["dir"], validate=False)
    return handler_class(**fields)


def _load_safe_result(payload: Mapping[str, Any], field: str) -> Result:
    from compat.engine.conversion import result_from_handler

    handler_field = subfield(field, "result_handler")
    handler_payload = payload.get("result_handler")
    if not isinstance(handler_payload, Mapping):
        raise fail(handler_field, "an object", handler_payload)
    handler = load_handler(handler_payload, field=handler_field)
    reference = payload.get("value")
    kind = handler_payload.get("type")
    if kind in _LOCATING_HANDLERS:  # the value is where the handler reads: a path or key
        if not isinstance(reference, str):
            raise fail(subfield(field, "value"), f"a string (the {kind}'s location)", reference)
        check_payload_location(reference, field=subfield(field, "value"))
    if kind == "SecretResultHandler":  # the value is the name of the secret read back
        optional_secret_name(payload, "value", field)
    safe = SafeResult(reference, handler)
    if isinstance(handler, UnresolvedResultHandler) or type(handler) is ResultHandler:
        result: Result = ResultHandlerResult(handler)
    else:  # e.g. an S3ResultHandler without a bucket converts to no valid S3Result
        result = _build(lambda p: result_from_handler(handler), payload, str(kind), handler_field)
    result.location = reference if isinstance(reference, str) else None
    result.safe_value = safe
    return result


#: Result type → the payload fields (besides ``location``) that choose its storage: the
#: fields it dumps (other types have none).
_STORAGE_FIELDS: dict[str, tuple[str, ...]] = {
    cls.__name__: fields for cls, fields in _RESULT_FIELDS.items() if fields
}
#: Result types whose ``location`` is not a storage location (JSON text, a secret's name...).
#: A ``ResultHandlerResult`` location is whatever the user's own handler returned; it is only
#: ever passed back to a handler the user supplies, never opened by this package.
_PLAIN_LOCATIONS = frozenset(
    {"PrefectResult", "ConstantResult", "SecretResult", "ResultHandlerResult"}
)

_RESULT_LOADERS: dict[str, Callable[[Mapping[str, Any]], Result | SafeResult]] = {
    "NoResultType": lambda p: NoResult,
    "Result": lambda p: Result(location=p.get("location")),
    "CustomResult": lambda p: Result(location=p.get("location")),
    "LocalResult": lambda p: LocalResult(
        dir=p.get("dir"), validate_dir=False, location=p.get("location")
    ),
    "PrefectResult": lambda p: PrefectResult(location=p.get("location")),
    "ConstantResult": lambda p: ConstantResult(location=p.get("location")),
    "S3Result": lambda p: S3Result(bucket=p.get("bucket"), location=p.get("location")),
    "GCSResult": lambda p: GCSResult(bucket=p.get("bucket"), location=p.get("location")),
    "AzureResult": lambda p: AzureResult(container=p.get("container"), location=p.get("location")),
    "FSSpecResult": lambda p: FSSpecResult(url=p.get("url"), location=p.get("location")),
    "SecretResult": lambda p: SecretResult(
        SecretSource(p.get("location") or ""), location=p.get("location")
    ),
    "ResultHandlerResult": lambda p: ResultHandlerResult(
        UnresolvedResultHandler(str(p.get("result_handler_type") or "ResultHandler")),
        location=p.get("location"),
    ),
}


def load_result(payload: Mapping[str, Any] | None, *, field: str = "result") -> Result | SafeResult:
    """Rebuild a result from its payload; the value is not read (hydrate it later).

    A missing payload is ``NoResult``; an unknown type with a location loads as a base
    ``Result`` at that location, as Prefect 0.14+ does. A malformed payload, or one naming
    storage outside the allow-list, raises :class:`~compat.exceptions.PayloadError` or
    :class:`~compat.exceptions.StorageNotAllowedError` naming ``field``, before any read.
    """
    if payload is None:
        return NoResult
    kind = _type_of(payload, field)
    check_depth(payload, field)
    if kind == "SafeResult":
        return _load_safe_result(payload, field)
    optional_str(payload, "location", field)
    optional_class_name(payload, "result_handler_type", field)
    if kind == "SecretResult":  # its location is the name of the secret read back
        optional_secret_name(payload, "location", field)
    for key in _STORAGE_FIELDS.get(kind, ()):
        optional_str(payload, key, field)
        _check_storage(payload, key, field)
    if kind not in _PLAIN_LOCATIONS:
        _check_storage(payload, "location", field)
    loader = _RESULT_LOADERS.get(kind)
    if loader is None:
        return Result(location=payload.get("location"))
    return _build(loader, payload, kind, field)


def _check_storage(payload: Mapping[str, Any], key: str, field: str) -> None:
    value = payload.get(key)
    if isinstance(value, str):
        check_payload_location(value, field=subfield(field, key))


def _build(
    loader: Callable[[Mapping[str, Any]], Any], payload: Mapping[str, Any], kind: str, field: str
) -> Any:
    try:
        return loader(payload)
    except (TypeError, ValueError) as exc:  # e.g. a missing bucket; the text may hold values
        msg = (
            f"payload field {field} does not describe a valid {kind} "
            f"({type(exc).__name__}); check its fields against the {kind} shape"
        )
        raise PayloadError(msg) from exc


def _type_of(payload: Any, field: str) -> str:
    if not isinstance(payload, Mapping):
        raise fail(field, "an object with a string 'type'", payload)
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise fail(subfield(field, "type"), "a string", kind)
    return kind


class StateResultSchema:
    """Prefect-style ``dump``/``load`` wrapper around :func:`dump_result`/:func:`load_result`."""

    def dump(self, result: Result | SafeResult) -> Payload:
        """Return the payload for ``result``."""
        return dump_result(result)

    def load(self, payload: Mapping[str, Any]) -> Result | SafeResult:
        """Return the result described by ``payload``."""
        return load_result(payload)
