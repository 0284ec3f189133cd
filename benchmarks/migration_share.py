"""How much of a tree's legacy code the codemod migrates by itself, and what it breaks.

Usage (from the tree's root, so its configuration applies as it would in CI)::

    python benchmarks/migration_share.py [--target prefect|compat] [-j N] PATH [PATH ...]
    python benchmarks/migration_share.py [--target prefect|compat] --corpus [LIST]

``--corpus`` measures the third-party corpus pinned in ``benchmarks/corpus.txt`` (or
``LIST``): each distribution is downloaded once with ``pip download --no-deps`` into the
ignored ``benchmarks/.corpus/`` cache, unpacked, and measured on its own; the output gives
each package's counts and the totals. For the corpus a file also counts as broken when,
rewritten for real in a scratch copy, it no longer compiles or a second run changes it.

Runs ``prefect-result-upgrade --check --report`` (nothing is written) and prints, per rule
and overall, the sites migrated automatically (``rewritten``), left to a person (``todo``)
and silenced by ``# noqa`` (``suppressed``), the share migrated (rewritten over rewritten
plus TODO), and the *broken* files: those whose rewrite failed the tool's own verification
(the output does not compile, or a second run would change it), which it never writes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from codemods.cli import main as upgrade


def measure(paths: list[str], target: str, jobs: int) -> dict[str, object]:
    """Return the counts for ``paths`` (see the module docstring)."""
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        args = ["--check", "--quiet", "--target", target, "-j", str(jobs)]
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade([*args, "--report", str(report_path), *paths])
        report = json.loads(report_path.read_text())
    per_rule: dict[str, Counter[str]] = {}
    for site in report["sites"]:
        per_rule.setdefault(site["rule"], Counter())[site["status"]] += 1
    total = sum(per_rule.values(), Counter())
    counted = total["rewritten"] + total["todo"]
    return {
        "files_scanned": report["summary"]["files_scanned"],
        "files_with_sites": len({s["file"] for s in report["sites"]}),
        "files_changed": report["summary"]["files_changed"],
        "rules": {rule: dict(counts) for rule, counts in sorted(per_rule.items())},
        "sites": dict(total),
        "migrated_share": round(total["rewritten"] / counted, 4) if counted else None,
        "broken_files": [e for e in report["errors"] if "verification" in e["message"]],
        "errors": report["errors"],
    }


CORPUS_LIST = Path(__file__).with_name("corpus.txt")
CORPUS_CACHE = Path(__file__).with_name(".corpus")


@dataclass(frozen=True)
class CorpusEntry:
    """One pinned distribution (``name==version``) and the part of it to measure."""

    requirement: str
    subpath: str = ""

    @property
    def label(self) -> str:
        return f"{self.requirement} {self.subpath}".strip()


def read_corpus(path: Path) -> list[CorpusEntry]:
    """Parse the corpus list: ``name==version [sub/dir]`` a line, ``#`` comments."""
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        if "==" not in fields[0] or len(fields) > 2:
            raise SystemExit(
                f"{path}:{number}: expected `name==version [sub/dir]`, got {raw.strip()!r}"
            )
        entries.append(CorpusEntry(*fields))
    return entries


def _safe_member(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not PurePosixPath(name).is_absolute() and ".." not in parts


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a wheel or an sdist into ``dest``, refusing members that point outside it."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as bundle:
            bad = [n for n in bundle.namelist() if not _safe_member(n)]
            if bad:
                raise SystemExit(f"{archive.name}: unsafe member paths {bad[:3]}")
            bundle.extractall(dest)
        return
    with tarfile.open(archive) as bundle:
        members = bundle.getmembers()
        bad = [m.name for m in members if not _safe_member(m.name) or m.issym() or m.islnk()]
        if bad:
            raise SystemExit(f"{archive.name}: unsafe member paths {bad[:3]}")
        bundle.extractall(dest, members=[m for m in members if m.isfile() or m.isdir()])


def fetch(entry: CorpusEntry, cache: Path) -> Path:
    """Return the unpacked directory to measure for ``entry``, downloading it once."""
    unpacked = cache / entry.requirement.replace("==", "-")
    if not unpacked.is_dir():
        with tempfile.TemporaryDirectory() as scratch:
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
            subprocess.run(
                [*pip, "--dest", scratch, entry.requirement],
                check=True,
                timeout=600,
            )
            (archive,) = Path(scratch).iterdir()
            staging = Path(scratch) / "unpacked"
            unpack(archive, staging)
            cache.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), unpacked)
    if archive_root := _single_directory(unpacked):
        unpacked = archive_root  # an sdist's `name-version/` folder
    measured = unpacked / entry.subpath
    if not measured.is_dir():
        raise SystemExit(f"{entry.label}: no directory {entry.subpath!r} in the distribution")
    return measured


def _single_directory(path: Path) -> Path | None:
    children = list(path.iterdir())
    return children[0] if len(children) == 1 and children[0].is_dir() else None


def _compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def rewrite_breaks(tree: Path, target: str) -> list[str]:
    """Rewrite a scratch copy of ``tree`` for real; return the files the rewrite broke.

    Broken: a Python file that compiled before and does not after, or any file a second
    run would change again.
    """
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "tree"
        shutil.copytree(tree, copy)
        sources = sorted(copy.rglob("*.py"))
        compiled_before = {p for p in sources if _compiles(p)}
        args = ["--quiet", "--target", target]
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            upgrade([*args, str(copy)])
        broken = {str(p.relative_to(copy)) for p in compiled_before if not _compiles(p)}
        report_path = Path(scratch) / "second.json"
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            upgrade([*args, "--check", "--report", str(report_path), str(copy)])
        second = json.loads(report_path.read_text())
        for changed in second["files"]:
            if changed["status"] == "changed":
                broken.add(str(Path(changed["path"]).resolve().relative_to(copy.resolve())))
    return sorted(broken)


def measure_corpus(entries: list[CorpusEntry], target: str, cache: Path) -> dict[str, object]:
    """Measure every corpus package on its own; return them and the totals."""
    packages: dict[str, dict[str, object]] = {}
    total: Counter[str] = Counter()
    for entry in entries:
        tree = fetch(entry, cache)
        counts = measure([str(tree)], target, jobs=1)
        broken = sorted(
            {str(e["file"]) for e in counts["broken_files"]}  # type: ignore[attr-defined]
            | set(rewrite_breaks(tree, target))
        )
        packages[entry.label] = {
            "files_scanned": counts["files_scanned"],
            "sites": counts["sites"],
            "migrated_share": counts["migrated_share"],
            "broken_files": broken,
        }
        total.update(counts["sites"])  # type: ignore[arg-type]
        total["broken_files"] += len(broken)
    counted = total["rewritten"] + total["todo"]
    return {
        "target": target,
        "packages": packages,
        "total": {
            "rewritten": total["rewritten"],
            "todo": total["todo"],
            "suppressed": total["suppressed"],
            "migrated_share": round(total["rewritten"] / counted, 4) if counted else None,
            "broken_files": total["broken_files"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--target", choices=["prefect", "compat"], default="prefect")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument(
        "--corpus",
        nargs="?",
        type=Path,
        const=CORPUS_LIST,
        help="measure the pinned third-party corpus (default list: benchmarks/corpus.txt)",
    )
    args = parser.parse_args(argv)
    if args.corpus is not None:
        if args.paths:
            parser.error("give either PATHs or --corpus, not both")
        corpus = measure_corpus(read_corpus(args.corpus), args.target, CORPUS_CACHE)
        json.dump(corpus, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 1 if corpus["total"]["broken_files"] else 0  # type: ignore[index]
    if not args.paths:
        parser.error("give at least one PATH, or --corpus")
    result = measure(args.paths, args.target, args.jobs)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if result["broken_files"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
