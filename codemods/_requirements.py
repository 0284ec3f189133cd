"""Does the project's declared Prefect version run the rewritten code?

The rewritten code imports ``prefect.engine.results`` (Prefect 0.11 to 1.x). A rewrite to
``ResultHandlerResult`` runs on 0.11 to 0.13 as is; 0.14 removed result handlers, so on 0.14
to 1.x it needs this package's bridge (``prefect-result-compat[bridge]``, activated). The
``compat`` target needs this package installed instead. The project's requirement is read
with :mod:`packaging` from ``pyproject.toml`` (PEP 621 and Poetry), ``requirements*.txt``
and ``setup.cfg``, and a warning is produced when no version it allows can work.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from codemods._config import tomllib
from codemods._source import read_source

__all__ = ["DeclaredRequirement", "check_requirements", "find_requirements"]

PACKAGE_NAME = "prefect-result-compat"

# Representative Prefect releases (the last patch of each minor is enough to decide).
_PREFECT_RELEASES = tuple(
    Version(v)
    for v in [
        *("0.9.8", "0.10.0", "0.10.7", "0.11.0", "0.11.5", "0.12.0", "0.12.6"),
        *("0.13.0", "0.13.19", "0.14.0", "0.14.22", "0.15.0", "0.15.13"),
        *("1.0.0", "1.4.1", "2.0.0", "2.20.0", "3.0.0", "3.4.0"),
    ]
)
_RESULTS_RANGE = SpecifierSet(">=0.11,<2")
_HANDLER_RESULT_RANGE = SpecifierSet(">=0.11,<0.14")
#: Where ``ResultHandlerResult`` code runs with the bridge (see docs/bridge.md).
_BRIDGE_RANGE = SpecifierSet(">=0.14,<2")
_BRIDGE_HINT = (
    f"add '{PACKAGE_NAME}[bridge]' to your dependencies and activate the bridge "
    "(PREFECT_RESULT_COMPAT_BRIDGE=1, or compat.bridge.install())"
)


#: Packaging files are small; a larger file named like one is not read.
_MAX_PACKAGING_BYTES = 10 * 1024 * 1024


def _read(path: Path) -> str | None:
    """The text of a packaging file; ``None`` if it is not a readable regular UTF-8 file.

    Read without blocking: a FIFO or device named like a packaging file is skipped, not
    waited on.
    """
    try:
        return read_source(path, max_size=_MAX_PACKAGING_BYTES).data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class DeclaredRequirement:
    """A requirement line found in a project file."""

    source: Path
    name: str
    specifier: SpecifierSet


def _parse(lines: Iterable[str], source: Path) -> list[DeclaredRequirement]:
    found = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        found.append(DeclaredRequirement(source, canonicalize_name(req.name), req.specifier))
    return found


def _poetry_spec(value: object) -> SpecifierSet | None:
    constraint = value.get("version") if isinstance(value, dict) else value
    if not isinstance(constraint, str):
        return None
    constraint = constraint.strip()
    if constraint in ("*", ""):
        return SpecifierSet()
    caret = re.fullmatch(r"\^(\d+)(?:\.(\d+))?(?:\.(\d+))?", constraint)
    tilde = re.fullmatch(r"~(\d+)(?:\.(\d+))?(?:\.(\d+))?", constraint)
    try:
        if caret:
            parts = [int(p) for p in caret.groups() if p is not None]
            lower = ".".join(map(str, parts))
            idx = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
            upper = [*parts[:idx], parts[idx] + 1]
            return SpecifierSet(f">={lower},<{'.'.join(map(str, upper))}")
        if tilde:
            parts = [int(p) for p in tilde.groups() if p is not None]
            lower = ".".join(map(str, parts))
            upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
            return SpecifierSet(f">={lower},<{'.'.join(map(str, upper))}")
        if re.fullmatch(r"\d+(\.\d+)*", constraint):
            return SpecifierSet(f"=={constraint}")
        return SpecifierSet(constraint)
    except InvalidSpecifier:
        return None


def _from_pyproject(path: Path) -> list[DeclaredRequirement]:
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        return []
    text = _read(path)
    try:
        doc = tomllib.loads(text) if text is not None else {}
    except tomllib.TOMLDecodeError:
        return []
    project = doc.get("project", {})
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    found = _parse((x for x in lines if isinstance(x, str)), path)
    poetry = doc.get("tool", {}).get("poetry", {})
    groups = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    groups.extend(g.get("dependencies", {}) for g in poetry.get("group", {}).values())
    for deps in groups:
        for name, value in deps.items():
            spec = _poetry_spec(value)
            if spec is not None:
                found.append(DeclaredRequirement(path, canonicalize_name(name), spec))
    return found


def _from_setup_cfg(path: Path) -> list[DeclaredRequirement]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read(path) or "", str(path))
    except configparser.Error:
        return []
    lines: list[str] = []
    if parser.has_option("options", "install_requires"):
        lines.extend(parser.get("options", "install_requires").splitlines())
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines.extend(value.splitlines())
    return _parse(lines, path)


def find_requirements(project_dir: Path) -> list[DeclaredRequirement]:
    """Every requirement declared in ``project_dir``'s packaging files."""
    found: list[DeclaredRequirement] = []
    if (project_dir / "pyproject.toml").is_file():
        found.extend(_from_pyproject(project_dir / "pyproject.toml"))
    if (project_dir / "setup.cfg").is_file():
        found.extend(_from_setup_cfg(project_dir / "setup.cfg"))
    for path in sorted(project_dir.glob("requirements*.txt")):
        text = _read(path)
        if text is not None:
            found.extend(_parse(text.splitlines(), path))
    return found


_PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "requirements*.txt")


def _packaging_files(project_dir: Path) -> list[Path]:
    """The packaging files in ``project_dir`` (whether or not they declare anything)."""
    found: list[Path] = []
    for pattern in _PACKAGING_FILES:
        found.extend(p for p in sorted(project_dir.glob(pattern)) if p.is_file())
    return found


def _project_name(project_dir: Path) -> str | None:
    """The project's canonical name from ``pyproject.toml``'s ``[project].name``, if any."""
    path = project_dir / "pyproject.toml"
    text = _read(path) if tomllib is not None else None
    if text is None:
        return None
    try:
        name = tomllib.loads(text).get("project", {}).get("name")
    except tomllib.TOMLDecodeError:
        return None
    return canonicalize_name(name) if isinstance(name, str) else None


def _allowed(spec: SpecifierSet) -> list[Version]:
    return [v for v in _PREFECT_RELEASES if spec.contains(v, prereleases=True)]


def _display(path: Path, project_dir: Path) -> str:
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:  # pragma: no cover - defensive
        return str(path)


def check_requirements(project_dir: Path, *, target: str, uses_handler_result: bool) -> list[str]:
    """Warnings about declared requirements that cannot run the rewritten code."""
    declared = find_requirements(project_dir)
    warnings: list[str] = []
    if target == "compat":
        if any(d.name == PACKAGE_NAME for d in declared):
            return warnings
        name = _project_name(project_dir)
        if name == PACKAGE_NAME:
            return warnings  # the package's own tree (its examples) needs no requirement on it
        if not _packaging_files(project_dir):
            warnings.append(
                f"the rewritten code imports 'compat', but no packaging file "
                f"({', '.join(_PACKAGING_FILES)}) was found in {project_dir}: "
                f"add '{PACKAGE_NAME}' to your dependencies"
            )
        else:
            warnings.append(
                f"the rewritten code imports 'compat', but no requirement on {PACKAGE_NAME!r} "
                f"was found in the packaging files of {name or project_dir.name or project_dir}; "
                f"add '{PACKAGE_NAME}' to your dependencies"
            )
        return warnings
    has_bridge = any(d.name == PACKAGE_NAME for d in declared)
    for item in (d for d in declared if d.name == "prefect"):
        allowed = _allowed(item.specifier)
        where = f"{_display(item.source, project_dir)} requires prefect{item.specifier}"
        if not any(v in _RESULTS_RANGE for v in allowed):
            if uses_handler_result:
                warnings.append(
                    f"{where}, but the rewritten code imports prefect.engine.results and uses "
                    "ResultHandlerResult: pin 'prefect>=0.11,<0.14', or pin 'prefect>=0.14,<2' "
                    f"and {_BRIDGE_HINT}"
                )
            else:
                warnings.append(
                    f"{where}, but the rewritten code needs Prefect >=0.11,<2 "
                    "(prefect.engine.results); raise the pin to e.g. 'prefect>=0.11,<2'"
                )
        elif uses_handler_result and not any(v in _HANDLER_RESULT_RANGE for v in allowed):
            if has_bridge and any(v in _BRIDGE_RANGE for v in allowed):
                continue
            warnings.append(
                f"{where}, but the rewritten code uses ResultHandlerResult, which Prefect "
                f"removed in 0.14; on Prefect 0.14 – 1.x it runs with {PACKAGE_NAME}'s bridge: "
                f"{_BRIDGE_HINT}; or pin 'prefect>=0.11,<0.14', or replace the custom handlers "
                "with Result subclasses"
            )
    return warnings
