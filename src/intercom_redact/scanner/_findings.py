"""Findings and how they are applied to the text they were found in."""

from __future__ import annotations

import bisect
import html as html_lib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .._failclosed import UNSCANNED
from ._html import tag_spans

__all__ = ["UNSCANNED", "Finding", "apply_findings", "certain", "disjoint", "replace_spans"]

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


def certain(spans: Iterable[Span]) -> list[Finding]:
    """``disjoint`` of findings of score 1.0 given as ``spans`` (known values).

    The engine's known-value search answers outermost spans in text order, so
    this is mostly one finding, or a few that do not overlap.
    """
    return disjoint([Finding(start, end, entity_type, 1.0) for start, end, entity_type in spans])


def apply_findings(text: str, findings: Iterable[Finding], replacement: Callable[[Finding], str],
                   *, html: bool = False) -> str:
    """Return ``text`` with every finding replaced by ``replacement(finding)``.

    :param html: ``text`` is HTML: replacements are escaped, and the tags
        inside a finding are kept -- only its text is replaced, so
        ``<b>Jane</b> Doe`` becomes ``<b>[REDACTED:PERSON]</b>`` and the
        markup stays valid.  A finding inside an attribute value is replaced
        there, quote-escaped.
    """
    return replace_spans(text, disjoint(findings), replacement, html=html)


def replace_spans(text: str, spans: Sequence[Finding], replacement: Callable[[Finding], str],
                  *, html: bool = False) -> str:
    """:func:`apply_findings` for ``spans`` that are sorted and disjoint already (a scan's answer)."""
    if not spans:
        return text
    tags = tag_spans(text) if html else []
    tag_starts = [start for start, _ in tags]
    out = []
    pos = 0
    for finding in spans:
        out.append(text[pos:finding.start])
        new = replacement(finding)
        if html:
            out.append(_replace_in_markup(text, finding, new, tags, tag_starts))
        else:
            out.append(new)
        pos = finding.end
    out.append(text[pos:])
    return "".join(out)


def _replace_in_markup(text: str, finding: Finding, new: str, tags: list[tuple[int, int]],
                       tag_starts: list[int]) -> str:
    start, end = finding.start, finding.end
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
