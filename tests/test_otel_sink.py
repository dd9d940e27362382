"""The OpenTelemetry pieces in real SDK pipelines with in-memory exporters."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
import warnings

import pytest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, StatusCode

from intercom_redact import Policy, Redactor
from intercom_redact.otel import (
    RedactingLogExporter,
    RedactingLogRecordProcessor,
    RedactingSpanExporter,
)
from intercom_redact.structlog import RedactProcessor

EMAIL = "jane.doe@example.com"
OTHER_EMAIL = "bob.stone@example.org"
NAME = "Jane Doe"
PHONE = "+31 20 123 4567"



@pytest.fixture
def metrics_reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(metrics_reader) -> MeterProvider:
    return MeterProvider(metric_readers=[metrics_reader])


def counted(reader: InMemoryMetricReader) -> dict[str, int]:
    data = reader.get_metrics_data()
    counts: dict[str, int] = {}
    for resource_metrics in data.resource_metrics if data else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                if metric.name == "intercom_redact.redactions":
                    for point in metric.data.data_points:
                        counts[point.attributes["redaction.type"]] = point.value
    return counts


@pytest.fixture
def stdlib_bridge():
    """Connect a fresh stdlib logger to a LoggerProvider (disconnected afterwards)."""
    loggers = []

    def bridge(provider: LoggerProvider) -> logging.Logger:
        with warnings.catch_warnings():  # the SDK's handler is deprecated in favour of a contrib package
            warnings.simplefilter("ignore", DeprecationWarning)
            handler = LoggingHandler(logger_provider=provider)
        logger = logging.getLogger(f"test.otel.{uuid.uuid4().hex[:8]}")
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        loggers.append(logger)
        return logger

    yield bridge
    for logger in loggers:
        logger.handlers.clear()


# -- logs ---------------------------------------------------------------------------------------


def test_string_body_and_map_attributes(redactor, meter_provider):
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, meter_provider=meter_provider))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))

    provider.get_logger("app").emit(
        body=f"contact {NAME} wrote from {OTHER_EMAIL}",
        attributes={"contact": {"email": EMAIL, "name": NAME, "id": "c1"}, "contact.phone": PHONE,
                    "code.function.name": "handle", "retries": 2},
    )

    [record] = exported.get_finished_logs()
    assert record.log_record.body == "contact [REDACTED:PERSON] wrote from [REDACTED:EMAIL_ADDRESS]"
    assert dict(record.log_record.attributes) == {
        "contact": {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]", "id": "c1"},
        "contact.phone": "[REDACTED:PHONE_NUMBER]",
        "code.function.name": "handle",
        "retries": 2,
    }


def test_map_body(redactor):
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))

    provider.get_logger("app").emit(body={"email": EMAIL, "note": f"call {PHONE}", "plan": "pro"})

    [record] = exported.get_finished_logs()
    assert record.log_record.body == {"email": "[REDACTED:EMAIL_ADDRESS]", "note": "call [REDACTED:PHONE_NUMBER]",
                                      "plan": "pro"}


def test_exception_attributes_before_a_batch_processor(redactor, stdlib_bridge):
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
    provider.add_log_record_processor(BatchLogRecordProcessor(exported))
    logger = stdlib_bridge(provider)

    try:
        raise LookupError(f"no contact {EMAIL}")
    except LookupError:
        logger.exception("lookup for %s failed", EMAIL)
    provider.force_flush()

    [record] = exported.get_finished_logs()
    attributes = record.log_record.attributes
    assert record.log_record.body == "lookup for [REDACTED:EMAIL_ADDRESS] failed"
    assert attributes["exception.message"] == "no contact [REDACTED:EMAIL_ADDRESS]"
    assert attributes["exception.stacktrace"].endswith("LookupError: no contact [REDACTED:EMAIL_ADDRESS]\n")
    assert getattr(record.log_record, "exception", None) is None
    assert EMAIL not in record.to_json()


def test_deferred_scan_runs_in_the_exporter(redactor, meter_provider, metrics_reader):
    provider = LoggerProvider()
    app_thread = InMemoryLogRecordExporter()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(redactor, scan=False, summary=True, meter_provider=meter_provider))
    provider.add_log_record_processor(SimpleLogRecordProcessor(app_thread))
    provider.add_log_record_processor(BatchLogRecordProcessor(
        RedactingLogExporter(exported, redactor, summary=True, meter_provider=meter_provider)))

    provider.get_logger("app").emit(
        body=f"<p>Hi, this is {NAME}. Mail {EMAIL} or {OTHER_EMAIL}</p>",
        attributes={"author": {"email": EMAIL, "name": NAME}},
    )
    provider.force_flush()

    # The application thread applied field rules and their values only.
    [cheap] = app_thread.get_finished_logs()
    assert cheap.log_record.body == (
        f"<p>Hi, this is [REDACTED:PERSON]. Mail [REDACTED:EMAIL_ADDRESS] or {OTHER_EMAIL}</p>")
    assert cheap.log_record.attributes["redaction.count"] == 4
    # The export thread scanned the free text; the shared record was not modified.
    [full] = exported.get_finished_logs()
    assert full.log_record.body == (
        "<p>Hi, this is [REDACTED:PERSON]. Mail [REDACTED:EMAIL_ADDRESS] or [REDACTED:EMAIL_ADDRESS]</p>")
    assert full.log_record.attributes["redaction.count"] == 5
    assert full.log_record.attributes["redaction.types"] == ("EMAIL_ADDRESS", "PERSON")
    assert OTHER_EMAIL in cheap.log_record.body
    assert counted(metrics_reader) == {"EMAIL_ADDRESS": 3, "PERSON": 2}


def _exported_with_the_scan_deferred(redactor, body, attributes):
    """The record a real pipeline exports: field rules and known values on the application thread
    (``scan=False``), the scan in the exporter."""
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, scan=False))
    provider.add_log_record_processor(BatchLogRecordProcessor(RedactingLogExporter(exported, redactor)))
    provider.get_logger("app").emit(body=body, attributes=attributes)
    provider.force_flush()
    [record] = exported.get_finished_logs()
    return record


def test_deferred_scan_gives_what_one_pass_gives_with_pseudonyms():
    policy = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"},
                                         "PERSON": {"action": "pseudonymize"}}})
    redactor = Redactor(policy, hmac_key="test-key")
    body = f"{NAME} asked to move {EMAIL} to {OTHER_EMAIL}"
    attributes = {"author": {"email": EMAIL, "name": NAME}}
    record = _exported_with_the_scan_deferred(redactor, body, attributes)
    one_pass = redactor.redact({"body": body, **attributes})
    assert record.log_record.body == one_pass["body"]
    assert dict(record.log_record.attributes) == {"author": one_pass["author"]}
    assert EMAIL not in record.log_record.body and OTHER_EMAIL not in record.log_record.body


def test_a_name_inside_an_address_is_exported_as_the_structlog_sink_redacts_it(redactor, core):
    # The application thread's pass finds the author's name inside the address; the exporter's scan
    # must then still see the whole address, as one synchronous pass does.
    body = ('<p>Hi, this is <b>Ada Lovelace</b>. Mail <a href="mailto:ada.lovelace@example.com">'
            "ada.lovelace@example.com</a> or ada%40example.com</p>")
    attributes = {"conversation": {"id": "147"}, "author": {"name": "Ada Lovelace"}}
    record = _exported_with_the_scan_deferred(redactor, body, attributes)
    synchronous = RedactProcessor(redactor)(None, "info", {"event": "webhook", "body": body, **attributes})
    assert record.log_record.body == synchronous["body"] == (
        '<p>Hi, this is <b>[REDACTED:PERSON]</b>. Mail <a href="mailto:[REDACTED:EMAIL_ADDRESS]">'
        "[REDACTED:EMAIL_ADDRESS]</a> or [REDACTED:EMAIL_ADDRESS]</p>")
    assert dict(record.log_record.attributes)["author"] == synchronous["author"]


@pytest.mark.parametrize("where", ["processor", "exporter alone"])
def test_dropped_attribute_count_is_kept(redactor, monkeypatch, where):
    monkeypatch.setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "2")  # LoggerProvider(log_record_limits=) is 1.40+
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    if where == "processor":
        provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
        provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
    else:
        provider.add_log_record_processor(BatchLogRecordProcessor(RedactingLogExporter(exported, redactor)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns about the dropped attribute
        provider.get_logger("app").emit(body=f"to {EMAIL}", attributes={"a": 1, "b": 2, "email": EMAIL})
    provider.force_flush()

    [record] = exported.get_finished_logs()
    assert record.dropped_attributes == 1
    assert dict(record.log_record.attributes) == {"b": 2, "email": "[REDACTED:EMAIL_ADDRESS]"}
    assert record.log_record.body == "to [REDACTED:EMAIL_ADDRESS]"


def test_the_exporter_does_not_modify_the_records_it_is_given(redactor):
    provider = LoggerProvider()
    exported, raw = InMemoryLogRecordExporter(), InMemoryLogRecordExporter()
    provider.add_log_record_processor(BatchLogRecordProcessor(RedactingLogExporter(exported, redactor)))
    provider.add_log_record_processor(SimpleLogRecordProcessor(raw))  # sees what the SDK made

    provider.get_logger("app").emit(body=f"to {EMAIL}", attributes={"email": EMAIL})
    provider.force_flush()

    [redacted], [original] = exported.get_finished_logs(), raw.get_finished_logs()
    assert redacted.log_record.body == "to [REDACTED:EMAIL_ADDRESS]"
    assert original.log_record.body == f"to {EMAIL}"
    assert dict(original.log_record.attributes) == {"email": EMAIL}


def test_an_event_redacted_whole_is_exported_without_content():
    redactor = Redactor(Policy(max_nodes=2))  # past the size limit: the engine replaces the event whole
    logs, spans = InMemoryLogRecordExporter(), InMemorySpanExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(spans, redactor)))

    logger_provider.get_logger("app").emit(body=f"to {EMAIL}", attributes={"a": EMAIL, "b": NAME, "c": PHONE})
    with tracer_provider.get_tracer("test").start_as_current_span(f"to {EMAIL}", attributes={"a": EMAIL}) as span:
        span.add_event("sent", {"b": NAME})

    [record], [span] = logs.get_finished_logs(), spans.get_finished_spans()
    assert record.log_record.body == "[REDACTED:UNSCANNED]"
    assert dict(record.log_record.attributes) == dict.fromkeys("abc", "[REDACTED:UNSCANNED]")
    assert span.name == "[REDACTED:UNSCANNED]"
    assert dict(span.attributes) == {"a": "[REDACTED:UNSCANNED]"}
    assert [(e.name, dict(e.attributes)) for e in span.events] == [
        ("[REDACTED:UNSCANNED]", {"b": "[REDACTED:UNSCANNED]"})]


class _Chatty:
    def __init__(self, logger: logging.Logger):
        self.logger = logger

    def __str__(self) -> str:
        self.logger.warning("nested %s", EMAIL)
        return "chatty"


def test_a_log_call_inside_redaction_is_exported_fully_redacted(redactor, stdlib_bridge):
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
    logger = stdlib_bridge(provider)

    provider.get_logger("app").emit(body={"thing": _Chatty(logger), "email": EMAIL})

    nested, outer = exported.get_finished_logs()
    assert nested.log_record.body == "[REDACTED:UNSCANNED]"
    assert set(nested.log_record.attributes.values()) == {"[REDACTED:UNSCANNED]"}
    assert outer.log_record.body == {"thing": "chatty", "email": "[REDACTED:EMAIL_ADDRESS]"}


# -- spans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("processor", [SimpleSpanProcessor, BatchSpanProcessor])
def test_spans_are_exported_as_redacted_copies(redactor, processor, meter_provider, metrics_reader):
    resource = Resource.create({"service.name": "support-bot"})
    provider = TracerProvider(resource=resource)
    exported = InMemorySpanExporter()
    provider.add_span_processor(processor(RedactingSpanExporter(
        exported, redactor, summary=True, meter_provider=meter_provider)))
    tracer = provider.get_tracer("test")

    with tracer.start_as_current_span("lookup") as linked:
        pass
    with pytest.raises(LookupError), tracer.start_as_current_span(
        f"GET /contacts/{EMAIL}",
        attributes={"contact.email": EMAIL, "http.route": "/contacts/{email}"},
        links=[Link(linked.get_span_context(), {"contact.name": NAME})],
    ) as span:
        context = span.get_span_context()
        span.add_event("reply", {"note": f"call {PHONE}", "author.email": OTHER_EMAIL})
        raise LookupError(f"no contact {EMAIL}")
    provider.force_flush()

    _, span = exported.get_finished_spans()
    assert span.name == "GET /contacts/[REDACTED:EMAIL_ADDRESS]"
    assert span.attributes["contact.email"] == "[REDACTED:EMAIL_ADDRESS]"
    assert span.attributes["http.route"] == "/contacts/{email}"
    assert span.attributes["redaction.types"] == ("EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER")
    reply, exception = span.events
    assert dict(reply.attributes) == {"note": "call [REDACTED:PHONE_NUMBER]",
                                      "author.email": "[REDACTED:EMAIL_ADDRESS]"}
    assert exception.attributes["exception.message"] == "no contact [REDACTED:EMAIL_ADDRESS]"
    assert "LookupError: no contact [REDACTED:EMAIL_ADDRESS]" in exception.attributes["exception.stacktrace"]
    assert dict(span.links[0].attributes) == {"contact.name": "[REDACTED:PERSON]"}
    assert span.links[0].context == linked.get_span_context()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "LookupError: no contact [REDACTED:EMAIL_ADDRESS]"
    assert span.resource is resource
    assert span.context == context
    assert EMAIL not in span.to_json() and PHONE not in span.to_json() and NAME not in span.to_json()
    assert counted(metrics_reader)["PERSON"] == 1


def test_dropped_counts_are_kept(redactor):
    provider = TracerProvider(span_limits=SpanLimits(max_span_attributes=2, max_events=1))
    exported = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exported, redactor)))

    with provider.get_tracer("test").start_as_current_span("job") as span:
        for n in range(3):
            span.set_attribute(f"n{n}", n)
        span.add_event("first")
        span.add_event("second", {"email": EMAIL})

    [span] = exported.get_finished_spans()
    assert (span.dropped_attributes, span.dropped_events) == (1, 1)
    assert dict(span.events[0].attributes) == {"email": "[REDACTED:EMAIL_ADDRESS]"}


def test_dotted_keys_are_paths_except_semantic_conventions(redactor):
    provider = TracerProvider()
    exported = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exported, redactor)))

    with provider.get_tracer("test").start_as_current_span("job", attributes={
        "code.function.name": "sync_contacts", "service.name": "billing", "user.name": NAME,
        "ticket": "T-1", "ticket.name": "refund",
    }):
        pass

    [span] = exported.get_finished_spans()
    assert dict(span.attributes) == {
        "code.function.name": "sync_contacts",
        "service.name": "billing",
        "user.name": "[REDACTED:PERSON]",
        "ticket": "T-1",
        "ticket.name": "refund",  # "ticket" is a key of its own: this one stays whole, scanned as text
    }


@pytest.mark.parametrize("attributes", [
    {"event": "sync", "request": {"path": "/"}, "ticket.name": NAME},  # the dotted key last
    {"ticket.name": NAME, "event": "sync"},
    {"event": "sync", "code.function.name": NAME},  # only a semantic-convention key: none split
])
def test_a_dotted_key_is_a_path_wherever_it_stands_in_a_log_record(redactor, attributes):
    # Without the scan only a field rule (**.name) catches the name: read whole, "ticket.name" is no name.
    provider, exported = LoggerProvider(), InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, scan=False))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))

    provider.get_logger("test").emit(body="synced", attributes=attributes)

    [log] = exported.get_finished_logs()
    expected = {k: ("[REDACTED:PERSON]" if k == "ticket.name" else v) for k, v in attributes.items()}
    assert dict(log.log_record.attributes) == expected


_CARRIED_OVER = """
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from intercom_redact import Redactor
from intercom_redact.otel import RedactingLogExporter

exported = InMemoryLogRecordExporter()
provider = LoggerProvider()
provider.add_log_record_processor(SimpleLogRecordProcessor(RedactingLogExporter(exported, Redactor())))
provider.get_logger("app").emit(body="done", attributes={
    "redaction.types": ("EMAIL_ADDRESS",), "redaction.count": 1, "note": "x"})
print(list(exported.get_finished_logs()[0].log_record.attributes))
"""


def test_an_earlier_pass_summary_is_carried_over_in_the_same_order_whatever_the_hash_seed():
    # The keys were read from a frozenset, so their order moved with PYTHONHASHSEED.
    orders = {subprocess.run([sys.executable, "-c", _CARRIED_OVER], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(1, 5)}
    assert orders == {"['note', 'redaction.count', 'redaction.types']\n"}
