"""The README's first Python snippet runs as shown and prints what its comment promises,
and what the same snippet printed on real Prefect 0.10.7 (``tests/golden``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cloudpickle
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
RECORDED = README.parent / "tests" / "golden" / "data" / "0.10.7" / "behaviour.json"
TIMESTAMP = re.compile(r"prefect-result-[0-9t-]+")
ONE_RUN = "with context(checkpointing=True):\n    state = flow.run()\n"


def first_python_snippet() -> str:
    match = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "README.md has no python snippet"
    return match.group(1)


def run_snippet(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT__")},
        "PREFECT__HOME_DIR": str(tmp_path / "home"),
        "PREFECT__USER_CONFIG_PATH": str(tmp_path / "no-config.toml"),
        # The runners log to stdout as Prefect does; the snippet's own output is compared.
        "PREFECT__LOGGING__LEVEL": "CRITICAL",
        **env,
    }
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_snippet_prints_the_safe_result_its_comment_promises(tmp_path: Path) -> None:
    snippet = first_python_snippet()
    assert "PREFECT__FLOWS__CHECKPOINTING=true" in snippet
    assert ONE_RUN in snippet
    out = run_snippet(tmp_path, snippet).stdout.strip()
    match = re.fullmatch(r"<SafeResult: '(.*/results/prefect-result-[0-9t-]+)'>", out)
    assert match, out
    path = Path(match.group(1))
    assert path.parent == tmp_path / "results"
    assert cloudpickle.loads(path.read_bytes()) == 3


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, "NoResult"), ({"PREFECT__FLOWS__CHECKPOINTING": "true"}, "<SafeResult: ")],
)
def test_without_the_context_the_environment_decides(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    """What the comment says: checkpointing off prints NoResult; the variable turns it on."""
    code = first_python_snippet().replace(ONE_RUN, "state = flow.run()\n")
    assert run_snippet(tmp_path, code, **env).stdout.startswith(expected)


@pytest.mark.parametrize("variant", ["as_written", "checkpointing_off"])
def test_snippet_prints_what_prefect_0_10_7_printed(tmp_path: Path, variant: str) -> None:
    """Recorded by running the snippet with ``prefect`` imports on 0.10.7."""
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))["readme_snippet"][variant]
    code = first_python_snippet()
    if variant == "checkpointing_off":
        code = code.replace(ONE_RUN, "state = flow.run()\n")
    printed = run_snippet(tmp_path, code).stdout.replace(str(tmp_path), "<cwd>")
    assert TIMESTAMP.sub("<time>", printed) == TIMESTAMP.sub("<time>", recorded)
