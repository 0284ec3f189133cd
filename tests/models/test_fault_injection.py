"""Fault injection: LocalResult writers killed with SIGKILL at random points, many times.

Issue 8, item 8. A helper process (started by the test) forks one writer per trial. The
writer stores multi-megabyte values in a loop, to a fixed location (replaced by rename) and
under default names (published by a no-clobber link), half of the trials with durable writes.
The helper kills it with SIGKILL after a random delay, then checks the directory:

* every result file holds a complete value (it unpickles and its checksum matches);
* once a later writer has stored anything, no temporary of an earlier, killed writer is left;
* after a last clean run, no temporary is left at all.

The checks run in the helper; the test asserts on its report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRIALS = 300

HELPER = textwrap.dedent(
    """
    import hashlib, json, os, random, signal, sys, time
    from compat.engine.results import LocalResult
    from compat.utilities.configuration import set_temporary_config

    directory, trials, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    result_fixed = LocalResult(dir=directory, location="fixed.pkl")
    result_default = LocalResult(dir=directory)

    def value(n):
        blob = os.urandom(rng.randint(1, 4) * 1024 * 1024)
        return {"n": n, "blob": blob, "sha": hashlib.sha256(blob).hexdigest()}

    def writer(report_fd, durable):
        with set_temporary_config({"results.durable_writes": durable}):
            n = 0
            while True:
                target = result_fixed if n % 2 else result_default
                target.write(value(n))
                os.write(report_fd, b".")
                n += 1

    def temporaries():
        return sorted(name for name in os.listdir(directory) if name.startswith(".~"))

    def pid_of(name):
        return int(name.rsplit(".", 3)[-3].split("-")[1])

    report = {"trials": 0, "partial": [], "unswept": [], "trials_with_litter": 0,
              "writes_seen": 0, "left_at_end": None}
    killed = set()
    for trial in range(trials):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            try:
                writer(write_fd, durable=bool(trial % 2))
            finally:
                os._exit(0)
        os.close(write_fd)
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.set_blocking(read_fd, False)
        try:
            done = len(os.read(read_fd, 1 << 16))
        except BlockingIOError:
            done = 0
        os.close(read_fd)
        report["trials"] += 1
        report["writes_seen"] += done
        for name in os.listdir(directory):
            if name.startswith(".~"):
                continue
            try:
                stored = result_fixed.read(os.path.join(directory, name)).value
                intact = hashlib.sha256(stored["blob"]).hexdigest() == stored["sha"]
            except Exception as exc:
                intact = False
            if not intact:
                report["partial"].append([trial, name])
            elif name != "fixed.pkl":
                os.unlink(os.path.join(directory, name))  # keep the directory small
        litter = temporaries()
        if any(pid_of(name) == pid for name in litter):
            report["trials_with_litter"] += 1
        if done:  # this writer stored a value, so it swept before: no older litter may remain
            report["unswept"] += [[trial, n] for n in litter if pid_of(n) in killed]
        killed.add(pid)

    pid = os.fork()  # the next, clean run
    if pid == 0:
        try:
            result_default.write(value(-1))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    report["left_at_end"] = temporaries()
    print(json.dumps(report))
    """
)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_killed_local_result_writers_leave_no_partial_value_and_no_litter(tmp_path: Path) -> None:
    """SIGKILL at random points: never a partial value; the next run removes every temporary."""
    done = subprocess.run(
        [sys.executable, "-c", HELPER, str(tmp_path), str(TRIALS), "8"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["trials"] == TRIALS
    assert report["partial"] == []
    assert report["unswept"] == []
    assert report["left_at_end"] == []
    # The kills really landed mid-write (else the litter checks would prove nothing).
    assert report["trials_with_litter"] > 0
    assert report["writes_seen"] > 0
