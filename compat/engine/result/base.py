"""``Result``, ``SafeResult`` and ``NoResult``: one base serving both result models.

As in Prefect 0.11–0.13, a single ``Result`` class carries the new model (``value``,
``location``, ``serializer``; ``read``/``write``/``exists`` implemented by storage
subclasses) and the legacy one (``result_handler``, ``safe_value``, ``store_safe_value()``,
``to_result()``). Storage-backed results can therefore be used wherever the legacy model
expects a handler, and handlers wherever a result is expected.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from compat._deprecation import warn_deprecated
from compat._templating import format_location
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.engine.result_handlers.secret_result_handler import SecretResultHandler
from compat.engine.serializers import PickleSerializer, Serializer
from compat.exceptions import (
    MissingResultHandlerError,
    PayloadError,
    ResultNotImplementedError,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "NoResult",
    "NoResultType",
    "Result",
    "ResultInterface",
    "ResultNotImplementedError",
    "SafeResult",
    "checked_reference",
    "default_cloud_location",
]

logger = logging.getLogger("compat.results")

Location = str | Callable[..., str] | None


def default_cloud_location() -> str:
    """``Y/M/D/<uuid4>.prefect_result`` in UTC, month and day not zero-padded."""
    now = dt.datetime.now(dt.timezone.utc)
    return f"{now.year}/{now.month}/{now.day}/{uuid.uuid4()}.prefect_result"


class ResultInterface:
    """Behaviour shared by results and safe results: repr, ``to_result``, ``store_safe_value``."""

    value: Any

    def _eq_values(self) -> tuple[Any, ...]:
        return (self.value,)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        return self._eq_values() == other._eq_values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.value!r}>"

    def to_result(self, result_handler: ResultHandler | None = None) -> ResultInterface:
        """Return a hydrated ``Result``; a plain result just takes the handler, if one is given."""
        if result_handler is not None:
            self.result_handler = _as_handler(result_handler)
        return self

    def store_safe_value(self) -> None:
        """Write the value with the handler and keep the reference (no-op here)."""


def _as_handler(obj: Any) -> ResultHandler:
    """Accept a handler, or a ``Result`` where a handler is expected (reverse conversion)."""
    if isinstance(obj, ResultHandler):
        return obj
    from compat.engine.conversion import to_handler

    return to_handler(obj)


class Result(ResultInterface):
    """A task output: its ``value`` and, once stored, the ``location`` that finds it again.

    ``location`` may be a template string (formatted with the run's parameters, context and
    task inputs) or a callable receiving the same keywords. The legacy positional form
    ``Result(value, handler)`` is accepted: a handler in second position is taken as
    ``result_handler``. Prefect 0.10's ``cache_for``/``cache_validator`` are kept as
    attributes (with a deprecation warning); as in 0.10, no runner reads them.
    """

    #: Names of constructor settings that take part in equality (besides value, location...).
    config_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        value: Any = None,
        location: Location | ResultHandler = None,
        serializer: Serializer | None = None,
        *,
        result_handler: ResultHandler | Result | None = None,
        validators: list[Callable[[Result], bool]] | None = None,
        run_validators: bool = True,
        cache_for: dt.timedelta | None = None,
        cache_validator: Callable[..., bool] | None = None,
    ) -> None:
        if isinstance(location, ResultHandler):
            if result_handler is not None:
                msg = "Result() got a handler both positionally and as result_handler="
                raise TypeError(msg)
            location, result_handler = None, location
        self.value = value
        self.safe_value: SafeResult = NoResult
        self.result_handler: ResultHandler | None = (
            None if result_handler is None else _as_handler(result_handler)
        )
        self.validators = validators
        self.run_validators = run_validators
        self.cache_for, self.cache_validator = _legacy_cache_settings(cache_for, cache_validator)
        self.serializer = serializer if serializer is not None else self._default_serializer()
        self.location: str | None
        self._formatter: Callable[..., str] | None
        self._set_location(location)

    # -- configuration ---------------------------------------------------------------------

    def _default_serializer(self) -> Serializer:
        return PickleSerializer()

    @property
    def serializer(self) -> Serializer:
        """The serializer turning values into bytes for this result's storage."""
        return self._serializer

    @serializer.setter
    def serializer(self, serializer: Serializer) -> None:
        if not isinstance(serializer, Serializer):
            msg = (
                f"{type(self).__name__}.serializer must be a compat Serializer, got "
                f"{serializer!r}; use e.g. PickleSerializer() or JSONSerializer()"
            )
            raise TypeError(msg)
        self._check_serializer(serializer)
        self._serializer = serializer

    def _check_serializer(self, serializer: Serializer) -> None:
        """Subclasses refuse serializers they cannot store."""

    def _set_location(self, location: Location) -> None:
        if location is None or isinstance(location, str):
            self.location, self._formatter = location, None
        elif callable(location):
            self.location, self._formatter = None, location
        else:
            msg = f"location must be a string, a callable or None, got {location!r}"
            raise TypeError(msg)

    def __repr__(self) -> str:
        if isinstance(self.result_handler, SecretResultHandler):  # read back by a legacy handler
            return f"<{type(self).__name__}: secret value hidden>"
        return super().__repr__()

    # -- value semantics -------------------------------------------------------------------

    def _eq_values(self) -> tuple[Any, ...]:
        return (
            self.value,
            self.location,
            self.serializer,
            self.result_handler,
            self.safe_value,
            self.validators,
            self.run_validators,
            self.cache_for,
            self.cache_validator,
            *(getattr(self, name) for name in self.config_fields),
        )

    def copy(self) -> Self:
        """Return a shallow copy (sharing the storage client, unlike a pickle round trip)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def from_value(self, value: Any) -> Self:
        """Return a copy holding ``value``, with no location (keeps settings and serializer)."""
        new = self.copy()
        new.value = value
        new.location = None
        new.safe_value = NoResult
        return new

    @property
    def default_location(self) -> str:
        """Where a value goes when no location was configured."""
        return default_cloud_location()

    def format(self, **kwargs: Any) -> Self:
        """Return a copy whose location is rendered from the template (or the default)."""
        new = self.copy()
        if isinstance(self.location, str):
            new.location = format_location(self.location, kwargs)
        elif self._formatter is not None:
            new.location = self._formatter(**kwargs)
        else:
            new.location = self.default_location
        return new

    # -- storage operations (implemented by storage-backed subclasses) ---------------------

    def read(self, location: str) -> Result:
        """Return a copy hydrated with the value stored at ``location``."""
        raise ResultNotImplementedError(_not_implemented(self, "read"))

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Store ``value_`` and return a copy with the value and its concrete location."""
        raise ResultNotImplementedError(_not_implemented(self, "write"))

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Return whether something is stored at the formatted ``location``."""
        raise ResultNotImplementedError(_not_implemented(self, "exists"))

    @property
    def is_storage_backed(self) -> bool:
        """Whether this class can write values itself (it overrides ``write``)."""
        return type(self).write is not Result.write

    # -- legacy model ----------------------------------------------------------------------

    def store_safe_value(self) -> None:
        """Write the value once and keep a ``SafeResult`` reference to it.

        Skipped for ``None`` values and when a safe value is already stored. Uses
        ``result_handler`` if set; otherwise a storage-backed result writes itself.
        """
        if self.value is None or not isinstance(self.safe_value, NoResultType):
            return
        handler = self.result_handler
        if handler is None:
            if not self.is_storage_backed:
                msg = (  # the value itself stays out of the message: it may be a secret
                    f"this {type(self).__name__} (holding a {type(self.value).__name__}) has "
                    "no result handler to store its value with; pass result_handler=... or "
                    "use a storage-backed Result such as LocalResult"
                )
                raise MissingResultHandlerError(msg)
            handler = _as_handler(self)
        reference = checked_reference(handler, handler.write(self.value))
        self.safe_value = SafeResult(reference, handler)
        if self.location is None and isinstance(reference, str):
            self.location = reference

    def validate(self) -> bool:
        """Run the validators (legacy; never called by the engine)."""
        if not self.run_validators:
            logger.warning("run_validators is False, but validate() was called; running them")
        return all(validator(self) for validator in self.validators or ())


def _legacy_cache_settings(
    cache_for: dt.timedelta | None, cache_validator: Callable[..., bool] | None
) -> tuple[dt.timedelta | None, Callable[..., bool] | None]:
    """Prefect 0.10's ``Result(cache_for=, cache_validator=)``: stored, never used.

    As in 0.10, ``cache_for`` without a validator defaults it to ``duration_only``.
    """
    if cache_for is None and cache_validator is None:
        return None, None
    if cache_for is not None and not isinstance(cache_for, dt.timedelta):
        msg = f"Result(cache_for=...) must be a datetime.timedelta, got {cache_for!r}"
        raise TypeError(msg)
    if cache_validator is not None and not callable(cache_validator):
        msg = (
            f"Result(cache_validator=...) must be a validator function such as "
            f"compat.engine.cache_validators.all_inputs, got {cache_validator!r}"
        )
        raise TypeError(msg)
    warn_deprecated(
        "Result(cache_for=..., cache_validator=...)",
        "Task(cache_for=..., cache_validator=...)",
        detail="The values are kept on the Result but, as in Prefect 0.10, no runner reads "
        "them (Prefect 0.11 removed these arguments).",
    )
    if cache_for is not None and cache_validator is None:
        from compat.engine.cache_validators import duration_only

        cache_validator = duration_only
    return cache_for, cache_validator


def checked_reference(handler: ResultHandler, reference: Any) -> Any:
    """Return what ``handler.write`` returned, if a state payload can store it (JSON).

    A legacy handler's output is the stored reference (a path, a key, JSON text); states
    keep it in their JSON payload, so anything else fails here, at the write, naming the
    handler, instead of much later when the state is dumped.
    """
    try:
        json.dumps(reference, allow_nan=False)
    except (TypeError, ValueError) as exc:
        # Types only (json's messages name types too): a handler that returns its value
        # by mistake must not print it here.
        msg = (
            f"{handler!r}.write() returned a {type(reference).__name__}, which is not "
            f"JSON-compatible ({exc}); a handler's write must return a "
            "JSON-compatible reference to the stored value, such as a path or key string, "
            "because state payloads store it"
        )
        raise PayloadError(msg) from exc
    return reference


def _not_implemented(result: Result, operation: str) -> str:
    name = type(result).__name__
    if type(result) is Result:
        return (
            f"the base Result cannot {operation}; configure a storage-backed result such as "
            "LocalResult, PrefectResult or S3Result on the task or flow"
        )
    return f"{name} does not implement {operation}()"


class SafeResult(ResultInterface):
    """A legacy stored reference: the handler's output (path, key, JSON) and the handler.

    ``location`` is an alias of ``value`` so that code written for the new model (and
    ``State.load_result``) can hydrate it.
    """

    def __init__(self, value: Any, result_handler: ResultHandler | Result) -> None:
        self.value = value
        self.result_handler = _as_handler(result_handler)

    def _eq_values(self) -> tuple[Any, ...]:
        return (self.value, self.result_handler)

    @property
    def safe_value(self) -> SafeResult:
        """A safe result is its own safe value."""
        return self

    @property
    def location(self) -> Any:
        """The stored reference, for code that expects the new model."""
        return self.value

    def to_result(self, result_handler: ResultHandler | None = None) -> Result:
        """Read the value back with the handler and return a hydrated ``Result``."""
        if result_handler is not None:
            self.result_handler = _as_handler(result_handler)
        value = self.result_handler.read(self.value)
        hydrated = Result(value, result_handler=self.result_handler)
        hydrated.safe_value = self
        return hydrated


class NoResultType(SafeResult):
    """The absence of a result: nothing ran (unlike a ``Result`` whose value is ``None``)."""

    def __init__(self) -> None:
        super().__init__(None, ResultHandler())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoResultType)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<No result>"

    def __str__(self) -> str:
        return "NoResult"

    @property
    def location(self) -> None:
        """No result has no location."""
        return None

    def to_result(self, result_handler: ResultHandler | None = None) -> NoResultType:  # type: ignore[override]
        """No result stays no result."""
        return self

    def __reduce__(self) -> str:
        return "NoResult"  # unpickles to the module singleton


#: The singleton standing for "no result".
NoResult = NoResultType()
