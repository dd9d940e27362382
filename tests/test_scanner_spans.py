"""The engine's span answers (``Scanner._scan_spans``) are the public findings' places and types, exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intercom_redact.scanner import UNSCANNED, Finding, Scanner
from intercom_redact.scanner._findings import Span, disjoint
from intercom_redact.scanner._html import extract, tag_edges
from intercom_redact.scanner._scanner import _finish, _finish_spans

# A plain text, and bodies whose view maps back through entities, tags and attribute values.
SOURCES = [
    (False, "Jane Doe <jane@example.com> called +44 20 7946 0958 about card 4111 1111 1111 1111."),
    (True, "<p>Hi <b>Jane</b> Doe,</p><p>mail jane&#64;example.com &amp; call +1 415 555 0100</p>"),
    (True, '<a href="mailto:jane@example.com" title="Jane Doe">Jane</a> <img alt="x y">ok'),
]
TYPES = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", UNSCANNED]


def _as_spans(findings: list[Finding]) -> list[Span]:
    return [(f.start, f.end, f.entity_type) for f in findings]


@st.composite
def _answers(draw: st.DrawFn) -> tuple[int, list[Finding], list[Span]]:
    """A source, and findings and known spans in its view: overlapping, nested, empty, tied in score and length."""
    index = draw(st.integers(0, len(SOURCES) - 1))
    html, source = SOURCES[index]
    size = len(extract(source).text) if html else len(source)
    place = st.tuples(st.integers(0, size), st.integers(0, size))
    if html:  # a view maps only what a recognizer can answer there: a non-empty range inside it
        place = place.filter(lambda p: p[0] != p[1]).map(lambda p: (min(p), max(p)))
    found = [Finding(a, b, t, s) for (a, b), t, s in draw(st.lists(
        st.tuples(place, st.sampled_from(TYPES), st.sampled_from([0.4, 0.85, 1.0])), max_size=5))]
    known = [(a, b, t) for (a, b), t in draw(st.lists(st.tuples(place, st.sampled_from(TYPES)), max_size=4))]
    return index, found, known


@settings(max_examples=1500, deadline=None)
@given(_answers())
def test_finish_spans_are_the_findings_places(answer: tuple[int, list[Finding], list[Span]]) -> None:
    index, found, known = answer
    html, source = SOURCES[index]
    view = extract(source) if html else None
    expected = _as_spans(_finish(view, list(found), list(known)))
    spans, tags = _finish_spans(view, list(found), list(known))
    assert list(spans) == expected
    assert tags == (view.tags if view is not None else None)


@settings(max_examples=1500, deadline=None)
@given(_answers())
def test_finish_maps_each_finding_then_merges(answer: tuple[int, list[Finding], list[Span]]) -> None:
    """Found and known spans, each mapped into the source (one range per side of an attribute value's edge),
    then merged as ``disjoint`` merges findings (pinned in test_scanner_html)."""
    index, found, known = answer
    html, source = SOURCES[index]
    view = extract(source) if html else None
    everything = found + [Finding(start, end, entity_type, 1.0) for start, end, entity_type in known]
    if view is not None:
        everything = [Finding(start, end, f.entity_type, f.score)
                      for f in everything for start, end in view.to_source(f.start, f.end)]
    assert _finish(view, list(found), list(known)) == disjoint(everything)


FRAGMENTS = ["Jane Doe", "jane@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", " ", ", ", "\n",
             "<b>", "</b>", "<p>", '<a href="mailto:joe@example.org">', "</a>", "&amp;", "call me", "DE89 3704 0044 0532 0130 00"]


_MAX_CHARS = 120  # longer texts fail closed: no view, no tags


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(max_chars=_MAX_CHARS)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join), min_size=1, max_size=4),
       html=st.booleans(),
       known=st.lists(st.tuples(st.sampled_from(["PERSON", "EMAIL_ADDRESS"]),
                                st.sampled_from(["Jane Doe", "Jane", "jane@example.com", "Doe"])), max_size=3),
       known_only=st.booleans())
def test_scan_spans_answer_as_scan_batch(scanner: Scanner, texts: list[str], html: bool,
                                         known: list[tuple[str, str]], known_only: bool) -> None:
    """Every text, the long ones failed closed (UNSCANNED, the whole text) included."""
    findings = scanner.scan_batch(texts, html=html, known_values=known, known_only=known_only)
    placed = scanner._scan_spans(texts, html=html, known_values=known, known_only=known_only)
    # lists, as they are: the engine hands a plain text's spans to the core, which takes no other sequence
    assert [spans for spans, _ in placed] == [_as_spans(f) for f in findings]
    assert all(type(spans) is list for spans, _ in placed)
    # with the tags of the text's view: those tag_edges finds in an HTML text, none in a plain one
    assert [tags for _, tags in placed] == [
        tag_edges(text) if html and len(text) <= _MAX_CHARS else None for text in texts]


def test_a_failed_text_answers_unscanned_spans_whole() -> None:
    scanner = Scanner(max_chars=5)
    assert scanner._scan_spans(["", "too long a text"]) == [([], None), ([(0, 15, UNSCANNED)], None)]
