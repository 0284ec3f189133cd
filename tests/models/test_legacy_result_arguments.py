"""Prefect 0.10's ``Result(value, result_handler=..., cache_for=..., cache_validator=...)``.

0.10.7 stores ``cache_for``/``cache_validator`` on the result (a validator defaults to
``duration_only`` when only ``cache_for`` is given) and never reads them; 0.11 removed them.
The recorded 0.10.7 behaviour is in ``tests/golden`` (``test_golden_behaviour.py``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from compat.engine import cache_validators
from compat.engine.result import NoResult, Result, SafeResult
from compat.engine.result_handlers import JSONResultHandler

HOUR = dt.timedelta(hours=1)


def deprecated():
    return pytest.warns(DeprecationWarning, match=r"Task\(cache_for=\.\.\., cache_validator")


def test_all_legacy_keywords_are_accepted() -> None:
    """The 0.10 keyword form builds a working legacy result."""
    handler = JSONResultHandler()
    with deprecated():
        result = Result(5, result_handler=handler, cache_for=HOUR, cache_validator=None)
    assert result.value == 5
    assert result.result_handler is handler
    assert result.cache_for == HOUR
    result.store_safe_value()
    assert result.safe_value == SafeResult("5", handler)


def test_cache_for_alone_defaults_the_validator_to_duration_only() -> None:
    with deprecated():
        result = Result(1, cache_for=HOUR)
    assert result.cache_validator is cache_validators.duration_only


def test_an_explicit_validator_is_kept() -> None:
    with deprecated():
        result = Result(1, cache_for=HOUR, cache_validator=cache_validators.all_inputs)
    assert result.cache_validator is cache_validators.all_inputs
    with deprecated():
        alone = Result(1, cache_validator=cache_validators.all_parameters)
    assert alone.cache_for is None
    assert alone.cache_validator is cache_validators.all_parameters


def test_without_cache_settings_nothing_warns_and_both_are_none() -> None:
    result = Result(1, result_handler=JSONResultHandler())
    assert result.cache_for is None
    assert result.cache_validator is None


def test_the_warning_points_at_the_callers_line() -> None:
    with pytest.warns(DeprecationWarning, match="cache_for") as caught:
        Result(1, cache_for=HOUR)
    assert caught[0].filename == __file__
    assert "no runner reads them" in str(caught[0].message)


def test_cache_settings_take_part_in_equality_and_copies() -> None:
    """As in 0.10.7 (equality over every public attribute); copies keep them."""
    with deprecated():
        cached = Result(1, cache_for=HOUR)
    with deprecated():
        same = Result(1, cache_for=HOUR)
    assert cached == same
    assert cached != Result(1)
    assert cached.copy().cache_for == HOUR
    assert cached.from_value(2).cache_validator is cache_validators.duration_only
    assert cached.from_value(2).safe_value is NoResult


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cache_for": 60}, r"cache_for=\.\.\.\) must be a datetime.timedelta, got 60"),
        ({"cache_validator": "all_inputs"}, r"must be a validator function"),
    ],
)
def test_wrong_types_are_named(kwargs: dict, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        Result(1, **kwargs)
