"""Benchmark: what each part of the codemod engine buys, measured by turning it off.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_engine_parts.py [--repeats 3]

The corpora: the legacy modules of the Prefect 0.10.7 source tree (dense real code, see
``bench_codemods.py``), the legacy modules of the generated 2% tree, and two generated
single modules from ``bench_scaling.py`` (1 MB with a few sites, 100 KB dense with sites).
Each is rewritten with ``rewrite_checked`` (rules and verification, what the command line
runs per file) by the full engine and with one part replaced by the plain libcst way:

* ``no view``: the rules see the whole module (``_subset`` off);
* ``libcst traversal``: libcst's own ``visit`` for the rules and for scope analysis, which
  copies every node (``_cst/traverse`` off);
* ``whole-module codegen``: ``Module.code`` and ``PositionProvider`` over the whole module
  for every version (``_cst/codegen`` off);
* ``one traversal per rule``: PRU003, PRU004 and PRU002 in separate traversals, each over
  its own version of the module (``_cst/composite`` off);
* ``whole top-level statements``: a pass enters every statement nested in a top-level
  statement it enters, instead of only those holding one of its triggers;
* ``second run for TODO-only output``: an output that only gained TODO comments is re-parsed
  and run through the rules again, instead of proved unchanged (``_added_comments`` off).

Every variant must give the same code and sites as the full engine (checked; site columns
excepted, see ``_run``). The table
gives CPU seconds (best of the repeats, the steadier figure on a busy machine) and the
slowdown without each part. Results go to ``benchmarks/results/engine_parts.json``.
Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import libcst as cst  # noqa: E402
from bench_codemods import generate_tree, real_tree  # noqa: E402
from bench_scaling import generate_module  # noqa: E402

from codemods import _engine  # noqa: E402
from codemods._cst import base as _base  # noqa: E402
from codemods._cst import codegen as _codegen  # noqa: E402
from codemods._cst import metadata as _metadata  # noqa: E402

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "results" / "engine_parts.json"


@contextlib.contextmanager
def _patched(target: object, name: str, value: object) -> Iterator[None]:
    old = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, old)


@contextlib.contextmanager
def _no_view() -> Iterator[None]:
    with _patched(_engine, "make_view", lambda source, tree=None: None):
        yield


@contextlib.contextmanager
def _libcst_traversal() -> Iterator[None]:
    def libcst_visit(node: cst.CSTNode, transformer: cst.CSTTransformer) -> object:
        return node.visit(transformer)

    with (
        _patched(_engine, "transform", libcst_visit),
        _patched(_metadata, "read_only_visits", lambda *kinds: contextlib.nullcontext()),
    ):
        yield


@contextlib.contextmanager
def _whole_module_codegen() -> Iterator[None]:
    def whole(self: object, node: cst.CSTNode) -> object:
        return self._all()[node]  # type: ignore[attr-defined]

    with (
        _patched(_codegen.CodeCache, "code", lambda self, module: module.code),
        _patched(_metadata._Positions, "__getitem__", whole),
    ):
        yield


@contextlib.contextmanager
def _whole_statements() -> Iterator[None]:
    with _patched(_base, "is_statement", lambda kind: False):
        yield


@contextlib.contextmanager
def _second_run_always() -> Iterator[None]:
    with _patched(_engine, "only_comments_added", lambda source, output, tree: False):
        yield


@contextlib.contextmanager
def _one_traversal_per_rule() -> Iterator[None]:
    with _patched(_engine, "_groups", lambda pipeline: [[step] for step in pipeline]):
        yield


VARIANTS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "full engine": contextlib.nullcontext,
    "no view": _no_view,
    "libcst traversal": _libcst_traversal,
    "whole-module codegen": _whole_module_codegen,
    "one traversal per rule": _one_traversal_per_rule,
    "whole top-level statements": _whole_statements,
    "second run for TODO-only output": _second_run_always,
}


def _corpora() -> dict[str, list[str]]:
    prefect = [p.read_text(encoding="utf-8") for p in sorted(real_tree().rglob("*.py"))]
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as tmp:
        legacy = generate_tree(Path(tmp), 2000, 0.02)
        generated = [p.read_text(encoding="utf-8") for p in legacy]
    return {
        "Prefect 0.10.7 legacy modules": [s for s in prefect if _engine.may_contain_legacy(s)],
        "generated 2% tree, legacy modules": generated,
        "1 MB module, few sites": [generate_module(1024**2, "sparse")],
        "100 KB module, dense": [generate_module(100 * 1024, "dense")],
    }


def _run(sources: list[str]) -> tuple[float, list[object]]:
    start = time.process_time()
    outcomes = [_engine.rewrite_checked(s) for s in sources]
    seconds = time.process_time() - start
    # Columns left out: separate traversals report them in the coordinates of the version
    # each pass read, which a change earlier on the same line shifts (one reason for the
    # shared traversal); everything else must be the same.
    return seconds, [
        (o.code, [(s.line, s.rule, s.status, s.message) for s in o.sites]) for o in outcomes
    ]


def main(argv: list[str] | None = None) -> int:
    """Run every variant over every corpus and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    results: dict[str, dict[str, float]] = {}
    for corpus, sources in _corpora().items():
        _run(sources)  # warm-up
        expected: list[object] | None = None
        row: dict[str, float] = {}
        for variant, turned_off in VARIANTS.items():
            best = float("inf")
            for _ in range(args.repeats):
                with turned_off():
                    seconds, outcomes = _run(sources)
                best = min(best, seconds)
            if expected is None:
                expected = outcomes
            elif outcomes != expected:
                raise SystemExit(f"{variant!r} changed the outcome on {corpus!r}")
            row[variant] = best
        results[corpus] = row
        full = row["full engine"]
        print(f"{corpus} ({len(sources)} modules): full engine {full:.2f} s CPU")
        for variant, seconds in row.items():
            if variant != "full engine":
                print(f"    {variant:<32}{seconds:>8.2f} s  {seconds / full:>5.2f}x")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"python": platform.python_version(), "repeats": args.repeats, "cpu_seconds": results},
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
