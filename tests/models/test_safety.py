"""Safety: atomic writes, locations that cannot escape, private fields, missing extras, imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compat import _storage
from compat._templating import format_location
from compat.engine.result_handlers import AzureResultHandler, GCSResultHandler
from compat.engine.results import AzureResult, FSSpecResult, GCSResult, LocalResult, S3Result
from compat.engine.serializers import Serializer
from compat.exceptions import MissingExtraError, TemplateFieldError, UnsafeLocationError

REPO = Path(__file__).resolve().parents[2]


class ExplodingSerializer(Serializer):
    def serialize(self, value: object) -> bytes:
        raise RuntimeError("serializer crashed")

    def deserialize(self, value: bytes) -> object:
        raise AssertionError("not reached")


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name.startswith(".~"))


@pytest.fixture
def stored(tmp_path: Path) -> tuple[LocalResult, Path]:
    """A ``LocalResult`` and a file it wrote holding ``"old"``."""
    result = LocalResult(dir=str(tmp_path), location="value.bin")
    result.write("old")
    return result, tmp_path / "value.bin"


# -- atomic writes -------------------------------------------------------------------------


def test_crashing_serializer_leaves_old_content(stored) -> None:
    """A serializer that raises writes nothing: the old value survives, no partial file exists."""
    result, path = stored
    before = path.read_bytes()
    broken = LocalResult(
        dir=str(path.parent), location="value.bin", serializer=ExplodingSerializer()
    )
    with pytest.raises(RuntimeError, match="serializer crashed"):
        broken.write("new")
    assert path.read_bytes() == before
    assert result.read(str(path)).value == "old"
    assert _leftovers(path.parent) == []


def test_crashing_serializer_creates_no_file(tmp_path: Path) -> None:
    """When the first write of a location crashes, nothing appears at that location."""
    broken = LocalResult(dir=str(tmp_path), location="fresh.bin", serializer=ExplodingSerializer())
    with pytest.raises(RuntimeError):
        broken.write("new")
    assert not (tmp_path / "fresh.bin").exists()
    assert _leftovers(tmp_path) == []


def test_crash_halfway_through_the_file_write(stored, monkeypatch) -> None:
    """A write that dies after half the bytes leaves the old file intact and no temporary file."""
    result, path = stored
    before = path.read_bytes()
    real_write = os.write

    def half_write(handle: int, data) -> int:
        real_write(handle, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_storage.os, "write", half_write)
    with pytest.raises(OSError, match="No space left"):
        result.write("new" * 1000)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert result.read(str(path)).value == "old"
    assert _leftovers(path.parent) == []


def test_crash_before_the_rename(stored, monkeypatch) -> None:
    """If ``os.replace`` never happens, the old value is intact and the temporary is removed."""
    result, path = stored
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # even a BaseException must not leave debris

    monkeypatch.setattr(_storage.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        result.write("new")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(path.parent) == []


def test_handler_write_is_atomic_too(tmp_path: Path, monkeypatch) -> None:
    """The legacy ``LocalResultHandler`` goes through the same atomic storage."""
    from compat.engine.result_handlers import LocalResultHandler

    def broken(src: str, dst: str, **kwargs: object) -> None:
        raise OSError("x")

    # Default names are published with a no-clobber link, other locations with a rename.
    monkeypatch.setattr(_storage.os, "replace", broken)
    monkeypatch.setattr(_storage.os, "link", broken)
    with pytest.raises(OSError):
        LocalResultHandler(dir=str(tmp_path)).write(1)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_fsspec_file_write_failure_leaves_no_temporary(tmp_path: Path, monkeypatch) -> None:
    """Through fsspec (``file://`` with options), a failed move leaves old content and no debris."""
    result = FSSpecResult(f"file://{tmp_path}", storage_options={"auto_mkdir": True})
    result.write("old", location="ignored")
    written = FSSpecResult(
        f"file://{tmp_path}", storage_options={"auto_mkdir": True}, location="v.bin"
    ).write("old")
    target = tmp_path / "v.bin"
    assert written.location == "v.bin"
    before = target.read_bytes()
    storage = result.storage

    def broken_mv(*args, **kwargs) -> None:
        raise OSError("move failed")

    monkeypatch.setattr(storage.fs, "mv", broken_mv)
    with pytest.raises(OSError, match="move failed"):
        storage.write(f"file://{target}", b"new")
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


# -- locations that would escape ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["../outside", "a/../../b", "..", "/etc/passwd", "\\\\server\\share", "C:/x", "c:\\x"]
)
def test_interpolated_values_cannot_escape(tmp_path: Path, value: str) -> None:
    """A template value with a ``..`` segment or an absolute path is refused before writing."""
    result = LocalResult(dir=str(tmp_path / "r"), location="{name}.bin")
    with pytest.raises(UnsafeLocationError):
        result.write(1, name=value)
    with pytest.raises(UnsafeLocationError):
        result.exists("{name}.bin", name=value)
    assert not (tmp_path / "outside.bin").exists()
    assert issubclass(UnsafeLocationError, ValueError)


@pytest.mark.parametrize(
    ("template", "kwargs"),
    [
        (".{x}/y", {"x": "."}),
        ("{a}{b}/y", {"a": ".", "b": "."}),
        ("sub/{a}{b}", {"a": ".", "b": "./../z"}),
        ("{a}{b}", {"a": "", "b": "/etc/passwd"}),
    ],
)
def test_values_cannot_combine_into_an_escape(template: str, kwargs: dict) -> None:
    """Values that only escape together with the template or each other are refused too."""
    with pytest.raises(UnsafeLocationError):
        format_location(template, kwargs)


def test_values_with_dots_that_stay_inside_are_fine() -> None:
    """Dots that are not a ``..`` segment (file names, versions) are allowed."""
    assert format_location("{a}/{b}", {"a": "v1.2", "b": "x..y"}) == "v1.2/x..y"
    assert format_location("{a}", {"a": ".hidden"}) == ".hidden"


def test_literal_absolute_template_is_allowed(tmp_path: Path) -> None:
    """A template that is literally absolute is the user's own choice and is allowed."""
    template = str(tmp_path / "abs" / "{name}.bin")
    written = LocalResult(dir=str(tmp_path / "r"), location=template).write(1, name="n")
    assert written.location == str(tmp_path / "abs" / "n.bin")
    assert format_location("/data/{x}", {"x": "y"}) == "/data/y"


@pytest.mark.parametrize(
    "template",
    [
        "{obj._private}",
        "{obj.__class__}",
        "{obj.__class__.__init__.__globals__}",
        "{d[_k]}",
        "{_x}",
    ],
)
def test_private_fields_are_refused(template: str) -> None:
    """Templates may not reach ``_``-prefixed attributes, keys or fields."""

    class Obj:
        _private = "secret"
        public = "ok"

    with pytest.raises(TemplateFieldError, match="private"):
        format_location(template, {"obj": Obj(), "d": {"_k": 1}, "_x": 1})
    assert format_location("{obj.public}", {"obj": Obj()}) == "ok"
    assert issubclass(TemplateFieldError, KeyError)


def test_positional_fields_are_refused() -> None:
    """``{}`` and ``{0}`` are refused with a message suggesting named fields."""
    for template in ("{}", "{0}"):
        with pytest.raises(TemplateFieldError, match="name the field"):
            format_location(template, {"x": 1})


# -- missing extras --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "module", "extra"),
    [
        (lambda: GCSResult("bucket"), "gcsfs", "gcs"),
        (lambda: AzureResult("container", connection_string="x"), "adlfs", "azure"),
        (lambda: S3Result("bucket"), "s3fs", "s3"),
        (lambda: FSSpecResult("gs://bucket"), "gcsfs", "gcs"),
    ],
)
def test_missing_extra_names_the_install_command(
    monkeypatch, make, module: str, extra: str
) -> None:
    """Without the cloud package, the first I/O says ``pip install 'prefect-result-compat[x]'``."""
    import importlib

    known = importlib.import_module("fsspec.registry")._registry
    monkeypatch.setitem(sys.modules, module, None)  # simulate: not installed
    for protocol in ("s3", "s3a", "gs", "gcs", "abfs", "az"):  # forget classes already loaded
        monkeypatch.delitem(known, protocol, raising=False)
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    result = make()
    with pytest.raises(MissingExtraError) as info:
        result.write(1)
    assert f"pip install 'prefect-result-compat[{extra}]'" in str(info.value)
    assert module in str(info.value)
    assert isinstance(info.value, ImportError)


def test_missing_extra_for_legacy_handler(monkeypatch) -> None:
    """Legacy cloud handlers report the missing extra on write as well."""
    monkeypatch.setitem(sys.modules, "gcsfs", None)
    with pytest.raises(MissingExtraError, match=r"prefect-result-compat\[gcs\]"):
        GCSResultHandler("bucket").write(1)
    monkeypatch.setitem(sys.modules, "adlfs", None)
    with pytest.raises(MissingExtraError, match=r"prefect-result-compat\[azure\]"):
        AzureResultHandler("c", connection_string="x").write(1)


def test_unknown_protocol_is_explained() -> None:
    """An unknown URL protocol says to check the URL."""
    with pytest.raises(MissingExtraError, match="check the URL"):
        FSSpecResult("nosuchproto://x").write(1)


# -- import hygiene ------------------------------------------------------------------------

HEAVY = [
    "libcst",
    "s3fs",
    "gcsfs",
    "adlfs",
    "boto3",
    "botocore",
    "aiobotocore",
    "dask",
    "pandas",
    "codemods",
]


@pytest.mark.parametrize(
    "statement",
    [
        "import compat",
        "import compat.engine.result, compat.engine.results, compat.engine.result_handlers",
        "import compat.engine.serializers, compat.engine.conversion, compat.serialization.result",
        "import compat.conversion_table",
    ],
)
def test_imports_stay_light(statement: str) -> None:
    """Importing compat (and its result models) imports no libcst, cloud package, boto or dask."""
    code = f"{statement}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_local_writes_get_the_usual_file_mode(tmp_path):
    """Atomic local writes create files with 0o666 minus the umask, like a plain open()."""
    import os
    import stat

    from compat.engine.results import LocalResult

    umask = os.umask(0o022)
    try:
        written = LocalResult(dir=str(tmp_path / "fresh" / "dir")).write(3)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(written.location).st_mode) == 0o644
    assert os.listdir(tmp_path / "fresh" / "dir") == [os.path.basename(written.location)]
