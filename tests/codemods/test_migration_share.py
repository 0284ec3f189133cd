"""``benchmarks/migration_share.py --corpus``: the pinned list, safe unpacking, broken files."""

from __future__ import annotations

import importlib.util
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "migration_share.py"


@pytest.fixture(scope="module")
def share():
    spec = importlib.util.spec_from_file_location("migration_share", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_the_committed_corpus_list_parses_into_pinned_entries(share):
    entries = share.read_corpus(share.CORPUS_LIST)
    assert entries
    assert all("==" in e.requirement for e in entries)
    assert share.CorpusEntry("prefect==0.10.7", "prefect/tasks") in entries


def test_a_bad_corpus_line_is_named(share, tmp_path):
    listing = tmp_path / "corpus.txt"
    listing.write_text("# fine\ncommontaskz==0.5.19\ncommontaskz latest\n")
    with pytest.raises(SystemExit, match=r"corpus.txt:3: expected `name==version"):
        share.read_corpus(listing)


def test_archive_members_outside_the_destination_are_refused(share, tmp_path):
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as bundle:
        bundle.writestr("../escaped.py", "x = 1\n")
    sdist = tmp_path / "evil-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as bundle:
        data = b"x = 1\n"
        member = tarfile.TarInfo("evil-1.0/../../escaped.py")
        member.size = len(data)
        bundle.addfile(member, io.BytesIO(data))
    for archive in (wheel, sdist):
        with pytest.raises(SystemExit, match="unsafe member paths"):
            share.unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.py").exists()


def _cached_package(cache: Path, files: dict[str, str]) -> None:
    root = cache / "oldflows-0.1" / "oldflows-0.1"  # an sdist's single top folder
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_cached_package_is_measured_without_download(share, tmp_path):
    _cached_package(
        tmp_path,
        {
            "oldflows/flows.py": (
                "from prefect import Flow, Task\n"
                "from prefect.engine.result_handlers import LocalResultHandler\n"
                "from prefect.engine.result import SafeResult\n\n"
                'flow = Flow("f", result_handler=LocalResultHandler(dir="/tmp"))\n'
                "kept = SafeResult\n"
            ),
            "oldflows/broken_before.py": "def f(:\n",
        },
    )
    entry = share.CorpusEntry("oldflows==0.1")
    result = share.measure_corpus([entry], "prefect", tmp_path)
    package = result["packages"]["oldflows==0.1"]
    assert package["sites"]["rewritten"] >= 2
    assert package["sites"]["todo"] == 1  # the SafeResult use
    assert package["broken_files"] == []  # a file broken before is not the rewrite's fault
    assert result["total"]["broken_files"] == 0
    assert 0 < result["total"]["migrated_share"] < 1


def test_a_missing_sub_directory_is_named(share, tmp_path):
    _cached_package(tmp_path, {"oldflows/__init__.py": ""})
    with pytest.raises(SystemExit, match="no directory 'docs'"):
        share.fetch(share.CorpusEntry("oldflows==0.1", "docs"), tmp_path)
