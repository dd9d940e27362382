"""One fail-closed rule through every sink: an event redacted whole keeps its
identifier-like keys and nothing else, and the placeholder is spelled one way.

Two ways to fail: the engine gives up inside (a time budget no event can meet),
and the redactor itself raises (the sinks' own safety net).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import structlog
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from intercom_redact import Policy, Redactor, Summary
from intercom_redact._failclosed import UNSCANNED, blank
from intercom_redact.logging import RedactingFilter, RedactingFormatter
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor, RedactingSpanExporter
from intercom_redact.structlog import RedactProcessor

EMAIL = "jane.doe@example.com"
PLACEHOLDER = "[REDACTED:UNSCANNED]"


class BrokenRedactor(Redactor):
    """A redactor whose every call raises: what a sink does when the engine cannot help."""

    def redact_with_summary(self, value: Any, *, scan: bool = True) -> tuple[Any, Summary]:
        raise RuntimeError(EMAIL)


def failing_redactors() -> list[Redactor]:
    return [Redactor(Policy(time_budget=1e-12)), BrokenRedactor()]


def through_structlog(redactor: Redactor) -> str:
    out = io.StringIO()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[RedactProcessor(redactor), structlog.processors.JSONRenderer()],
    )
    logger.info("sync", contact={"email": EMAIL}, plan="gold-tier", **{EMAIL: 3})
    return out.getvalue()


def through_stdlib(redactor: Redactor, *, formatter: bool) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    if formatter:
        handler.setFormatter(RedactingFormatter(_DictFormatter(), redactor))
    else:
        handler.setFormatter(_DictFormatter())
        handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger(f"fail-closed-{id(out)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.warning("sync %s", EMAIL, extra={"contact": {"email": EMAIL}, "plan": "gold-tier", EMAIL: 3})
    return out.getvalue()


class _DictFormatter(logging.Formatter):
    """Everything the record carries, user fields included."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({k: str(v) for k, v in vars(record).items()} | {"message": record.getMessage()})


def through_otel_logs(redactor: Redactor, *, deferred: bool) -> str:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    if deferred:
        provider.add_log_record_processor(SimpleLogRecordProcessor(RedactingLogExporter(exporter, redactor)))
    else:
        provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    provider.get_logger("t").emit(body=f"sync {EMAIL}",
                                  attributes={"contact.email": EMAIL, "plan": "gold-tier", EMAIL: 3})
    provider.shutdown()
    (record,) = exporter.get_finished_logs()
    return repr((record.log_record.body, dict(record.log_record.attributes or {})))


def through_spans(redactor: Redactor) -> str:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exporter, redactor)))
    with provider.get_tracer("t").start_as_current_span(f"sync {EMAIL}") as span:
        span.set_attributes({"contact.email": EMAIL, "plan": "gold-tier", EMAIL: 3})
    provider.shutdown()
    (finished,) = exporter.get_finished_spans()
    return repr((finished.name, dict(finished.attributes or {})))


SINKS: dict[str, Callable[[Redactor], str]] = {
    "structlog": through_structlog,
    "stdlib-filter": lambda r: through_stdlib(r, formatter=False),
    "stdlib-formatter": lambda r: through_stdlib(r, formatter=True),
    "otel-processor": lambda r: through_otel_logs(r, deferred=False),
    "otel-exporter": lambda r: through_otel_logs(r, deferred=True),
    "otel-spans": through_spans,
}


@pytest.mark.parametrize("sink", sorted(SINKS))
@pytest.mark.parametrize("redactor", failing_redactors(), ids=["engine-gives-up", "redactor-raises"])
def test_an_event_redacted_whole_keeps_plain_keys_only(sink: str, redactor: Redactor) -> None:
    out = SINKS[sink](redactor)
    assert EMAIL not in out
    assert PLACEHOLDER in out
    assert "plan" in out  # an identifier-like key survives, its value does not
    assert "gold-tier" not in out


def test_blank_keeps_the_shape_of_an_event_and_plain_keys() -> None:
    class Marker:
        pass

    marker = Marker()
    out = blank({"event": "x", EMAIL: 1, "Jane Doe": 2, 7: 3, marker: 4}, PLACEHOLDER, marker=Marker)
    assert out == {"event": PLACEHOLDER, PLACEHOLDER: PLACEHOLDER, f"{PLACEHOLDER}#2": PLACEHOLDER,
                   f"{PLACEHOLDER}#3": PLACEHOLDER, marker: PLACEHOLDER}
    assert blank([EMAIL], PLACEHOLDER) == PLACEHOLDER
    assert blank(EMAIL, PLACEHOLDER) == PLACEHOLDER


def test_a_mapping_that_cannot_be_read_keeps_nothing() -> None:
    class Unreadable(dict):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            raise RuntimeError(EMAIL)

    assert blank(Unreadable(a=1), PLACEHOLDER) == {"event": PLACEHOLDER}


def test_one_spelling_of_the_placeholder_type() -> None:
    from intercom_redact import scanner

    assert scanner.UNSCANNED is UNSCANNED
    assert Redactor().unscanned == PLACEHOLDER
