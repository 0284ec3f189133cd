"""``LocalResult``: one file per value in a local directory (raw cloudpickle by default)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, ClassVar

from compat._process import random_identifiers
from compat._templating import format_location
from compat.engine.result.base import Result
from compat.engine.results.fsspec_result import FSSpecResult, require_location

__all__ = ["LocalResult", "resolve_local_dir", "timestamp_file_name"]

#: What ``slugify`` does to an ISO timestamp: lower case, every other character a dash.
_SLUG_ISO = bytes.maketrans(b"T:.+", b"t---")
_SUFFIX_RANGE = 10**16


def _suffix_from(raw: bytes) -> str:
    return f"{int.from_bytes(raw, 'big') % _SUFFIX_RANGE:016d}"


#: Sixteen random decimal digits: unique across processes and machines, not just threads.
#: Digits (not hex) keep the whole name inside the ``[0-9a-z-]`` slug alphabet and leave its
#: tail as digits, as in Prefect's names. 64 bits from ``os.urandom`` reduced modulo 10**16:
#: every value stays possible and none is more than a 1/1844 part likelier.
_name_suffix = random_identifiers(8, _suffix_from)


def _slug_timestamp(now: dt.datetime) -> str:
    """``slugify(now.isoformat())``: an ISO timestamp has no run of two separators.

    Only the microseconds change between most calls: the slug of the date and time up to
    the second, and of the UTC offset, is kept for the second it was made for.
    """
    global _second_slugs
    second = (now.year, now.month, now.day, now.hour, now.minute, now.second, now.tzinfo)
    made_for, head, offset = _second_slugs
    if second != made_for:
        whole = now.replace(microsecond=0).isoformat()  # YYYY-MM-DDTHH:MM:SS[+HH:MM]
        head, offset = _slugified(whole[:19]), _slugified(whole[19:])
        _second_slugs = (second, head, offset)
    micro = now.microsecond
    return f"{head}-{micro:06d}{offset}" if micro else f"{head}{offset}"


def _slugified(iso_text: str) -> str:
    return iso_text.encode("ascii").translate(_SLUG_ISO).decode("ascii")


#: The second the slugs were made for, the slug up to that second, and of the offset.
_second_slugs: tuple[tuple[object, ...], str, str] = ((), "", "")


def timestamp_file_name() -> str:
    """``prefect-result-<slugified UTC isoformat>-<16 random digits>``.

    Prefect's names (without the suffix) collide when two writes fall in the same
    microsecond, in any two processes. The suffix keeps the slug shape Prefect's readers
    accept (they read whatever path the state holds) and makes the name unique; writes under
    a default name also refuse to replace an existing file.
    """
    stamp = _slug_timestamp(dt.datetime.now(dt.timezone.utc))
    return f"prefect-result-{stamp}-{_name_suffix()}"


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
        if self._names_by_default() and os.path.isabs(self.dir):
            # The common case, once per task: a generated name under an absolute directory
            # is already the full path, and there is no template to render.
            new = self.copy()
            directory = self.dir
            separator = "" if directory.endswith("/") else "/"  # os.path.join's rule
            new.location = f"{directory}{separator}{timestamp_file_name()}"
            self._write_under_a_free_name(new, self.serializer.serialize(value_), joined=True)
            new.value = value_
            return new
        new = super().write(value_, **kwargs)
        new.location = self.full_path(require_location(new))
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        target = format_location(location, kwargs) if kwargs else location
        return os.path.exists(self.full_path(target))
