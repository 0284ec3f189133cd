"""Crash litter: temporaries of killed runs are removed by the next run, live ones never.

``atomic_write`` locks its temporary until it is renamed or removed; the kernel drops the
lock when the writer dies. The next run in write mode removes every temporary whose lock
it can take. The fault-injection test kills real runs with SIGKILL at random points.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemods._source import is_temporary_name, remove_stale_temporary
from codemods.cli import main
from tests.codemods._cli_support import REPO, TASK_LEGACY, TASK_REWRITTEN

LEGACY, REWRITTEN = TASK_LEGACY, TASK_REWRITTEN
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
CLI = (sys.executable, "-m", "codemods", "-q", "--no-progress", ".")


def _temporaries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.endswith(".tmp"))


def _killed_writer_litter(target: Path) -> Path:
    """Make a real temporary the way a write does, in a process that then dies by SIGKILL."""
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from codemods._source import _locked_temporary\n"
        "fd, name = _locked_temporary(Path(sys.argv[1]))\n"
        "os.write(fd, b'half a rewrite')\n"
        "print(name, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    return Path(result.stdout.strip())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flows.py").write_text(LEGACY)
    return tmp_path


@pytest.fixture
def live_writer(project: Path) -> Iterator[Path]:
    """A temporary held (locked) by a process that is still running."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from codemods._source import _locked_temporary\n"
        "fd, name = _locked_temporary(Path(sys.argv[1]))\n"
        "print(name, flush=True)\n"
        "time.sleep(120)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(project / "flows.py")],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        yield Path(writer.stdout.readline().strip())
    finally:
        writer.kill()
        writer.wait(timeout=30)
        writer.stdout.close()  # type: ignore[union-attr]


@pytest.mark.parametrize("given", [".", "flows.py"])
def test_next_run_removes_the_temporary_of_a_killed_writer(
    project: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    litter = _killed_writer_litter(project / "flows.py")
    assert litter.exists()
    assert is_temporary_name(litter.name)
    assert main([given]) == 1
    assert not litter.exists()
    assert (project / "flows.py").read_text() == REWRITTEN
    assert "removed 1 temporary files left by an interrupted run" in capsys.readouterr().err


def test_temporary_of_a_running_writer_is_never_touched(project: Path, live_writer: Path) -> None:
    assert main(["."]) == 1
    assert live_writer.exists()
    assert not remove_stale_temporary(live_writer)
    assert live_writer.exists()


def test_check_and_diff_remove_nothing(project: Path) -> None:
    litter = _killed_writer_litter(project / "flows.py")
    assert main(["--check", "."]) == 1
    assert main(["--diff", "."]) == 1
    assert litter.exists()


def test_only_temporaries_next_to_their_source_file_are_removed(project: Path) -> None:
    orphan = project / ".gone.py.abcd1234.tmp"
    orphan.write_text("not ours to judge")
    lookalike = project / ".flows.py.backup.tmp"
    lookalike.write_text("a user's file")
    assert main(["."]) == 1
    assert orphan.exists()
    assert lookalike.exists()


# --- fault injection -------------------------------------------------------------------

FILES = 40
ROUNDS = 10
KILLS_PER_ROUND = 3


def _wait_for_first_write(process: subprocess.Popen[bytes], pending: list[Path]) -> None:
    """Return once any pending file is replaced (its inode changes) or the run ends."""
    if not pending:
        return
    inodes = {path: path.stat().st_ino for path in pending}
    while process.poll() is None:
        for path, inode in inodes.items():
            try:
                if path.stat().st_ino != inode:
                    return
            except FileNotFoundError:  # between unlink and rename on some platforms
                return
        time.sleep(0.0002)


def _kill_mid_write(tmp_path: Path, files: list[Path], attempts: int) -> bool:
    """Kill fresh runs right after their first write until one leaves the files mixed.

    Writing 40 small files can take a few milliseconds, so on some machines the random
    kills above all land before or after the write phase; this gives the mid-write case
    more chances. Each kill must still leave no partial file.
    """
    for _ in range(attempts):
        for path in files:
            path.write_text(LEGACY)
        run = subprocess.Popen(
            CLI, cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_for_first_write(run, files)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        texts = [p.read_text() for p in files]
        assert all(t in (LEGACY, REWRITTEN) for t in texts), "a partial rewrite"
        if len(set(texts)) > 1:
            return True
    return False


@pytest.mark.slow
@pytest.mark.timeout(300)  # 40 CLI runs; slow on a loaded machine
def test_sigkill_at_random_points_never_leaves_partial_files_or_stale_temporaries(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("PRU_FAULT_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    files = [tmp_path / f"m{i:02d}.py" for i in range(FILES)]
    kills = mixed = with_litter = 0
    for _ in range(ROUNDS):
        for path in files:
            path.write_text(LEGACY)
        for _ in range(KILLS_PER_ROUND):
            pending = [p for p in files if p.read_text() == LEGACY]
            run = subprocess.Popen(
                CLI, cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if rng.random() < 0.5:
                _wait_for_first_write(run, pending)
                time.sleep(rng.uniform(0, 0.05))
            else:
                time.sleep(rng.uniform(0, 1.2))
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=30)
            kills += 1
            texts = [p.read_text() for p in files]
            partial = [p.name for p, t in zip(files, texts) if t not in (LEGACY, REWRITTEN)]
            assert partial == [], f"seed {seed}: partial rewrite in {partial}"
            mixed += len(set(texts)) > 1
            with_litter += bool(_temporaries(tmp_path))
        finished = subprocess.run(CLI, cwd=tmp_path, env=ENV, capture_output=True, timeout=120)
        assert finished.returncode in (0, 1), finished.stderr
        assert _temporaries(tmp_path) == [], f"seed {seed}: a killed run's temporary survived"
        assert all(p.read_text() == REWRITTEN for p in files)
    if not mixed and _kill_mid_write(tmp_path, files, attempts=30):
        mixed = 1
        finished = subprocess.run(CLI, cwd=tmp_path, env=ENV, capture_output=True, timeout=120)
        assert finished.returncode in (0, 1), finished.stderr
        assert _temporaries(tmp_path) == [], f"seed {seed}: a killed run's temporary survived"
        assert all(p.read_text() == REWRITTEN for p in files)
    print(
        f"\nfault injection (seed {seed}): {kills} SIGKILLs in {ROUNDS} rounds, "
        f"{mixed} mid-write, {with_litter} left temporaries, all removed by the next run"
    )
    assert mixed >= 1, "no kill landed while files were being written"
