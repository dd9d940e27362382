"""The scanner's contract: findings, fail closed with counted reasons, cache, batch, threads, pickle."""

from __future__ import annotations

import dataclasses
import logging
import pickle
import re
import threading

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intercom_redact.scanner import UNSCANNED, Finding, ModelNotInstalledError, Scanner, _patterns

TEXT = ("Hi Jane,\nplease call +44 20 7946 0958 or mail jane@example.com; "
        "card 4111 1111 1111 1111.\nThanks,\nJane Doe")


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def test_finding_is_frozen_with_slots() -> None:
    finding = Finding(1, 2, "PERSON", 0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 3  # type: ignore[misc]
    assert not hasattr(finding, "__dict__")


def test_findings_are_sorted_and_disjoint(scanner: Scanner) -> None:
    findings = scanner.scan(TEXT)
    assert [f.entity_type for f in findings] == [
        "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "PERSON"]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))


def test_clean_text_has_no_findings(scanner: Scanner) -> None:
    assert scanner.scan("user logged in") == []
    assert scanner.scan("") == []


def test_size_cap_fails_closed_and_counts() -> None:
    scanner = Scanner(max_chars=20)
    text = "x" * 21
    assert scanner.scan(text) == [Finding(0, 21, UNSCANNED, 1.0)]
    assert scanner.find_known(text, [("PERSON", "xxx")]) == [Finding(0, 21, UNSCANNED, 1.0)]
    assert scanner.stats == {"size": 2}
    assert scanner.scan("x" * 20) == []


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="no screen: every pattern may match every text")
def test_time_budget_fails_closed_and_counts() -> None:
    scanner = Scanner(time_budget=0.0)
    assert scanner.scan(TEXT) == [Finding(0, len(TEXT), UNSCANNED, 1.0)]
    assert scanner.scan("nothing to see") == []  # the gate is not part of the budget
    assert scanner.stats == {"timeout": 1}


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="no screen: every pattern may match every text")
def test_batch_budget_fails_the_rest_closed() -> None:
    scanner = Scanner(time_budget=0.0)
    texts = [TEXT, "nothing to see", TEXT + "!"]
    assert scanner.scan_batch(texts) == [
        [Finding(0, len(TEXT), UNSCANNED, 1.0)], [], [Finding(0, len(TEXT) + 1, UNSCANNED, 1.0)]]
    assert scanner.stats == {"timeout": 2}


def test_internal_errors_fail_closed_and_count() -> None:
    scanner = Scanner()
    assert scanner.scan(None) == [Finding(0, 0, UNSCANNED, 1.0)]  # type: ignore[arg-type]
    assert scanner.scan("mail a@b.io", known_values=[("PERSON",)]) == [  # type: ignore[list-item]
        Finding(0, 11, UNSCANNED, 1.0)]
    assert scanner.stats == {"error": 2}


def test_stats_is_a_snapshot(scanner: Scanner) -> None:
    snapshot = scanner.stats
    snapshot["size"] = 99
    assert scanner.stats.get("size") != 99


def test_batch_equals_single_scans(scanner: Scanner) -> None:
    texts = [TEXT, "user logged in", "<p>Hi <b>Jane</b>,</p>", TEXT.upper(), "ip 203.0.113.7"]
    known = [("PERSON", "Jane Doe")]
    assert scanner.scan_batch(texts, known_values=known) == [
        scanner.scan(t, known_values=known) for t in texts]


def test_batch_takes_one_html_flag_per_text(scanner: Scanner) -> None:
    """An event's messages and bodies go in one call; each text is read as its own flag says."""
    texts = ["<p>Hi <b>Jane</b> Doe,</p>", "mail <jane@example.com> now", TEXT, "<p>call +44 20 7946 0958</p>"]
    flags = [True, False, False, True]
    known = [("PERSON", "Jane Doe"), ("EMAIL_ADDRESS", "jane@example.com")]
    assert scanner.scan_batch(texts, html=flags, known_values=known) == [
        scanner.scan(t, html=flag, known_values=known) for t, flag in zip(texts, flags)]
    with pytest.raises(ValueError, match="2 flags for 4 texts"):
        scanner.scan_batch(texts, html=[True, False])


def test_cache_returns_the_same_and_keeps_no_text() -> None:
    scanner = Scanner(cache_size=2)
    first = scanner.scan(TEXT)
    assert scanner.scan(TEXT) == first
    # Known values are matched after the cache: the same text hits with other values.
    assert scanner.scan(TEXT, known_values=[("PERSON", "Jane")]) != first
    cache = scanner._cache
    assert len(cache) == 1
    scanner.scan(TEXT + " ")
    scanner.scan(TEXT + "  ")
    assert len(cache) == 2  # bounded
    for key, value in cache._entries.items():
        assert isinstance(key, bytes) and len(key) == 16
        assert all(isinstance(f, Finding) for f in value)


def test_cache_digest_is_keyed() -> None:
    from hashlib import blake2b

    from intercom_redact.scanner._cache import ResultCache

    key = ResultCache.key("jane@example.com", False)
    assert key != blake2b(b"tjane@example.com", digest_size=16).digest()
    assert key == ResultCache.key("jane@example.com", False)
    assert key != ResultCache.key("jane@example.com", True)


@settings(max_examples=200, deadline=None)
@given(st.text() | st.text(min_size=3000), st.booleans())
def test_cache_key_is_the_keyed_digest_of_kind_and_text(text: str, html: bool) -> None:
    # The key copies a digest of its one-byte kind made once: the same as digesting both in one go.
    from hashlib import blake2b

    from intercom_redact.scanner import _cache

    data = (b"h" if html else b"t") + text.encode("utf-8", "surrogatepass")
    expected = blake2b(data, key=_cache._PROCESS_KEY, digest_size=16).digest()
    assert _cache.ResultCache.key(text, html) == expected
    assert _cache.ResultCache.key(text, html) == expected  # the copied digest is left as it was


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="no screen: every pattern may match every text")
def test_a_short_text_nothing_can_match_is_remembered_and_answered_unscreened(
        monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = Scanner()
    assert scanner.scan("user logged in") == []
    assert scanner.scan("write to jane@example.com")
    assert scanner.scan("x" * 300) == []  # too long to keep
    assert list(scanner._shut) == ["user logged in"]  # a text that may hold personal data is never kept
    screened: list[str] = []
    patterns = type(scanner._get_pass())
    candidates = patterns.candidates
    monkeypatch.setattr(patterns, "candidates", lambda self, text: screened.append(text) or candidates(self, text))
    assert scanner.scan("user logged in") == []
    assert scanner.scan("user logged in", known_values=[("PERSON", "logged in")]) == [  # its known values still
        Finding(5, 14, "PERSON", 1.0)]
    assert screened == []
    fresh = Scanner(cache_size=0)  # remembers nothing
    assert fresh.scan("user logged in") == fresh.scan("user logged in") == []
    assert not fresh._shut and screened == ["user logged in", "user logged in"]


def test_thread_safe(scanner: Scanner) -> None:
    texts = [f"{TEXT} #{i}" for i in range(40)]
    expected = [scanner.scan(t) for t in texts]
    fresh = Scanner(cache_size=8)
    results: dict[int, list[Finding]] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(texts), 4):
            results[i] = fresh.scan(texts[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(texts))] == expected


def test_picklable_and_rebuilt_lazily(scanner: Scanner) -> None:
    configured = Scanner(allow=["Jane Doe"], allow_domains=["example.com"], max_chars=500,
                         time_budget=2.0, cache_size=3)
    configured.scan(TEXT)
    clone = pickle.loads(pickle.dumps(configured))
    assert clone._pass is None and clone._presidio is None
    assert clone.scan(TEXT) == configured.scan(TEXT)
    assert clone.stats == {}


def test_missing_model_is_a_clear_error_at_construction() -> None:
    with pytest.raises(ModelNotInstalledError) as info:
        Scanner(ner_model="en_core_web_nonexistent_model")
    message = str(info.value)
    assert "en_core_web_nonexistent_model" in message and "pip install" in message


def test_presidio_logs_nothing_during_a_scan(caplog: pytest.LogCaptureFixture) -> None:
    scanner = Scanner()  # a fresh one: the analyzer is built inside the scan
    presidio = logging.getLogger("presidio-analyzer")
    with caplog.at_level(logging.DEBUG, logger="presidio-analyzer"):
        scanner.scan(TEXT)
        scanner.scan_batch([TEXT, TEXT.lower()])
        assert [r for r in caplog.records if r.name == "presidio-analyzer"] == []
        presidio.debug("outside a scan")  # the filter is scoped to scans
        assert [r.getMessage() for r in caplog.records] == ["outside a scan"]


@pytest.mark.parametrize("cache_size", [4096, 0])
def test_cache_size_zero_remembers_nothing_between_calls(monkeypatch: pytest.MonkeyPatch, cache_size: int) -> None:
    # A benchmark of distinct events must be able to measure the product with no memo at all.
    from intercom_redact import Redactor
    from intercom_redact.scanner._patterns import PatternPass

    screened: list[str] = []
    candidates = PatternPass.candidates
    monkeypatch.setattr(PatternPass, "candidates", lambda self, text: screened.append(text) or candidates(self, text))
    redactor = Redactor(scanner=Scanner(cache_size=cache_size))
    event = {"message": "contact updated", "request": {"method": "POST", "path": "/webhooks/intercom"},
             "note": "mail jane@example.com"}
    values = {"contact updated", "POST", "/webhooks/intercom", "mail jane@example.com"}
    first = redactor.redact(event)
    assert values <= set(screened)
    del screened[:]
    assert redactor.redact(event) == first
    again = sorted(text for text in screened if text in values)  # (keys seen before are not screened again)
    assert again == (["mail jane@example.com"] if cache_size else sorted(values))  # findings: never remembered


# A line with names, digits alone, an allowed name, e-mails (one of an allowed domain) and a URL's credentials
# (allowed too, when found whole: then the e-mail over them stays).
_KEEP_TEXT = "Jane 42 -- 7b Lee, mail jo@corp.io or ops@example.com; dsn pg://admin:pw@db.io/x Ünal ²³"
_KEEP_TYPES = ["PERSON", "LOCATION", "EMAIL_ADDRESS", "URL_CREDENTIALS", "PHONE_NUMBER"]


_KEEP_PLACES = [(m.start(), m.end()) for word in ("Jane", "42", "7b", "Lee", "jo@corp.io", "ops@example.com",
                                                  "admin:pw", "pw@db.io", "Ünal", "²³")
                for m in [re.search(re.escape(word), _KEEP_TEXT)] if m is not None]
_KEEP_PLACE = st.sampled_from(_KEEP_PLACES) | st.tuples(st.integers(0, len(_KEEP_TEXT)), st.integers(0, len(_KEEP_TEXT)))


@settings(max_examples=500, deadline=None)
@example([(_KEEP_TEXT.index("admin:pw"), _KEEP_TEXT.index("@db.io"), "URL_CREDENTIALS"),  # allowed: the e-mail stays
          (_KEEP_TEXT.index("pw@db.io"), _KEEP_TEXT.index("/x"), "EMAIL_ADDRESS")])
@given(st.lists(st.tuples(_KEEP_PLACE, st.sampled_from(_KEEP_TYPES)).map(lambda p: (*p[0], p[1])), max_size=6))
def test_kept_findings_are_those_the_allow_lists_and_checks_leave(places: list[tuple[int, int, str]]) -> None:
    # Spelled out: a finding is dropped when its value is allowed, an e-mail of an allowed domain,
    # or a name or place holding no letter; an e-mail overlapping a URL's credentials is their host.
    scanner = Scanner(allow=["Lee", "admin:pw"], allow_domains=["example.com"])
    found = [Finding(min(a, b), max(a, b), entity_type, 0.85) for a, b, entity_type in places]

    def dropped(f: Finding) -> bool:
        value = _KEEP_TEXT[f.start:f.end]
        return (value in ("Lee", "admin:pw") or (f.entity_type == "EMAIL_ADDRESS" and value.lower().rpartition("@")[2]
                                   in ("example.com",))
                or (f.entity_type in ("PERSON", "LOCATION") and not any(ch.isalpha() for ch in value)))

    kept = [f for f in found if not dropped(f)]
    credentials = [f for f in kept if f.entity_type == "URL_CREDENTIALS"]
    expected = [f for f in kept if f.entity_type != "EMAIL_ADDRESS"
                or not any(c.start < f.end and f.start < c.end for c in credentials)]
    assert scanner._keep(_KEEP_TEXT, found) == expected
