"""Form feeds before a statement, which libcst would drop, kept through a rewrite.

libcst keeps a form feed on a line of its own, inside a comment or at the end of a line,
but not one in the whitespace a statement starts with (``\\x0cflow = Flow(...)``, the old
way to start a new page): the regenerated file would lose it, so such a file could not be
rewritten. For the rewrite the form feeds move to the end of the line before (the same
lines, so every site keeps its line number); afterwards they go back to the start of the
line after it: the statement, or the first TODO comment the rewrite put above it.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, replace

from codemods._lines import LINE
from codemods._types import FileOutcome, Site

__all__ = ["LiftedFormFeeds", "lift_form_feeds"]

_FEED = "\x0c"


@dataclass(frozen=True)
class LiftedFormFeeds:
    """A source with the form feeds libcst would drop moved to the line before."""

    #: The source as it was.
    source: str
    #: The source as the rewrite sees it.
    text: str
    #: Per moved line (1-based): its leading whitespace in the source.
    leads: dict[int, str]

    def restore(self, outcome: FileOutcome) -> FileOutcome | None:
        """Return ``outcome`` (a rewrite of :attr:`text`) with the form feeds put back.

        ``None`` if the rewrite lost track of one (a line ending in a moved form feed was
        removed): the caller reports the file instead of writing it.
        """
        if outcome.code == self.text:
            return FileOutcome(self.source, self._sites(outcome.sites))
        lines = LINE.findall(outcome.code)
        ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n").endswith(_FEED)]
        lifted = LINE.findall(self.text)
        expected = [i for i, line in enumerate(lifted) if line.rstrip("\r\n").endswith(_FEED)]
        if len(ends) != len(expected):
            return None
        original = LINE.findall(self.source)
        # From the bottom: a moved line may itself carry the form feeds of the next one.
        for output_index, source_index in reversed(list(zip(ends, expected))):
            number = source_index + 2  # the 1-based number of the line after it
            if number not in self.leads or output_index + 1 >= len(lines):
                continue
            lead = self.leads[number]
            feeds = lead.replace(" ", "").replace("\t", "")
            before = lines[output_index]
            body = before.rstrip("\r\n")
            if not body.endswith(feeds):
                return None
            lines[output_index] = body[: -len(feeds)] + before[len(body) :]
            after = lines[output_index + 1]
            if after == lifted[source_index + 1]:
                lines[output_index + 1] = original[source_index + 1]  # as it was
            else:
                lines[output_index + 1] = feeds + after
        return FileOutcome("".join(lines), self._sites(outcome.sites))

    def _sites(self, sites: tuple[Site, ...]) -> tuple[Site, ...]:
        """The sites with the columns of the source (moved form feeds counted again)."""
        return tuple(
            replace(site, column=site.column + self.leads[site.line].count(_FEED))
            if site.line in self.leads
            else site
            for site in sites
        )


def lift_form_feeds(source: str) -> LiftedFormFeeds | None:
    """Return ``source`` with the form feeds libcst drops moved, or ``None`` if there is
    none (or one this cannot move: the rewrite then reports the file)."""
    if _FEED not in source:
        return None
    lines = LINE.findall(source)
    leads: dict[int, str] = {}
    for number in _statement_rows(source):
        body = lines[number - 1].rstrip("\r\n")
        lead = body[: len(body) - len(body.lstrip(" \t" + _FEED))]
        if _FEED not in lead:
            continue
        before = lines[number - 2].rstrip("\r\n") if number > 1 else "\\"
        if before.endswith("\\"):
            return None  # no line before, or one a backslash continues: nowhere to go
        leads[number] = lead
    if not leads:
        return None
    for number, lead in leads.items():
        before = lines[number - 2]
        ended = before.rstrip("\r\n")
        lines[number - 2] = ended + lead.replace(" ", "").replace("\t", "") + before[len(ended) :]
        lines[number - 1] = lead.replace(_FEED, "") + lines[number - 1][len(lead) :]
    return LiftedFormFeeds(source, "".join(lines), leads)


def _statement_rows(source: str) -> list[int]:
    """The (1-based) lines whose first token is code, not a comment or a blank line's end:
    the lines whose leading whitespace libcst regenerates."""
    rows: list[int] = []
    seen: set[int] = set()
    skipped = {
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.COMMENT,
        tokenize.ENDMARKER,
    }
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline="").readline):
            row = token.start[0]
            if row in seen or token.type in (tokenize.INDENT, tokenize.DEDENT):
                continue
            seen.add(row)
            if token.type not in skipped:
                rows.append(row)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return []  # the rewrite reports a source Python cannot read
    return rows
