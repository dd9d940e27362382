"""Known values: PII from the structured part of an event, found in its free text."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intercom_redact import Redactor
from intercom_redact.scanner import Scanner, _known
from intercom_redact.scanner._html import decoded
from intercom_redact.scanner._known import find_in_plain, normalize

pytestmark = pytest.mark.usefixtures("core")  # every test on the compiled and the pure core


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def _found(scanner: Scanner, text: str, known, **kwargs) -> list[tuple[str, str]]:
    return [(text[f.start:f.end], f.entity_type)
            for f in scanner.scan(text, known_values=known, **kwargs)]


def test_found_whatever_the_case(scanner: Scanner) -> None:
    text = "contact jane WALKER about zoe's export"
    known = [("PERSON", "Jane Walker"), ("PERSON", "Zoe")]
    assert _found(scanner, text, known) == [("jane WALKER", "PERSON"), ("zoe", "PERSON")]


def test_found_where_the_gate_sees_nothing(scanner: Scanner) -> None:
    # all lower case, no digits, no lead-in: the gate stays shut, known values still apply
    text = "deleted contact walker-co for zoe"
    assert _found(scanner, text, [("PERSON", "zoe")]) == [("zoe", "PERSON")]
    assert scanner.scan(text) == []


@pytest.mark.parametrize("written", [
    "+44 20 7946 0958", "+442079460958", "0044 20 7946 0958", "020 7946 0958", "020-7946-0958",
    "(020) 7946 0958", "+44 (0)20 7946 0958", "2079460958",
])
def test_phones_in_any_notation(scanner: Scanner, written: str) -> None:
    text = f"he said to call {written} tomorrow"
    assert _found(scanner, text, [("PHONE_NUMBER", "+44 20 7946 0958")]) == [(written, "PHONE_NUMBER")]


def test_phone_digits_are_not_found_inside_longer_numbers(scanner: Scanner) -> None:
    text = "account 120794609581 and 02079460958123"
    assert _found(scanner, text, [("PHONE_NUMBER", "+44 20 7946 0958")]) == []


@pytest.mark.parametrize("written", [
    "Jane.Doe+x@Example.com", "jane.doe%2Bx%40example.com", "jane.doe+x%40EXAMPLE.com",
])
def test_emails_plain_and_url_encoded(scanner: Scanner, written: str) -> None:
    text = f"GET /unsubscribe?email={written}&x=1"
    assert _found(scanner, text, [("EMAIL_ADDRESS", "jane.doe+x@example.com")]) == \
        [(written, "EMAIL_ADDRESS")]


def test_words_match_whole_words_and_any_whitespace(scanner: Scanner) -> None:
    text = "annual report for ann by Ann\n  Lee"
    assert _found(scanner, text, [("PERSON", "Ann Lee"), ("PERSON", "ann")]) == \
        [("ann", "PERSON"), ("Ann\n  Lee", "PERSON")]


def test_short_values_are_ignored(scanner: Scanner) -> None:
    assert _found(scanner, "a bc d", [("PERSON", "a"), ("PERSON", "  "), ("PERSON", "bc ")]) == []


def test_known_values_in_html(scanner: Scanner) -> None:
    body = "<p>ask <b>Jane</b>&nbsp;Walker, <a href=\"mailto:jane%40example.com\">mail</a></p>"
    known = [("PERSON", "jane walker"), ("EMAIL_ADDRESS", "jane@example.com")]
    assert _found(scanner, body, known, html=True) == [
        ("Jane</b>&nbsp;Walker", "PERSON"), ("jane%40example.com", "EMAIL_ADDRESS")]


def test_find_known_alone_runs_no_recognizer(scanner: Scanner) -> None:
    text = "mail bob@example.com about zoe"
    findings = scanner.find_known(text, [("PERSON", "Zoe")])
    assert [(text[f.start:f.end], f.entity_type) for f in findings] == [("zoe", "PERSON")]


def test_a_text_checked_beside_known_values_is_not_remembered_for_others() -> None:
    # A pattern match inside a known value is not validated (it is redacted either way), so
    # that answer is this event's: the same text in another event must be scanned afresh.
    scanner = Scanner()
    text = "please call me back on +44 20 7946 0958 today"
    known = scanner.scan(text, known_values=[("PHONE_NUMBER", "+44 20 7946 0958")])
    alone = scanner.scan(text)
    assert [text[f.start:f.end] for f in known] == [text[f.start:f.end] for f in alone] == ["+44 20 7946 0958"]


# -- a plain text that writes a value with character references ----------------------------------

@pytest.mark.parametrize("written", [
    "jane&#64;example.com", "jane&#x40;example.com", "JANE&commat;EXAMPLE&period;COM", "jane&#64example.com",
])
@pytest.mark.parametrize("scan", [False, True])
def test_a_value_written_with_references_in_a_plain_text_is_redacted(written: str, scan: bool) -> None:
    """A message is no HTML body, yet may copy one's escapes: the value is found read decoded, and its
    written form replaced whole (the scan's patterns read ``&#64;`` but not ``&commat;``; without the
    scan, only the known values stand guard)."""
    redactor = Redactor()
    for text in (f"mail {written} today", f"mail <{written}> today, Q&A"):  # with a "<" too, no markup
        out = redactor.redact({"event": text, "email": "jane@example.com"}, scan=scan)["event"]
        assert out == text.replace(written, "[REDACTED:EMAIL_ADDRESS]")


def test_find_known_reads_references_in_a_plain_text(scanner: Scanner) -> None:
    text = "ask J&#97;ne&nbsp;Walker or jane@example.com, not Tom &amp; Jerry"
    known = [("PERSON", "jane walker"), ("EMAIL_ADDRESS", "jane@example.com")]
    assert _found(scanner, text, known) == [("J&#97;ne&nbsp;Walker", "PERSON"), ("jane@example.com", "EMAIL_ADDRESS")]


_KNOWN = [("PERSON", "Jane Doe"), ("EMAIL_ADDRESS", "jane@example.com"), ("PHONE_NUMBER", "+44 20 7946 0958")]
_PLAIN = st.lists(st.sampled_from(["Jane Doe", "jane@example.com", "+44 20 7946 0958", "Jane", " ", ", ", "call",
                                   "Q&A", "&amp;", "&amp", "a=1&copy=2", "&bogus;", "<", ">", "\n"]), max_size=8)


@st.composite
def _written(draw: st.DrawFn) -> str:
    """A plain text, some of its characters written as references (decimal, hex, named)."""
    text = "".join(draw(_PLAIN))
    forms = draw(st.lists(st.sampled_from(["", "", "dec", "hex", "name"]), min_size=len(text), max_size=len(text)))
    named = {"@": "&commat;", ".": "&period;", "+": "&plus;", " ": "&nbsp;", "J": "&#X4a;"}
    return "".join(ch if form == "" else f"&#{ord(ch)};" if form == "dec" else f"&#x{ord(ch):x};"
                   if form == "hex" else named.get(ch, ch) for ch, form in zip(text, forms))


def _covered(spans: list[tuple[int, int, str]]) -> set[int]:
    return {i for start, end, _ in spans for i in range(start, end)}


@settings(max_examples=300, deadline=None)
@given(_written())
@example("mail jane&#64;example.com")
def test_find_in_plain_covers_the_text_as_written_and_as_read_decoded(text: str) -> None:
    known = _known.KnownValues(normalize(_KNOWN))  # the core under test (the fixture sets it)
    spans = find_in_plain(known, text)
    assert all(start < end for start, end, _ in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # in order, apart
    covered = _covered(spans)
    assert _covered(known.find(text)) <= covered  # nothing the search as written finds is lost
    view = decoded(text)
    for start, end, _ in known.find(view.text):  # and every value the decoded reading holds is covered
        assert all(_covered([(lo, hi, "")]) <= covered for lo, hi in view.to_source(start, end))
    if "&" not in text:
        assert spans == known.find(text)
