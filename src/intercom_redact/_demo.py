"""``intercom-redact demo``: the library end to end, offline, on embedded defaults.

It logs realistic Intercom events through structlog, stdlib logging and
OpenTelemetry with one redactor, then runs a DSAR export and a deletion
against a fake Intercom workspace on 127.0.0.1 with a SQLite audit log in a
temporary directory.  Nothing touches the network.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import orjson
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from .engine import Redactor

__all__ = ["run_demo", "sample_events"]


def sample_events() -> list[tuple[str, dict[str, Any]]]:
    """A contact update, a webhook with an HTML conversation part, a note with a card number."""
    contact = {
        "type": "contact",
        "id": "6762f0a91bb69f9f2193bb1a",
        "external_id": "cus_8812",
        "role": "user",
        "email": "jane.doe@example.com",
        "name": "Jane Doe",
        "phone": "+31 20 123 4567",
        "location": {"type": "location", "country": "Netherlands", "city": "Amsterdam"},
        "custom_attributes": {"plan": "pro", "address": "Keizersgracht 123, 1015 CJ Amsterdam"},
    }
    webhook = {
        "type": "notification_event",
        "topic": "conversation.user.replied",
        "data": {"item": {
            "type": "conversation",
            "id": "147",
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [{
                "type": "conversation_part",
                "id": "9001",
                "part_type": "comment",
                "body": "<p>Hi, this is <b>Jane</b> Doe. Call me on +44 20 7946 0958 or mail "
                        '<a href="mailto:jane.doe@example.com">jane.doe@example.com</a>.</p>',
                "author": {"type": "user", "id": "6762f0a91bb69f9f2193bb1a", "name": "Jane Doe"},
            }]},
        }},
    }
    note = {
        "note": {"type": "note", "id": "77", "body": "<p>Customer read out card 4111 1111 1111 1111 &amp; "
                                                    "IBAN NL91 ABNA 0417 1643 00</p>"},
        "request": {"method": "POST", "path": "/contacts/6762f0a91bb69f9f2193bb1a/notes",
                    "headers": {"Authorization": "Bearer dG9rOmV4YW1wbGU="}},
    }
    return [
        ("contact updated for jane.doe@example.com", {"contact": contact}),
        ("webhook received", {"webhook": webhook}),
        ("note created", note),
    ]


def _structlog_section(redactor: Redactor, out: TextIO) -> int:
    import structlog

    from .structlog import RedactProcessor, insert_redactor

    sink = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(sink),
        processors=insert_redactor([
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(serializer=lambda v, **_: orjson.dumps(v).decode()),
        ], RedactProcessor(redactor, summary=True)),
    )
    for message, fields in sample_events():
        log.info(message, **fields)
    _section(out, "structlog: JSONRenderer", sink.getvalue())
    return sum(orjson.loads(line).get("redaction.count", 0) for line in sink.getvalue().splitlines())


def _stdlib_section(redactor: Redactor, out: TextIO) -> None:
    from .logging import RedactingFilter

    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(_JsonLines())
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger("intercom_redact.demo.stdlib")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        for message, fields in sample_events():
            logger.info(message, extra=fields)
        try:
            raise LookupError("no Intercom contact for jane.doe@example.com")
        except LookupError:
            logger.exception("lookup failed", extra={"contact": {"email": "jane.doe@example.com"}})
    finally:
        logger.removeHandler(handler)
    _section(out, "stdlib logging: RedactingFilter + a JSON formatter", sink.getvalue())


class _JsonLines(logging.Formatter):
    """A minimal JSON-lines formatter (message, extra fields, exception text)."""

    def format(self, record: logging.LogRecord) -> str:
        standard = set(vars(logging.makeLogRecord({})))
        fields = {k: v for k, v in vars(record).items() if k not in standard and k != "message"}
        line = {"level": record.levelname, "message": record.getMessage(), **fields}
        if record.exc_text:
            line["exception"] = record.exc_text.splitlines()[-1]
        return orjson.dumps(line, default=str).decode()


def _otel_section(redactor: Redactor, out: TextIO) -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from .otel import RedactingLogExporter, RedactingLogRecordProcessor, RedactingSpanExporter

    sink = io.StringIO()
    # Spans: the SDK freezes them, so the exporter sends redacted copies.
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(
        _ConsoleSpans(sink), redactor)))
    tracer = tracer_provider.get_tracer("intercom_redact.demo")
    with tracer.start_as_current_span("GET /contacts/search jane.doe@example.com") as span:
        span.set_attribute("contact.email", "jane.doe@example.com")
        span.set_attribute("http.request.method", "POST")
        span.record_exception(ValueError("bad phone +44 20 7946 0958 for jane.doe@example.com"))
    # Logs: field rules on the application thread, the free-text scan on export.
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, scan=False))
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(RedactingLogExporter(
        _ConsoleLogs(sink), redactor)))
    otel_logger = logger_provider.get_logger("intercom_redact.demo")
    _, fields = sample_events()[1]
    part = fields["webhook"]["data"]["item"]["conversation_parts"]["conversation_parts"][0]
    otel_logger.emit(body=part["body"], attributes={"author.name": part["author"]["name"],
                                                    "conversation.id": "147"})
    tracer_provider.shutdown()
    logger_provider.shutdown()
    _section(out, "OpenTelemetry: a span and a log record (redacted copies, as exported)", sink.getvalue())


class _ConsoleSpans(SpanExporter):
    """A span exporter that writes one compact JSON line per span."""

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            self._sink.write(orjson.dumps({
                "span": span.name,
                "attributes": dict(span.attributes or {}),
                "events": [{"name": e.name, "attributes": {k: v for k, v in (e.attributes or {}).items()
                                                           if k != "exception.stacktrace"}}
                           for e in span.events],
            }, default=str).decode() + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class _ConsoleLogs(LogRecordExporter):
    """A log exporter that writes one compact JSON line per record."""

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        for readable in batch:
            record = readable.log_record
            self._sink.write(orjson.dumps({"body": record.body, "attributes": dict(record.attributes or {})},
                                          default=str).decode() + "\n")
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _compliance_section(out: TextIO) -> None:
    import os
    import tempfile

    from .compliance import AuditLog, DataKey, Keyring, SQLStore, delete_contact_data, export_contact_data, write_export
    from .testing import FakeIntercom

    with tempfile.TemporaryDirectory(prefix="intercom-redact-demo-") as home, \
            FakeIntercom(seed=0) as fake, fake.client() as client:
        contact_id = fake.workspace.busiest_contact_id
        keyring = Keyring([DataKey.generate("demo")])  # in production: INTERCOM_REDACT_DATA_KEY
        data = export_contact_data(client, contact_id)
        path = os.path.join(home, f"dsar-{contact_id}.json.enc")
        write_export(data, path, data_key=keyring)
        mode = oct(os.stat(path).st_mode & 0o777)
        lines = [f"DSAR for contact {contact_id}: {orjson.dumps(data['summary']).decode()}",
                 f"  written encrypted to {os.path.basename(path)} ({os.path.getsize(path)} bytes, mode {mode})"]

        audit = AuditLog(f"sqlite:///{os.path.join(home, 'audit.sqlite3')}")
        cache = SQLStore(f"sqlite:///{os.path.join(home, 'cache.sqlite3')}", data_key=keyring)
        cache.put_contact(data["contact"])  # minimized: no email, name, phone or location is cached
        result = delete_contact_data(client, contact_id, audit=audit, stores=[cache],
                                     hmac_key=b"demo key: use INTERCOM_REDACT_HMAC_KEY in production",
                                     actor="demo")
        lines += [f"deletion {result.request_id}: intercom={result.intercom}, "
                  f"purged={dict(result.sources_purged)}, conversations affected={result.conversations_affected}",
                  f"  audit record keeps only a keyed email hash: {result.email_hash}",
                  f"  audit chain: {audit.verify()}",
                  f"  DELETE requests sent to Intercom: {fake.count('/contacts/*', method='DELETE')}"]
        cache.close()
        audit.close()
    _section(out, "compliance: DSAR export and right to deletion (fake workspace on 127.0.0.1)",
             "\n".join(lines) + "\n")


def _section(out: TextIO, title: str, body: str) -> None:
    out.write(f"\n== {title} ==\n{body}")


# Every personal value planted in the demo's events, to check the output against.
_PLANTED = ("jane.doe@example.com", "Jane Doe", "+31 20 123 4567", "+44 20 7946 0958", "Amsterdam",
            "Keizersgracht 123", "4111 1111 1111 1111", "NL91 ABNA 0417 1643 00", "dG9rOmV4YW1wbGU=")


def run_demo(argv: list[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the demo, print what each sink emitted and check it; returns an exit code."""
    out = out or sys.stdout
    shown = io.StringIO()
    shown.write("intercom-redact demo: the same Intercom events through every sink, one policy.\n")
    redactor = Redactor()
    count = _structlog_section(redactor, shown)
    _stdlib_section(redactor, shown)
    _otel_section(redactor, shown)
    _compliance_section(shown)
    text = shown.getvalue()
    leaked = [value for value in _PLANTED if value.lower() in text.lower()]
    out.write(text)
    out.write(f"\n== check ==\nstructlog redactions: {count}. Planted personal values found in the "
              f"output above: {len(leaked)} of {len(_PLANTED)}.\n")
    return 1 if leaked else 0
