"""The pattern pass: what Presidio would find, without Presidio; RE2 triggers; a user's recognizers.

* On a Faker corpus and the recognizer examples, the pass finds exactly what
  a Presidio ``AnalyzerEngine`` finds with the same registry rows as
  ``PatternRecognizer`` s (same validators, context words and threshold).
* Without RE2 (every pattern on every text) it finds the same again: the
  triggers the set screens texts with never miss a match.
* A user's ``PatternRecognizer`` is compiled into the pass with its
  validation, invalidation, context and deny list; any other recognizer
  runs through Presidio's analyzer.
* Pattern mode imports neither Presidio, spaCy nor tldextract (fresh interpreter).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import html
import json
import os
import pickle
import random
import re
import subprocess
import sys
import textwrap
import time
import unicodedata
import warnings
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import (
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)

from intercom_redact.scanner import Scanner, _hyperscan, _patterns
from intercom_redact.scanner._byte_triggers import CASE_PARTNERS, ascii_trigger, byte_trigger
from intercom_redact.scanner._findings import Finding, disjoint
from intercom_redact.scanner._html import extract
from intercom_redact.scanner._registry import ENTITIES, IBAN_COUNTRIES, SCORE_THRESHOLD
from intercom_redact.scanner._text_cues import by_first_letter
from test_scanner_recognizers import CLEAN, FOUND

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from scanner_corpus import generate


@pytest.fixture(scope="module")
def texts() -> list[str]:
    corpus = [extract(body.html).text for body in generate(40, seed=11)]
    return corpus + [text for text, _, _ in FOUND] + CLEAN


def _spans(findings: list[Finding]) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.entity_type) for f in disjoint(findings)]


def _pass_spans(patterns: _patterns.PatternPass, text: str) -> list[tuple[int, int, str]]:
    return _spans(patterns.find(text, patterns.candidates(text)))


def test_pass_finds_what_presidio_finds_with_the_registry(texts: list[str]) -> None:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from intercom_redact.scanner._presidio import (
        _pipeline,
        _text_context_enhancer,
        empty_artifacts,
        quiet,
    )

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank:en"}])
    engine.nlp = {"en": _pipeline(None)}
    registry = RecognizerRegistry(recognizers=_presidio_recognizers(), supported_languages=["en"])
    with quiet():
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"],
                                  context_aware_enhancer=_text_context_enhancer())
    patterns = _patterns.builtin_pass()
    entities = sorted({entity.entity_type for entity in ENTITIES})
    for text in texts:
        with quiet():
            found = analyzer.analyze(text, "en", entities=entities, nlp_artifacts=empty_artifacts(),
                                     score_threshold=SCORE_THRESHOLD)
        presidio = _spans([Finding(r.start, r.end, r.entity_type, r.score) for r in found])
        assert _pass_spans(patterns, text) == presidio, text


def _presidio_recognizers() -> list[EntityRecognizer]:
    from presidio_analyzer.predefined_recognizers import IbanRecognizer

    from intercom_redact.scanner._presidio import pattern_recognizers

    # The IBAN row trims its match as Presidio's own IBAN recognizer does (with the
    # same pattern); compare against that one, checked by python-stdnum as the pass is.
    own = [r for r in pattern_recognizers() if r.name != "IbanRecognizer"]
    row = next(entity for entity in ENTITIES if entity.name == "IbanRecognizer")
    iban = IbanRecognizer(patterns=[Pattern(p.name, p.regex, p.score) for p in row.patterns],
                          regex_flags=row.flags)
    iban.validate_result = row.validate  # type: ignore[method-assign]
    return [*own, iban]


def test_without_re2_the_same_findings(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with_set = _patterns.builtin_pass()
    monkeypatch.setattr(_patterns, "re2", None)
    every_pattern = _patterns.PatternPass(ENTITIES)
    assert every_pattern.triggered_by_set == 0
    for text in texts:
        assert _pass_spans(every_pattern, text) == _pass_spans(with_set, text), text


def test_the_environment_can_switch_re2_off() -> None:
    code = ("from intercom_redact.scanner import Scanner, _patterns; "
            "print(_patterns.ENGINE, Scanner().scan('mail jane@example.com')[0].entity_type)")
    env = {**os.environ, "INTERCOM_REDACT_NO_RE2": "1",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    assert proc.stdout.split() == ["regex", "EMAIL_ADDRESS"]


def _every_test_string() -> list[str]:
    """Every string constant of the test modules: the suite's examples, found and clean alike."""
    found = set()
    for module in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 3:
                found.add(node.value)
    return sorted(found)


def _screened(screen: str) -> _patterns.PatternPass:
    """A pass of the built-in rows whose candidates come from ``screen``."""
    patterns = _patterns.PatternPass(ENTITIES)
    if screen == "hyperscan":
        if not _hyperscan.AVAILABLE:
            pytest.skip("hyperscan is not installed")
        patterns.build_screen()
    assert patterns.screen == screen
    return patterns


_WIDE_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")  # \d to Python, two bytes each in UTF-8
_ACCENTED = str.maketrans("AEIOUaeiou", "ÁÉÍÓÚáéíóú")


def _non_ascii_twins(text: str) -> list[str]:
    """``text`` with its digits, vowels and case-folded letters in non-ASCII spellings Python still matches."""
    folded = text.replace("k", "\u212a").replace("s", "\u017f").replace("i", "\u0131").replace("I", "\u0130")
    return [text.translate(_WIDE_DIGITS), text.translate(_ACCENTED), folded]


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="the RE2 set is off (INTERCOM_REDACT_NO_RE2): no triggers")
@pytest.mark.parametrize("screen", ["re2", "hyperscan"])
def test_a_trigger_never_misses_a_match(texts: list[str], screen: str) -> None:
    # A trigger is a part of its pattern (PatternSpec.trigger): wherever the pattern
    # matches, the screen must name it.  Every built-in pattern is exercised here, and on
    # non-ASCII twins of the texts: a character of several bytes where a trigger read one
    # (Hyperscan reads most triggers as bytes, :mod:`._byte_triggers`); an ASCII text, with
    # their ASCII restrictions (a second database, its counts kept, its classes ASCII).
    patterns = _screened(screen)
    matched = set()
    twins = [twin for text in texts for twin in _non_ascii_twins(text)]
    for text in [*texts, *_every_test_string(), "SSN 123-456789 on file", *twins]:
        candidates = set(patterns.candidates(text))
        for index, rule in enumerate(patterns._rules):
            if rule.pattern.search(text):
                matched.add(rule.name)
                assert index in candidates, (rule.name, text)
    assert matched == {spec.name for entity in ENTITIES for spec in entity.patterns}


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="the RE2 set is off (INTERCOM_REDACT_NO_RE2): no triggers")
def test_on_ascii_texts_hyperscan_names_no_trigger_re2_does_not(texts: list[str]) -> None:
    # Hyperscan reads an ASCII text with each trigger's ASCII restriction: where the never-miss test
    # above finds every match named, this finds the restriction no wider than the trigger RE2 reads.
    re2_pass, patterns = _screened("re2"), _screened("hyperscan")
    ascii_texts = [text for text in [*texts, *_every_test_string()] if text.isascii()]
    assert len(ascii_texts) > 300
    for text in ascii_texts:
        assert set(patterns._screen.match(text)) <= {hit - 1 for hit in re2_pass._set.Match(text) if hit}, text


@pytest.mark.skipif(not _hyperscan.AVAILABLE, reason="hyperscan is not installed")
@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="the RE2 set is off (INTERCOM_REDACT_NO_RE2): no triggers")
def test_hyperscan_takes_over_once_built_and_finds_the_same(texts: list[str]) -> None:
    re2_pass, patterns = _screened("re2"), _patterns.PatternPass(ENTITIES)
    patterns.warm()  # starts the build on a daemon thread (loaded from the cache after the first)
    for _ in range(1200):
        if patterns.screen == "hyperscan":
            break
        time.sleep(0.1)
    assert patterns.screen == "hyperscan"
    for text in texts:
        assert _pass_spans(patterns, text) == _pass_spans(re2_pass, text), text


# Pieces whose texts hit one trigger, several, or none: most texts share a set of hits with one before.
_PIECES = ["jane@example.com", "card 4111 1111 1111 1111", "call me at 0612 345 678", "SSN 123-45-6789",
           "Hi Jane,", "/api/contacts/5f0c8e6b2a1d4c3e9f7a6b5c", "user logged in", "Jane Doe", "10 Downing Street"]


@functools.cache
def _screened_once(screen: str) -> _patterns.PatternPass:
    return _screened(screen)


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="the RE2 set is off (INTERCOM_REDACT_NO_RE2): no triggers")
@pytest.mark.parametrize("screen", ["re2", "hyperscan"])
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3).map(" ".join), min_size=1, max_size=8))
def test_candidates_are_the_rows_of_the_screens_hits_whatever_came_before(screen: str, texts: list[str]) -> None:
    # The pass keeps each set of hits' candidates, and reads them back without a call where it met
    # the set before: a set must never answer for another (one hit of it, the same hits in another order).
    patterns = _screened_once(screen)
    patterns._names = ({}, {})  # each example starts with none kept
    for text in texts:
        if screen == "hyperscan":
            hits = {patterns._set_rules[hit] for hit in patterns._screen.match(text)}
        else:  # the set's answer holds its sentinel, 0
            hits = {patterns._set_rules[hit - 1] for hit in patterns._set.Match(text) if hit}
        assert patterns.candidates(text) == tuple(sorted(hits | set(patterns._always))), text


@pytest.mark.skipif(not _hyperscan.AVAILABLE, reason="hyperscan is not installed")
def test_the_compiled_screen_is_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    triggers = ["(?i:hello)", "[0-9]{3}-[0-9]{4}"]
    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", str(tmp_path))
    first = _hyperscan.screen(triggers)
    [cached] = tmp_path.glob("triggers-*.hsdb")

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although cached")

    import hyperscan

    monkeypatch.setattr(hyperscan, "Database", no_compiling)
    loaded = _hyperscan.screen(triggers)
    for text in ("HELLO, call 555-0199", "HÉLLO, hello, call 555-0199"):  # both databases, from one file
        assert sorted(loaded.match(text)) == sorted(first.match(text)) == [0, 1]
    assert loaded.match("nothing here") == loaded.match("nothing hére") == []
    monkeypatch.undo()

    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", str(tmp_path))
    cached.write_bytes(b"not a database")  # truncated or from another machine: compiled afresh
    assert _hyperscan.screen(triggers).match("hello") == [0]
    assert cached.read_bytes() != b"not a database"

    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", "")  # empty: nothing written
    assert _hyperscan.cache_dir() is None
    cached.unlink()
    assert _hyperscan.screen(triggers).match("hello") == [0]
    assert not list(tmp_path.glob("triggers-*.hsdb"))


def test_the_environment_can_switch_hyperscan_off() -> None:
    code = "from intercom_redact.scanner import _hyperscan; print(_hyperscan.AVAILABLE)"
    env = {**os.environ, "INTERCOM_REDACT_NO_HYPERSCAN": "1",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    assert proc.stdout.split() == ["False"]


def test_builtin_patterns_on_re_match_as_on_regex(texts: list[str]) -> None:
    # The standard library's `re` runs the built-in patterns it can read (faster) on the texts both
    # engines read alike (ASCII, Latin-1's letters); `regex`, Presidio's engine, the rest.  Where both
    # read a pattern they must agree on every match of such a text.
    patterns = _patterns.builtin_pass()
    on_re = [rule for rule in patterns._rules if isinstance(rule.pattern, re.Pattern)]
    assert {"Email", "phone candidate", "card number"} <= {rule.name for rule in on_re}
    pairs = []
    for rule in on_re:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a set `re` would read differently warns (FutureWarning)
            pairs.append((rule, re.compile(rule.source, rule.entity.flags), regex.compile(rule.source, rule.entity.flags)))
    alike = [text for text in [*texts, *_every_test_string()] if _patterns._READ_ALIKE.fullmatch(text)]
    assert any(not text.isascii() for text in alike)
    for text in alike:
        for rule, on_stdlib, on_regex in pairs:
            assert ([m.span() for m in on_stdlib.finditer(text)]
                    == [m.span() for m in on_regex.finditer(text)]), (rule.name, text)


def test_iban_countries_are_python_stdnums() -> None:
    from stdnum import numdb

    assert sorted(IBAN_COUNTRIES) == sorted(prefix[1] for prefix in numdb.get("iban").prefixes)


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="the RE2 set is off (INTERCOM_REDACT_NO_RE2): no triggers")
def test_every_builtin_pattern_has_a_trigger() -> None:
    patterns = _patterns.builtin_pass()
    assert patterns.triggered_by_set == sum(len(entity.patterns) for entity in ENTITIES)


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="the RE2 set is off (INTERCOM_REDACT_NO_RE2): no triggers")
def test_a_set_that_gives_no_answer_runs_every_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = _patterns.PatternPass(ENTITIES)

    class GaveUp:  # RE2's DFA out of memory: Set.Match answers nothing, not even the sentinel
        def Match(self, text: str) -> None:
            return None

    assert patterns.candidates("user logged in") == ()
    monkeypatch.setattr(patterns, "_set", GaveUp())
    assert len(patterns.candidates("user logged in")) == len(patterns._rules)


@functools.cache
def _fresh_pass() -> _patterns.PatternPass:
    return _patterns.PatternPass(ENTITIES)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([0, 1]), st.lists(st.lists(st.integers(0, 85), max_size=8, unique=True), max_size=12),
       st.randoms(use_true_random=False))
def test_the_candidates_of_a_set_of_hits_are_kept_per_set(offset: int, hit_lists: list[list[int]],
                                                          rng: random.Random) -> None:
    # A screen reports its triggers in the order it met them; the answer depends on the set
    # alone, for the first text that hit it and every later one, whatever the order, and a
    # trigger alone (its own key) answers apart from the sets holding it.
    patterns = _fresh_pass()
    rules = patterns._set_rules
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(_patterns, "_NAMES_SIZE", 3)  # full often: cleared whole, and answers still right
        for hits in hit_lists + [rng.sample(hits, len(hits)) for hits in hit_lists]:
            expected = tuple(sorted({rules[hit - offset] for hit in hits if 0 <= hit - offset < len(rules)}
                                    | set(patterns._always)))
            assert patterns._named([hit for hit in hits if hit - offset < len(rules)], offset) == expected, hits
            assert len(patterns._names[offset]) <= 3


def test_compile_says_how_long_it_took_and_nothing_once_warm() -> None:
    patterns = _patterns.PatternPass(ENTITIES)
    email = next(i for i, rule in enumerate(patterns._rules) if rule.name == "Email")
    assert patterns._rules[email]._compiled is None
    assert patterns.compile([email]) > 0.0  # a pattern compiled: the scan leaves that time out of its budget
    assert patterns._rules[email]._compiled is not None
    patterns.warm()
    assert patterns.compile(patterns._all) == 0.0


def test_the_budget_leaves_out_what_compiling_took(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "write to jane.doe@example.com"
    expected = Scanner().scan(text)
    assert expected
    monkeypatch.setattr(_patterns.PatternPass, "compile", lambda self, candidates: 60.0)  # as if a minute
    scanner = Scanner(time_budget=0.0)
    assert scanner.scan(text) == expected
    assert scanner.stats == {}


@pytest.mark.parametrize(("pattern", "flags", "trigger"), [
    (r"(?<![\w.])a(?=b)", 0, "(?:)a(?:b)"),                   # negative dropped, positive kept
    (r"\bx\d{2}\K", 2, r"(?i)(?:)x[0-9\x{80}-\x{10FFFF}]{2}(?:)"),
    (r"a{2,5}b{0,62}", 0, "a{2,}b{0,}"),                         # upper bounds dropped
    (r"[\w.-]+@[^\s@]+", 0, r"[0-9A-Za-z_\x{80}-\x{10FFFF}.-]+@[^\s@]+"),
    (r"\p{Lu}\p{Ll}+", 0, r"[A-Z\x{80}-\x{10FFFF}][a-z\x{80}-\x{10FFFF}]+"),
    (r"(?<name>a)\Z", 0, r"(?P<name>a)\z"),
    (r"a{,3}", 0, "a{0,}"),
    (r"a$", 0, r"a(?:\n?\z)"),                                 # "$" before a final newline too
    (r"a$", 8, "(?m)a$"),
])
def test_triggers(pattern: str, flags: int, trigger: str) -> None:
    assert _patterns.to_re2(pattern, flags) == trigger


@pytest.mark.parametrize(("trigger", "twin"), [
    (r"[0-9\x{80}-\x{10FFFF}]{4}-x", r"[\x30-\x39\x80-\xff]{4,}\-x"),  # a character is 1-4 bytes
    (r"[A-Z\x{80}-\x{10FFFF}]?a[^<>\s]b", r"[\x41-\x5a\x80-\xff]*a[^\x3c\x3e\s]+b"),
    (r"(?P<n>x{2})\.y{3,}z*", r"(?:x{2})\.y{3,}z*"),                      # one-byte atoms keep theirs
    (r"(?i)ask [a-c]", r"(?i)a(?:s|\xc5\xbf)(?:k|\xe2\x84\xaa)\ [\x61-\x63]"),  # Kelvin sign, long s
    (r"(?i:[h-j])", r"(?i:(?:[\x68-\x6a]|\xc4\xb0|\xc4\xb1))"),
    (r"[^\x{80}-\x{10FFFF}]", r"[\x00-\xff]+"),
    ("a{", r"a\{"),
    ("straße", None), (r"[,\-–]", None), (r"[\x{3400}-\x{4dbf}]", None), (r"(?i-s:a)", None),
])
def test_byte_triggers(trigger: str, twin: str | None) -> None:
    assert byte_trigger(trigger) == twin


@pytest.mark.parametrize(("trigger", "restricted"), [
    (r"[0-9\x{80}-\x{10FFFF}]{4}-x", r"[\x30-\x39]{4}\x2dx"),         # a character is a byte: the count kept
    (r"[A-Z\x{80}-\x{10FFFF}][a-z\x{80}-\x{10FFFF}]+", r"[\x41-\x5a][\x61-\x7a]+"),
    (r"[^<>\s@]+@", r"[\x00-\x08\x0b\x0e-\x1f\x21-\x3b\x3d\x3f\x41-\x7f]+\x40"),  # RE2's \s, no \x80 up
    (r"\d\W", r"[\x30-\x39][\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"),
    ("a.b", r"a[\x00-\x09\x0b-\x7f]b"), ("(?s)a.b", r"(?s)a[\x00-\x7f]b"),
    (r"(?i)stra(?:ße|sse)\.", r"(?i)stra(?:sse)\x2e"),                    # a branch needing ß goes
    ("x(?:ß)?y", "xy"), ("x(?:ß)+y", None), (r"[\x{3400}-\x{4dbf}]{2}", None),  # none left: no ASCII match
    (r"(?i)\x{212A}m", "(?i)km"), (r"\x{212A}m", None), (r"(?i:[\x{17f}t])", r"(?i:[\x53-\x54\x73-\x74])"),
    (r"(?i)[k\x{80}-\x{10FFFF}]", r"(?i)[\x4b\x6b]"),  # every non-ASCII letter: its ASCII members stand for it
    (r"(?i)[^k]", r"(?i)[\x00-\x4a\x4c-\x6a\x6c-\x7f]"), ("[^ß]", r"[\x00-\x7f]"),
    (r"(?P<n>x){2,5}?\z", r"(?:x){2,5}\z"), (r"(?i-s:a)^$", "(?i-s:a)^$"), (r"a\\z", r"a\x5cz"),
])
def test_ascii_triggers(trigger: str, restricted: str | None) -> None:
    assert ascii_trigger(trigger) == restricted


@pytest.mark.parametrize("trigger", ["[[:alpha:]]", "a{,3}", r"(a)\1", "(?U)a", "(?:" * 600 + "a" + ")" * 600])
def test_no_ascii_trigger_is_guessed_where_re_reads_a_trigger_otherwise_or_not_at_all(trigger: str) -> None:
    with pytest.raises(ValueError):
        ascii_trigger(trigger)


def test_case_partners_are_the_letters_python_folds_to_ascii() -> None:
    folded: dict[str, str] = {}
    for engine in (re, regex):
        letters = engine.compile("[a-z]", engine.IGNORECASE)
        for code in range(0x80, 0x110000):
            if letters.fullmatch(chr(code)):
                key = next(ascii for ascii in "abcdefghijklmnopqrstuvwxyz"
                           if engine.fullmatch(ascii, chr(code), engine.IGNORECASE))
                folded[key] = "".join(sorted(set(folded.get(key, "") + chr(code))))
    assert folded == CASE_PARTNERS


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?>ab)", r"a++", r"[^\S]", r"(?(1)a|b)"])
def test_what_re2_cannot_screen_has_no_trigger(pattern: str) -> None:
    assert _patterns.to_re2(pattern, 0) is None


def test_verbose_patterns_have_no_trigger() -> None:
    import re

    assert _patterns.to_re2("a b", re.VERBOSE) is None


# -- patterns written for speed ------------------------------------------------------------------
# Several built-in patterns are spelled for the engine (a look-ahead that turns a place down early,
# an alternation grouped by first letter, a possessive repeat, one look-behind for "line start or
# punctuation"); each rewrite matched the plain spelling on every string tried.  What they find:


@pytest.mark.parametrize(("name", "text", "matches"), [
    ("Email", "mail a%b@example.com or jane%40example.com, x&#64;example.org",
     ["a%b@example.com", "jane%40example.com", "x&#64;example.org"]),
    ("Email", "a" * 64 + "@example.com " + "b" * 65 + "@example.com", ["a" * 64 + "@example.com"]),
    ("Email", "word words.more and then jane.doe@example.co.uk", ["jane.doe@example.co.uk"]),
    ("Email", "no at sign here at all, 100% sure & done", []),
    ("phone candidate", "call +49 30 1234567 or (030) 1234567, 0049 30 1234567",
     ["+49 30 1234567", "(030) 1234567", "0049 30 1234567"]),
    ("phone candidate", "id x123-4567-890 and /path/1234567 and 12.345.678", ["12.345.678"]),
    ("greeting, any case", "hi jane,\nthanks", ["jane"]),
    ("greeting, any case", "ok. hello bob doe!\n>hoi jan:", ["bob doe", "jan"]),
    ("greeting, any case", "abc hi bob,\nwhich fixed it, hi there,", ["there"]),
    ("greeting, any case", "Buenos días María,\n  Good morning Jane,", ["María", "Jane"]),
    ("greeting, any case", "shoi jan,\n'oi ana,", ["ana"]),
    ("sign-off", "Thanks,\nThanks,\nJohn Doe", ["Thanks", "John Doe"]),
    ("sign-off", "Kind Regards\nJane Thanks\nBob", ["Jane Thanks", "Bob"]),  # a sign-off inside the last match
    ("sign-off", "Cheers,\n \n—Ana Lukić-de Pauw", ["Ana Lukić-de Pauw"]),
    ("sign-off", "Regards,\n\n\n\n\n Jane", []),
    ("sign-off, any case", "Thanks again,\njane doe\n", ["jane doe"]),
    ("sign-off, any case", "ok.\ncheers mate\n-- bob\n", ["bob"]),
    ("sign-off, any case", "x merci beaucoup,\nmarie\n", []),
    ("sign-off at the end, any case", "see you. Best regards, jane", ["jane"]),
    ("greeting, any case", "Hi jane,\nhi bob,", ["jane", "bob"]),  # one at the text's start, one after a mark
    ("sign-off, any case", "thanks,\njo'\nbest,\nbob", ["jo'", "bob"]),  # a mark ends one name: it leads the next
    ("sign-off at the end, any case", "Best, jane", ["jane"]),
    ("this is … from", "hi, this is jane from acme. it’s łukasz here", ["jane", "łukasz"]),
    ("identifier after an identity word", "BSN: 111222333, personal id 12345678, identity number AB123456",
     ["111222333", "12345678", "AB123456"]),
    ("identifier after an identity word", "my steuer-id is 12345678901 and nie X1234567L", ["12345678901", "X1234567L"]),
    ("given name and surname", "Uwe Ziegler will be talking to Anne-Marie van der Berg and Josef K. Novak",
     ["Uwe Ziegler", "Anne-Marie van der Berg", "Josef K. Novak"]),
    ("given name and surname", "Thanks Uwe ziegler, and Mr Bean-counter", ["Thanks Uwe", "Mr Bean"]),
    ("given name where a person stands", "Josef is here. Anne-Marie said hi.\nOskar: yes. Maarit, can you",
     ["Josef", "Anne-Marie", "Maarit"]),
    ("given name where a person stands", "and Josef is here, Josefine was", ["Josefine"]),
    ("list of given names", "Hervé, Noël and Wallace came; Anne-Marie & Jo too", ["Hervé, Noël and Wallace", "Anne-Marie & Jo"]),
    ("name here", "ok. Jane Doe here, hi", ["Jane Doe"]),
])
def test_patterns_written_for_speed_find_what_they_did(name: str, text: str, matches: list[str]) -> None:
    [rule] = [rule for rule in _patterns.builtin_pass()._rules if rule.name == name]
    assert [match.group() for match in rule.matches(text)] == matches


# A row's after_first (PatternSpec) is searched past the text's first character in its place:
# texts of the pieces greetings and sign-offs are made of, marks glued to names, cues at the start.
_LEAD_PIECES = st.sampled_from([
    "hi", "Hello", "dear", "good morning", "thanks", "Best regards", "cheers mate", "merci", "gracias", "jane", "Bob",
    "jo'", "ann’", "O'Neil", "van", " ", "  ", "\t", "\n", "\n\n", ",", ".", "!", "?", ":", ";", ">", "(", '"', "'",
    "“", "‘", "-", "--", "—", "x", "é", "a.b",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LEAD_PIECES, max_size=14).map("".join))
def test_a_row_searched_past_its_first_character_matches_as_its_pattern(text: str) -> None:
    rules = [rule for rule in _patterns.builtin_pass()._rules if rule.after_first is not None]
    assert {rule.name for rule in rules} >= {"greeting, any case", "sign-off, any case"}
    for rule in rules:
        plain = regex.compile(rule.source, rule.entity.flags)  # as Presidio runs the row
        for variant in (text, text.lstrip(), "\n" + text):
            assert ([match.regs for match in rule.matches(variant)]
                    == [match.regs for match in plain.finditer(variant)]), (rule.name, variant)


def test_rows_searched_past_their_first_character_match_the_suites_strings(texts: list[str]) -> None:
    rules = [rule for rule in _patterns.builtin_pass()._rules if rule.after_first is not None]
    for text in [*texts, *_every_test_string()]:
        for rule in rules:
            plain = regex.compile(rule.source, rule.entity.flags)
            assert [m.regs for m in rule.matches(text)] == [m.regs for m in plain.finditer(text)], (rule.name, text)


# A row's ascii_only (PatternSpec) is what re searches on a text all ASCII: names, particles,
# suffixes, initials, hyphens, apostrophes and the marks before a capital.
_ASCII_NAME_PIECES = st.sampled_from([
    "Uwe", "Ziegler", "Anne", "Marie", "Jo", "Hi", "Thanks", "Mr", "Ms.", "McDonald", "O'Neil", "DeShawn", "van", "der",
    "de", "la", "y", "K.", "K", "J.R.", "Jr", "Jr.", "PhD", "MBA", "Esq.", "III", "x", "ab", "é", " ", "  ", "\t", "\n",
    ",", ", ", ".", "-", "'", "@", "/", "_", "1", ": ", "(", "Ab-Cd",
])


def _ascii_rows() -> list[_patterns._Rule]:
    rows = [rule for rule in _patterns.builtin_pass()._rules if rule.ascii_only is not None]
    assert {rule.name for rule in rows} >= {"given name and surname", "greeting, any case", "sign-off, any case"}
    return rows


@pytest.mark.skipif(sys.version_info < (3, 11), reason="re reads possessive quantifiers from Python 3.11")
def test_rows_with_an_ascii_spelling_are_searched_by_re_on_ascii_texts() -> None:
    for rule in _ascii_rows():
        rule.pattern  # noqa: B018  (compiles it, and sets its matches)
        assert isinstance(rule.matches, functools.partial) and rule.matches.func is _patterns._ascii_or_any, rule.name
        ascii_matches = rule.matches.args[0]
        searched = ascii_matches.args[1] if rule.after_first is not None else ascii_matches.__self__
        assert isinstance(searched, (re.Pattern, _patterns._Located)), rule.name


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_ASCII_NAME_PIECES, _LEAD_PIECES), max_size=16).map("".join))
def test_a_row_spelled_for_ascii_texts_matches_as_its_pattern(text: str) -> None:
    for rule in _ascii_rows():
        plain = regex.compile(rule.source, rule.entity.flags)  # as Presidio runs the row
        ascii_text = text.encode("ascii", "ignore").decode()
        for variant in (text, ascii_text, ascii_text.lstrip(), "\n" + ascii_text, "é" + ascii_text):
            assert ([match.regs for match in rule.matches(variant)]
                    == [match.regs for match in plain.finditer(variant)]), (rule.name, variant)


def test_rows_spelled_for_ascii_texts_match_the_suites_strings(texts: list[str]) -> None:
    for text in [*texts, *_every_test_string()]:
        for variant in (text, text.encode("ascii", "ignore").decode()):  # the text's ASCII letters too
            for rule in _ascii_rows():
                plain = regex.compile(rule.source, rule.entity.flags)
                assert ([m.regs for m in rule.matches(variant)] == [m.regs for m in plain.finditer(variant)]), (
                    rule.name, variant)


# A built-in row re reads runs on re only on a text both engines read alike (ASCII, Latin-1's letters):
# past those re's \w, \b, \s and case are not regex's (regex's \w holds combining marks, re's superscript
# digits; re's \s holds the ASCII controls \x1c-\x1f, which no such row may hold).  Addresses, numbers,
# words, letters, decomposed accents, superscripts, dotted and dotless i, controls glued to them.
_PAST_ASCII_PIECES = st.sampled_from([
    "jo", "jose\u0301", "\u0301", "\u0308", "\u00e9", "\u00d6", "\u00ff", "\u00df", "\u00c0", "\u0130", "\u0131", "\u00b5",
    "\u00d7", "\u00aa", "\u00b2", "\u00b9", "\u00bd", "\u0660", "@", "%40", "example.com",
    ".", "-", "_", "+", "4111 1111 1111 1111", "4111111111111111", "212-555-0199", "+44 20 7946 0958", "123-45-6789",
    "10.0.0.1", "GB82WEST12345698765432", "gb82 west 1234 5698 7654 32", "SW1A 1AA", "1234 AB", " ", "\n", "\t", "\x1c",
    "\x1f", "\x0b", "\x85", "\xa0", ":", "/", "x", "Bearer", "eyJ",
])


def _rows_re_reads() -> list[_patterns._Rule]:
    rows = [rule for rule in _patterns.builtin_pass()._rules if isinstance(rule.pattern, re.Pattern)]
    assert {rule.name for rule in rows} >= {"Email", "phone candidate", "card number", "IBAN Generic", "IPv4"}
    return rows


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PAST_ASCII_PIECES, st.text(st.characters(max_codepoint=127), max_size=4)), max_size=12)
       .map("".join))
def test_a_row_re_reads_matches_as_its_pattern_on_any_text(text: str) -> None:
    for rule in _rows_re_reads():
        plain = regex.compile(rule.source, rule.entity.flags)  # as Presidio runs the row
        for variant in (text, text.encode("ascii", "ignore").decode()):
            assert ([m.regs for m in rule.matches(variant)] == [m.regs for m in plain.finditer(variant)]), (
                rule.name, variant)


def test_rows_re_reads_match_the_suites_strings_decomposed_too(texts: list[str]) -> None:
    for text in [*texts, *_every_test_string()]:
        for variant in (text, unicodedata.normalize("NFD", text)):
            for rule in _rows_re_reads():
                plain = regex.compile(rule.source, rule.entity.flags)
                assert ([m.regs for m in rule.matches(variant)] == [m.regs for m in plain.finditer(variant)]), (
                    rule.name, variant)


def test_an_address_with_a_decomposed_accent_is_found_whole() -> None:
    # re's \w has no combining marks: on re the local part "jose\u0301" held no match at all.
    text = unicodedata.normalize("NFD", "write to josé@example.com or call")
    patterns = _patterns.builtin_pass()
    assert [(text[f.start:f.end], f.entity_type) for f in disjoint(patterns.find(text, patterns.candidates(text)))] == [
        ("jose\u0301@example.com", "EMAIL_ADDRESS")]


# A lowered row (PatternSpec.lowered) has its ASCII spelling searched on the text in lower case, a
# cued row (PatternSpec.cue) is tried where its cue ends on it: greetings, sign-offs and
# introductions in any case, near misses, names with capitals, titles, initials, accents,
# apostrophes and hyphens, the marks a lead is, newlines; as written, in ASCII, and as an HTML body's view.
_CUE_WORDS = [
    "hi", "hello", "hey", "dear", "hallo", "hoi", "moin", "servus", "bonjour", "salut", "hola", "buenos días", "ciao",
    "salve", "olá", "oi", "hej", "hei", "cześć", "witam", "dzień dobry", "liebe", "lieber", "sehr geehrter", "cher",
    "chère", "estimado", "querida", "caro", "gentile", "beste", "geachte", "good morning", "good \tevening",
    "thanks", "thank you", "many thanks", "thanks again", "cheers", "best", "best regards", "kind regards", "regards",
    "warm regards", "sincerely", "yours truly", "cordialement", "groeten", "met vriendelijke groet",
    "mit freundlichen grüßen", "viele grüße", "saludos", "cheers mate", "thx", "ty", "merci", "merci beaucoup",
    "bien à vous", "danke", "vielen dank", "lg", "mfg", "gracias", "un saludo", "atentamente", "grazie",
    "cordiali saluti", "obrigada", "pozdrawiam", "z poważaniem", "dziękuję", "groetjes", "mvh", "hälsningar",
    "venlig hilsen", "his", "helloo", "bestow", "thanksgiving", "deary", "ok", "my name is", "this is", "name:",
    "ohi", "good  afternoon",
]
_NAMES = ["jane", "Bob", "O'Neil", "jo'", "ann’", "Anne-Marie", "łukasz", "José", "ÉLODIE", "van der Berg", "x", "Ab-",
          "Mr. ", "Dr ", "Jane Q. Doe", "Doe", "McDonald", "Hi"]
_MARKS = [" ", "  ", "\t", "\n", "\n\n", " \n", ",", ", ", ".", "!", "?", ":", ";", ">", "(", '"', "'", "“", "‘",
          "-", "--", "—", "–", "1", "@", "/", "_"]


@st.composite
def _cue_texts(draw: st.DrawFn) -> str:
    """Cue words in any case (a letter at a time), names and marks; often a cue, a name and a mark in a row."""
    pieces = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["cue", "name", "mark", "mark", "cued name"]))
        if kind in ("cue", "cued name"):
            word = draw(st.sampled_from(_CUE_WORDS))
            pieces.append("".join(c.upper() if draw(st.booleans()) else c for c in word))
        if kind == "cued name":
            pieces.append(draw(st.sampled_from([" ", "  ", "\t", ",\n", "\n"])))
            pieces.append(draw(st.sampled_from(_NAMES)) + draw(st.sampled_from([",", "!", ".", "\n", ""])))
        elif kind != "cue":
            pieces.append(draw(st.sampled_from(_NAMES if kind == "name" else _MARKS)))
    return "".join(pieces)


def _lowered_rows() -> list[_patterns._Rule]:
    rows = [rule for rule in _patterns.builtin_pass()._rules if rule.lowered]
    assert {rule.name for rule in rows} == {"greeting, any case", "sign-off, any case", "sign-off at the end, any case"}
    return rows


def _cued_rows() -> list[_patterns._Rule]:
    rows = [rule for rule in _patterns.builtin_pass()._rules if rule.cue is not None]
    assert {rule.name for rule in rows} == {"greeting"}
    return rows


def _disagree(rule: _patterns._Rule, text: str) -> list[str]:
    """The variants of ``text`` where ``rule``'s search and its pattern, run as Presidio runs it, match differently."""
    plain = regex.compile(rule.source, rule.entity.flags)
    ascii_text = text.encode("ascii", "ignore").decode()
    view = extract("<div>" + html.escape(text).replace("\n", "<br>") + "</div>").text
    return [variant for variant in (text, ascii_text, ascii_text.lstrip(), "\n" + ascii_text, ascii_text.upper(), view)
            if [m.regs for m in rule.matches(variant)] != [m.regs for m in plain.finditer(variant)]]


@settings(max_examples=600, deadline=None)
@given(_cue_texts())
def test_a_lowered_row_matches_as_its_pattern(text: str) -> None:
    for rule in _lowered_rows():
        assert _disagree(rule, text) == [], rule.name


@settings(max_examples=600, deadline=None)
@given(_cue_texts())
def test_a_cued_row_matches_as_its_pattern(text: str) -> None:
    for rule in _cued_rows():
        assert _disagree(rule, text) == [], rule.name


def test_lowered_and_cued_rows_match_the_suites_strings(texts: list[str]) -> None:
    for text in [*texts, *_every_test_string()]:
        for rule in [*_lowered_rows(), *_cued_rows()]:
            assert _disagree(rule, text) == [], (rule.name, text)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="re reads possessive quantifiers from Python 3.11: no ASCII spelling to break")
def test_a_spelling_lowered_that_reads_case_is_caught() -> None:
    # A capital is no capital in the text in lower case: lowering the given-name row's spelling
    # (or writing a capital in a lowered group) finds nothing where the row finds a name.
    [entity] = [entity for entity in ENTITIES if any(spec.name == "given name and surname" for spec in entity.patterns)]
    spec = next(spec for spec in entity.patterns if spec.name == "given name and surname")
    broken = _patterns.PatternPass([dataclasses.replace(entity, patterns=(dataclasses.replace(spec, lowered=True),))])
    assert _disagree(broken._rules[0], "then Uwe Ziegler said") != []
    greeting = next(rule for rule in _lowered_rows() if rule.name == "greeting, any case")
    capital = next(spec for entity in ENTITIES for spec in entity.patterns if spec.name == "greeting, any case")
    spelled = dataclasses.replace(capital, ascii_only=capital.ascii_only.replace("h(?:i|", "H(?:i|"))  # type: ignore[union-attr]
    broken = _patterns.PatternPass([dataclasses.replace(greeting.entity, patterns=(spelled,))])
    assert _disagree(broken._rules[0], "\nhi jane,") != []
    assert _disagree(greeting, "\nhi jane,") == []


def test_a_cue_that_misses_a_place_is_caught() -> None:
    [rule] = _cued_rows()
    spec = next(spec for entity in ENTITIES for spec in entity.patterns if spec.name == rule.name)
    missing = dataclasses.replace(spec, cue=spec.cue.replace("|dear", ""))  # type: ignore[union-attr]
    broken = _patterns.PatternPass([dataclasses.replace(rule.entity, patterns=(missing,))])
    assert _disagree(broken._rules[0], "Dear Jane,") != []
    assert _disagree(rule, "Dear Jane,") == []


# The given name where a person stands: its ASCII spelling holds one look-behind per lead and count
# of spaces before the capital; texts of given names after leads, marks and spaces, before the words
# that make a person of them.
_STANDS_PIECES = st.sampled_from([
    "Josef", "Anne-Marie", "Uwe", "O'Neil", "Maarit", "José", "x", "and", " ", "  ", "   ", "    ", "\t", "\n", ".", "!",
    "?", ",", ";", ":", ">", "(", '"', "'", "“", "‘", "-", " is", " said", " wrote", ": ", ': "', ", can", ", Thanks", ", we",
    " isn't", "Is", "1",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(_STANDS_PIECES, max_size=14).map("".join))
def test_a_given_name_where_a_person_stands_matches_as_its_pattern(text: str) -> None:
    [rule] = [rule for rule in _patterns.builtin_pass()._rules if rule.name == "given name where a person stands"]
    assert rule.ascii_only is not None
    assert _disagree(rule, text) == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="re reads possessive quantifiers from Python 3.11: no ASCII spelling to break")
def test_a_lead_left_out_of_its_ascii_spelling_is_caught() -> None:
    [rule] = [rule for rule in _patterns.builtin_pass()._rules if rule.name == "given name where a person stands"]
    spec = next(spec for entity in ENTITIES for spec in entity.patterns if spec.name == rule.name)
    three_spaces = r"|(?<=^[ \t][ \t][ \t]\p{Lu})"
    assert three_spaces in spec.ascii_only  # type: ignore[operator]
    broken = _patterns.PatternPass([dataclasses.replace(rule.entity, patterns=(
        dataclasses.replace(spec, ascii_only=spec.ascii_only.replace(three_spaces, "")),))])  # type: ignore[union-attr]
    assert _disagree(broken._rules[0], "   Josef is here") != []
    assert _disagree(rule, "   Josef is here") == []


# An anchored row (PatternSpec.anchored) is searched on a text all ASCII from the run before each
# next anchor: addresses and their pieces glued by local-part characters and by others.
_MAIL_PIECES = st.sampled_from([
    "jo@ex.com", "jo.doe@mail.example.co.uk", "al%40ex.com", "x%2540y.org", "me&#64;ex.de", "me&#x40;ex.de", "@", "%",
    "&", "&amp;", "%20", "jo", "Doe", "o'neil", "a.b", "x-y", "_", "+tag", "42", "mailto:", ".", "..", "-", "ex.com",
    "jöran@exämple.de", "'", '"jo"@ex.com', "{x}", "|", "~", "#", "!", "$", "*", "^", "`", "=", "?", "/", ":", ";", "<",
    ">", "(", " ", "  ", "\n", "\t", ",",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(_MAIL_PIECES, max_size=14).map("".join))
def test_an_anchored_row_matches_as_its_pattern(text: str) -> None:
    rows = [rule for rule in _patterns.builtin_pass()._rules if rule.anchored is not None]
    assert [rule.name for rule in rows] == ["Email"]
    for rule in rows:
        assert _disagree(rule, text) == [], rule.name


def test_an_anchored_row_matches_the_suites_strings(texts: list[str]) -> None:
    [rule] = [rule for rule in _patterns.builtin_pass()._rules if rule.anchored is not None]
    for text in [*texts, *_every_test_string()]:
        assert _disagree(rule, text) == [], text


def test_an_anchor_or_a_run_character_left_out_is_caught() -> None:
    [rule] = [rule for rule in _patterns.builtin_pass()._rules if rule.anchored is not None]
    spec = next(spec for entity in ENTITIES for spec in entity.patterns if spec.name == rule.name)
    anchors, run = spec.anchored  # type: ignore[misc]
    for broken, text in [((anchors.replace("&", ""), run), "mail me&#64;ex.de now"),
                         ((anchors, run.replace(".", "")), "mail jo.doe@ex.com now")]:
        changed = _patterns.PatternPass([dataclasses.replace(rule.entity, patterns=(
            dataclasses.replace(spec, anchored=broken),))])
        assert _disagree(changed._rules[0], text) != [], broken
        assert _disagree(rule, text) == []


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=12), st.sampled_from(sorted(
    category for category in _patterns._ASCII_OF if len(category) > 1 or category.isupper())))
def test_a_category_spelled_in_ascii_matches_as_the_category_on_ascii_texts(text: str, category: str) -> None:
    for pattern in (rf"[\p{{{category}}}x]", rf"[^\p{{{category}}}x]", rf"[^\p{{{category}}}]"):
        spelled = re.compile(_patterns.ascii_spelling(pattern)[0])
        assert spelled.findall(text) == regex.findall(pattern, text), (category, pattern, text)
    if _patterns._ASCII_OF[category]:
        assert re.findall(_patterns.ascii_spelling(rf"\p{{{category}}}")[0], text) == regex.findall(
            rf"\p{{{category}}}", text)


@pytest.mark.parametrize("pattern", [r"a*", r"x\Ka*", r"(?<=b)\Ka*", r"b\Kc|a*", r"\b\K"])
def test_a_search_located_by_re_finds_the_patterns_matches_empty_ones_too(pattern: str) -> None:
    located = _patterns._Located(re.compile(_patterns.ascii_spelling(pattern)[0]), regex.compile(pattern))
    for text in ["", "a", "baaab", "xaa xb bcaa", "ab ba"]:
        for pos in range(len(text) + 1):
            assert ([m.regs for m in located.finditer(text, pos)]
                    == [m.regs for m in regex.compile(pattern).finditer(text, pos)]), (pattern, text, pos)


def test_ascii_spelling_leaves_escapes_and_other_classes_as_written() -> None:
    assert _patterns.ascii_spelling(r"\p{Lu}(?<![\p{L}\p{M}'.\-]\p{Lu})\p{Ll}++") == (
        r"[A-Z](?<![A-Za-z'.\-][A-Z])[a-z]++", False)
    assert _patterns.ascii_spelling(r"\\p{Lu}\[\p{N}\][\]\p{Lu}]\\K") == (r"\\p{Lu}\[[0-9]\][\]A-Z]\\K", False)
    assert _patterns.ascii_spelling(r"[\K]x\K\p{L}") == (r"[\K]x[A-Za-z]", True)
    assert re.findall(_patterns.ascii_spelling(r"a[\p{Mn}]|b[^\p{Lo}]")[0], "ab_a bc") == ["b_", "bc"]
    with pytest.raises(ValueError, match="no ASCII members"):
        _patterns.ascii_spelling(r"\p{M}")
    with pytest.raises(KeyError):
        _patterns.ascii_spelling(r"\p{Greek}")


def test_an_alternation_grouped_by_first_letter_matches_as_the_flat_one() -> None:
    words = ("hi", "hello", "hey", "dear", r"good[ \t]+(?:morning|day)", "y", "yes", "hoi")
    grouped = by_first_letter(words)
    assert grouped == r"h(?:i|ello|ey|oi)|dear|good[ \t]+(?:morning|day)|y(?:|es)"
    flat = regex.compile(rf"\b(?i:{'|'.join(words)})\w*")
    fast = regex.compile(rf"\b(?i:{grouped})\w*")
    for text in ["Hello HEY hoi dear good  Morning yes y yo hithere", "Ǧood day", "ſhoi"]:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in flat.finditer(text)]
    for bad in [("Hi",), ("y?es",), ("(?:a|b)",)]:
        with pytest.raises(ValueError, match="lower-case letter"):
            by_first_letter(bad)


# -- a user's recognizers ----------------------------------------------------------------------


class CustomerIds(PatternRecognizer):
    """CUST-123456, the last digit a check digit (sum of the others mod 10); CUST-000000 is a test id."""

    def __init__(self) -> None:
        super().__init__(supported_entity="CUSTOMER_ID", patterns=[Pattern("id", r"\bCUST-\d{6}\b", 0.3)],
                         context=["customer"])

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = [int(d) for d in pattern_text[5:]]
        return sum(digits[:5]) % 10 == digits[5] or None

    def invalidate_result(self, pattern_text: str) -> bool:
        return pattern_text == "CUST-000000"


class TicketWords(EntityRecognizer):
    """Not a pattern recognizer: Presidio's analyzer runs it."""

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        at = text.find("falcon")
        return [] if at < 0 else [RecognizerResult("CODENAME", at, at + 6, 0.9)]


def _found(scanner: Scanner, text: str) -> list[tuple[str, str]]:
    return [(text[f.start:f.end], f.entity_type) for f in scanner.scan(text)]


def test_user_pattern_recognizer_runs_in_the_pass() -> None:
    scanner = Scanner(recognizers=[CustomerIds()], cache_size=0)
    assert _found(scanner, "refund for CUST-123455 done") == [("CUST-123455", "CUSTOMER_ID")]  # validated
    assert _found(scanner, "refund for CUST-123450 done") == []            # no checksum, no context: 0.3
    assert _found(scanner, "customer CUST-123450 wrote") == [("CUST-123450", "CUSTOMER_ID")]  # context
    assert _found(scanner, "customer CUST-000000 wrote") == []             # invalidated
    assert _found(scanner, "mail jane@example.com") == [("jane@example.com", "EMAIL_ADDRESS")]
    assert scanner._presidio is None  # Presidio's analyzer never ran


def test_user_deny_list_runs_in_the_pass() -> None:
    scanner = Scanner(recognizers=[PatternRecognizer(supported_entity="CODENAME", deny_list=["Project Falcon"])])
    assert _found(scanner, "status of project falcon?") == [("project falcon", "CODENAME")]
    assert scanner._presidio is None


def test_user_other_recognizer_runs_through_presidio() -> None:
    scanner = Scanner(recognizers=[TicketWords(supported_entities=["CODENAME"])], cache_size=0)
    assert _found(scanner, "the falcon lands") == [("falcon", "CODENAME")]
    assert _found(scanner, "call +44 20 7946 0958 re falcon") == [
        ("+44 20 7946 0958", "PHONE_NUMBER"), ("falcon", "CODENAME")]
    assert scanner._presidio is not None and scanner._presidio.analyzer is not None


def test_user_recognizers_survive_pickling() -> None:
    scanner = Scanner(recognizers=[CustomerIds()])
    clone = pickle.loads(pickle.dumps(scanner))
    assert _found(clone, "refund for CUST-123455 done") == [("CUST-123455", "CUSTOMER_ID")]


def test_a_recognizer_that_is_not_presidios_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match="EntityRecognizer"):
        Scanner(recognizers=[object()])


# -- cold start --------------------------------------------------------------------------------

_CHILD = '''
import json, sys
from intercom_redact import Redactor, Scanner

scanner = None
if sys.argv[1] == "other":
    from presidio_analyzer import EntityRecognizer

    class Nothing(EntityRecognizer):
        def load(self): pass
        def analyze(self, text, entities, nlp_artifacts=None): return []

    scanner = Scanner(recognizers=[Nothing(supported_entities=["X"])])
event = {"event": "contact jane.doe@example.com asked to be called on +44 20 7946 0958",
         "contact": {"id": "6762f0a91bb69f9f2193bb1a", "name": "Jane Doe", "email": "jane.doe@example.com"},
         "body": "<p>Hi Jane,</p><p>card 4111 1111 1111 1111, IBAN NL91 ABNA 0417 1643 00, ip 203.0.113.7</p>"}
out = Redactor(scanner=scanner).redact(event)
print(json.dumps({"out": out, "loaded": sorted(m for m in ("presidio_analyzer", "spacy", "tldextract")
                                                if m in sys.modules)}))
'''


def _child(mode: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_CHILD), mode], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_pattern_mode_imports_neither_presidio_nor_spacy() -> None:
    result = _child("patterns")
    assert result["loaded"] == []
    text = json.dumps(result["out"])
    for secret in ("jane.doe@example.com", "7946 0958", "Jane", "4111 1111", "NL91", "203.0.113.7"):
        assert secret not in text
    assert "6762f0a91bb69f9f2193bb1a" in text


def test_a_non_pattern_recognizer_loads_presidio() -> None:
    # The control: the check above would see Presidio if the scanner loaded it.
    assert "presidio_analyzer" in _child("other")["loaded"]
