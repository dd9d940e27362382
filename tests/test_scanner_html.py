"""HTML bodies: the text view, offsets back into the markup, replacements that keep it valid."""

from __future__ import annotations

import html
import re
import string
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intercom_redact import Redactor
from intercom_redact.scanner import Finding, Scanner, _html, apply_findings
from intercom_redact.scanner._findings import certain, certain_spans, disjoint, disjoint_scored, splice
from intercom_redact.scanner._html import extract


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def _placeholder(finding: Finding) -> str:
    return f"[REDACTED:{finding.entity_type}]"


class _TagBalance(HTMLParser):
    """Records start/end tags, to check replacements left the markup intact."""

    VOID = {"br", "img", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.tags.append(f"<{tag}>")

    def handle_endtag(self, tag):
        self.tags.append(f"</{tag}>")


def _tags(markup: str) -> list[str]:
    parser = _TagBalance()
    parser.feed(markup)
    return parser.tags


def test_view_decodes_entities_and_separates_blocks() -> None:
    view = extract("<p>Tom &amp; Jerry&nbsp;Inc</p><p>next<br>line</p>")
    assert view.text == "\nTom & Jerry Inc\n\nnext\nline\n"


def test_view_maps_every_char_back() -> None:
    markup = '<p>a&amp;b <b>c</b></p><a href="mailto:x@y.io" title="t">z</a>'
    view = extract(markup)
    for i, ch in enumerate(view.text):
        source = markup[view.starts[i]:view.ends[i]]
        if ch == "\n":
            continue
        assert source == ch or (source == "&amp;" and ch == "&")


def test_remembered_tags_give_the_same_view() -> None:
    """Tags without attribute values and known references are remembered by their text: the view is the one
    a first reading gives."""
    markup = '<p>Hi <b>Jane</b>,<br/>see <a href="mailto:j@x.io">me</a><!-- c --></p><P >&amp;</P >&bogus;'
    _html._SIMPLE.clear()
    first = extract(markup)
    assert {"<p>", "</b>", "&amp;"} <= _html._SIMPLE.keys()
    assert not {'<a href="mailto:j@x.io">', "<!-- c -->", "&bogus;"} & _html._SIMPLE.keys()
    second = extract(markup)
    assert (second.text, second.starts, second.ends, second.attrs) == (
        first.text, first.starts, first.ends, first.attrs)


# HTML-ish bodies: well-formed and broken tags, quoted attribute values (with '>', '<', '&'), comments
# (closed or not), doctype and processing instructions, script and style, known and unknown references.
_MARKUP = st.lists(st.one_of(
    st.sampled_from([
        "<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<P >", "</ P>", "<li>", "<div class='x'>", "</div>",
        '<a href="mailto:jane@example.com">', "<a href='x>y'>", '<a title="t" href=x>', "<p title=>",
        '<img alt="Ph&amp;oto" src="a?b=1&amp;c=2">', '<x y="a\'b" z=\'c"d\'>', '<td colspan=2 data-v="">',
        "<!-- c -->", "<!-- x", "<!-->", "<!---->", "<!DOCTYPE html>", "<?xml x?>", "<script>a='<b>'</script>",
        "<style>p{}</style>", "&amp;", "&nbsp;", "&#64;", "&#x40;", "&#99999999;", "&bogus;", "&amp", "&ampx",
        "&NotEqualTilde;", "&", "<", ">", "< p>", "<a <a", "\"", "'", "=", " ", "\n", "\xa0", "é", "\U0001F600",
    ]),
    st.text(st.sampled_from("<>&;#x!-/='\" aJ1\n\xa0é"), max_size=6),
    st.text(max_size=4),
), max_size=25).map("".join)


def _reference_to_source(view: _html.TextView, start: int, end: int) -> list[tuple[int, int]]:
    """``to_source`` spelled out from the per-character map: cut at attribute edges, drop white space."""
    edges = sorted({start, end} | {edge for attr in view.attrs for edge in attr if start < edge < end})
    ranges = []
    for lo, hi in zip(edges, edges[1:]):
        piece = view.text[lo:hi]
        lo, hi = lo + len(piece) - len(piece.lstrip()), hi - len(piece) + len(piece.rstrip())
        if lo < hi:
            ranges.append((view.starts[lo], view.ends[hi - 1]))
    return ranges


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
@example("a&#1b")  # a reference to a character HTML drops: nothing of it in the view
def test_every_view_char_comes_from_its_source(markup: str) -> None:
    """Each view char is its source char, the decoded reference there, or a separator newline standing at a tag."""
    view = extract(markup)
    starts, ends, tags = view.starts, view.ends, list(zip(*_html.tag_edges(markup)))
    assert len(starts) == len(ends) == len(view.text)
    for ch, start, end in zip(view.text, starts, ends):
        source = markup[start:end]
        if source == "":
            assert ch == "\n" and any(start in tag for tag in tags)
        elif source != ch:
            assert source[0] == "&" and ch in html.unescape(source).replace("\xa0", " "), (ch, source)
    # every character of the markup outside tags, comments and references that stand for nothing
    # (``&#1``: a control character HTML drops) is in the view
    dropped = tags + [m.span() for m in _html._TOKEN.finditer(markup) if m.group()[0] == "&" and not html.unescape(m.group())]
    outside = [i for i in range(len(markup)) if not any(lo <= i < hi for lo, hi in dropped)]
    covered = {i for start, end in zip(starts, ends) for i in range(start, end)}
    assert set(outside) <= covered


@settings(max_examples=300, deadline=None)
@given(_MARKUP, st.data())
def test_to_source_agrees_with_the_per_char_map(markup: str, data: st.DataObject) -> None:
    view = extract(markup)
    n = len(view.text)
    pairs = [(a, b) for a in range(n + 1) for b in range(a, n + 1)] if n <= 30 else \
        data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)).map(sorted), max_size=60))
    for a, b in pairs:
        assert view.to_source(a, b) == _reference_to_source(view, a, b), (a, b)


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
def test_a_remembered_reading_gives_the_same_view(markup: str) -> None:
    """The view of tokens looked up in ``_SIMPLE`` is the one reading them gives, char by char."""
    _html._SIMPLE.clear()
    first = extract(markup)
    second = extract(markup)
    assert (second.text, second.starts, second.ends, second.attrs) == (
        first.text, first.starts, first.ends, first.attrs)


# Tags with one attribute value, of the shapes _ONE_VALUE reads at once and of the ones next to them it leaves
# to the general reading: names of elements and of none, block and inline, upper case, white space HTML reads
# after a name and other, attribute names markup has and has not, values empty, quoted otherwise, with
# references, with ">".
_ONE_VALUED = st.builds(
    "<{}{}{}={}{}>".format,
    st.sampled_from(["a", "A", "p", "DIV", "h1", "span", "jane", "o:p", "x-y", "td"]),
    st.sampled_from([" ", "  ", "\t", "\n", "\xa0", "\x0b", ""]),
    st.sampled_from(["href", "class", "data-v", "x.y", "_a", ":b", "é", "1a", "@x", "a b"]),
    st.sampled_from(['"mailto:jane@example.com"', '"x>y"', '""', '"a&amp;b"', '"Jane &#64; x"', "'q'", "v", '"é"']),
    st.sampled_from(["", " ", "\t", "\xa0", "/"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ONE_VALUED, st.sampled_from(["Jane", " Doe ", "</a>", "&amp;", "<p>"])), max_size=6)
       .map("".join))
@example('<p>Mail <a href="mailto:jane@example.com">jane@example.com</a></p>')
def test_a_tag_with_one_value_reads_as_the_general_reading_does(markup: str) -> None:
    """The tags _ONE_VALUE reads at once give the view _TAG_NAME and _ATTR give them, char by char."""
    _html._SIMPLE.clear()
    fast = extract(markup)
    one_value, _html._ONE_VALUE = _html._ONE_VALUE, re.compile(r"(?!)")  # matches nothing
    try:
        _html._SIMPLE.clear()
        general = extract(markup)
    finally:
        _html._ONE_VALUE = one_value
    assert (fast.text, fast.starts, fast.ends, fast.attrs, fast.tags) == (
        general.text, general.starts, general.ends, general.attrs, general.tags)


def _reference_tag_spans(markup: str) -> list[tuple[int, int]]:
    """The tag grammar spelled out: a comment runs to its "-->" (or the end); a tag opened by "<" and a letter,
    "/", "!" or "?" runs to the first ">" outside quotes, and neither it nor a quoted value in it holds a "<"."""
    spans, i = [], 0
    while i < len(markup):
        end = None
        if markup.startswith("<!--", i):
            close = markup.find("-->", i + 4)
            end = close + 3 if close >= 0 else len(markup)
        elif markup[i] == "<" and markup[i + 1:i + 2] in set(string.ascii_letters + "/!?"):
            j = i + 2
            while j < len(markup) and markup[j] not in "<>":
                if markup[j] in "\"'":
                    close = markup.find(markup[j], j + 1)
                    if close < 0 or "<" in markup[j + 1:close]:
                        break
                    j = close
                j += 1
            end = j + 1 if j < len(markup) and markup[j] == ">" else None
        if end is None:
            i += 1
        else:
            spans.append((i, end))
            i = end
    return spans


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
@example('<a title="x<b>y">z<p class=\'q>r\'>s<i x="open>t')  # quotes: "<" ends them, ">" does not
def test_tags_are_the_tokens_that_open_a_tag(markup: str) -> None:
    """``tag_edges`` scans for tags alone: the same spans as the tags among all tokens (references hold no "<")."""
    reference = _reference_tag_spans(markup)
    assert reference == [m.span() for m in _html._TOKEN.finditer(markup) if m.group()[0] == "<"]
    assert _html.tag_edges(markup) == ([start for start, _ in reference], [end for _, end in reference])
    # and the view of a text without "&" comes from that tag-only scan
    assert _html._TAGS.split(markup.replace("&", "")) == _html._TOKEN.split(markup.replace("&", ""))


@settings(max_examples=300, deadline=None)
@given(_MARKUP, st.data())
@example("&amp;<p>Jane&#64;x</p><!-- c -->&nbsp;<b title='Jane'>Doe</b>", None)
def test_the_views_tags_are_the_ones_splice_keeps(markup: str, data: st.DataObject | None) -> None:
    """The tags a view hands the replacement are those ``tag_edges`` finds (no reference among them): a
    splice given them answers as one that looks for them."""
    view = extract(markup)
    assert view.tags == _html.tag_edges(markup)
    assert extract(markup).tags == view.tags  # its tokens remembered now
    cuts = sorted(data.draw(st.lists(st.integers(0, len(markup)), max_size=6))) if data else [3, 14, 40, 52]
    pieces = [(start, end, f"[{i}<&>]") for i, (start, end) in enumerate(zip(cuts[::2], cuts[1::2]))]
    assert splice(markup, pieces, html=True, tags=view.tags) == splice(markup, pieces, html=True)


_SPANS = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from(["A", "B", "C"])), max_size=8)


def _reference_disjoint(findings: list[Finding]) -> list[Finding]:
    """The merge spelled out: sorted by start (longest first, stable), an overlap keeps the union, the type of the
    higher (score, length) -- the earlier on a tie -- and the higher score."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.end <= f.start:
            continue
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            better = f if (f.score, f.end - f.start) > (last.score, last.end - last.start) else last
            merged[-1] = Finding(last.start, max(last.end, f.end), better.entity_type, max(last.score, f.score))
        else:
            merged.append(f)
    return merged


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), st.sampled_from(["A", "B", "C"]),
                          st.sampled_from([0.4, 0.85, 1.0])), max_size=8))
def test_disjoint_merges_as_spelled_out(found: list[tuple[int, int, str, float]]) -> None:
    findings = [Finding(*f) for f in found]
    assert disjoint(findings) == _reference_disjoint(findings)
    assert disjoint_scored(found) == [(f.start, f.end, f.entity_type, f.score) for f in _reference_disjoint(findings)]


@given(_SPANS)
def test_certain_merges_as_disjoint_does(spans: list[tuple[int, int, str]]) -> None:
    """Known values' spans merged as tuples: the findings ``disjoint`` makes of them, score 1.0."""
    assert certain(spans) == disjoint([Finding(start, end, kind, 1.0) for start, end, kind in spans])


# What the known-value search mostly answers: spans in text order, apart (certain's fast path).
_APART = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 5), st.sampled_from(["A", "B"])), max_size=6).map(
    lambda steps: [(start, start + length, kind) for start, length, kind in _advance(steps)])


def _advance(steps: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for gap, length, kind in steps:
        out.append((pos + gap, length, kind))
        pos += gap + length
    return out


@given(st.one_of(_SPANS, _APART))
@example([(3, 3, "A")])  # empty: dropped
@example([(0, 4, "A"), (4, 6, "B")])  # touching: both stay
@example([(0, 4, "A"), (3, 6, "B")])  # overlapping: merged
@example([(5, 8, "A"), (0, 2, "B")])  # out of order: sorted
def test_certain_spans_are_certains_findings_as_spans(spans: list[tuple[int, int, str]]) -> None:
    expected = disjoint([Finding(start, end, kind, 1.0) for start, end, kind in spans])
    assert certain(spans) == expected
    assert list(certain_spans(spans)) == [(f.start, f.end, f.entity_type) for f in expected]


_TEXT = st.text(alphabet="ab <>&\"'", max_size=30)


@given(_TEXT, st.data())
@example("Jane Doe", None)
def test_splice_puts_each_replacement_in_place(text: str, data: st.DataObject | None) -> None:
    """Plain text: each span replaced as if one at a time from the end (one span: the short way)."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6))) if data else [0, 4]
    pieces = [(start, end, f"[{i}<&>]") for i, (start, end) in enumerate(zip(cuts[::2], cuts[1::2]))]
    expected = text
    for start, end, new in reversed(pieces):
        expected = expected[:start] + new + expected[end:]
    assert splice(text, pieces) == expected
    assert splice(text, []) is text


@settings(max_examples=300, deadline=None)
@given(_MARKUP, st.data())
def test_splice_in_markup_is_the_same_after_extract(markup: str, data: st.DataObject) -> None:
    """The tags splice keeps are the markup's own, whether extract split that string last or not."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(markup)), max_size=6)))
    pieces = [(start, end, f"[{i}<&>]") for i, (start, end) in enumerate(zip(cuts[::2], cuts[1::2]))]
    copy = "".join(list(markup))
    expected = splice(copy, pieces, html=True)
    extract(markup)
    assert splice(markup, pieces, html=True) == expected
    extract(markup + "<p>")  # another string split last
    assert splice(markup, pieces, html=True) == expected


def test_splice_in_markup_escapes_and_keeps_the_tags() -> None:
    body = '<p title="Jane Doe"><b>Jane</b> Doe</p>'
    pieces = [(10, 18, 'a "b"'), (23, 35, "<x> & y")]
    assert body[10:18] == "Jane Doe" and body[23:35] == "Jane</b> Doe"
    assert splice(body, pieces, html=True) == '<p title="a &quot;b&quot;"><b>&lt;x&gt; &amp; y</b></p>'


def test_inline_tags_do_not_split_a_name(scanner: Scanner) -> None:
    body = "<p>Thanks,<br><b>Jane</b> Doe</p>"
    findings = scanner.scan(body, html=True)
    assert [(body[f.start:f.end], f.entity_type) for f in findings] == [("Jane</b> Doe", "PERSON")]
    assert apply_findings(body, findings, _placeholder, html=True) == \
        "<p>Thanks,<br><b>[REDACTED:PERSON]</b></p>"


def test_block_tags_separate_words(scanner: Scanner) -> None:
    body = "<p>Hi Jane</p><p>Doe asked about the export.</p>"
    findings = scanner.scan(body, html=True)
    assert [body[f.start:f.end] for f in findings] == ["Jane"]


def test_offsets_point_into_the_markup(scanner: Scanner) -> None:
    body = "<div><p>Mail <i>jane&#64;example.com</i> or call&nbsp;+44&nbsp;20&nbsp;7946&nbsp;0958.</p></div>"
    found = {body[f.start:f.end]: f.entity_type for f in scanner.scan(body, html=True)}
    assert found == {"jane&#64;example.com": "EMAIL_ADDRESS",
                     "+44&nbsp;20&nbsp;7946&nbsp;0958": "PHONE_NUMBER"}


def test_data_attributes_are_scanned(scanner: Scanner) -> None:
    body = ('<p><a href="mailto:jane@example.com">write me</a> '
            '<a href="tel:+442079460958">call</a> '
            '<img alt="Photo of Jane" title="jane@example.com"> '
            '<a href="https://admin:hunter22@db.example.com/x" class="jane@example.com">db</a></p>')
    found = sorted((body[f.start:f.end], f.entity_type) for f in scanner.scan(body, html=True))
    # Every attribute value is read, not only href/title/alt: class= may carry data too.
    assert found == [("+442079460958", "PHONE_NUMBER"), ("admin:hunter22", "URL_CREDENTIALS"),
                     ("jane@example.com", "EMAIL_ADDRESS"), ("jane@example.com", "EMAIL_ADDRESS"),
                     ("jane@example.com", "EMAIL_ADDRESS")]


def test_comments_and_declarations_are_scanned(scanner: Scanner) -> None:
    # Nobody sees them in a browser, but they are sent with the body: CDATA and a declaration
    # carried their text past the scan, whole.
    body = ("<p>hi</p><!-- jane@example.com --><![CDATA[call +44 20 7946 0958]]>"
            "<!DOCTYPE bob@example.org><p>ok</p>")
    found = [(body[f.start:f.end], f.entity_type) for f in scanner.scan(body, html=True)]
    assert found == [("jane@example.com", "EMAIL_ADDRESS"), ("+44 20 7946 0958", "PHONE_NUMBER"),
                     ("bob@example.org", "EMAIL_ADDRESS")]
    assert extract("<!DOCTYPE html><p>ok</p>").text.split() == ["DOCTYPE", "html", "ok"]


def test_text_between_angle_brackets_that_is_no_markup_is_scanned(scanner: Scanner) -> None:
    # "Jane <jane@example.com>" written into a body: a browser takes it for a tag and hides it,
    # but the body sends it.  Only elements of HTML (or custom ones) with attribute names are markup.
    body = ('<p>From: <jane.doe@example.com>, <b.smith@example.org> and <a bob@example.net>x</a></p>'
            '<?php carol@example.com ?><custom-card data-id="7">ok</custom-card><p class="x">fine</p>')
    found = [body[f.start:f.end] for f in scanner.scan(body, html=True)]
    assert found == ["jane.doe@example.com", "b.smith@example.org", "bob@example.net", "carol@example.com"]
    markup = extract('<custom-card data-id="7">ok</custom-card><p class="x">fine</p>').text
    assert markup.split() == ["7", "ok", "x", "fine"]  # markup stays markup: its values read, not its names


def test_attributes_without_a_value_are_read_by_their_names() -> None:
    # "<b Jane Doe>": a browser hides the names, the body sends them.  They went out unscanned,
    # the event's own name too, and the tag was remembered as one that stands for nothing.
    assert extract("<p>Hi</p><b Jane Doe>x</b><input disabled>").text.split() == ["Hi", "Jane", "Doe", "x",
                                                                              "disabled"]
    event = {"contact": {"name": "Jane Doe"}, "note": "<p>Hi</p><b Jane Doe>x</b>"}
    assert Redactor().redact(event)["note"] == "<p>Hi</p><b [REDACTED:PERSON] [REDACTED:PERSON]>x</b>"


def test_findings_in_attributes_are_replaced_in_place(scanner: Scanner) -> None:
    body = '<p>Reply to <a href="mailto:jane@example.com">jane@example.com</a>.</p>'
    out = apply_findings(body, scanner.scan(body, html=True), lambda f: 'a"<b>', html=True)
    # quotes are escaped inside the attribute, where they would end it
    assert out == '<p>Reply to <a href="mailto:a&quot;&lt;b&gt;">a"&lt;b&gt;</a>.</p>'


def test_multi_line_address_keeps_its_breaks(scanner: Scanner) -> None:
    body = "<p>Flat 5<br>Francesca Plains<br>London<br>SW1A 1AA</p>"
    out = apply_findings(body, scanner.scan(body, html=True), _placeholder, html=True)
    # The whole block is one finding (city and postcode go with the street); its breaks stay.
    assert out == "<p>[REDACTED:STREET_ADDRESS]<br><br><br></p>"


def test_replacements_keep_markup_valid(scanner: Scanner) -> None:
    body = ("<p>Hi <b>Jane</b>,</p><p>I'm at <span class=\"x\">221B <i>Baker</i> Street</span>, "
            "<a href=\"tel:+31201234567\">+31 20 123 4567</a> &amp; "
            "<a href=\"mailto:j@example.org\" title=\"j@example.org\">j@example.org</a>.</p>"
            "<ul><li>card 4111 1111 1111 1111</li></ul><p>Thanks,<br><b>Jane</b> Doe</p>")
    out = apply_findings(body, scanner.scan(body, html=True), _placeholder, html=True)
    assert _tags(out) == _tags(body)
    assert re.sub(r"\[REDACTED:\w+\]", "", out).count("@") == 0
    for secret in ("Jane", "Doe", "Baker", "4111", "31 20", "example.org"):
        assert secret not in out


def test_plain_text_replacement() -> None:
    text = "a <b>Jane</b> z"
    out = apply_findings(text, [Finding(2, 13, "PERSON", 1.0)], _placeholder)
    assert out == "a [REDACTED:PERSON] z"


def test_apply_findings_merges_overlaps_and_ignores_order() -> None:
    text = "0123456789"
    findings = [Finding(6, 9, "B", 0.5), Finding(1, 4, "A", 1.0), Finding(3, 5, "C", 0.2)]
    assert apply_findings(text, findings, lambda f: f"<{f.entity_type}>") == "0<A>5<B>9"


def test_bad_markup_never_raises(scanner: Scanner) -> None:
    for body in ["<p", "<!-- x", "a < b > c jane@example.com", "<a href='x>y'>jane@example.com</a>",
                 "&#99999999; &bogus; jane@example.com", "<p title=>x</p>"]:
        findings = scanner.scan(body, html=True)
        assert all(f.entity_type != "UNSCANNED" for f in findings)
        out = apply_findings(body, findings, _placeholder, html=True)
        assert "jane@example.com" not in out
