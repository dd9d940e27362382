"""The engine's core: the compiled build is the one that runs, and it behaves exactly as its twin."""

from __future__ import annotations

import contextlib
import decimal
import enum
import functools
import gc
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import strategies
from intercom_redact import Redactor, _core, engine
from intercom_redact.scanner import Scanner, _findings, _known, _scanner


def _compiled() -> ModuleType:
    if _core.NO_EXTENSIONS:
        pytest.skip("INTERCOM_REDACT_NO_EXTENSIONS is set: pure Python only")
    try:
        return _core.load("c")
    except ImportError:
        pytest.skip("the compiled core was not built (pure-Python install, or no C compiler)")


def test_the_compiled_core_runs_in_a_normal_install() -> None:
    compiled = _compiled()
    assert compiled.IMPLEMENTATION == "c" and compiled.__file__.endswith((".so", ".pyd"))
    assert _core.CORE is compiled and _core.IMPLEMENTATION == "c"
    assert "core=c" in repr(Redactor())


def test_the_environment_variable_forces_pure_python() -> None:
    code = "from intercom_redact import _core, Redactor; print(_core.IMPLEMENTATION, repr(Redactor()))"
    env = {**os.environ, "INTERCOM_REDACT_NO_EXTENSIONS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("py ") and "core=py" in out.stdout


def test_an_unknown_core_is_named() -> None:
    with pytest.raises(ValueError, match="'rust'"):
        _core.load("rust")


# -- the differential test: same output, same summary ------------------------------------------


@contextlib.contextmanager
def _running(module: ModuleType) -> Iterator[None]:
    saved = engine._impl, _known.KnownValues, _scanner.KnownValues
    engine._impl, _known.KnownValues, _scanner.KnownValues = module, module.KnownValues, module.KnownValues
    try:
        yield
    finally:
        engine._impl, _known.KnownValues, _scanner.KnownValues = saved


SCANNER = Scanner()
# One redactor per core: each keeps its own memory of clean texts, and both see
# the same events in the same order.
# A budget no machine load reaches: under load one core could fail an event closed and the other not.
REDACTORS = {"c": strategies.unhurried_redactor(scanner=SCANNER), "py": strategies.unhurried_redactor(scanner=SCANNER)}


def _both(value: Any, scan: bool) -> dict[str, tuple[str, engine.Summary]]:
    out = {}
    for name, redactor in REDACTORS.items():
        with _running(_core.load(name)):
            redacted, summary = redactor.redact_with_summary(value, scan=scan)
        out[name] = (repr(redacted), summary)  # repr: exceptions and NaN compare by identity
    return out


@settings(strategies.LEAKS, max_examples=150)
@given(strategies.events())
def test_compiled_and_pure_cores_agree_on_output_and_summary(planted: strategies.Planted) -> None:
    _compiled()
    event = {"event": planted.message, "payload": planted.value, "error": planted.error,
             # The paths the core leaves to the engine: structure inside strings, identifiers.
             "body": json.dumps(planted.value, default=repr),
             "line": " ".join(f"k{i}={json.dumps(value)}" for i, value in enumerate(planted.secrets[:3])),
             "user_id": planted.secrets[0], "contact_ids": [planted.survivors[0], planted.secrets[-1]]}
    for scan in (True, False):
        results = _both(event, scan)
        assert results["c"] == results["py"]
        for _, summary in results.values():  # what each walk counted reached its summary
            assert summary.count == sum(summary.types.values())


def test_a_redactor_switching_cores_redacts_as_a_new_one_does() -> None:
    """Each core walks from its own root step (a redactor makes one per core and keeps it), and a
    value rebuilt whole at the root (an exception) still comes out redacted."""
    _compiled()
    shared = strategies.unhurried_redactor(scanner=SCANNER)
    email = "jane.roe@example.com"
    values = [{"email": email, "note": f"ping {email}", "items": [{"email": email}]}, ValueError(f"to {email}"),
              [{"email": email}], email]
    for name in ("py", "c", "py", "c"):
        with _running(_core.load(name)):
            for value in values:
                got = repr(shared.redact_with_summary(value))
                fresh = strategies.unhurried_redactor(scanner=SCANNER).redact_with_summary(value)
                assert got == repr(fresh)
                assert email not in got and "UNSCANNED" not in got


# -- known values: the pre-check never hides a value the search would find ------------------------


def _cores() -> list[ModuleType]:
    names = ["py"] if _core.NO_EXTENSIONS else ["c", "py"]
    return [module for module in map(_optional, names) if module is not None]


def _optional(name: str) -> ModuleType | None:
    try:
        return _core.load(name)
    except ImportError:
        return None


@settings(strategies.LEAKS, max_examples=100)
@given(strategies.events())
def test_the_pre_check_never_hides_a_value_the_search_finds(planted: strategies.Planted) -> None:
    # Each planted value, as a known value of either kind, searched in every text of the event.
    texts = [planted.message, *planted.secrets, *planted.survivors]
    for module in _cores():
        for value in planted.secrets + planted.survivors:
            for entity_type in ("PERSON", "PHONE_NUMBER"):
                values = module.KnownValues([(entity_type, value)])
                for text in texts:
                    if values.find(text):
                        assert values.holds_any(text), (value, text)  # the triage would skip the text


def test_phones_are_parsed_only_where_their_digits_occur(core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _core.load(core)
    parsed: list[str] = []
    import phonenumbers

    real = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda value, region: parsed.append(value) or real(value, region))
    module._phone_forms.cache_clear()
    values = module.KnownValues([("PHONE_NUMBER", "+44 20 7946 0958"), ("PHONE_NUMBER", "+1 415 555 0132")])
    assert values.find("order 1234 shipped, call 020-7946-0958") == [(25, 38, "PHONE_NUMBER")]
    assert parsed == ["+44 20 7946 0958"]  # the other phone's digits are not in the text


def test_a_phone_written_with_its_own_digits_is_found_without_parsing(core: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    module = _core.load(core)
    parsed: list[str] = []
    import phonenumbers

    real = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda value, region: parsed.append(value) or real(value, region))
    module._phone_forms.cache_clear()
    values = module.KnownValues([("PHONE_NUMBER", "+44 20 7946 0958")])
    assert values.find("call +44 (20) 7946-0958 or 1234") == [(5, 23, "PHONE_NUMBER")]
    assert parsed == []  # the same digits, only other separators: no parse needed
    assert values.find("call 020 7946 0958") == [(5, 18, "PHONE_NUMBER")]
    assert parsed == ["+44 20 7946 0958"]  # another notation of it: parsed once



# -- known values inside e-mail addresses: the address is found, as the scanner finds it -------------

_ADA = [("PERSON", "Ada Lovelace")]


def _spans(module: ModuleType, known: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    return [(text[start:end], entity_type) for start, end, entity_type in module.KnownValues(known).find(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # A name's words inside an address: the address (a name part alone, the full name across a dot).
    ("mail ada.lovelace@example.com today", [("ada.lovelace@example.com", "EMAIL_ADDRESS")]),
    ('<a href="mailto:ada.lovelace@example.com">', [("ada.lovelace@example.com", "EMAIL_ADDRESS")]),
    ("mail ada@mail.example.co.uk.", [("ada@mail.example.co.uk", "EMAIL_ADDRESS")]),  # not the sentence's dot
    ("from lovelace@example.com", [("lovelace@example.com", "EMAIL_ADDRESS")]),
    ("x'ada+logs@ex-ample.com", [("x'ada+logs@ex-ample.com", "EMAIL_ADDRESS")]),
    ("'ada@example.com'", [("ada@example.com", "EMAIL_ADDRESS")]),  # a repr's quote is no local part
    ("mail ada@example.com-", [("ada@example.com", "EMAIL_ADDRESS")]),  # a label's hyphens are inside it
    ("mail support@ada.example.com", [("support@ada.example.com", "EMAIL_ADDRESS")]),  # in the domain
    ("?email=ada.lovelace%40example.com&x=1", [("ada.lovelace%40example.com", "EMAIL_ADDRESS")]),
    ("?u=ada%2540example.com", [("ada%2540example.com", "EMAIL_ADDRESS")]),
    # Next to an address, outside it: the name as it is.
    ("Ada Lovelace <lovelace@example.com>",
     [("Ada Lovelace", "PERSON"), ("lovelace@example.com", "EMAIL_ADDRESS")]),
    ("Ada, ops@example.com", [("Ada", "PERSON")]),
    ("Ada Lovelace wrote", [("Ada Lovelace", "PERSON")]),
    ("Ada: 50% done", [("Ada", "PERSON")]),
    # Several addresses: each its own.
    ("ada@example.com, x@y.org and lovelace.a@example.org for Ada",
     [("ada@example.com", "EMAIL_ADDRESS"), ("lovelace.a@example.org", "EMAIL_ADDRESS"), ("Ada", "PERSON")]),
    # An "@" that bounds no address: no domain, a domain of one label, no local part (a handle), a
    # local part ending in a dot, a domain starting with a hyphen.
    ("ping Ada@", [("Ada", "PERSON")]),
    ("ping ada@localhost", [("ada", "PERSON")]),
    ("ping @ada.lovelace", [("ada", "PERSON"), ("lovelace", "PERSON")]),
    ("ping ada.@example.com", [("ada", "PERSON")]),
    ("ping ada@-example.com", [("ada", "PERSON")]),
    ("ping ada%41example.com", [("ada", "PERSON")]),  # "%41" is no "@"
    # A name that reaches out of an address is left as it is (the engine merges the two).
    ("Ada Lovelace@example.com", [("Ada Lovelace", "PERSON"), ("Lovelace@example.com", "EMAIL_ADDRESS")]),
])
def test_a_known_value_inside_an_email_address_is_found_as_the_address(core: str, text: str,
                                                                      expected: list[tuple[str, str]]) -> None:
    assert _spans(_core.load(core), _ADA, text) == expected


def test_a_known_address_and_the_name_inside_it_are_found_as_the_address_once(core: str) -> None:
    module = _core.load(core)
    known = [("PERSON", "Ada Lovelace"), ("EMAIL_ADDRESS", "ada.lovelace@example.com")]
    assert _spans(module, known, "mail Ada.Lovelace@Example.com") == [
        ("Ada.Lovelace@Example.com", "EMAIL_ADDRESS")]
    assert _spans(module, known, "GET /c?email=ada.lovelace%40example.com") == [
        ("ada.lovelace%40example.com", "EMAIL_ADDRESS")]
    # A value that is an address keeps its own type (a scan's finding of the same span yields to it),
    # also against a name inside it found first, whether the text is read for addresses or not.
    for text in ("owner ada@example.com.", "owner ada@example.com, ada.l@example.org"):
        assert _spans(module, [*_ADA, ("USER_ID", "ada@example.com")], text)[0] == ("ada@example.com", "USER_ID")


def test_a_known_value_inside_a_non_ascii_address_is_found_as_the_address(core: str) -> None:
    module = _core.load(core)
    known = [("PERSON", "Jöran Ådahl"), ("LOCATION", "Müller")]
    assert _spans(module, known, "Jöran: jöran.ådahl@exämple.de, info@müller-bau.de") == [
        ("Jöran", "PERSON"), ("jöran.ådahl@exämple.de", "EMAIL_ADDRESS"), ("info@müller-bau.de", "EMAIL_ADDRESS")]


@pytest.mark.parametrize("body", ["mail ada.lovelace@example.com, Ada", "mail ada.lovelace%40example.com",
                                  "mail ada.lovelace&#64;example.com",
                                  '<p>Mail <a href="mailto:ada.lovelace@example.com">ada.lovelace@example.com</a></p>'])
def test_a_name_inside_an_address_is_redacted_alike_scanned_or_not(core: str, body: str) -> None:
    redactor = strategies.unhurried_redactor()
    event = {"author": {"name": "Ada Lovelace"}, "body": body}
    scanned, known_only = redactor.redact(event, scan=True), redactor.redact(event, scan=False)
    assert known_only == scanned
    assert "example" not in known_only["body"] and "[REDACTED:EMAIL_ADDRESS]" in known_only["body"]


# What the hand-written string checks stand for, as the regular expressions they replace.
_DIGIT = re.compile(r"\d")
_PERSONAL_ID = re.compile(r"@|%40|^\s*\+|\S\s+\S")
_ID_TEXT = st.text(st.sampled_from("ab1٣+@%40 \t\u2003._-"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_ID_TEXT)
def test_decimal_digits_are_what_backslash_d_matches(text: str) -> None:
    assert _core.load("py")._decimal_digits(text) == "".join(_DIGIT.findall(text))


# Digits of two scripts (the compiled core tells ASCII digits by their code, others by the Unicode table).
_PHONE_TEXT = st.text(st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩ -.()+x"), min_size=7, max_size=24)


@settings(max_examples=300, deadline=None)
@given(_PHONE_TEXT, _PHONE_TEXT)
def test_phones_in_any_script_of_digits_are_found_alike_by_both_cores(value: str, text: str) -> None:
    found = {(tuple(values.find(value + " or " + text)), values.holds_any(text))
             for values in (module.KnownValues([("PHONE_NUMBER", value)]) for module in _cores())}
    assert len(found) == 1, found


# Texts of digits of two scripts and separators, and a few digits to look for in them.
_DIGITS_TEXT = st.text(st.sampled_from("0123٣45 -x"), max_size=16)
_TAIL = st.text(st.sampled_from("0123٣45"), min_size=1, max_size=4)


@settings(max_examples=500, deadline=None)
@given(_DIGITS_TEXT, _TAIL)
def test_digits_held_are_a_run_of_the_texts_decimal_digits(text: str, digits: str) -> None:
    # What the phone pre-check asks, without the string of the text's digits made (the compiled
    # core's answers are compared through holds_any and find in the tests around).
    module = _core.load("py")
    assert module._digits_hold(text, digits) == (digits in module._decimal_digits(text))


@settings(max_examples=300, deadline=None)
@given(_PHONE_TEXT, _PHONE_TEXT)
def test_the_tail_check_skips_only_texts_without_the_phone(value: str, text: str) -> None:
    # The search with every phone looked for in every text (no tail check) finds the same.
    module = _core.load("py")
    values = module.KnownValues([("PHONE_NUMBER", value), ("PHONE_NUMBER", "+44 20 7946 0958")])
    for searched in (text, value + " or " + text, "ref 0958", text + "0958"):  # "ref 0958": its tail, not its first digit
        checked = values.find(searched), values.holds_any(searched)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "_digits_hold", lambda text, digits: True)
            assert values.find(searched) == checked[0]


def test_a_phone_is_found_with_its_extension_and_parentheses(core: str) -> None:
    # The digits of "x886" are not the number's: without this, the text's own "(861)762-8598x886"
    # was no run of the phone's digits and went out as it was when only known values are searched.
    values = _core.load(core).KnownValues([("PHONE_NUMBER", "(861)762-8598x886")])
    text = "call (861)762-8598x886, 861-762-8598 ext. 886, +1 861 762 8598 or 861-762-8598 x 12"
    assert [text[start:end] for start, end, _ in values.find(text)] == [
        "(861)762-8598x886", "861-762-8598 ext. 886", "+1 861 762 8598", "861-762-8598"]  # "x 12" is not its own
    assert values.holds_any("ring 861.762.8598") and not values.holds_any("order 886")


def test_a_known_phone_with_an_extension_leaves_no_digit_of_it_without_the_scan() -> None:
    event = {"contact": {"phone": "+1-615-808-2460x14204"}, "event": "called +1-615-808-2460x14204 back"}
    assert Redactor().redact(event, scan=False)["event"] == "called [REDACTED:PHONE_NUMBER] back"


def test_a_phone_written_in_other_digits_is_found_written_so(core: str) -> None:
    values = _core.load(core).KnownValues([("PHONE_NUMBER", "٠٢٠ ٧٩٤٦ ٠٩٥٨")])
    assert values.holds_any("call ٠٢٠-٧٩٤٦-٠٩٥٨") and not values.holds_any("call 020-7946-0958 or ٠٩٥")
    assert values.find("call ٠٢٠-٧٩٤٦-٠٩٥٨ today") == [(5, 18, "PHONE_NUMBER")]


class _Level(enum.IntEnum):
    INFO = 20


def test_scalars_are_told_by_their_exact_type_as_the_set_of_them_tells() -> None:
    # An int subclass (an IntEnum) is no scalar: the engine's hooks keep or walk it as what it is.
    module = _core.load("py")
    for t in (int, float, bool, type(None), complex, str, bytes, dict, list, tuple, _Level, decimal.Decimal, object):
        assert module._is_scalar(t) == (t in module.SCALARS), t


@settings(max_examples=300, deadline=None)
@given(_ID_TEXT)
def test_the_identifier_screen_scans_what_the_search_finds(text: str) -> None:
    expected = engine.SCAN if _PERSONAL_ID.search(text) else engine.KEEP
    for module in _cores():
        assert module.screen_identifier(text) == expected, module.IMPLEMENTATION


def test_a_search_answers_a_name_not_also_its_parts_inside_it(core: str) -> None:
    values = _core.load(core).KnownValues([("PERSON", "Marisol Vega")])
    # The parts found inside the full name are left out; the parts found alone stay, in text order.
    assert values.find("Vega? Welcome aboard, Marisol Vega! Marisol") == [
        (0, 4, "PERSON"), (22, 34, "PERSON"), (36, 43, "PERSON")]


_SPANS = st.lists(st.tuples(st.integers(0, 6), st.integers(1, 4), st.sampled_from(["PERSON", "EMAIL_ADDRESS"]))
                  .map(lambda span: (span[0], span[0] + span[1], span[2])), max_size=12)


@settings(max_examples=500, deadline=None)
@given(_SPANS)
def test_few_spans_compared_pairwise_leave_what_sorting_leaves(spans: list[tuple[int, int, str]]) -> None:
    # Equal spans, nested and overlapping ones, more of them than the pairwise test takes.
    module = _core.load("py")
    assert module._outermost(list(spans)) == module._outermost_sorted(spans)


def test_known_values_of_a_str_subclass_are_found(core: str) -> None:
    # An enum of entity types, or a str subclass value: found as their plain strings are, by either core.
    class Type(str, enum.Enum):
        PERSON = "PERSON"

    class Value(str):
        pass

    values = _core.load(core).KnownValues([(Type.PERSON, Value("Marisol Vega"))])
    assert values.find("Welcome aboard, Marisol Vega!") == [(16, 28, "PERSON")]


# Every character ``split()`` splits at, and some that look alike but are no white space.
_SPACES = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_VALUE_TEXT = st.text(st.sampled_from(_SPACES + "aZ9@+.-'Σς\u200b\u2060éİ"), max_size=10)


@settings(max_examples=500, deadline=None)
@given(_VALUE_TEXT)
def test_white_space_is_told_as_split_and_strip_tell_it(text: str) -> None:
    # A value is split into words only where the scan finds white space, and stripped only where an end is.
    module = _core.load("py")
    assert module._holds_space(text) == (text.split() != ([text] if text else []))
    assert module._stripped(text) == text.strip()


def _characters(text: str) -> int:
    """The characters of a needle as the pre-check reads them where it does (see ``_chars_of``): a bit per
    character below ``@``, the others sharing one by their code's last five bits."""
    return functools.reduce(lambda bits, code: bits | 1 << (code if code < 64 else code & 31), map(ord, text), 0)


@contextlib.contextmanager
def _as_compiled() -> Iterator[ModuleType]:
    """The pure-Python core taking the compiled core's ways: texts read for their characters, few values
    compared one by one, short texts read character by character."""
    module = _core.load("py")
    ways = {"_CHARS_READ_UP_TO": 400, "_FEW_VALUES": 8, "_READ_BY_CHARACTER": 48}
    saved = {name: getattr(module, name) for name in ways}
    for name, value in ways.items():
        setattr(module, name, value)
    try:
        yield module
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


# A part of a name: letters (no digit, no "_"), runs of them joined by single "'" or "-".
_NAME_PART = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def _sorted_as_documented(known: list[tuple[str, str]]) -> tuple[list[Any], list[Any], list[Any]]:
    """How KnownValues sorts values, in plain string operations (no scan, no shortcut)."""
    module = _core.load("py")
    needles: list[Any] = []
    phrases: list[Any] = []
    phones: list[Any] = []
    for entity_type, value in dict.fromkeys((entity_type, value.strip()) for entity_type, value in known):
        if len(value) < module.MIN_KNOWN_LENGTH or entity_type in module.UNSEARCHED_TYPES:
            continue
        # A phone's extension starts at the first letter after a digit ("x886" in "(861)762-8598x886").
        split = re.fullmatch(r"(\D*\d[\d\W_]*)(.*)", value, re.DOTALL)
        number, extension = split.groups() if split else (value, "")
        digits = "".join(_DIGIT.findall(number))
        if (entity_type == "PHONE_NUMBER" or re.fullmatch(r"\+?[\d\s.\-()/]{7,}", value)) and len(digits) >= 7:
            phones.append((entity_type, number, digits, "".join(_DIGIT.findall(extension)), digits[-4:],
                           _characters(digits[-4:])))
        elif len(value.lower().split()) > 1:
            if entity_type == "PERSON":  # its capitalised parts, each once (alike once lower-cased: one)
                parts = dict.fromkeys(part.lower() for part in _NAME_PART.findall(value)
                                      if len(part) >= module.MIN_KNOWN_LENGTH and part[0].isupper())
                needles += [(entity_type, part, _characters(part)) for part in parts]
            words = tuple(value.lower().split())
            phrases.append((entity_type, words, _characters(words[0])))
        else:
            low = value.lower()
            forms = [low, low.replace("@", "%40").replace("+", "%2b"), low.replace("@", "%40")] if "@" in low else [low]
            needles += [(entity_type, form, _characters(form)) for form in dict.fromkeys(forms)]
    return needles, phrases, phones


def _prepared(values: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """The needles, phrases and phones of a pure-Python KnownValues, each value made ready as a text that may
    hold it makes it, in the form :func:`_sorted_as_documented` writes them."""
    module = _core.load("py")
    needles: list[Any] = []
    for known in values._needles:
        if known.needle is None:
            module._prepare_word(known)
        needles += [(known.entity_type, needle, need)
                    for needle, need in [(known.needle, known.needle_need), *(known.forms or [])]]
    phrases: list[Any] = []
    for known in values._phrases:
        if known.needle is None:
            module._prepare_phrase(known, None)
        phrases.append((known.entity_type, tuple(known.forms), known.needle_need))
    phones: list[Any] = []
    for known in values._phones:
        if known.needle is None:
            module._prepare_phone(known)
        phones.append((known.entity_type, *known.forms, known.needle, known.needle_need))
    return needles, phrases, phones


def _needs_apart(sorted_values: tuple[list[Any], list[Any], list[Any]]) -> tuple[list[list[Any]], list[int]]:
    """The needles, phrases and phones of :func:`_prepared` or :func:`_sorted_as_documented` less the characters
    each needs (their last item), and those apart."""
    return ([[item[:-1] for item in group] for group in sorted_values],
            [item[-1] for group in sorted_values for item in group])


def _assert_each_value_needs_what_its_forms_hold(values: Any) -> None:
    """What a value needs before it is made ready never rules out a text that holds one of its forms:
    each form holds every character it needs (a phrase: its words together) and is no shorter."""
    for known in values._needles:
        for needle in [known.needle, *(needle for needle, _ in known.forms or [])]:
            assert known.need & ~_characters(needle) == 0 and known.shortest <= len(needle), (known.value, needle)
        assert known.first == known.need
    for known in values._phrases:
        words = known.forms
        assert known.need & ~_characters("".join(words)) == 0 and known.first & ~_characters(words[0]) == 0
        assert known.shortest <= len(words[0]), known.value
    for known in values._phones:
        assert known.need == known.first == _characters(known.needle) and known.shortest == len(known.needle) == 4
    shortest = [known.shortest for known in values._needles + values._phrases + values._phones]
    assert values._shortest == min(shortest, default=sys.maxsize)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "FRAME_LOCAL"]),
                          _VALUE_TEXT | _PHONE_TEXT), max_size=6))
def test_values_are_sorted_into_words_phrases_and_phones_as_documented(known: list[tuple[str, str]]) -> None:
    with _as_compiled() as module:
        values = module.KnownValues(known + known[:2])  # repeats are ignored
        (forms, needs), (documented, held) = map(_needs_apart, [_prepared(values), _sorted_as_documented(known)])
        assert forms == documented
        # Each form needs only characters it holds (those of an e-mail's encoded forms and a phrase's first word
        # are told from the value's, not read: they may be fewer).
        assert all(need & ~characters == 0 for need, characters in zip(needs, held, strict=True)), (needs, held)
        _assert_each_value_needs_what_its_forms_hold(values)
    texts = [value for _, value in known] + [" or ".join(value for _, value in known)]
    found = {repr([(module.KnownValues(known).find(text), module.KnownValues(known).holds_any(text)) for text in texts])
             for module in _cores()}
    assert len(found) == 1, found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["PERSON", "LOCATION"]), st.sampled_from(["Oslo", "Bergen", "Ola Nordmann",
                                                                                    " Oslo", "Tromsø", "ab"])),
                max_size=60), st.integers(0, 30))
def test_repeated_values_are_told_alike_among_few_and_many(known: list[tuple[str, str]], extra: int) -> None:
    # A value that comes again (also with another type, or with white space around it) is searched for once,
    # also one first seen among few values and again among many (compared one by one, then looked up).
    towns = [("LOCATION", f"Town {i}") for i in range(extra)]
    many = known + towns + towns[::3] + known[::2]
    with _as_compiled() as module:
        values = module.KnownValues(many)
        assert _prepared(values) == _sorted_as_documented(many)
    text = " ".join(value for _, value in many)
    assert len({repr(module.KnownValues(many).find(text)) for module in _cores()}) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30) | st.text(st.characters(max_codepoint=127), max_size=30))
def test_decimal_digits_of_ascii_and_other_texts_are_what_backslash_d_matches(text: str) -> None:
    assert _core.load("py")._decimal_digits(text) == "".join(_DIGIT.findall(text))


def test_letters_and_digits_are_told_as_isalnum_tells_them() -> None:
    # A value's ends are bounded by these (the compiled core tells an ASCII one by its code).
    is_alnum = _core.load("py")._is_alnum
    assert [chr(code) for code in range(0x3100) if is_alnum(chr(code)) != chr(code).isalnum()] == []


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=30) | st.text(st.sampled_from("0123456789 -.()+x/"), max_size=20))
def test_the_digits_of_a_short_ascii_text_are_copied_as_backslash_d_matches_them(text: str) -> None:
    # The compiled core's way for a phone's characters (the pure core's reaches it for no text): also all digits.
    assert _core.load("py")._ascii_digits(text) == "".join(_DIGIT.findall(text))


@settings(max_examples=300, deadline=None)
@given(_PHONE_TEXT | st.text(st.sampled_from("0123456789٠١٢٣ -x"), max_size=60))
def test_a_phones_last_digits_are_read_alike_one_by_one_and_as_a_string(value: str) -> None:
    # The compiled core reads a short value's digits one by one; a long one's, and all in the pure core, as a string.
    module = _core.load("py")
    cut = module._extension_at(value)
    digits = "".join(_DIGIT.findall(value[:cut]))
    expected = _characters(digits[-4:]) if len(digits) >= 7 else 0
    assert module._phone_tail_chars(value, cut) == expected
    with _as_compiled():
        assert module._phone_tail_chars(value, cut) == expected


def _burn(seconds: float) -> None:
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass


def test_a_budget_leaves_out_the_full_collections_its_thread_runs(core: str) -> None:
    # A full collection of a large heap takes tenths of a second, in whichever thread allocated
    # last: the event logging then must not fail closed for it.  The collection is played here
    # through the gc hook itself (a real one that slow needs a heap of millions of objects).
    module = _core.load(core)
    deadline = module.Deadline(0.1)
    module._time_collection("start", {"generation": 2})
    _burn(0.3)
    module._time_collection("stop", {"generation": 2})
    assert not deadline.passed()
    _burn(0.2)  # the value's own work past its budget still ends it
    assert deadline.passed()


def test_a_budget_made_after_long_collections_runs_from_its_start(core: str) -> None:
    # A long-running thread's past full collections took more than the budget: a deadline made
    # after them neither passes at once nor outlives the budget (nor reads them per call until then).
    module = _core.load(core)
    module._time_collection("start", {"generation": 2})
    _burn(0.3)
    module._time_collection("stop", {"generation": 2})
    deadline = module.Deadline(0.1)
    assert not deadline.passed()
    _burn(0.05)
    assert not deadline.passed()
    deadline.extend(0.1)
    _burn(0.1)
    assert not deadline.passed()  # 0.15 s of its 0.2
    _burn(0.1)
    assert deadline.passed()


def test_the_gc_hook_times_full_collections_only(core: str) -> None:
    spent = _core.load(core)._CLOCKS.readings
    wall = spent.wall
    gc.collect(0)
    assert spent.wall == wall
    gc.collect()
    assert spent.wall > wall and spent.cpu_at == -1.0


def test_a_full_collection_during_an_event_does_not_fail_it(core: str) -> None:
    # A value's __str__ allocates and the interpreter runs a full collection, slow as a large
    # heap's (its slowness played by a gc hook that runs inside the collection's window).
    from intercom_redact import Policy

    def slow_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            _burn(0.3)

    class Collects:
        def __str__(self) -> str:
            gc.collect()
            return "mail jane.doe@example.com"

    gc.callbacks.append(slow_collection)
    try:
        out, summary = Redactor(Policy(time_budget=0.1)).redact_with_summary({"note": Collects()})
    finally:
        gc.callbacks.remove(slow_collection)
    assert summary.fail_closed == {} and out == {"note": "mail [REDACTED:EMAIL_ADDRESS]"}


def test_a_deadline_soon_after_another_reuses_its_cpu_clock_reading(core: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Reading a thread's CPU clock is a system call; an event's walk and its scan each start a
    # deadline.  The second takes the first's reading plus the wall time since: never less than
    # the CPU time then, at most the slack more.  Both clocks are played here.
    module = _core.load(core)
    clocks = module._CLOCKS.readings
    for name in ("read_cpu", "read_wall"):
        monkeypatch.setattr(clocks, name, getattr(clocks, name))  # restored after the test
    wall, cpu, reads = [1000.0], [5.0], []
    monkeypatch.setattr(module, "perf_counter", lambda: wall[0])
    monkeypatch.setattr(module, "thread_time", lambda: reads.append(cpu[0]) or cpu[0])
    module.Deadline(0.25, 0.0)  # a slack of 0: it reads the clock
    assert reads == [5.0]
    wall[0] += 0.001
    cpu[0] += 0.0008
    later = module.Deadline(0.25)  # 1 ms on, within the 2.5 ms slack of a 0.25 s budget
    assert reads == [5.0]
    assert later.cpu == pytest.approx(5.001 - clocks.cpu + 0.25)  # the reading + the wall time since
    wall[0] += 0.003
    module.Deadline(0.25)  # the reading is older than the slack now: read again
    assert reads == [5.0, 5.0008]
    wall[0] += 0.001
    reused = module.Deadline(1.0, 0.01)  # 1 ms of wall time, no CPU time: at most the slack late
    assert reused.cpu == pytest.approx(module.Deadline(1.0, 0.0).cpu + 0.001)
    assert len(reads) == 3
    wall[0] -= 0.5  # a wall clock behind the reading (never, for perf_counter) is not trusted
    module.Deadline(0.25)
    assert len(reads) == 4


# Texts made of pieces of the known values below, markup and other words, some shorter than any value.
_KNOWN = [("PERSON", "Marisol Vega"), ("EMAIL_ADDRESS", "m.vega+x@example.com"), ("PHONE_NUMBER", "+44 20 7946 0958"),
          ("LOCATION", "Oslo")]
_PIECES = st.lists(st.sampled_from(["Marisol", "vega", "m.vega+x%40example.com", "M.Vega+X@example.com", "<p>", "<",
                                    "020 7946 0958", "0958", "osl", "OSLO", " ", "x", "%40", "-"]), max_size=5).map("".join)


def _may_hold(known: list[tuple[str, str]], text: str) -> bool:
    """The pre-check as documented, in plain string operations (no length bound, no shortcut)."""
    module = _core.load("py")
    needles, phrases, phones = _sorted_as_documented(known)
    low = module._lower(text)
    return (any(needle in low for _, needle, _ in needles) or any(words[0] in low for _, words, _ in phrases)
            or any(phone[2][-4:] in module._decimal_digits(text) for phone in phones))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_KNOWN), max_size=4), _PIECES)
def test_the_pre_check_is_the_documented_substring_and_digit_test(known: list[tuple[str, str]], text: str) -> None:
    # Its answer decides which texts with a "<" go to the scanner: it must not move (the length bound included).
    assert {module.KnownValues(known).holds_any(text) for module in _cores()} == {_may_hold(known, text)}


# Values and pieces of texts that hold them in other cases and notations, and characters that change (or
# look like others) when lower-cased: the Kelvin sign is a "k" lower-cased, a dotted capital I grows.
_CASED_KNOWN = st.sampled_from([("PERSON", "Kate Ölz"), ("PERSON", "Jane Doe"), ("EMAIL_ADDRESS", "k.olz+1@ex.com"),
                                ("PHONE_NUMBER", "+44 20 7946 0958"), ("LOCATION", "Kiel"), ("LOCATION", "İzmir"),
                                ("PHONE_NUMBER", "00000 1"), ("LOCATION", "ΣΟΦΙΑ")])
_CASED_PIECES = st.lists(st.sampled_from(["KATE", "\u212aate", "ölz", "ÖLZ", "jane+doe", "JANE%20DOE", "Jane\tDoe",
                                          "K.OLZ%2B1%40EX.COM", "k.olz+1@ex.com", "020-7946-0958", "(020) 7946 0958",
                                          "0958", "\u212aiel", "izmir", "İZMİR", "σοφια", "ΣΟΦΙΑ", "0000000", "1",
                                          " ", "x", "_", "a" * 400]),
                         max_size=5).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_CASED_KNOWN, max_size=5), st.lists(_CASED_PIECES, max_size=4))
@example([("PHONE_NUMBER", "00000 1")], ["0000000"])  # a phrase's pre-check is its first word's
@example([("LOCATION", "Kiel")], ["\u212aiel"])  # read from the lower-cased text, not the text
def test_texts_read_for_their_characters_are_searched_as_texts_not_read(known: list[tuple[str, str]],
                                                                        texts: list[str]) -> None:
    # The compiled core skips a value whose characters a text lacks; the pure core reads no text, so
    # both must find (and pre-check) alike, also at either end of a text and past the length read.
    expected = [(values.find(text), values.holds_any(text))
                for values in [_core.load("py").KnownValues(known)] for text in texts]
    with _as_compiled() as reading:
        assert [(values.find(text), values.holds_any(text))
                for values in [reading.KnownValues(known)] for text in texts] == expected
    for module in _cores():
        values = module.KnownValues(known)
        assert [(values.find(text), values.holds_any(text)) for text in texts] == expected, module.IMPLEMENTATION


def _found_as_documented(known: list[tuple[str, str]], text: str) -> list[tuple[int, int, str]]:
    """What ``find`` finds, as documented: every value made ready up front (:func:`_sorted_as_documented`),
    its needles, then its phrases, then its phones searched for in the whole text, in the order the values
    came (at a tie between equal spans the one found first stays), a value inside an e-mail address then
    made the address, with no pre-check at all."""
    module = _core.load("py")
    needles, phrases, phones = _sorted_as_documented(known)
    low = module._lower(text)
    found: list[tuple[int, int, str]] = []
    for entity_type, needle, _ in needles:
        found += [(match.start(), match.end(), entity_type) for match in re.finditer(re.escape(needle), low)
                  if module._bounded(low, match.start(), match.end(), needle)]
    for entity_type, words, _ in phrases:
        start = low.find(words[0])
        while start != -1:
            end = module._phrase_end(low, start, list(words))
            if end != -1:
                found.append((start, end, entity_type))
            start = low.find(words[0], start + 1 if end == -1 else end)
    digits = module._decimal_digits(text)
    candidates = [[entity_type, number, own, extension, None]
                  for entity_type, number, own, extension, tail, _ in phones if tail in digits]
    if candidates:
        module._find_phones(text, candidates, found)
    return module._widen_to_addresses(text, found, 0) if found else found  # inside an address: the address


# Values whose forms meet: equal spans of other types (a needle and a phrase, one value with two types),
# a name and its parts, a phone-like location, and values that change when lower-cased.
_MEETING_KNOWN = st.sampled_from([("LOCATION", "jane+doe"), ("PERSON", "Jane Doe"), ("LOCATION", "Jane Doe"),
                                  ("EMAIL_ADDRESS", "Jane"), ("PERSON", "Kiel"), ("LOCATION", "Kiel"),
                                  ("LOCATION", "\u212aiel"), ("LOCATION", "İzmir"), ("EMAIL_ADDRESS", "k.olz+1@ex.com"),
                                  ("PERSON", "Kate Ölz"), ("PHONE_NUMBER", "+44 20 7946 0958"),
                                  ("LOCATION", "020 7946 0958"), ("LOCATION", "ΣΟΦΙΑ"), ("PERSON", "Anna-Lena O'Neil"),
                                  ("PERSON", "İpek Kaya"), ("PERSON", "ΟΔΥΣΣΕΑΣ.Αλ Νίκος")])
_MEETING_PIECES = st.lists(st.sampled_from(["JANE DOE", "jane+doe", "Jane\tDoe", "JANE%20DOE", "\u212aiel", "KIEL",
                                            "izmir", "İZMİR", "K.OLZ%2B1%40EX.COM", "k.olz+1@ex.com", "k.olz&#43;1&#64;ex.com",
                                            "Kate ÖLZ", "020-7946-0958", "0958", "σοφια", "ANNA-LENA o'neil", "&amp;", " ",
                                            "x", "<p>", "a" * 400, "KAYA", "i̇pek", "ΟΔΥΣΣΕΑΣ"]),
                           max_size=4).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_MEETING_KNOWN, max_size=6), st.lists(_MEETING_PIECES, min_size=1, max_size=5))
@example([("EMAIL_ADDRESS", "Jane"), ("LOCATION", "jane+doe"), ("PERSON", "Jane Doe")], ["Jane", "jane+doe"])
@example([("LOCATION", "\u212aiel")], ["kiel"])  # a needle from a value that changes when lower-cased
# Values first needed by a later text: a phrase by an HTML body's pre-check, an e-mail by its encoded form.
@example([("PERSON", "Kate Ölz"), ("EMAIL_ADDRESS", "k.olz+1@ex.com"), ("LOCATION", "Jane Doe")],
         ["x", "<p>JANE DOE", "K.OLZ%2B1%40EX.COM", "Kate ÖLZ"])
# Names whose parts are not cut from the name lower-cased: one lower-cased into more characters (the parts
# after it would be cut a character early), one with a capital sigma lower-cased by what follows it.
@example([("PERSON", "İpek Kaya"), ("PERSON", "ΟΔΥΣΣΕΑΣ.Αλ Νίκος")], ["KAYA", "i̇pek", "ΟΔΥΣΣΕΑΣ"])
def test_one_search_text_after_text_finds_what_values_made_ready_up_front_find(known: list[tuple[str, str]],
                                                                               texts: list[str]) -> None:
    # A value is made ready by the first text that may hold it and then serves every later one: each text
    # must get what the documented search with every value made ready up front gets (and the pre-check
    # as documented), and what a search of its own gets through find_in_plain (which reads a text with
    # references decoded too).
    def searched(module: ModuleType) -> list[Any]:
        values = module.KnownValues(known)
        answers: list[Any] = []
        for text in texts:
            if "<" in text:  # pre-checked first, as the walk does: either may be the first to need a value
                held = values.holds_any(text)
                answers.append((values.find(text), held))
            else:
                answers.append((values.find(text), values.holds_any(text)))
            answers.append(_known.find_in_plain(values, text) == _known.find_in_plain(module.KnownValues(known), text))
        return answers

    expected = [answer for text in texts for answer in [(_found_as_documented(known, text), _may_hold(known, text)), True]]
    for module in _cores():
        assert searched(module) == expected, module.IMPLEMENTATION
    with _as_compiled() as reading:
        assert searched(reading) == expected


def test_a_text_read_for_its_characters_holds_each_needle_in_any_case_and_notation(core: str) -> None:
    module = _core.load(core)
    values = module.KnownValues([("PERSON", "Jane Doe"), ("EMAIL_ADDRESS", "J.Doe+x@Example.com"),
                                 ("PHONE_NUMBER", "+44 20 7946 0958"), ("LOCATION", "Kiel")])
    assert values.find("JANE DOE") == [(0, 8, "PERSON")]
    assert values.find("to=jane+doe&x=1") == [(3, 11, "PERSON")]
    assert values.find("q=JANE%20DOE") == [(2, 12, "PERSON")]
    assert values.find("mail j.doe%2bx%40example.COM") == [(5, 28, "EMAIL_ADDRESS")]
    assert values.find("call 020-7946-0958") == [(5, 18, "PHONE_NUMBER")]
    assert values.find("\u212aiel") == [(0, 4, "LOCATION")]  # the Kelvin sign is a "k" lower-cased
    assert values.find("Kiel, Jane") == [(0, 4, "LOCATION"), (6, 10, "PERSON")]
    assert values.find("Fjord, Kiel") == [(7, 11, "LOCATION")]
    assert values.find("Kiel Kiel") == [(0, 4, "LOCATION"), (5, 9, "LOCATION")]  # found again where it fits
    assert values.find("Kiez Doe 7946") == [(5, 8, "PERSON")]
    ends = module.KnownValues([("LOCATION", "#42")])
    assert ends.find("#42#42") == [(0, 3, "LOCATION"), (3, 6, "LOCATION")]  # the second ends the text
    assert not values.holds_any("<b>Kiez 0959</b>")


# E-mails with characters that share the bit of "@" (a backquote, "À") or hold "+", and names whose first word
# changes when lower-cased or is not ASCII: the characters their encoded forms and first words need are told
# from the value's, not read from the forms.
_TOLD_KNOWN = st.tuples(st.sampled_from(["EMAIL_ADDRESS", "PERSON", "LOCATION"]),
                        st.text(st.sampled_from("aK\u212aÀ`+@.-İÖ "), min_size=3, max_size=10))


def _written_forms(value: str) -> list[str]:
    """``value`` as texts write it: in either case, URL-encoded, its words joined as forms join them."""
    low = value.lower()
    encoded = low.replace("@", "%40")
    forms = [value, low, value.upper(), encoded, encoded.replace("+", "%2b"), encoded.replace("+", "%2B").upper()]
    return forms + [joint.join(form.split()) for form in forms for joint in ("+", "%20", "\t")]


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOLD_KNOWN, min_size=1, max_size=3))
@example([("EMAIL_ADDRESS", "a`+b@a.a")])  # "`" shares the bit of "@": the encoded form holds it
@example([("PERSON", "\u212aa Öa")])  # a first word whose "k" is ASCII only lower-cased
def test_forms_whose_characters_are_told_unread_are_found_as_the_documented_search_finds(
        known: list[tuple[str, str]]) -> None:
    texts = [text for _, value in known for form in _written_forms(value) for text in (form, f"x {form}!")]
    expected = [(_found_as_documented(known, text), _may_hold(known, text)) for text in texts]
    for module in _cores():
        values = module.KnownValues(known)
        assert [(values.find(text), values.holds_any(text)) for text in texts] == expected, module.IMPLEMENTATION
    with _as_compiled() as reading:
        values = reading.KnownValues(known)
        assert [(values.find(text), values.holds_any(text)) for text in texts] == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=6), st.booleans(), st.lists(st.sampled_from(_KNOWN), max_size=4))
def test_the_walk_searches_its_texts_as_the_pre_check_and_the_search_do(texts: list[str], scan: bool,
                                                                         known: list[tuple[str, str]]) -> None:
    # Texts the scanner found clean need the known values only, as every text does without the scan; a text
    # with a "<" is only pre-checked (an HTML body is the scanner's: the engine tells).
    redactor = Redactor()
    clean = set(texts[::2])
    for module in _cores():
        walk = module.Walk(redactor._hooks, engine.Summary(), scan, 10_000, 20, 60.0, "[UNSCANNED]", {})
        walk.texts = [({}, index, text) for index, text in enumerate(texts)]
        values = module.KnownValues(known)
        expected: tuple[list[Any], list[int]] = ([], [])
        for index, text in enumerate(texts):
            if scan and text not in clean:
                expected[1].append(index)
            elif "<" in text:
                if values.holds_any(text):
                    expected[0].append((index, None))
            elif values.find(text):
                expected[0].append((index, values.find(text)))
        assert walk.search_known(values, clean) == expected, module.IMPLEMENTATION


# -- the walk's copy of a dict, the digit runs, the known values replaced in the core ----------

_AS_WRITTEN_DIGIT_RUN = re.compile(r"\+?\d(?:[ \t.\-()+]{0,3}\d)+")


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("0123456789+ -.()\tx٣a"), max_size=24))
def test_digit_runs_are_found_as_the_pattern_as_written_finds_them(text: str) -> None:
    # The core's pattern is written to start with a set (the regex engine skips ahead to one): the same runs.
    for module in _cores():
        assert ([m.span() for m in module._DIGIT_RUN.finditer(text)]
                == [m.span() for m in _AS_WRITTEN_DIGIT_RUN.finditer(text)]), module.IMPLEMENTATION


@functools.lru_cache(maxsize=1)
def _shared_scanner() -> Scanner:
    return Scanner()


class _Subclass(dict):  # type: ignore[type-arg]
    """Walked as any mapping is (not copied whole): the other way through the walk, to compare with."""


# Keys: ruled (replaced, dropped, kept, scanned) and new ones.  (Not one holding an e-mail: another
# mapping keeps such a key where a dict at the same place had it renamed before, on main too; a dict's
# renamed keys are pinned by the test after this one.)
_WALK_KEYS = st.sampled_from(["email", "dropped", "plan", "note", "id", "fresh", "other", "x"])


def _walk_dicts(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_WALK_KEYS, inner, max_size=5)


_WALK_VALUES = st.recursive(st.sampled_from(["pro", "mail jane@example.com", "Jane Doe", 7, None, True, 2.5]),
                            _walk_dicts, max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_WALK_KEYS, _WALK_VALUES, max_size=8), st.sets(_WALK_KEYS), st.booleans())
def test_a_dict_copied_whole_is_walked_as_any_mapping_is(value: dict[str, Any], seen: set[str],
                                                          scan: bool) -> None:
    # The keys in ``seen`` are met first, so a key the walk has not seen falls anywhere in the dict
    # (from there the rest is walked the other way); a dropped key must be gone, not left as it was.
    from intercom_redact import Policy
    from intercom_redact.policy import Rule

    for module in _cores():
        with _running(module):
            redactor = Redactor(Policy.default().with_rules(Rule("**.dropped", action="drop")), scanner=_shared_scanner())
            redactor.redact({"v": {key: value.get(key, "pro") for key in sorted(seen)}}, scan=scan)
            out, summary = redactor.redact_with_summary({"v": value}, scan=scan)
            other, other_summary = redactor.redact_with_summary({"v": _Subclass(value)}, scan=scan)
        assert type(other["v"]) is _Subclass, module.IMPLEMENTATION
        assert json.dumps(out) == json.dumps({"v": dict(other["v"])}), module.IMPLEMENTATION  # key order too
        assert (summary.types, summary.fail_closed) == (other_summary.types, other_summary.fail_closed)
        if value.get("dropped") is not None and type(value["dropped"]) is not bool:  # None and booleans stay
            assert "dropped" not in out["v"]


# Texts where two values overlap ("Marisol Vega Marisol" holds "Marisol Vega" and "Vega Marisol").
_OVERLAPPING = st.lists(st.sampled_from(["Marisol", "Vega", " ", "x"]), max_size=7).map("".join)


def test_a_key_renamed_amid_keys_seen_before_keeps_its_place(core: str) -> None:
    # The walk meets "jane@example.com" after keys it copied: from there it adds keys in order, renamed.
    redactor = Redactor()
    redactor.redact({"v": {"plan": 1, "x": 2}}, scan=False)
    value = {"plan": "pro", "jane@example.com": "pro", "x": 1, "[REDACTED:EMAIL_ADDRESS]": 3, "fresh": "a"}
    assert json.dumps(redactor.redact({"v": value}, scan=False)) == json.dumps(
        {"v": {"plan": "pro", "[REDACTED:EMAIL_ADDRESS]": "[REDACTED:EMAIL_ADDRESS]", "x": 1, "fresh": "a"}})


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | _OVERLAPPING, max_size=6),
       st.lists(st.sampled_from([*_KNOWN, ("LOCATION", "Vega Marisol")]), max_size=4), st.booleans())
@example(["Marisol Vega Marisol", "mail m.vega+x@example.com"], [_KNOWN[0], ("LOCATION", "Vega Marisol")], False)
@example(["mail m.vega+x@example.com", "hi Marisol"], [_KNOWN[1], _KNOWN[0]], True)
def test_known_values_replaced_in_the_core_are_replaced_as_the_engine_replaces_them(
        texts: list[str], known: list[tuple[str, str]], keep_phones: bool) -> None:
    # Up to the first text it leaves to the engine (a "<", overlapping spans, a type without an op yet),
    # the core writes what the engine's _replace writes, and counts alike.
    from intercom_redact import Policy

    policy = Policy.from_dict({"types": {"PHONE_NUMBER": {"action": "keep" if keep_phones else "mask"}}})
    for module in _cores():
        redactor = Redactor(policy, scanner=_shared_scanner())
        for entity_type in ("PERSON", "PHONE_NUMBER", "LOCATION"):
            redactor._type_op(entity_type)  # EMAIL_ADDRESS has no op yet: left to the engine
        walk = module.Walk(redactor._hooks, engine.Summary(), False, 10_000, 20, 60.0, "[UNSCANNED]", {})
        walk.texts = [({}, index, text) for index, text in enumerate(texts)]
        found = walk.search_known(module.KnownValues(known), set())[0]
        done = walk.replace_found(found, redactor._type_ops)
        expected = engine.Summary()
        for count, (index, spans) in enumerate(found):
            replaceable = (spans is not None and _findings.certain_spans(spans) is spans
                           and all(entity_type in redactor._type_ops for _, _, entity_type in spans))
            if not replaceable:
                assert done == count, module.IMPLEMENTATION
                break
            container, key, text = walk.texts[index]
            assert container.get(key, text) == redactor._replace(text, spans, False, expected, ()), module.IMPLEMENTATION
        else:
            assert done == len(found), module.IMPLEMENTATION
        assert walk.summary == expected, module.IMPLEMENTATION


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES | _OVERLAPPING, max_size=6), st.lists(st.sampled_from(_KNOWN), max_size=4), st.booleans())
def test_the_walk_s_phase_2_is_the_search_then_the_replacement(texts: list[str], known: list[tuple[str, str]],
                                                                scan: bool) -> None:
    # search_texts answers None only when nothing is left: no text for the scanner, every text found done;
    # else the event's known values, the texts found from the first one not done, and the scanner's.
    redactor = Redactor(scanner=_shared_scanner())
    for entity_type in ("PERSON", "PHONE_NUMBER"):
        redactor._type_op(entity_type)
    clean = set(texts[1::2])
    for module in _cores():
        walks = [module.Walk(redactor._hooks, engine.Summary(), scan, 10_000, 20, 60.0, "[UNSCANNED]", {})
                 for _ in range(2)]
        for walk in walks:
            walk.texts = [({}, index, text) for index, text in enumerate(texts)]
            walk.known = list(known)
        found, scanner = walks[0].search_known(module.KnownValues(known), clean)
        done = walks[0].replace_found(found, redactor._type_ops)
        left = walks[1].search_texts(clean, redactor._type_ops)
        if done == len(found) and not scanner:
            assert left is None, module.IMPLEMENTATION
        else:
            assert left is not None and (type(left[0]), left[1:]) == (module.KnownValues, (found[done:], scanner))
        assert [c for c, _, _ in walks[1].texts] == [c for c, _, _ in walks[0].texts], module.IMPLEMENTATION
        assert walks[1].summary == walks[0].summary, module.IMPLEMENTATION


@pytest.mark.parametrize("count", [2000, 2001])
def test_the_walk_redacts_its_texts_whole_past_the_bound_on_known_values(core: str, count: int) -> None:
    module = _core.load(core)
    redactor = Redactor()
    walk = module.Walk(redactor._hooks, engine.Summary(), False, 10_000, 20, 60.0, "[UNSCANNED]", {})
    walk.texts = [({}, 0, "hi Jane Doe")]
    walk.known = [("PERSON", "Jane Doe")] + [("PERSON", f"Person Number{i}") for i in range(count - 1)]
    walk.search_texts(set(), redactor._type_ops)
    if count > 2000:
        assert walk.texts[0][0] == {0: "[UNSCANNED]"} and walk.summary.fail_closed == {"size": 1}
    else:  # searched
        assert walk.texts[0][0].get(0) != "[UNSCANNED]" and walk.summary.fail_closed == {}


def test_the_walk_redacts_its_texts_whole_once_past_its_time(core: str) -> None:
    module = _core.load(core)
    redactor = Redactor()
    walk = module.Walk(redactor._hooks, engine.Summary(), False, 10_000, 20, 1e-9, "[UNSCANNED]", {})
    walk.texts = [({}, "a", "hi Jane Doe"), ({}, "b", "nothing known")]
    walk.known = [("PERSON", "Jane Doe")]
    time.sleep(0.001)  # past the budget, also in CPU time read lately (the wall clock bounds it)
    assert walk.search_texts(set(), redactor._type_ops) is None
    assert [c for c, _, _ in walk.texts] == [{"a": "[UNSCANNED]"}, {"b": "[UNSCANNED]"}]
    assert walk.summary.fail_closed == {"time": 2}


def test_containers_redacted_whole_keep_their_own_placeholders_event_after_event(core: str) -> None:
    # The placeholder is kept by each step once asked: two types, each event, each its own.
    policy = engine.Policy.from_dict({"rules": [{"path": "**.home", "type": "LOCATION"},
                                                {"path": "**.card", "type": "CREDIT_CARD"}]})
    redactor = Redactor(policy)
    for _ in range(3):
        out = redactor.redact({"home": {"city": "Oslo"}, "card": ["4111", "1111"], "note": "moved to Oslo"})
        assert out == {"home": "[REDACTED:LOCATION]", "card": "[REDACTED:CREDIT_CARD]",
                       "note": "moved to [REDACTED:LOCATION]"}


def test_known_values_are_left_to_the_engine_where_a_rule_acts_otherwise(core: str) -> None:
    module = _core.load(core)
    redactor = Redactor()
    redactor._type_op("PERSON")
    walk = module.Walk(redactor._hooks, engine.Summary(), False, 10_000, 20, 60.0, "[UNSCANNED]", {})
    walk.texts = [({}, 0, "hi Jane Doe")]
    walk.overrides = [("PERSON", "Jane Doe", redactor._type_op("PERSON"))]
    found = walk.search_known(module.KnownValues([("PERSON", "Jane Doe")]), set())[0]
    assert found and walk.replace_found(found, redactor._type_ops) == 0 and walk.texts[0][0] == {}


class _Structured:
    """Hooks that only note the texts the walk takes for structure (the rest of a walk is not run here)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def structured(self, walk: Any, out: Any, key: Any, text: str, *rest: Any) -> None:
        self.texts.append(text)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("ab =\n{[}]é\u2028"), max_size=80))
def test_structure_is_told_alike_in_short_and_long_texts(text: str) -> None:
    # The compiled core reads a short text character by character, a longer one by searches.
    redactor = Redactor()
    for module in _cores():
        hooks = _Structured()
        walk = module.Walk(hooks, engine.Summary(), True, 10_000, 20, 60.0, "[UNSCANNED]", {})
        for written in (text, text + "x" * 60):
            walk.put({}, "k", written, redactor._root, redactor._default, 0)
            structure = any(ch in written[:module._STRUCTURE_WINDOW] for ch in "={[\n")
            assert (written in hooks.texts) == structure, module.IMPLEMENTATION
            assert ([t for _, _, t in walk.texts].count(written) == 1) != structure, module.IMPLEMENTATION


# -- the walk's clock: started once the walk may take long ------------------------------------


class _PlayedClocks:
    """The core's two clocks, played: each reading is counted and moves them ``tick`` seconds on, and
    time passes when the test says."""

    def __init__(self, module: ModuleType, monkeypatch: pytest.MonkeyPatch, tick: float = 0.0) -> None:
        clocks = module._CLOCKS.readings
        for name in ("read_cpu", "read_wall"):
            monkeypatch.setattr(clocks, name, getattr(clocks, name))  # the thread's own, restored after the test
        self.now = 1000.0
        self.tick = tick
        self.reads = 0
        monkeypatch.setattr(module, "perf_counter", self._read)
        monkeypatch.setattr(module, "thread_time", self._read)

    def _read(self) -> float:
        self.reads += 1
        self.now += self.tick
        return self.now

    def spend(self, seconds: float) -> None:
        """CPU time spent (and so wall time passed) by what runs now."""
        self.now += seconds


# Keys without a rule, so an event of them is walked with no rule's work, and no key is scanned once seen.
_WIDE = {f"field_{n}": "ok" for n in range(_core.load("py")._UNTIMED_WORK + 1)}
_UNTIMED_LENGTH = _core.load("py")._UNTIMED_LENGTH  # the compiled core's constants are C ones


def _warmed(*events: dict[str, Any]) -> Redactor:
    redactor = Redactor()
    for event in events:
        redactor.redact(event, scan=False)  # its keys seen: no key of it calls out again
    return redactor


def test_a_small_event_reads_no_clock_and_a_wide_one_does(core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _core.load(core)
    small = {"event": "synced", "contact": {"email": "jane@example.com", "location": {"city": "Oslo"}},
             "tags": ["a", "b"], "note": "hi jane@example.com"}
    wide = {"event": "synced", "fields": _WIDE}
    redactor = _warmed(small, wide)
    clocks = _PlayedClocks(module, monkeypatch)
    assert redactor.redact(small, scan=False)["note"] == "hi [REDACTED:EMAIL_ADDRESS]"
    assert clocks.reads == 0
    redactor.redact(wide, scan=False)
    assert clocks.reads > 0


def test_a_walk_past_its_untimed_work_runs_on_its_clock(core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The clock starts as the walk enters the container that takes it past the values it may read
    # untimed; from there it is timed as before: a walk that runs long fails closed.
    module = _core.load(core)
    event = {"event": "synced", "fields": _WIDE, "after": {"n": 1}, "note": "hi"}
    redactor = _warmed(event)
    _PlayedClocks(module, monkeypatch, tick=1.0)  # each reading a second on: the budget is passed at the next
    out, summary = redactor.redact_with_summary(event, scan=False)
    assert summary.fail_closed.get("time"), summary
    assert out["after"] == out["note"] == redactor.unscanned


_CALLS = {"object": ("other", decimal.Decimal("1.5")), "structure": ("structured", "a=1 b=2"),
          "new key": ("new_key", "ok")}


@pytest.mark.parametrize("way", list(_CALLS))
def test_the_clock_starts_before_the_walk_calls_out(core: str, way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the engine runs for a value (its __str__, a parser, the scanner for a new key) may take
    # long: it is timed from its start, in the smallest event.
    module = _core.load(core)
    hook, value = _CALLS[way]
    redactor = _warmed({"event": "synced", "field_0": "ok", "note": "hi"})
    clocks = _PlayedClocks(module, monkeypatch)
    hooks = type(redactor._hooks)
    called = getattr(hooks, hook)

    def spending(*args: Any) -> Any:
        clocks.spend(10.0)
        return called(*args)

    monkeypatch.setattr(hooks, hook, spending)
    key = "fresh_key" if way == "new key" else "field_0"
    out, summary = redactor.redact_with_summary({"event": "synced", key: value, "note": "hi"}, scan=False)
    assert summary.fail_closed.get("time") and out["note"] == redactor.unscanned, (out, summary)


@pytest.mark.parametrize("field", ["email", "user_id", "location"])
def test_an_op_reading_much_starts_the_clock(core: str, field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A long string replaced or screened, a container redacted whole with many keys: read untimed,
    # they could take long.  Short ones start no clock.
    module = _core.load(core)
    long: dict[str, Any] = {"email": "j" * _UNTIMED_LENGTH + "@example.com",
                            "user_id": "u" * (_UNTIMED_LENGTH + 1), "location": _WIDE}
    short: dict[str, Any] = {"email": "jane@example.com", "user_id": "u_1", "location": {"field_0": "Oslo"}}
    redactor = _warmed({field: long[field]}, {field: short[field]})
    clocks = _PlayedClocks(module, monkeypatch)
    redactor.redact({field: short[field]}, scan=False)
    assert clocks.reads == 0
    redactor.redact({field: long[field]}, scan=False)
    assert clocks.reads > 0


class _Located(Mapping[str, str]):
    """A mapping whose length is not to be asked (its own code, which fails)."""

    def __getitem__(self, key: str) -> str:
        return {"city": "Oslo"}[key]

    def __iter__(self) -> Iterator[str]:
        return iter(["city"])

    def __len__(self) -> int:
        raise RuntimeError("no length")


def test_a_container_redacted_whole_is_counted_item_by_item(core: str) -> None:
    # Its values are remembered as known values, its items counted toward the clock as they are read.
    out, summary = Redactor().redact_with_summary({"location": _Located(), "note": "in Oslo"}, scan=False)
    assert summary.fail_closed == {} and out == {"location": "[REDACTED:LOCATION]", "note": "in [REDACTED:LOCATION]"}


def test_a_short_budget_is_timed_from_the_walk_s_start(core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Under a budget this short, what the walk may read untimed could take more than the deadline's slack.
    from intercom_redact import Policy

    module = _core.load(core)
    event = {"event": "synced", "note": "hi"}
    redactor = Redactor(Policy(time_budget=_core.load("py")._UNTIMED_BUDGET / 2))
    redactor.redact(event, scan=False)
    clocks = _PlayedClocks(module, monkeypatch)
    redactor.redact(event, scan=False)
    assert clocks.reads > 0
