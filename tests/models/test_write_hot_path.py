"""The cheap write path keeps every guarantee: all bytes land, names keep Prefect's shape,
each directory is swept of crash litter once per absolute path (issue 11, per-task cost).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import types
import warnings
from pathlib import Path

import pytest

from compat import _storage, _tempfiles
from compat.engine.results import LocalResult
from compat.engine.results import local_result as local_result_module
from compat.exceptions import ResultWriteError

#: What python-slugify makes of an ISO timestamp (Prefect's rule for default names).
_SLUG_NOISE = re.compile(r"[^a-z0-9]+")


def test_short_writes_are_continued_until_every_byte_is_stored(tmp_path, monkeypatch) -> None:
    """``os.write`` may accept fewer bytes than given; the write goes on with the rest."""
    real_write = os.write
    calls: list[int] = []

    def trickle(handle: int, data) -> int:
        calls.append(len(data))
        return real_write(handle, bytes(data[:7]))

    value = "x" * 500
    monkeypatch.setattr(_storage.os, "write", trickle)
    written = LocalResult(dir=str(tmp_path)).write(value)
    monkeypatch.undo()
    assert len(calls) > 1
    assert LocalResult(dir=str(tmp_path)).read(written.location).value == value


def test_a_file_that_accepts_no_bytes_fails_naming_the_target(tmp_path, monkeypatch) -> None:
    """A write that makes no progress is an error naming the location, not an endless loop."""
    monkeypatch.setattr(_storage.os, "write", lambda handle, data: 0)
    result = LocalResult(dir=str(tmp_path), location="stuck.pkl")
    with pytest.raises(ResultWriteError, match=r"stuck\.pkl"):
        result.write(1)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2020, 1, 5, 3, 4, 5, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 21, 5, 13, 14, 965037, tzinfo=dt.timezone.utc),
        dt.datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=dt.timezone.utc),
    ],
)
def test_default_names_slugify_the_timestamp_as_prefect_does(monkeypatch, moment) -> None:
    """The stamp is ``slugify(isoformat())``, microseconds left out when they are 0."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return moment

    clock = types.SimpleNamespace(datetime=Frozen, timezone=dt.timezone)
    monkeypatch.setattr(local_result_module, "dt", clock)
    name = local_result_module.timestamp_file_name()
    expected = _SLUG_NOISE.sub("-", moment.isoformat().lower()).strip("-")
    assert re.fullmatch(rf"prefect-result-{re.escape(expected)}-\d{{16}}", name)


def test_default_name_suffixes_are_random_digits_every_time() -> None:
    """Sixteen digits, fresh per name (no counter a second process could repeat)."""
    suffixes = [local_result_module._name_suffix() for _ in range(2000)]
    assert all(re.fullmatch(r"\d{16}", s) for s in suffixes)
    assert len(set(suffixes)) == len(suffixes)
    assert len({s[0] for s in suffixes}) == 10  # leading digits vary: the whole range is used


def _litter(directory: Path) -> Path:
    path = directory / f".~prefect-result-x.{_tempfiles.host_id()}-{_dead_pid()}.0123456789ab.tmp"
    path.write_bytes(b"partial")
    return path


def _dead_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            pass
        pid -= 1


def test_a_relative_directory_is_swept_again_from_another_working_directory(
    tmp_path, monkeypatch
) -> None:
    """Sweeping is remembered per absolute path: ``results`` under another cwd is new."""
    first, second = tmp_path / "a", tmp_path / "b"
    for base in (first, second):
        (base / "results").mkdir(parents=True)
    monkeypatch.chdir(first)
    assert _tempfiles.sweep_crashed_temporaries("results") == []
    litter = _litter(second / "results")
    monkeypatch.chdir(second)
    assert _tempfiles.sweep_crashed_temporaries("results") == ["results/" + litter.name]
    assert not litter.exists()


def test_an_absolute_directory_is_swept_once_per_process(tmp_path) -> None:
    """After the first sweep, later writes to the same directory do not scan it again."""
    directory = str(tmp_path)
    _tempfiles.sweep_crashed_temporaries(directory)
    later = _litter(tmp_path)
    assert _tempfiles.sweep_crashed_temporaries(directory) == []
    assert later.exists()  # a live scan would have removed it
    assert _tempfiles.sweep_crashed_temporaries(directory, force=True) == [str(later)]


_ANONYMOUS_FILES = pytest.mark.skipif(
    not _storage._ANONYMOUS, reason="needs O_TMPFILE and /proc (Linux)"
)


@_ANONYMOUS_FILES
def test_default_named_writes_use_an_unnamed_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    """Exclusive writes link an unnamed file into place: no temporary name ever exists."""
    real_open = os.open
    opened: list[tuple[str, int]] = []

    def spy(path, flags, *args, **kwargs):
        opened.append((str(path), flags))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(_storage.os, "open", spy)
    written = LocalResult(dir=str(tmp_path)).write({"a": 1})
    monkeypatch.undo()
    assert not any(".~" in path for path, _ in opened)
    assert any(flags & os.O_TMPFILE == os.O_TMPFILE for _, flags in opened)
    assert [p.name for p in tmp_path.iterdir()] == [os.path.basename(written.location)]
    assert LocalResult(dir=str(tmp_path)).read(written.location).value == {"a": 1}


@_ANONYMOUS_FILES
@pytest.mark.parametrize("failing", ["open", "link"])
def test_without_unnamed_files_the_named_temporary_is_used(tmp_path, monkeypatch, failing) -> None:
    """A file system (or a missing /proc) that refuses unnamed files still gets the value."""
    real_open, real_link = os.open, os.link

    def no_tmpfile_open(path, flags, *args, **kwargs):
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(95, "Operation not supported")
        return real_open(path, flags, *args, **kwargs)

    def no_proc_link(src, dst, **kwargs):
        if kwargs.get("src_dir_fd") is not None:
            raise FileNotFoundError(2, "No such file or directory", src)
        return real_link(src, dst, **kwargs)

    if failing == "open":
        monkeypatch.setattr(_storage.os, "open", no_tmpfile_open)
    else:
        monkeypatch.setattr(_storage.os, "link", no_proc_link)
    result = LocalResult(dir=str(tmp_path))
    first, second = result.write("one"), result.write("two")
    monkeypatch.undo()
    assert str(tmp_path) in _storage._no_anonymous_files  # asked once, then remembered
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        os.path.basename(w.location) for w in (first, second)
    )
    assert result.read(second.location).value == "two"


@_ANONYMOUS_FILES
def test_an_unnamed_write_that_dies_leaves_nothing(tmp_path, monkeypatch) -> None:
    """Killed between the bytes and the link, the value has no name: nothing to sweep."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_storage.os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        LocalResult(dir=str(tmp_path)).write("value")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_draws_its_own_name_suffixes() -> None:
    """Suffixes are drawn in batches; a child must not reuse the batch its parent holds."""
    local_result_module._name_suffix()  # the parent now holds a batch with names left
    reader, writer = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns about forking with threads; none run here
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: send its next suffix and leave at once
        os.write(writer, local_result_module._name_suffix().encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    with os.fdopen(reader, "rb") as stream:
        child = stream.read().decode()
    assert re.fullmatch(r"\d{16}", child)
    assert child != local_result_module._name_suffix()


def test_threads_drawing_name_suffixes_never_share_one() -> None:
    """Threads advance one batch at a time without handing the same suffix out twice."""
    from concurrent.futures import ThreadPoolExecutor

    def draw(_: int) -> list[str]:
        return [local_result_module._name_suffix() for _ in range(500)]

    with ThreadPoolExecutor(8) as pool:
        drawn = [s for batch in pool.map(draw, range(8)) for s in batch]
    assert len(set(drawn)) == len(drawn) == 4000


def test_names_within_one_second_keep_their_own_microseconds(monkeypatch) -> None:
    """The slug up to the second is reused within that second; the microseconds never are."""
    base = dt.datetime(2026, 11, 21, 5, 13, 14, tzinfo=dt.timezone.utc)
    moments = [base.replace(microsecond=us) for us in (5, 999_999, 0, 5)]
    moments.append(base.replace(second=15))
    moments.append(base.astimezone(dt.timezone(dt.timedelta(hours=2))))  # another offset
    for moment in moments:
        expected = _SLUG_NOISE.sub("-", moment.isoformat().lower()).strip("-")
        assert local_result_module._slug_timestamp(moment) == expected


@pytest.mark.parametrize(
    "value",
    [
        *(0, 1, -1, 2**70, -(2**200), 1.5, float("inf"), 1 + 2j),
        *("", "é" * 10, "x" * 70_000, b"", b"x" * 100_000, True, False, None),
    ],
)
def test_plain_values_are_pickled_exactly_as_cloudpickle_does(value) -> None:
    """The standard pickler's shortcut for scalars writes cloudpickle's very bytes."""
    import cloudpickle

    from compat.engine.serializers import PickleSerializer

    assert PickleSerializer().serialize(value) == cloudpickle.dumps(value)
