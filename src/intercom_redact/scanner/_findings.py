"""Findings and how they are applied to the text they were found in."""

from __future__ import annotations

import bisect
import html as html_lib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .._failclosed import UNSCANNED
from ._html import tag_spans

__all__ = ["UNSCANNED", "Finding", "apply_findings", "certain", "certain_spans", "disjoint", "splice"]

Span = tuple[int, int, str]
"""``(start, end, entity_type)``: a finding of score 1.0 before it is one (a known value's place)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data in a text.

    :param start: offset of the first character, in the string that was scanned.
    :param end: offset after the last character.
    :param entity_type: ``EMAIL_ADDRESS``, ``PHONE_NUMBER``, ``PERSON`` ... or
        ``UNSCANNED`` (the whole text, failed closed).
    :param score: confidence, 0..1.
    """

    start: int
    end: int
    entity_type: str
    score: float


def _order(finding: Finding) -> tuple[int, int]:
    return finding.start, -finding.end


def disjoint(findings: Iterable[Finding]) -> list[Finding]:
    """Sort ``findings`` and merge overlapping ones (the union keeps the more certain type)."""
    if isinstance(findings, list) and len(findings) < 2:  # most texts: nothing to sort or merge
        return [f for f in findings if f.start < f.end]
    merged: list[Finding] = []
    for finding in sorted(findings, key=_order):
        if finding.end <= finding.start:
            continue
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            better = finding if (finding.score, finding.end - finding.start) > (
                last.score, last.end - last.start) else last
            merged[-1] = Finding(last.start, max(last.end, finding.end), better.entity_type,
                                 max(last.score, finding.score))
        else:
            merged.append(finding)
    return merged


def certain(spans: Sequence[Span]) -> list[Finding]:
    """``disjoint`` of findings of score 1.0 given as ``spans`` (known values).

    The engine's known-value search answers outermost spans in text order, so
    this is mostly one finding, or a few that do not overlap: those are made
    in order, with nothing to sort or merge.
    """
    if _ordered(spans):
        return [Finding(start, end, entity_type, 1.0) for start, end, entity_type in spans]
    return disjoint([Finding(start, end, entity_type, 1.0) for start, end, entity_type in spans])


def certain_spans(spans: Sequence[Span]) -> Sequence[Span]:
    """:func:`certain` as spans: ``spans`` themselves when they are disjoint already (the usual)."""
    if _ordered(spans):
        return spans
    return [(f.start, f.end, f.entity_type) for f in certain(spans)]


def _ordered(spans: Sequence[Span]) -> bool:
    """Whether ``spans`` are non-empty, in text order and apart: what ``disjoint`` would leave as they are."""
    reach = 0
    for start, end, _ in spans:
        if start < reach or end <= start:
            return False
        reach = end
    return True


def apply_findings(text: str, findings: Iterable[Finding], replacement: Callable[[Finding], str],
                   *, html: bool = False) -> str:
    """Return ``text`` with every finding replaced by ``replacement(finding)``.

    :param html: ``text`` is HTML: replacements are escaped, and the tags
        inside a finding are kept -- only its text is replaced, so
        ``<b>Jane</b> Doe`` becomes ``<b>[REDACTED:PERSON]</b>`` and the
        markup stays valid.  A finding inside an attribute value is replaced
        there, quote-escaped.
    """
    return splice(text, [(f.start, f.end, replacement(f)) for f in disjoint(findings)], html=html)


def splice(text: str, pieces: Sequence[tuple[int, int, str]], *, html: bool = False) -> str:
    """``text`` with each ``(start, end, new)`` of ``pieces`` (sorted, disjoint) put in place of its span.

    :param html: as :func:`apply_findings` takes it: ``new`` is escaped, and
        the tags inside a span are kept.
    """
    if not pieces:
        return text
    if not html and len(pieces) == 1:  # most texts: one value in a message
        start, end, new = pieces[0]
        return text[:start] + new + text[end:]
    tags = tag_spans(text) if html else []
    tag_starts = [start for start, _ in tags]
    out = []
    pos = 0
    for start, end, new in pieces:
        out.append(text[pos:start])
        out.append(_replace_in_markup(text, start, end, new, tags, tag_starts) if html else new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _replace_in_markup(text: str, start: int, end: int, new: str, tags: list[tuple[int, int]],
                       tag_starts: list[int]) -> str:
    i = bisect.bisect_left(tag_starts, start)
    if i and tags[i - 1][1] > start:
        return html_lib.escape(new, quote=True)  # inside a tag: an attribute value
    pieces = []
    placed = False
    pos = start
    while i < len(tags) and tags[i][1] <= end:
        tag_start, tag_end = tags[i]
        if tag_start > pos and not placed:
            pieces.append(html_lib.escape(new, quote=False))
            placed = True
        pieces.append(text[tag_start:tag_end])
        pos = tag_end
        i += 1
    if not placed:
        pieces.append(html_lib.escape(new, quote=False))
    return "".join(pieces)
