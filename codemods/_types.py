"""Value types shared by the rewriting engine, the rules and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = ["FileOutcome", "Site", "SiteStatus", "Target"]


class Target(str, Enum):
    """Which API the rewritten code should use."""

    PREFECT = "prefect"  # Prefect 0.11+ (``prefect.engine.results``)
    COMPAT = "compat"  # this package's namespaces (``compat.engine.results``)


class SiteStatus(str, Enum):
    """What happened at one place in the source that used the legacy API."""

    REWRITTEN = "rewritten"
    TODO = "todo"
    SUPPRESSED = "suppressed"  # silenced by a noqa comment: left as written


@dataclass(frozen=True)
class Site:
    """One use of the legacy API: where it is, which rule saw it, and what was done."""

    line: int
    column: int
    rule: str
    status: SiteStatus
    message: str


@dataclass(frozen=True)
class FileOutcome:
    """The result of rewriting one source text: the new text and every site found."""

    code: str
    sites: tuple[Site, ...] = field(default=())

    @property
    def todos(self) -> tuple[Site, ...]:
        """Sites that need manual work."""
        return tuple(s for s in self.sites if s.status is SiteStatus.TODO)
