"""Temporary files of atomic local writes: recognisable names, and sweeping what crashes left.

A write goes to ``.~<name>.<host id>-<pid>.<random>.tmp`` next to its target and is renamed
over it at the end. A writer killed in between (SIGKILL, power loss) leaves that temporary
behind. The name says who wrote it, so a later writer can tell litter from work in progress:

* written on this host by a process that no longer exists: litter, removed;
* written on another host or in another pid namespace (a shared file system, a container
  sharing a volume), or by a process we cannot check (Windows):
  removed only once untouched for :data:`FOREIGN_TEMPORARY_AGE` seconds, far longer than any
  write;
* anything else (a live writer, a name we did not make) is never touched.

Each process sweeps a directory once, before its first write there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import threading
import time

from compat._process import current_pid

__all__ = ["FOREIGN_TEMPORARY_AGE", "host_id", "sweep_crashed_temporaries", "temporary_name"]

#: Seconds after which a temporary from another host counts as abandoned.
FOREIGN_TEMPORARY_AGE = 24 * 3600

_TEMPORARY = re.compile(r"^\.~.*\.(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)\.[0-9a-f]{12}\.tmp$")
_swept: set[tuple[int, str]] = set()
_swept_lock = threading.Lock()
_host_id: str | None = None


def host_id() -> str:
    """Eight hex digits naming where a pid means one process: machine, boot, pid namespace.

    The host name and the kernel boot id name the machine; the pid namespace tells apart
    containers that share both (``--network host``) but each number their own processes, so
    a sweeper never judges another container's live writer by a pid it cannot see.
    """
    global _host_id
    if _host_id is None:
        boot = ""
        with (
            contextlib.suppress(OSError),
            open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle,
        ):
            boot = handle.read().strip()
        namespace = ""
        with contextlib.suppress(OSError):
            namespace = os.readlink("/proc/self/ns/pid")
        seed = f"{socket.gethostname()}\0{boot}\0{namespace}".encode()
        _host_id = hashlib.sha256(seed).hexdigest()[:8]
    return _host_id


def temporary_name(target: str) -> str:
    """The temporary sibling of ``target`` for this process (unique per call)."""
    directory, base = os.path.split(target)
    # 48 random bits, as the 12 hex digits of a uuid4 gave, without building a UUID.
    name = f".~{base[:40]}.{_writer_tag()}.{os.urandom(6).hex()}.tmp"
    return os.path.join(directory, name)


_writer: tuple[int, str] = (-1, "")


def _writer_tag() -> str:
    """``<host id>-<pid>`` of this process (recomputed after a fork: the pid changes)."""
    global _writer
    pid = current_pid()
    if _writer[0] != pid:
        _writer = (pid, f"{host_id()}-{pid}")
    return _writer[1]


def _pid_is_dead(pid: int) -> bool | None:
    """Whether no process ``pid`` exists here; ``None`` when this platform cannot tell safely."""
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there, not probe
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, someone else's; anything else: do not guess
        return False
    return False


def _is_litter(entry: os.DirEntry[str], now: float) -> bool:
    match = _TEMPORARY.match(entry.name)
    if match is None:
        return False
    if match["host"] == host_id():
        pid = int(match["pid"])
        if pid == current_pid():
            return False
        dead = _pid_is_dead(pid)
        if dead is not None:
            return dead
    try:  # another host's writer, or one we cannot check: only when long abandoned
        return now - entry.stat(follow_symlinks=False).st_mtime > FOREIGN_TEMPORARY_AGE
    except OSError:
        return False


def sweep_crashed_temporaries(directory: str, *, force: bool = False) -> list[str]:
    """Remove temporaries that crashed writers left in ``directory``; return their paths.

    Without ``force`` each process sweeps a directory only once.
    """
    pid = current_pid()
    if not force and (pid, directory) in _swept:  # an absolute path swept already: no lock
        return []
    key = (pid, os.path.abspath(directory))
    with _swept_lock:
        if key in _swept and not force:
            return []
        _swept.add(key)  # keyed by the absolute path: a relative one depends on the cwd
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:  # missing or unreadable: nothing of ours to clean there
        return removed
    for entry in entries:
        if entry.name.startswith(".~") and _is_litter(entry, now):
            with contextlib.suppress(FileNotFoundError):  # a concurrent sweeper was faster
                os.unlink(entry.path)
                removed.append(entry.path)
    return removed
