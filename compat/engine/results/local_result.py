"""``LocalResult``: one file per value in a local directory (raw cloudpickle by default)."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from typing import Any, ClassVar

from compat._templating import format_location
from compat.engine.result.base import Result
from compat.engine.results.fsspec_result import FSSpecResult, require_location

__all__ = ["LocalResult", "resolve_local_dir", "timestamp_file_name"]

_last_stamp = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
_stamp_lock = threading.Lock()


def timestamp_file_name() -> str:
    """``prefect-result-<slugified UTC isoformat>``, unique within this process.

    Prefect's names collide when two writes fall in the same microsecond; here a clash is
    moved to the next microsecond, so no value overwrites another.
    """
    global _last_stamp
    with _stamp_lock:
        now = dt.datetime.now(dt.timezone.utc)
        if now <= _last_stamp:
            now = _last_stamp + dt.timedelta(microseconds=1)
        _last_stamp = now
    return "prefect-result-" + re.sub(r"[^a-z0-9]+", "-", now.isoformat().lower()).strip("-")


def resolve_local_dir(directory: str | None, validate: bool) -> str:
    """Apply Prefect's rule: ``None`` or a path inside ``home_dir`` → ``home_dir/results``.

    With ``validate`` the path is expanded and made absolute (the directory itself is
    created by the first write, not here).
    """
    from compat.utilities.configuration import config

    home_setting = str(config.get("home_dir", "~/.prefect"))
    home = os.path.abspath(os.path.expanduser(home_setting))
    if directory is None:
        chosen = os.path.join(home_setting, "results")
    else:
        try:
            inside_home = (
                os.path.commonpath([home, os.path.abspath(os.path.expanduser(directory))]) == home
            )
        except ValueError:  # different drives on Windows
            inside_home = False
        chosen = os.path.join(home_setting, "results") if inside_home else directory
    if validate:
        return os.path.abspath(os.path.expanduser(chosen))
    return chosen


class LocalResult(FSSpecResult):
    """Writes each value to a file under ``dir``; after a write, ``location`` is absolute."""

    config_fields: ClassVar[tuple[str, ...]] = ("dir",)

    def __init__(self, dir: str | None = None, validate_dir: bool = True, **kwargs: Any) -> None:
        self.dir = resolve_local_dir(dir, validate_dir)
        self.validate_dir = validate_dir
        super().__init__(url=self.dir, **kwargs)

    @property
    def default_location(self) -> str:
        return os.path.join(self.dir, timestamp_file_name())

    def full_path(self, location: str) -> str:
        return os.path.join(os.path.expanduser(self.dir), location)

    def write(self, value_: Any, **kwargs: Any) -> Result:
        new = self.format(**kwargs)
        path = self.full_path(require_location(new))
        self.storage.write(path, self.serializer.serialize(value_))
        new.value = value_
        new.location = path
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        target = format_location(location, kwargs) if kwargs else location
        return os.path.exists(self.full_path(target))
