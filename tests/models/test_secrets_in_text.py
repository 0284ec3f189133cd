"""Secrets stay out of reprs and error messages (issue 8, item 3)."""

from __future__ import annotations

import pytest

from compat.engine.result import Result, SafeResult
from compat.engine.result_handlers import SecretResultHandler
from compat.engine.results import SecretResult
from compat.exceptions import MissingResultHandlerError

SECRET = "hunter2-value"


class SecretTask:
    name = "API_KEY"

    def run(self, name: str | None = None) -> str:
        return SECRET


def test_secret_result_repr_never_shows_the_secret() -> None:
    """After a read the value is the secret; ``repr``/``str`` show only the secret's name."""
    result = SecretResult(SecretTask())
    read = result.read("API_KEY")
    assert read.value == SECRET
    for text in (repr(read), str(read), repr([read]), f"{read}"):
        assert SECRET not in text
    assert "API_KEY" in repr(read)


def test_legacy_secret_handler_result_repr_hides_the_value() -> None:
    """A value read back through a ``SecretResultHandler`` is hidden in the result's repr too."""
    hydrated = SafeResult("API_KEY", SecretResultHandler(SecretTask())).to_result()
    assert hydrated.value == SECRET
    assert SECRET not in repr(hydrated)


def test_missing_handler_error_does_not_contain_the_value() -> None:
    """``store_safe_value()`` without a handler names the problem, not the value."""
    with pytest.raises(MissingResultHandlerError) as info:
        Result(value={"password": SECRET}).store_safe_value()
    message = str(info.value)
    assert SECRET not in message
    assert "password" not in message
    assert "result_handler" in message
    assert "dict" in message


def test_dumping_a_non_result_names_its_type_not_its_value() -> None:
    """The PayloadError for a value that is not a result does not show the value."""
    from compat.exceptions import PayloadError
    from compat.serialization.result import dump_result

    with pytest.raises(PayloadError) as info:
        dump_result({"password": SECRET})  # type: ignore[arg-type]
    assert SECRET not in str(info.value)
    assert "dict" in str(info.value)
