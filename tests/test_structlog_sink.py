"""RedactProcessor and insert_redactor in real structlog pipelines."""

from __future__ import annotations

import io
import json
import logging
import pickle
import uuid

import pytest
import structlog

from intercom_redact import Policy, Redactor
from intercom_redact.structlog import RedactProcessor, insert_redactor

EMAIL = "jane.doe@example.com"
NAME = "Jane Doe"
PHONE = "+31 20 123 4567"



def json_logger(processors: list, out: io.StringIO):
    return structlog.wrap_logger(structlog.PrintLogger(out), processors=processors)


def lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_fields_and_event_are_redacted_and_the_context_is_not_touched(redactor):
    out = io.StringIO()
    contact = {"id": "c1", "email": EMAIL, "name": NAME, "location": {"city": "Amsterdam"}}
    log = json_logger([RedactProcessor(redactor), structlog.processors.JSONRenderer()], out).bind(contact=contact)

    log.info(f"synced {NAME} <{EMAIL}>", tags=["vip"])

    [line] = lines(out)
    assert line == {
        "contact": {"id": "c1", "email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]",
                    "location": "[REDACTED:LOCATION]"},
        "tags": ["vip"],
        "event": "synced [REDACTED:PERSON] <[REDACTED:EMAIL_ADDRESS]>",
    }
    assert contact == {"id": "c1", "email": EMAIL, "name": NAME, "location": {"city": "Amsterdam"}}


def test_exc_info_left_in_the_event_is_rendered_and_redacted(redactor):
    out = io.StringIO()
    log = json_logger([RedactProcessor(redactor), structlog.processors.JSONRenderer()], out)

    try:
        raise LookupError(f"no contact {EMAIL}")
    except LookupError:
        log.exception("lookup failed")

    [line] = lines(out)
    assert "exc_info" not in line
    assert line["exception"].startswith("Traceback (most recent call last)")
    assert line["exception"].endswith("LookupError: no contact [REDACTED:EMAIL_ADDRESS]")


def test_dict_tracebacks_with_locals_are_redacted(redactor):
    out = io.StringIO()
    dict_tracebacks = structlog.processors.ExceptionRenderer(
        structlog.tracebacks.ExceptionDictTransformer(show_locals=True)
    )
    log = json_logger(insert_redactor([dict_tracebacks, structlog.processors.JSONRenderer()],
                                      RedactProcessor(redactor)), out)

    def lookup(email: str, phone: str) -> None:
        raise KeyError(f"unknown {email}")

    try:
        lookup(EMAIL, PHONE)
    except KeyError:
        log.exception("lookup failed")

    text = out.getvalue()
    assert EMAIL not in text and PHONE not in text
    [line] = lines(out)
    frame = line["exception"][0]["frames"][-1]
    assert frame["locals"]["email"] == "[REDACTED:EMAIL_ADDRESS]"
    assert line["exception"][0]["exc_value"] == "'unknown [REDACTED:EMAIL_ADDRESS]'"


def test_summary_is_added_on_request(redactor):
    out = io.StringIO()
    log = json_logger([RedactProcessor(redactor, summary=True), structlog.processors.JSONRenderer()], out)

    log.info("contact", email=EMAIL, phone=PHONE, plan="pro")

    [line] = lines(out)
    assert line["redaction.count"] == 2
    assert line["redaction.types"] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]


def test_processor_formatter_foreign_and_native_records(redactor):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(processors=[
        RedactProcessor(redactor),
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.JSONRenderer(sort_keys=True),
    ]))
    stdlib_logger = logging.getLogger(f"test.structlog.{uuid.uuid4().hex[:8]}")
    stdlib_logger.addHandler(handler)
    stdlib_logger.setLevel(logging.INFO)
    stdlib_logger.propagate = False
    native = structlog.wrap_logger(stdlib_logger, wrapper_class=structlog.stdlib.BoundLogger,
                                   processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter])

    stdlib_logger.info("foreign %s", EMAIL)
    try:
        raise ValueError(f"bad {EMAIL}")
    except ValueError:
        stdlib_logger.exception("foreign failure")
    native.info("native", contact={"email": EMAIL})

    foreign, failure, structured = lines(stream)
    assert foreign == {"event": "foreign [REDACTED:EMAIL_ADDRESS]"}
    assert failure["exception"].endswith("ValueError: bad [REDACTED:EMAIL_ADDRESS]")
    assert structured == {"contact": {"email": "[REDACTED:EMAIL_ADDRESS]"}, "event": "native"}


class _Chatty:
    def __init__(self, logger):
        self.logger = logger

    def __str__(self) -> str:
        self.logger.info("nested", email=EMAIL)
        return "chatty"


def test_a_nested_log_call_is_fully_redacted(redactor):
    out = io.StringIO()
    log = json_logger([RedactProcessor(redactor), structlog.processors.JSONRenderer()], out)

    log.info("outer", thing=_Chatty(log), email=EMAIL)

    nested, outer = lines(out)
    assert nested == {"email": "[REDACTED:UNSCANNED]", "event": "[REDACTED:UNSCANNED]"}
    assert outer == {"thing": "chatty", "email": "[REDACTED:EMAIL_ADDRESS]", "event": "outer"}


def test_an_event_redacted_whole_keeps_its_keys_only():
    out = io.StringIO()
    redactor = Redactor(Policy(max_nodes=2))  # past the size limit: the engine replaces the event whole
    log = json_logger([RedactProcessor(redactor), structlog.processors.JSONRenderer()], out)

    log.info("hello", email=EMAIL, contact={"name": NAME})

    assert lines(out) == [dict.fromkeys(["email", "contact", "event"], "[REDACTED:UNSCANNED]")]


def test_processor_pickles(redactor):
    processor = pickle.loads(pickle.dumps(RedactProcessor(redactor, summary=True)))

    assert processor.summary is True
    assert processor(None, "info", {"email": EMAIL})["email"] == "[REDACTED:EMAIL_ADDRESS]"


# -- insert_redactor ----------------------------------------------------------------------------


def _positions(chain: list) -> list[str]:
    return ["REDACT" if isinstance(p, RedactProcessor) else getattr(p, "__name__", type(p).__name__)
            for p in chain]


def test_insert_after_producers_and_before_the_renderer(redactor):
    chain = insert_redactor([
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.format_exc_info,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.processors.JSONRenderer(),
    ], RedactProcessor(redactor))

    assert _positions(chain) == ["merge_contextvars", "add_log_level", "ExceptionRenderer", "TimeStamper",
                                 "REDACT", "JSONRenderer"]


def test_insert_before_the_processor_formatter_wrapper(redactor):
    chain = insert_redactor([
        structlog.stdlib.add_logger_name,
        structlog.processors.dict_tracebacks,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ], RedactProcessor(redactor))

    assert _positions(chain) == ["add_logger_name", "ExceptionRenderer", "REDACT", "wrap_for_formatter"]


def test_insert_is_idempotent(redactor):
    chain = insert_redactor([structlog.processors.JSONRenderer()], RedactProcessor(redactor))

    assert insert_redactor(chain) == chain


def test_insert_before_opentelemetry_structlog_handler(redactor):
    otel_structlog = pytest.importorskip("opentelemetry.instrumentation.structlog")
    handler = otel_structlog.StructlogProcessor()

    chain = insert_redactor([structlog.processors.format_exc_info, handler,
                             structlog.processors.JSONRenderer()], RedactProcessor(redactor))

    assert chain.index(handler) == chain.index(next(p for p in chain if isinstance(p, RedactProcessor))) + 1


def test_opentelemetry_structlog_instrumentation_exports_redacted_events(redactor):
    otel_structlog = pytest.importorskip("opentelemetry.instrumentation.structlog")
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
    instrumentor = otel_structlog.StructlogInstrumentor()
    out = io.StringIO()
    instrumentor.instrument(logger_provider=provider)
    try:
        # configure() after instrument(): the instrumentor puts its handler before the last processor
        structlog.configure(
            processors=insert_redactor([structlog.processors.add_log_level,
                                        structlog.processors.JSONRenderer()], RedactProcessor(redactor)),
            logger_factory=structlog.PrintLoggerFactory(out),
            cache_logger_on_first_use=False,
        )
        try:
            raise LookupError(f"no contact {EMAIL}")
        except LookupError:
            structlog.get_logger().exception("lookup failed", contact={"email": EMAIL, "name": NAME})
    finally:
        instrumentor.uninstrument()
        structlog.reset_defaults()

    [record] = exported.get_finished_logs()
    assert record.log_record.body == "lookup failed"
    assert record.log_record.attributes["contact"] == {"email": "[REDACTED:EMAIL_ADDRESS]",
                                                       "name": "[REDACTED:PERSON]"}
    assert record.log_record.attributes["exception.stacktrace"].endswith(
        "LookupError: no contact [REDACTED:EMAIL_ADDRESS]")
    assert EMAIL not in record.to_json() and NAME not in record.to_json()
    assert EMAIL not in out.getvalue()
