"""Concurrency and load: many threads log through each sink at once with one shared redactor.

Thread ``t`` logs event ``i`` with its own personal values (a name only the
field rule can catch, an e-mail address) and, in the message, the name of the
*next* thread's event.  So:

* no record may be lost (every sink delivers threads x events records);
* each record's own name and e-mail are gone (known value, scanner);
* the other thread's name, which is not a known value of this event, is still
  there: known values never cross from one event to another;
* the record id survives.

The OpenTelemetry export path runs with its default batch settings and
deferred scanning; the figures (records/s, queue drops) are printed in the
reliability summary.  No timed assertion: the figures are measurements.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import uuid
import warnings
from collections.abc import Callable

import pytest
import structlog
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, InMemoryLogRecordExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pythonjsonlogger.json import JsonFormatter

from intercom_redact.logging import RedactingFilter
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor, RedactingSpanExporter
from intercom_redact.structlog import RedactProcessor

THREADS = 8
EVENTS = 250
# The OpenTelemetry log path gets four times the records of its default queue
# (2,048): it must keep up, not just absorb a burst.
OTEL_EVENTS = 1_000


def name_of(thread: int, i: int) -> str:
    # One lower-case word: found only as a known value, never by a recognizer.
    return f"zed{thread}q{i}x"


def event_of(thread: int, i: int) -> tuple[str, dict]:
    other = name_of((thread + 1) % THREADS, i)
    email = f"user{thread}.{i}@example.com"
    message = f"{name_of(thread, i)} wrote from {email} about {other}"
    fields = {"contact": {"id": f"rec-{thread}-{i}", "name": name_of(thread, i), "email": email}}
    return message, fields


def check(outputs: list[str], events: int = EVENTS, *, complete: bool = True) -> None:
    if complete:
        assert len(outputs) == THREADS * events, "records were lost"
    seen = set()
    for text in outputs:
        ids = [token for token in text.replace('"', " ").split() if token.startswith("rec-")]
        assert ids, text
        thread, i = (int(n) for n in ids[0].removeprefix("rec-").rstrip(",'}").split("-"))
        seen.add((thread, i))
        assert name_of(thread, i) not in text, text
        assert f"user{thread}.{i}@example.com" not in text, text
        assert name_of((thread + 1) % THREADS, i) in text, f"cross-talk: {text}"
    assert len(seen) == len(outputs)  # no record twice
    if complete:
        assert len(seen) == THREADS * events


def run_threads(log_one: Callable[[int, int], None], events: int = EVENTS) -> float:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(thread: int) -> None:
        try:
            barrier.wait()
            for i in range(events):
                log_one(thread, i)
        except BaseException as exc:  # surfaced below: a logging call must never raise
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    assert not errors, errors[0]
    return elapsed



def _rate(figures, sink: str, elapsed: float) -> None:
    figures.maximum(f"load: {sink} records/s ({THREADS} threads)", THREADS * EVENTS / elapsed)


def test_structlog_under_load(redactor, figures):
    lines: list[str] = []

    class ListLogger:
        def msg(self, line: str) -> None:
            lines.append(line)

        info = msg

    log = structlog.wrap_logger(ListLogger(), processors=[
        RedactProcessor(redactor), structlog.processors.JSONRenderer()])

    def log_one(thread: int, i: int) -> None:
        message, fields = event_of(thread, i)
        log.info(message, **fields)

    _rate(figures, "structlog", run_threads(log_one))
    check(lines)


def _stdlib_logging(handler: logging.Handler):
    """A fresh, non-propagating logger on ``handler`` and a per-thread log call for run_threads."""
    logger = logging.getLogger(f"tests.load.{uuid.uuid4().hex[:8]}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    def log_one(thread: int, i: int) -> None:
        message, fields = event_of(thread, i)
        logger.info(message, extra=fields)

    return logger, log_one


def test_stdlib_under_load(redactor, figures):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(redactor))
    logger, log_one = _stdlib_logging(handler)

    try:
        _rate(figures, "stdlib filter", run_threads(log_one))
    finally:
        logger.handlers.clear()
    check(out.getvalue().splitlines())


@pytest.mark.parametrize("queue", [2048, 4 * 2048], ids=["default queue", "queue sized for the burst"])
def test_otel_logs_deferred_under_load(redactor, figures, queue):
    """Sustained saturation: every thread logs as fast as it can, nothing else to do.

    With the SDK's default queue the export thread (which runs the deferred
    scan) may fall behind and the batch processor drops records rather than
    block the application: the drops are counted, and what was exported is
    still clean.  With a queue sized for the burst nothing is lost.
    """
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, scan=False))
    provider.add_log_record_processor(BatchLogRecordProcessor(RedactingLogExporter(exported, redactor),
                                                              max_queue_size=queue))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    logger, log_one = _stdlib_logging(handler)

    start = time.perf_counter()
    try:
        emitting = run_threads(log_one, OTEL_EVENTS)
        provider.force_flush()
        exporting = time.perf_counter() - start
    finally:
        logger.handlers.clear()
        provider.shutdown()
    records = exported.get_finished_logs()
    label = f"{THREADS} threads, queue {queue}"
    figures.maximum(f"load: otel logs emit records/s ({label}, app side)", THREADS * OTEL_EVENTS / emitting)
    figures.maximum(f"load: otel logs exported records/s ({label}, end to end)", len(records) / exporting)
    figures.count(f"load: otel logs queue drops ({label}, of {THREADS * OTEL_EVENTS})",
                  THREADS * OTEL_EVENTS - len(records))
    check([r.to_json() for r in records], OTEL_EVENTS, complete=queue >= THREADS * OTEL_EVENTS)


def test_otel_spans_under_load(redactor, figures):
    provider = TracerProvider()
    exported = InMemorySpanExporter()
    provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(exported, redactor)))
    tracer = provider.get_tracer("load")

    def log_one(thread: int, i: int) -> None:
        message, fields = event_of(thread, i)
        contact = fields["contact"]
        with tracer.start_as_current_span(message, attributes={
                "contact.id": contact["id"], "contact.name": contact["name"],
                "contact.email": contact["email"]}):
            pass

    start = time.perf_counter()
    run_threads(log_one)
    provider.force_flush()
    elapsed = time.perf_counter() - start
    spans = exported.get_finished_spans()
    provider.shutdown()
    figures.maximum(f"load: otel spans exported/s ({THREADS} threads, end to end)", len(spans) / elapsed)
    figures.count("load: otel spans queue drops", THREADS * EVENTS - len(spans))
    check([s.to_json() for s in spans])


def test_no_cross_talk_with_json_roundtrip(redactor):
    """The same events redacted in parallel equal the events redacted one by one."""
    expected = {(t, i): json.dumps(redactor.redact(dict(zip(("event", "fields"), event_of(t, i)))))
                for t in range(THREADS) for i in range(20)}
    got: dict[tuple[int, int], str] = {}

    def log_one(thread: int, i: int) -> None:
        if i < 20:
            got[(thread, i)] = json.dumps(redactor.redact(dict(zip(("event", "fields"), event_of(thread, i)))))

    run_threads(log_one)
    assert got == expected
