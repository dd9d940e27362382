"""One policy, identical output: the same events through every sink.

Each realistic event (a contact update, a webhook, a conversation part with an
HTML body, an exception whose message carries an e-mail address) goes through
structlog, a stdlib handler filter, a stdlib formatter, OpenTelemetry logs
(redacted on the emitting thread, and deferred to the exporter) and spans.
The redacted message, fields and exception message must be the same
everywhere, and no planted personal value may appear in anything rendered or
exported.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import structlog
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pythonjsonlogger.json import JsonFormatter

from intercom_redact import Redactor
from intercom_redact.logging import RedactingFilter, RedactingFormatter
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor, RedactingSpanExporter
from intercom_redact.structlog import RedactProcessor, insert_redactor
from strategies import unhurried_redactor

JANE = {"email": "jane.doe@example.com", "name": "Jane Doe", "phone": "+31 20 123 4567",
        "street": "Keizersgracht 123", "city": "Amsterdam"}
BOB = {"email": "bob.stone@example.org", "name": "Bob Stone", "phone": "+44 20 7946 0958"}
PLANTED = [JANE["email"], JANE["name"], JANE["phone"], "+31201234567", JANE["street"],
           BOB["email"], BOB["name"], BOB["phone"]]


@dataclass
class Case:
    message: str
    fields: dict[str, Any]
    error: str | None = None  # the message of an exception raised and logged with the event


CASES = [
    Case(
        f"contact {JANE['email']} updated",
        {"contact": {
            "type": "contact", "id": "6762f0a91bb69f9f2193bb1a", "external_id": "cus_8812", "role": "user",
            "email": JANE["email"], "name": JANE["name"], "phone": JANE["phone"],
            "location": {"type": "location", "country": "Netherlands", "city": JANE["city"]},
            "custom_attributes": {"plan": "pro", "address": JANE["street"]},
            "created_at": 1734537000,
        }},
    ),
    Case(
        "webhook received",
        {"webhook": {
            "type": "notification_event", "topic": "conversation.user.created", "id": "notif_1",
            "data": {"item": {
                "type": "conversation", "id": "1911149811", "state": "open",
                "source": {
                    "type": "conversation", "subject": "Refund",
                    "body": f"<p>Hi, I am {BOB['name']}. Mail me at {BOB['email']} or call {BOB['phone']}</p>",
                    "author": {"type": "user", "id": "u_77", "name": BOB["name"], "email": BOB["email"]},
                },
            }},
        }},
    ),
    Case(
        "conversation part created",
        {"part": {
            "type": "conversation_part", "id": "2411", "part_type": "comment",
            "body": (f'<p>Thanks {JANE["name"]}! Reach me on <a href="tel:+31201234567">{JANE["phone"]}</a> '
                     f'or <a href="mailto:{JANE["email"]}">{JANE["email"]}</a>.</p>'),
            "author": {"type": "admin", "id": "a_1", "name": JANE["name"], "email": JANE["email"]},
        }},
    ),
    # Keys read by their words, and structure inside strings: a search request logged as JSON text.
    Case(
        f'sync done contact_name="{JANE["name"]}" order_id=4155552671',
        {"billingEmail": JANE["email"], "request": {
            "method": "POST", "path": "/contacts/search", "requester_name": BOB["name"],
            "body": json.dumps({"query": {"field": "phone", "operator": "=", "value": BOB["phone"]}}),
        }},
    ),
    Case(
        "contact lookup failed",
        {"contact_id": "6762f0a91bb69f9f2193bb1a", "query": {"email": BOB["email"]}},
        error=f"no contact for {BOB['email']}",
    ),
]


def _raise(case: Case) -> None:
    email, name, phone = BOB["email"], BOB["name"], BOB["phone"]  # frame locals for show_locals
    contact = {"email": email, "name": name, "phone": phone}
    raise LookupError(case.error or f"unreachable {contact}")


def _exception_message(traceback_text: str) -> str:
    """``Type: message`` from the last line of a formatted traceback, without the type."""
    return traceback_text.rstrip().splitlines()[-1].partition(": ")[2]


@dataclass
class Seen:
    """What one sink made of one case, and all it rendered or exported as text."""

    message: Any
    fields: dict[str, Any]
    error: str | None
    text: str



@contextlib.contextmanager
def fresh_logger() -> Iterator[logging.Logger]:
    """A stdlib logger of its own, disconnected from its handlers afterwards."""
    logger = logging.getLogger(f"test.cross.{uuid.uuid4().hex[:8]}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.handlers.clear()


def through_structlog(redactor: Redactor, exception_renderer=structlog.processors.format_exc_info) -> list[Seen]:
    out = io.StringIO()
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=insert_redactor(
        [exception_renderer, structlog.processors.JSONRenderer()], RedactProcessor(redactor)))
    for case in CASES:
        if case.error:
            try:
                _raise(case)
            except LookupError:
                log.exception(case.message, **case.fields)
        else:
            log.info(case.message, **case.fields)
    seen = []
    for case, line in zip(CASES, out.getvalue().splitlines()):
        event = json.loads(line)
        error = event.get("exception")
        seen.append(Seen(event["event"], {k: event[k] for k in case.fields},
                         _exception_message(error) if isinstance(error, str) else None, line))
    return seen


def _log_cases(logger: logging.Logger) -> None:
    for case in CASES:
        if case.error:
            try:
                _raise(case)
            except LookupError:
                logger.exception(case.message, extra=case.fields)
        else:
            logger.info(case.message, extra=case.fields)


def through_stdlib(handler: logging.Handler, out: io.StringIO) -> list[Seen]:
    with fresh_logger() as logger:
        logger.addHandler(handler)
        _log_cases(logger)
    seen = []
    for case, line in zip(CASES, out.getvalue().splitlines()):
        record = json.loads(line)
        error = record.get("exc_info")
        seen.append(Seen(record["message"], {k: record[k] for k in case.fields},
                         _exception_message(error) if error else None, line))
    return seen


def through_otel_logs(redactor: Redactor, *, deferred: bool) -> list[Seen]:
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    if deferred:
        provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, scan=False))
        provider.add_log_record_processor(BatchLogRecordProcessor(RedactingLogExporter(exported, redactor)))
    else:
        provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
        provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
    with warnings.catch_warnings():  # the SDK's handler is deprecated in favour of a contrib package
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    with fresh_logger() as logger:
        logger.addHandler(handler)
        _log_cases(logger)
    provider.force_flush()
    seen = []
    for case, record in zip(CASES, exported.get_finished_logs()):
        attributes = record.log_record.attributes
        seen.append(Seen(record.log_record.body, {k: attributes[k] for k in case.fields},
                         attributes.get("exception.message"), record.to_json()))
    provider.shutdown()
    return seen


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    return {prefix[:-1]: value}


def _lookup(fields: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted path; a map a rule replaced whole answers for every key in it."""
    node: Any = fields
    for part in dotted.split("."):
        if not isinstance(node, dict):
            break
        node = node[part]
    return node


def through_spans(redactor: Redactor) -> list[Seen]:
    provider = TracerProvider()
    exported = InMemorySpanExporter()
    provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(exported, redactor)))
    tracer = provider.get_tracer("cross-sink")
    for case in CASES:
        with tracer.start_as_current_span(case.message, attributes=_flat(case.fields),
                                          record_exception=False) as span:
            if case.error:
                try:
                    _raise(case)
                except LookupError as exc:
                    span.record_exception(exc)
    provider.force_flush()
    seen = []
    for case, span in zip(CASES, exported.get_finished_spans()):
        # Span attributes are flat: compared key by key with the fields' values.
        fields = {k: span.attributes[k] for k in _flat(case.fields)}
        errors = [e.attributes["exception.message"] for e in span.events if e.name == "exception"]
        seen.append(Seen(span.name, fields, errors[0] if errors else None, span.to_json()))
    provider.shutdown()
    return seen


def stdlib_with(configure: Callable[[logging.Handler], object]) -> list[Seen]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    configure(handler)
    return through_stdlib(handler, out)


@pytest.fixture(scope="module")
def all_sinks() -> dict[str, list[Seen]]:
    # What every sink keeps is compared, not the time budget (it has tests of its own): a budget
    # no machine load reaches, so a starved export thread cannot fail one sink closed.
    redactor = unhurried_redactor()
    redactor.scanner.warm()
    return {
        "structlog": through_structlog(redactor),
        "stdlib filter": stdlib_with(lambda handler: handler.addFilter(RedactingFilter(redactor))),
        "stdlib formatter": stdlib_with(
            lambda handler: handler.setFormatter(RedactingFormatter(JsonFormatter(), redactor))),
        "otel logs": through_otel_logs(redactor, deferred=False),
        "otel logs deferred": through_otel_logs(redactor, deferred=True),
        "otel spans": through_spans(redactor),
    }


def test_every_sink_gives_the_same_redacted_values(all_sinks):
    reference = all_sinks["structlog"]
    assert len(reference) == len(CASES)
    for name, seen in all_sinks.items():
        assert len(seen) == len(CASES), name
        for case, expected, got in zip(CASES, reference, seen):
            assert got.message == expected.message, (name, case.message)
            if name == "otel spans":
                assert got.fields == {k: _lookup(expected.fields, k) for k in got.fields}, case.message
            else:
                assert got.fields == expected.fields, (name, case.message)
            assert got.error == expected.error, (name, case.message)


def test_the_redacted_values_are_the_expected_ones(all_sinks):
    contact, webhook, part, sync, failure = all_sinks["structlog"]
    assert contact.message == "contact [REDACTED:EMAIL_ADDRESS] updated"
    assert contact.fields["contact"]["location"] == "[REDACTED:LOCATION]"
    assert contact.fields["contact"]["custom_attributes"] == {"plan": "pro", "address": "[REDACTED:STREET_ADDRESS]"}
    assert webhook.fields["webhook"]["data"]["item"]["source"]["body"] == (
        "<p>Hi, I am [REDACTED:PERSON]. Mail me at [REDACTED:EMAIL_ADDRESS] or call [REDACTED:PHONE_NUMBER]</p>")
    assert 'href="mailto:[REDACTED:EMAIL_ADDRESS]"' in part.fields["part"]["body"]
    assert failure.error == "no contact for [REDACTED:EMAIL_ADDRESS]"
    assert sync.message == 'sync done contact_name="[REDACTED:PERSON]" order_id=4155552671'
    assert sync.fields["billingEmail"] == "[REDACTED:EMAIL_ADDRESS]"
    assert sync.fields["request"]["requester_name"] == "[REDACTED:PERSON]"
    assert json.loads(sync.fields["request"]["body"])["query"]["value"] == "[REDACTED:PHONE_NUMBER]"


def test_no_planted_value_leaves_any_sink(all_sinks):
    for name, seen in all_sinks.items():
        for one in seen:
            for value in PLANTED:
                assert value not in one.text, (name, value)


def test_tracebacks_with_locals_carry_no_planted_value(redactor):
    dict_tracebacks = structlog.processors.ExceptionRenderer(
        structlog.tracebacks.ExceptionDictTransformer(show_locals=True))

    seen = through_structlog(redactor, dict_tracebacks)

    failure = seen[-1]
    assert '"locals"' in failure.text
    for one in seen:
        for value in PLANTED:
            assert value not in one.text, value
