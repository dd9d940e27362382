"""Patterns not run where the event's known spans hold every match they could make (``_confined``).

* What the module reads from a pattern: the e-mail row's anchors and stops;
  nothing where it cannot be sure (a letter in any case, an empty match, a
  class, a pattern ``re`` cannot read, one that matches any character).
* Soundness, over texts of e-mail, IBAN, IPv6 and postcode pieces joined by
  separators and by characters that are none: where :func:`covered` says yes,
  the row run finds nothing outside the known spans, and the pass finds what it
  finds running every pattern.
* It pays where it should: a message naming the contact's own address runs no
  e-mail pattern; one naming another address, or the known one inside a longer
  one, still does.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intercom_redact.scanner import _patterns
from intercom_redact.scanner._confined import SEPARATORS, confinement, covered
from intercom_redact.scanner._registry import ENTITIES, EntitySpec, PatternSpec

Span = tuple[int, int, str]


def _compiled(patterns: _patterns.PatternPass) -> _patterns.PatternPass:
    """``patterns`` with every row compiled: a row's confinement is read when its pattern is."""
    for rule in patterns._rules:
        rule.pattern  # noqa: B018  (the property compiles it)
    return patterns


@pytest.fixture(scope="module")
def unconfined() -> _patterns.PatternPass:
    """The built-in pass with every row run on every text it screens: the reference."""
    reference = _compiled(_patterns.PatternPass(ENTITIES))
    for rule in reference._rules:
        rule.confined = None
    return reference


def _confined_rows() -> list[int]:
    return [i for i, rule in enumerate(_compiled(_patterns.builtin_pass())._rules) if rule.confined is not None]


def test_a_row_is_confined_once_compiled() -> None:
    """A first log call compiles the rows it needs, not every row: the confinement waits for it too."""
    rule = next(rule for rule in _patterns.PatternPass(ENTITIES)._rules if rule.name == "Email")
    assert rule.confined is None
    rule.pattern  # noqa: B018  (the property compiles it)
    assert rule.confined is not None


def test_the_email_row_is_confined_by_its_at_signs() -> None:
    rule = next(rule for rule in _compiled(_patterns.builtin_pass())._rules if rule.name == "Email")
    assert rule.confined is not None
    anchors, stops = rule.confined
    assert anchors == "%&@"  # "@", "%40", "%2540", "&#64;"
    assert {" ", "\n", ",", "<", ">", "/", "?", "="} <= stops
    assert not {".", "-", "+", "%", "&", "_"} & stops  # a local part or a domain holds these


@pytest.mark.parametrize(("trigger", "pattern", "flags"), [
    ("ab", "ab", re.IGNORECASE),  # "A", "B" (and the Kelvin sign for a "k") would be anchors too
    ("a?b?", "a?b?", 0),  # a match may start anywhere
    ("[ab]c", "[ab]c", 0),  # a class: not read
    ("@", r"\p{L}+@\p{L}+", 0),  # re cannot parse it (the regex module's dialect)
    ("@", r".+@", re.DOTALL),  # any character: no separator stops it
    ("@", r"[^x]@", 0),  # nor a negated class without them
    ("@", r"(\w)@\1", 0),  # a back-reference: what it holds is not read
])
def test_a_row_is_left_unconfined_where_this_cannot_be_sure(trigger: str, pattern: str, flags: int) -> None:
    assert confinement(trigger, pattern, flags) is None


def test_a_users_row_is_never_confined() -> None:
    # A user's row runs on regex, which reads "[[:space:]]" as white space where re reads
    # five letters and a colon: confined as re reads it, a space would wrongly stop its matches.
    user = EntitySpec("HANDLE", "HandleRecognizer", (PatternSpec("handle", r"@[[:alnum:][:space:]]+", 0.9),))
    patterns = _compiled(_patterns.PatternPass((*ENTITIES, user)))
    assert patterns._rules[-1].confined is None
    known = [(5, 7, "KNOWN")]
    assert [(f.start, f.end) for f in patterns.find("mail @x y", (len(patterns._rules) - 1,), known)] == [(5, 9)]


def test_anchors_and_stops_of_plain_constructs() -> None:
    assert confinement(r"(?:x|y+)z", r"(?:x|y+)z\w*", 0) == ("xy", frozenset(SEPARATORS))
    assert confinement(r"(?i:)\#?1", r"\#?1[ -]2", re.IGNORECASE) == ("#1", frozenset(SEPARATORS) - {" "})
    assert confinement(r"(?-i:Q)", r"Q[^\s,]", re.IGNORECASE) == ("Q", frozenset(" \t\n\r\f\v,"))


def test_covered_asks_every_anchor_and_both_edges_of_its_span() -> None:
    confined = ("@", frozenset(" ,"))
    assert covered("mail jo@ex.com, now", confined, [(5, 14, "EMAIL_ADDRESS")])
    assert covered("no anchor here", confined, [])
    assert not covered("mail x.jo@ex.com", confined, [(7, 16, "EMAIL_ADDRESS")])  # "." before the span
    assert not covered("mail jo@ex.com.de", confined, [(5, 14, "EMAIL_ADDRESS")])  # "." after it
    assert not covered("jo@ex.com or al@ex.com", confined, [(0, 9, "EMAIL_ADDRESS")])  # the second is unknown


_PIECES = st.sampled_from([
    "jo@ex.com", "jo.doe@mail.example.co.uk", "al%40ex.com", "x%2540y.org", "me&#64;ex.de", "&#x40;",
    "@", "%", "&", '"jo"@ex.com', "jo", "doe", "ex.com", "a.b", "x-y", "42",
    "DE44500105175407324931", "de44 5001 0517 5407 3249 31", "GB82WEST12345698765432",
    "fe80::1", "2001:db8::ff00:42:8329", "::", "〒100-0001", "APO AE 09012",
])
_JOINERS = st.sampled_from(list(SEPARATORS) + [".", "-", "_", "+", "", "x"])


@st.composite
def _texts_and_known(draw: st.DrawFn) -> tuple[str, list[Span]]:
    """A text of pieces and joiners, and some of its pieces as known spans."""
    pieces = draw(st.lists(_PIECES, min_size=1, max_size=6))
    text, known = "", []
    for piece in pieces:
        text += draw(_JOINERS)
        if draw(st.booleans()):
            known.append((len(text), len(text) + len(piece), "KNOWN"))
        text += piece
    return text + draw(_JOINERS), known


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(_confined_rows()), _texts_and_known())
def test_where_covered_the_row_finds_nothing_outside_the_known_spans(
        unconfined: _patterns.PatternPass, index: int, case: tuple[str, list[Span]]) -> None:
    text, known = case
    rule = _patterns.builtin_pass()._rules[index]
    assert rule.confined is not None
    if covered(text, rule.confined, known):
        assert unconfined.find(text, (index,), known) == [], rule.name


@settings(max_examples=300, deadline=None)
@given(_texts_and_known())
def test_the_pass_finds_what_running_every_pattern_finds(unconfined: _patterns.PatternPass,
                                                          case: tuple[str, list[Span]]) -> None:
    text, known = case
    patterns = _patterns.builtin_pass()
    candidates = tuple(_confined_rows())
    assert patterns.find(text, candidates, known) == unconfined.find(text, candidates, known)


def _runs(monkeypatch: pytest.MonkeyPatch, text: str, known: list[Span]) -> bool:
    """Whether the pass runs the e-mail row on ``text`` beside ``known``."""
    patterns = _patterns.builtin_pass()
    index = next(i for i, rule in enumerate(patterns._rules) if rule.name == "Email")
    rule = patterns._rules[index]
    rule.pattern  # noqa: B018  (compiled first: what is put back after is then the compiled search)
    ran = []
    matches = rule.matches
    monkeypatch.setattr(rule, "matches", lambda text: ran.append(text) or matches(text))
    found = patterns.find(text, (index,), known)
    monkeypatch.undo()
    unknown = [f for f in found if not any(a <= f.start and f.end <= b for a, b, _ in known)]
    assert found == unknown
    return bool(ran)


def test_a_message_naming_the_contacts_own_address_runs_no_email_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "sent the weekly digest to tammy.schmidt10@gmail.com"
    assert not _runs(monkeypatch, text, [(26, 51, "EMAIL_ADDRESS")])
    assert not _runs(monkeypatch, "contact <jo@ex.com> updated", [(9, 18, "EMAIL_ADDRESS")])


def test_another_address_or_the_known_one_inside_a_longer_one_still_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _runs(monkeypatch, "sent to jo@ex.com and al@ex.com", [(8, 17, "EMAIL_ADDRESS")])
    assert _runs(monkeypatch, "sent to x.jo@ex.com", [(10, 19, "EMAIL_ADDRESS")])
    assert _runs(monkeypatch, "sent to jo@ex.com", [])
