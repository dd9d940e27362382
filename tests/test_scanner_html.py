"""HTML bodies: the text view, offsets back into the markup, replacements that keep it valid."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intercom_redact.scanner import Finding, Scanner, _html, apply_findings
from intercom_redact.scanner._findings import certain, disjoint
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
    """Tags without attribute values are remembered by their text: the view is the one a first reading gives."""
    markup = '<p>Hi <b>Jane</b>,<br/>see <a href="mailto:j@x.io">me</a><!-- c --></p><P >&amp;</P >'
    _html._BARE_TAGS.clear()
    first = extract(markup)
    assert "<p>" in _html._BARE_TAGS and '<a href="mailto:j@x.io">' not in _html._BARE_TAGS
    second = extract(markup)
    assert (second.text, second.starts, second.ends, second.attrs) == (
        first.text, first.starts, first.ends, first.attrs)


_SPANS = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from(["A", "B", "C"])), max_size=8)


@given(_SPANS)
def test_certain_merges_as_disjoint_does(spans: list[tuple[int, int, str]]) -> None:
    """Known values' spans merged as tuples: the findings ``disjoint`` makes of them, score 1.0."""
    assert certain(spans) == disjoint([Finding(start, end, kind, 1.0) for start, end, kind in spans])


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
