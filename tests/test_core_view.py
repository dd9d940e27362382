"""The HTML view's per-piece work in the core: the compiled one answers as its pure twin, and both as the
reading spelled out in plain Python (the view built one piece at a time, the replacement that escapes with
``html.escape`` and keeps the tags inside a span)."""

from __future__ import annotations

import bisect
import html
from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intercom_redact import _core
from intercom_redact.scanner import _findings, _html
from intercom_redact.scanner._html import extract

# Markup as tests/test_scanner_html.py writes it: tags with and without attribute values, comments,
# references known and not, stray "<" and "&", white space of every kind around them.
_MARKUP = st.lists(st.one_of(
    st.sampled_from([
        "<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<P >", "<li>", "<div class='x'>", "</div>",
        '<a href="mailto:jane@example.com">', "<a href='x>y'>", '<a title="t" href=x>', "<p title=>",
        '<img alt="Ph&amp;oto" src="a?b=1&amp;c=2">', '<x y="a\'b" z=\'c"d\'>', "<b Jane Doe>", "<jane@x.io>",
        "<!-- c -->", "<!-- x", "<!DOCTYPE html>", "&amp;", "&nbsp;", "&#64;", "&#1;", "&bogus;", "&", "<", ">",
        " ", "\n", "\xa0", "é", "Jane", "Doe",
    ]),
    st.text(st.sampled_from("<>&;#x!-/='\" aJ\n\xa0"), max_size=6),
), max_size=25).map("".join)


def _cores() -> list[ModuleType]:
    cores = [_core.load("py")]
    if not _core.NO_EXTENSIONS:
        try:
            cores.append(_core.load("c"))
        except ImportError:  # a pure-Python build: the twin is compared with the reference alone
            pass
    return cores


@pytest.fixture(params=["py", "c"])
def core(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    if request.param == "c" and (_core.NO_EXTENSIONS or len(_cores()) < 2):
        pytest.skip("the compiled core is not built or not allowed")
    yield _core.load(request.param)


def _with_core(core: ModuleType, markup: str) -> _html.TextView:
    """``extract(markup)`` with the view's per-piece work done by ``core`` (the other parts are _html's)."""
    saved = _html._view_pieces, _html._view_ranges
    _html._view_pieces, _html._view_ranges = core.view_pieces, core.view_ranges
    try:
        return extract(markup)
    finally:
        _html._view_pieces, _html._view_ranges = saved


def _reference_view(markup: str) -> tuple[str, list[tuple[int, int]]]:
    """The view's text and per-character map, each token read afresh (``_read`` on nothing remembered)
    into a view of plain lists: what the per-piece loop must give, whatever it remembered."""
    tokens = _html._TOKEN if "&" in markup else _html._TAGS
    pieces = tokens.split(markup)
    view = _core.load("py").ViewPieces(pieces[0])
    pos = len(pieces[0])
    saved = dict(_html._SIMPLE)
    try:
        for index in range(1, len(pieces), 2):
            token = pieces[index]
            _html._SIMPLE.clear()
            view.length = len("".join(view.chars))
            _html._read(view, markup, pos, pos + len(token), token)
            pos += len(token)
            text = pieces[index + 1]
            view.add(text, pos, _html._COPIED)
            pos += len(text)
    finally:
        _html._SIMPLE.clear()
        _html._SIMPLE.update(saved)
    chars: list[tuple[int, int]] = []
    for piece, src, end in zip(view.chars, view.src, view.end):
        chars += [(src + i, src + i + 1) for i in range(len(piece))] if end == _html._COPIED else [(src, end)] * len(piece)
    return "".join(view.chars), chars


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
@example('<p>Hi <b>Jane</b>,<br/>see <a href="mailto:j@x.io">me</a><!-- c --></p>&amp;&bogus;')
def test_both_cores_build_the_view_a_fresh_reading_gives(markup: str) -> None:
    """Each core's view (tokens remembered or not: twice) is the one reading every token afresh gives, char
    by char, with the same attribute values and tags."""
    text, chars = _reference_view(markup)
    for core in _cores():
        for _ in range(2):
            view = _with_core(core, markup)
            assert view.text == text
            assert list(zip(view.starts, view.ends)) == chars
            assert view.tags == _html.tag_edges(markup)
            assert type(view.attrs) is tuple
    views = [_with_core(core, markup) for core in _cores()]
    assert all(view.attrs == views[0].attrs for view in views)


@settings(max_examples=300, deadline=None)
@given(_MARKUP, st.data())
def test_both_cores_map_a_view_range_back_alike(markup: str, data: st.DataObject) -> None:
    """``to_source`` (the core's ``view_ranges``) answers alike in both cores, for every range of a short
    view and drawn ranges of a longer one (edges of attribute values and white space included)."""
    views = [_with_core(core, markup) for core in _cores()]
    n = len(views[0].text)
    pairs = [(a, b) for a in range(n + 1) for b in range(a, n + 1)] if n <= 24 else \
        data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)).map(sorted), max_size=60))
    for a, b in pairs:
        answers = [core.view_ranges(view.text, view._at, view._src, view._end, view.attrs, a, b)
                   for core, view in zip(_cores(), views)]
        assert all(answer == answers[0] for answer in answers), (a, b)
        assert answers[0] == views[0].to_source(a, b)
    # spans mapped in one call: each span's ranges in turn, with its type (none for one of white space alone)
    spans = [(a, b, f"T{i}") for i, (a, b) in enumerate(pairs[:40])]
    expected = [(start, end, kind) for a, b, kind in spans for start, end in views[0].to_source(a, b)]
    for core, view in zip(_cores(), views):
        assert core.view_spans(view.text, view._at, view._src, view._end, view.attrs, spans) == expected
    assert views[0].spans_in_source(spans) == expected


def _reference_splice(text: str, pieces: list[tuple[int, int, str]]) -> str:
    """The replacement in markup spelled out: ``html.escape``, a span inside a tag quote-escaped in place; else
    the tags inside a span kept, the new text before the first one with text before it (or after all)."""
    starts, ends = _html.tag_edges(text)
    out, pos = [], 0
    for start, end, new in pieces:
        out.append(text[pos:start])
        pos = end
        i = bisect.bisect_left(starts, start)
        if i and ends[i - 1] > start:
            out.append(html.escape(new, quote=True))
            continue
        kept, placed, at = [], False, start
        while i < len(starts) and ends[i] <= end:
            if starts[i] > at and not placed:
                kept.append(html.escape(new, quote=False))
                placed = True
            kept.append(text[starts[i]:ends[i]])
            at = ends[i]
            i += 1
        out.append("".join(kept) if placed else "".join(kept) + html.escape(new, quote=False))
    out.append(text[pos:])
    return "".join(out)


_NEW = st.text(st.sampled_from("ab<>&\"' é"), max_size=6)


@settings(max_examples=300, deadline=None)
@given(_MARKUP, st.data())
@example('<p title="Jane Doe"><b>Jane</b> Doe</p>', None)
def test_both_cores_splice_markup_as_spelled_out(markup: str, data: st.DataObject | None) -> None:
    """Both cores' replacement in markup is the reference's, whichever tags and quotes the new text and the
    spans hold (a span starting inside a tag, one holding tags with or without text before them)."""
    if data is None:
        pieces = [(10, 18, 'a "b"'), (21, 35, "<x> & y")]
    else:
        cuts = sorted(data.draw(st.lists(st.integers(0, len(markup)), max_size=6)))
        pieces = [(start, end, data.draw(_NEW)) for start, end in zip(cuts[::2], cuts[1::2])]
    expected = _reference_splice(markup, pieces)
    starts, ends = _html.tag_edges(markup)
    for core in _cores():
        assert core.splice_markup(markup, pieces, starts, ends) == expected
    assert _findings.splice(markup, pieces, html=True) == expected


def test_a_placeholder_is_escaped_as_html_escape_does(core: ModuleType) -> None:
    """The escape looks for each character before replacing it: every one of them, in either quoting."""
    new = "<a href=\"x\" title='y'>&amp;</a>"
    assert core.splice_markup("<p>Jane</p>", [(3, 7, new)], [0, 7], [3, 11]) == (
        "<p>" + html.escape(new, quote=False) + "</p>")
    assert core.splice_markup('<p title="Jane">x</p>', [(10, 14, new)], [0, 17], [16, 21]) == (
        '<p title="' + html.escape(new, quote=True) + '">x</p>')
