"""Findings and how they are applied to the text they were found in."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .._core import CORE
from .._failclosed import UNSCANNED
from ._html import TagEdges, tag_edges

__all__ = ["UNSCANNED", "Finding", "Scored", "apply_findings", "certain", "certain_spans", "disjoint", "disjoint_scored",
           "splice"]

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


Scored = tuple[int, int, str, float]
"""``(start, end, entity_type, score)``: a finding's fields, with no :class:`Finding` made."""


_START, _END = operator.itemgetter(0), operator.itemgetter(1)
_splice_markup: Callable[[str, Sequence[tuple[int, int, str]], list[int], list[int]], str] = CORE.splice_markup


def disjoint(findings: Iterable[Finding]) -> list[Finding]:
    """Sort ``findings`` and merge overlapping ones (the union keeps the more certain type)."""
    if isinstance(findings, list) and len(findings) < 2:  # most texts: nothing to sort or merge
        return [f for f in findings if f.start < f.end]
    return [Finding(*scored) for scored in disjoint_scored(
        [(f.start, f.end, f.entity_type, f.score) for f in findings])]


def disjoint_scored(found: Iterable[Scored]) -> list[Scored]:
    """:func:`disjoint` of findings given by their fields (the scanner's finishing makes no :class:`Finding`)."""
    merged: list[Scored] = []
    # By start, the longer first: two stable sorts on keys read in C (a Python key is a call per
    # finding); of equal spans, the first found stays first (a reversed sort keeps ties in order too).
    ordered = sorted(found, key=_END, reverse=True)
    ordered.sort(key=_START)
    for scored in ordered:
        start, end, entity_type, score = scored
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            last_start, last_end, last_type, last_score = merged[-1]
            better = entity_type if (score, end - start) > (last_score, last_end - last_start) else last_type
            merged[-1] = (last_start, max(last_end, end), better, max(last_score, score))
        else:
            merged.append(scored)
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


def splice(text: str, pieces: Sequence[tuple[int, int, str]], *, html: bool = False,
           tags: TagEdges | None = None) -> str:
    """``text`` with each ``(start, end, new)`` of ``pieces`` (sorted, disjoint) put in place of its span.

    :param html: as :func:`apply_findings` takes it: ``new`` is escaped, and
        the tags inside a span are kept.
    :param tags: ``tag_edges(text)``, when the caller has them already (the
        view of ``text`` found them): else they are looked for here.
    """
    if not pieces:
        return text
    if html:  # escaped, keeping the tags inside a span: per piece, in the core
        tag_starts, tag_ends = tags if tags is not None else tag_edges(text)
        return _splice_markup(text, pieces, tag_starts, tag_ends)
    if len(pieces) == 1:  # most texts: one value in a message
        start, end, new = pieces[0]
        return text[:start] + new + text[end:]
    out = []
    pos = 0
    for start, end, new in pieces:
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)
