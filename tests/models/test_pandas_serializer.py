"""``PandasSerializer``: Prefect 0.13.2+'s signature, file types and keyword arguments (§2.4).

The storage contract runs it on every backend (``tests/contract``); these tests pin the
constructor rules, the keyword plumbing, equality and the lazy pandas import.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest

from compat.engine.results import LocalResult, PrefectResult
from compat.engine.serializers import PandasSerializer, PickleSerializer
from compat.exceptions import MissingExtraError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"n": [1, 2, 3], "x": [0.5, -1.0, 2.25], "name": ["a", "bé", "c"]})


@pytest.mark.parametrize(
    ("file_type", "serialize_kwargs", "deserialize_kwargs"),
    [
        ("csv", {"index": False}, {}),
        ("csv", {}, {"index_col": 0}),
        ("json", {"orient": "records"}, {"orient": "records"}),
        ("parquet", {}, {}),
        ("feather", {}, {}),
        ("pickle", {}, {}),
    ],
)
def test_round_trip_per_file_type(
    frame: pd.DataFrame, file_type: str, serialize_kwargs: dict, deserialize_kwargs: dict
) -> None:
    """Each common file type writes bytes that read back as an equal DataFrame."""
    serializer = PandasSerializer(
        file_type, serialize_kwargs=serialize_kwargs, deserialize_kwargs=deserialize_kwargs
    )
    payload = serializer.serialize(frame)
    assert isinstance(payload, bytes)
    assert serializer.deserialize(payload).equals(frame)


def test_keyword_arguments_reach_pandas(frame: pd.DataFrame) -> None:
    """``serialize_kwargs`` go to ``DataFrame.to_csv``, ``deserialize_kwargs`` to ``read_csv``."""
    plain = PandasSerializer("csv", serialize_kwargs={"index": False, "sep": ";"})
    assert plain.serialize(frame).decode("utf-8").splitlines()[0] == "n;x;name"
    reader = PandasSerializer("csv", deserialize_kwargs={"sep": ";", "usecols": ["name"]})
    assert reader.deserialize(plain.serialize(frame)).columns.tolist() == ["name"]


def test_positional_order_is_prefects(frame: pd.DataFrame) -> None:
    """``PandasSerializer(file_type, deserialize_kwargs, serialize_kwargs)``, in that order."""
    serializer = PandasSerializer("csv", {"sep": "|"}, {"sep": "|", "index": False})
    assert serializer.deserialize_kwargs == {"sep": "|"}
    assert serializer.serialize_kwargs == {"sep": "|", "index": False}
    assert serializer.deserialize(serializer.serialize(frame)).equals(frame)


def test_result_with_pandas_serializer(tmp_path: Path, frame: pd.DataFrame) -> None:
    """A ``LocalResult`` stores the CSV text itself, readable by pandas alone."""
    result = LocalResult(
        dir=str(tmp_path), serializer=PandasSerializer("csv", serialize_kwargs={"index": False})
    )
    written = result.write(frame, task_name="t")
    assert pd.read_csv(written.location).equals(frame)
    assert result.read(written.location).value.equals(frame)


def test_prefect_result_refuses_it() -> None:
    """``PrefectResult`` keeps its value in the state, so only JSON/datetime serializers fit."""
    with pytest.raises(TypeError, match="needs a JSONSerializer or DateTimeSerializer"):
        PrefectResult(serializer=PandasSerializer("csv"))


@pytest.mark.parametrize("file_type", ["nope", "string", "table", "latex"])
def test_unknown_file_type_fails_at_construction(file_type: str) -> None:
    """No ``read_``/``to_`` pair: ``ValueError`` at once, listing the usable types."""
    with pytest.raises(ValueError, match=rf"cannot use file_type '{file_type}'.*csv.*parquet"):
        PandasSerializer(file_type)


@pytest.mark.parametrize("file_type", ["sql", "hdf", "clipboard"])
def test_file_types_without_a_byte_buffer_are_refused(file_type: str) -> None:
    """Types that need a connection, a path or the clipboard cannot store bytes: refused."""
    with pytest.raises(ValueError, match="byte buffer"):
        PandasSerializer(file_type)


def test_file_type_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="file_type must be a string"):
        PandasSerializer(pd.DataFrame)  # type: ignore[arg-type]


def test_only_dataframes_are_serialized() -> None:
    """A Series (or anything else) is refused by name instead of coming back as a DataFrame."""
    with pytest.raises(TypeError, match="stores pandas DataFrames, got Series"):
        PandasSerializer("csv").serialize(pd.Series([1, 2]))


def test_equality_uses_type_file_type_and_both_kwargs() -> None:
    """Equal when class, file type and both keyword dicts are equal (Prefect's ``__eq__``)."""
    base = PandasSerializer("csv", {"usecols": ["a"]}, {"index": False})
    assert base == PandasSerializer("csv", {"usecols": ["a"]}, {"index": False})
    assert base != PandasSerializer("json", {"usecols": ["a"]}, {"index": False})
    assert base != PandasSerializer("csv", {"usecols": ["b"]}, {"index": False})
    assert base != PandasSerializer("csv", {"usecols": ["a"]}, {})
    assert base != PickleSerializer()
    assert hash(base) == hash(PandasSerializer("csv", {"usecols": ["a"]}, {"index": False}))
    assert repr(base) == "PandasSerializer('csv')"


def test_pickles_for_process_executors(frame: pd.DataFrame) -> None:
    """The serializer travels to worker processes with its result."""
    serializer = PandasSerializer("csv", serialize_kwargs={"index": False})
    copy = cloudpickle.loads(cloudpickle.dumps(serializer))
    assert copy == serializer
    assert copy.deserialize(serializer.serialize(frame)).equals(frame)


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pandas, building the serializer says which extra to install."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'prefect-result-compat\[pandas\]'"):
        PandasSerializer("csv")


def test_importing_serializers_does_not_import_pandas() -> None:
    code = "import compat, compat.engine.serializers, sys; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_text_only_writers_fall_back_to_text(frame: pd.DataFrame) -> None:
    """Writers that refuse byte buffers get a text buffer, encoded as UTF-8 (as Prefect)."""
    payload = PandasSerializer("html").serialize(frame)
    expected = io.StringIO()
    frame.to_html(expected)
    assert payload == expected.getvalue().encode("utf-8")
