"""Where values land and how they survive: unique default names, no clobbering, ``file://``,
crash litter, durable writes, and errors that name the location (issue 8 items 6-8, issue 11).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from compat import _storage, _tempfiles
from compat.engine.result_handlers import LocalResultHandler
from compat.engine.results import FSSpecResult, LocalResult
from compat.engine.results import local_result as local_result_module
from compat.exceptions import ResultReadError, ResultWriteError, UnsafeLocationError
from compat.utilities.configuration import set_temporary_config
from tests.models._frozen_clock import frozen_dt_module

REPO = Path(__file__).resolve().parents[2]

#: Child-process prelude: every process's clock is frozen at the same microsecond, the
#: worst case for timestamp names (two machines, or two processes started together).
FROZEN_CLOCK = textwrap.dedent(
    """
    from compat.engine.results import local_result as _lr
    from tests.models._frozen_clock import frozen_dt_module

    _lr.dt = frozen_dt_module()
    """
)


def _run_python(code: str, *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PREFECT__LOGGING__LEVEL": "ERROR"},  # stdout carries the data
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# -- item 6: default names are unique across processes and never clobber ---------------------

WRITERS = FROZEN_CLOCK + textwrap.dedent(
    """
    import json, sys, threading
    from compat.engine.results import LocalResult

    directory, process = sys.argv[1], int(sys.argv[2])
    result = LocalResult(dir=directory)
    written, start = [], threading.Barrier(4)

    def write(thread):
        start.wait()
        for index in range(25):
            value = [process, thread, index]
            written.append((result.write(value).location, value))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(written))
    """
)


@pytest.mark.timeout(240)
def test_default_names_never_collide_across_processes_and_threads(tmp_path: Path) -> None:
    """4 processes x 4 threads x 25 default-named writes, clocks frozen: every value survives."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITERS, str(tmp_path), str(p)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(4)
    ]
    written: list[tuple[str, list[int]]] = []
    for proc in procs:
        out, err = proc.communicate(timeout=200)
        assert proc.returncode == 0, err[-3000:]
        written += json.loads(out)
    assert len(written) == 400
    assert len({location for location, _ in written}) == 400
    reader = LocalResult(dir=str(tmp_path))
    lost = [loc for loc, value in written if reader.read(loc).value != value]
    assert lost == []
    assert len([p for p in tmp_path.iterdir() if not p.name.startswith(".~")]) == 400


MAPPED_FLOW = FROZEN_CLOCK + textwrap.dedent(
    """
    import json, sys
    from compat import Flow, task
    from compat.engine.executors import LocalParallelExecutor
    from compat.engine.results import LocalResult
    from compat.utilities.configuration import set_temporary_config

    @task
    def square(x):
        return x * x

    with Flow("mapped", result=LocalResult(dir=sys.argv[1])) as flow:
        squares = square.map(list(range(120)))
    executor = LocalParallelExecutor("processes", max_workers=4, start_method="fork")
    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run(executor=executor)
    children = state.result[squares].map_states
    print(json.dumps([[c._result.location, c.result] for c in children]))
    """
)


@pytest.mark.timeout(240)
def test_mapped_flow_on_the_process_executor_keeps_every_childs_value(tmp_path: Path) -> None:
    """Children in worker processes with the same clock each keep their own checkpoint."""
    children = json.loads(_run_python(MAPPED_FLOW, str(tmp_path), timeout=200))
    assert [value for _, value in children] == [x * x for x in range(120)]
    assert len({location for location, _ in children}) == 120
    reader = LocalResult(dir=str(tmp_path))
    assert [reader.read(location).value for location, _ in children] == [x * x for x in range(120)]


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the clock default names are made from (as ``FROZEN_CLOCK`` does in children)."""
    monkeypatch.setattr(local_result_module, "dt", frozen_dt_module())


def test_a_default_named_write_never_replaces_an_existing_file(
    tmp_path, monkeypatch, frozen_clock
) -> None:
    """If the generated name is taken, the write takes another name; the old file is intact."""
    suffixes = iter(["1111111111111111", "1111111111111111", "2222222222222222"])
    monkeypatch.setattr(local_result_module, "_name_suffix", lambda: next(suffixes))
    result = LocalResult(dir=str(tmp_path))
    first = result.write("first")
    second = result.write("second")
    assert first.location.endswith("-1111111111111111")
    assert second.location.endswith("-2222222222222222")
    assert result.read(first.location).value == "first"
    assert result.read(second.location).value == "second"


def test_no_free_default_name_is_an_error_not_an_overwrite(
    tmp_path, monkeypatch, frozen_clock
) -> None:
    """When every attempt collides, the write fails and the existing value survives."""
    monkeypatch.setattr(local_result_module, "_name_suffix", lambda: "3333333333333333")
    handler = LocalResultHandler(dir=str(tmp_path))
    kept = handler.write("kept")
    with pytest.raises(ResultWriteError, match="default name"):
        handler.write("other")
    assert handler.read(kept) == "kept"
    assert [p.name for p in tmp_path.iterdir()] == [os.path.basename(kept)]


def test_fsspec_default_names_do_not_clobber_either(tmp_path, monkeypatch) -> None:
    """Through fsspec (no hard links), a taken default name is checked and skipped too."""
    from compat.engine.result import base

    names = iter(["taken.pkl", "taken.pkl", "free.pkl"])
    monkeypatch.setattr(base, "default_cloud_location", lambda: next(names))
    result = FSSpecResult(f"file://{tmp_path}", storage_options={"auto_mkdir": True})
    assert result.write("first").location == "taken.pkl"
    assert result.write("second").location == "free.pkl"
    assert result.read("taken.pkl").value == "first"


def test_explicit_locations_still_overwrite(tmp_path) -> None:
    """Only default names are exclusive: a configured location is replaced, as in Prefect."""
    result = LocalResult(dir=str(tmp_path), location="fixed.pkl")
    result.write(1)
    assert result.read(result.write(2).location).value == 2


# -- item 7: file:// URLs -----------------------------------------------------------------------


def test_file_url_writes_to_the_absolute_directory(tmp_path, monkeypatch) -> None:
    """``FSSpecResult(url="file:///abs/dir")`` writes to /abs/dir, not ./file:/abs/dir."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    target = tmp_path / "abs" / "dir"
    result = FSSpecResult(url=f"file://{target}", location="v.pkl")
    written = result.write({"x": 1})
    assert (target / "v.pkl").is_file()
    assert list(work.iterdir()) == []
    assert result.read(written.location).value == {"x": 1}
    assert result.exists("v.pkl")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///abs/dir/x", "/abs/dir/x"),
        ("file://localhost/abs/dir/x", "/abs/dir/x"),
        ("local:///abs/dir/x", "/abs/dir/x"),
        ("relative/x", "relative/x"),
    ],
)
def test_local_paths_from_file_urls(url: str, expected: str) -> None:
    """Local storage turns ``file://`` URLs into the paths they name."""
    assert _storage.local_path(url) == expected


# -- item 8: crash litter and durable writes ---------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=60)
    return child.pid


def _temporary(directory: Path, host: str, pid: int) -> Path:
    path = directory / f".~prefect-result-x.{host}-{pid}.0123456789ab.tmp"
    path.write_bytes(b"partial")
    return path


def test_next_write_removes_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    """Litter of dead local writers and old foreign litter goes; live or recent work stays."""
    host = _tempfiles.host_id()
    other_host = "0" * 8 if host != "0" * 8 else "1" * 8
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _temporary(tmp_path, host, _dead_pid())
        live = _temporary(tmp_path, host, sleeper.pid)
        foreign_recent = _temporary(tmp_path, other_host, 12345)
        foreign_old = _temporary(tmp_path, other_host, 12346)
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(foreign_old, (two_days_ago, two_days_ago))
        not_ours = tmp_path / ".~someone-elses.tmp"
        not_ours.write_bytes(b"x")

        LocalResult(dir=str(tmp_path)).write("next run")

        assert not dead.exists()
        assert not foreign_old.exists()
        assert live.exists()
        assert foreign_recent.exists()
        assert not_ours.exists()
    finally:
        sleeper.kill()
        sleeper.wait(timeout=60)


def test_where_liveness_cannot_be_checked_only_old_litter_goes(tmp_path, monkeypatch) -> None:
    """Without a safe pid probe (Windows), this host's temporaries fall under the age rule."""
    monkeypatch.setattr(_tempfiles, "_pid_is_dead", lambda pid: None)
    host = _tempfiles.host_id()
    recent = _temporary(tmp_path, host, 999_999)
    old = _temporary(tmp_path, host, 999_998)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert _tempfiles.sweep_crashed_temporaries(str(tmp_path)) == [str(old)]
    assert recent.exists()


def test_temporary_names_say_who_wrote_them(tmp_path: Path) -> None:
    """The temporary of a write carries this host's id and this process's pid."""
    name = os.path.basename(_tempfiles.temporary_name(str(tmp_path / "target")))
    assert name.startswith(".~target.")
    assert f".{_tempfiles.host_id()}-{os.getpid()}." in name
    assert name.endswith(".tmp")


def test_durable_writes_fsync_the_file_then_the_directory(tmp_path, monkeypatch) -> None:
    """``results.durable_writes``: fsync the file before the rename, the directory after it."""
    events: list[str] = []
    real_fsync, real_replace, real_link = os.fsync, os.replace, os.link

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync-file")
        real_fsync(fd)

    monkeypatch.setattr(_storage.os, "fsync", fsync)
    monkeypatch.setattr(
        _storage.os, "replace", lambda s, d: (events.append("rename"), real_replace(s, d))[1]
    )
    monkeypatch.setattr(
        _storage.os, "link", lambda s, d, **k: (events.append("link"), real_link(s, d, **k))[1]
    )
    result = LocalResult(dir=str(tmp_path), location="v.pkl")
    result.write(1)
    assert "fsync-file" not in events  # off by default
    events.clear()
    with set_temporary_config({"results.durable_writes": True}):
        result.write(2)
        LocalResult(dir=str(tmp_path)).write(3)
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("cannot tell file from directory descriptors here")
    assert events == ["fsync-file", "rename", "fsync-dir", "fsync-file", "link", "fsync-dir"]


# -- issue 11: errors name the location -----------------------------------------------------


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_result_file_names_its_location(tmp_path: Path, damage: str) -> None:
    """Truncated or corrupted bytes raise ResultReadError naming the file, not UnpicklingError."""
    result = LocalResult(dir=str(tmp_path), location="v.pkl")
    path = tmp_path / "v.pkl"
    result.write({"rows": list(range(1000))})
    data = path.read_bytes()
    path.write_bytes(
        {"truncate": data[: len(data) // 2], "garbage": b"\x80\x05junk", "empty": b""}[damage]
    )
    with pytest.raises(ResultReadError) as info:
        result.read(str(path))
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_a_damaged_target_fails_the_task_naming_the_file(tmp_path: Path) -> None:
    """A truncated target file fails its task with a message naming the file."""
    from compat import Flow, Task
    from compat.engine.state import Failed

    class Produce(Task):
        def run(self) -> int:
            return 1

    (tmp_path / "target.pkl").write_bytes(b"\x80\x05\x95")  # a pickle cut short
    with Flow("f", result=LocalResult(dir=str(tmp_path))) as flow:
        produced = Produce(target="target.pkl")()
    state = flow.run().result[produced]
    assert isinstance(state, Failed)
    assert "ResultReadError" in state.message
    assert str(tmp_path / "target.pkl") in state.message


def test_a_failed_write_names_the_target_not_the_temporary(tmp_path: Path) -> None:
    """An OS error during a write reports the location asked for, never our temporary file."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    result = LocalResult(dir=str(blocker / "sub"), location="v.pkl")
    with pytest.raises(ResultWriteError) as info:
        result.write(1)
    assert info.value.filename == str(blocker / "sub" / "v.pkl")
    assert ".~" not in str(info.value)
    assert isinstance(info.value, OSError)


def test_a_url_location_may_not_switch_the_results_protocol() -> None:
    """A URL location of another protocol is refused rather than read with our client."""
    with pytest.raises(UnsafeLocationError, match="'gs' storage"):
        FSSpecResult("memory://results-proto").read("gs://bucket/key")
