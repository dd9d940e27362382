"""The sinks' cost, side by side in one run: each redacting pipeline against the
same pipeline without redaction.

* structlog: add_log_level, TimeStamper(fmt="iso"), JSONRenderer(orjson.dumps)
  to /dev/null, with and without RedactProcessor.  The event carries Intercom
  fields (a contact with e-mail, name, phone, location; tags; request data)
  and no free text beyond the event name.                      target <= 1.15x
* stdlib JSON logging: a StreamHandler to /dev/null with python-json-logger's
  JsonFormatter, with and without RedactingFilter; the same fields as
  ``extra``.                                                    target <= 1.2x
* OpenTelemetry logs, application thread: ``Logger.emit`` of a record whose
  body is a conversation part (HTML, a name, an e-mail, a phone) with its
  author as attributes, into a BatchLogRecordProcessor; redacting =
  RedactingLogRecordProcessor(scan=False) before it and a RedactingLogExporter
  inside it (the scan deferred to the export thread).  The batch is drained
  after each round, outside the timing, so the export thread's scanning does
  not compete for the GIL while the application thread is timed; its cost per
  record is reported separately.  For reference, the same with the scan on the
  application thread (scan=True).                               target <= 1.3x

Each table also times ``Redactor.redact`` alone on the event the sink builds
(the engine's share), and the sink with a stand-in redactor that only copies
the event (the adapter's own share).

Rounds interleave the pipelines so machine noise hits all alike; the tables
show the median time per call and its ratio to the plain pipeline.

    python benchmarks/bench_sinks.py [--rounds 15] [--calls 2000]
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import structlog
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult
from pythonjsonlogger.json import JsonFormatter

from intercom_redact import Policy, Redactor, Summary
from intercom_redact.logging import RedactingFilter
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor
from intercom_redact.structlog import RedactProcessor

# The same event and structlog pipeline as the engine benchmark (this directory is on sys.path).
from bench_engine import EVENT as FIELDS  # noqa: E402
from bench_engine import make_logger  # noqa: E402

PART_BODY = (
    "<p>Hi Sam,</p><p>I was charged twice for my subscription this month. Could you refund the "
    "second charge? You can reach me at <a href=\"mailto:jane.doe@example.com\">jane.doe@example.com</a> "
    "or on +31 20 123 4567 between 9 and 5.</p><p>Thanks,<br>Jane Doe</p>"
)
PART_ATTRIBUTES = {
    "conversation_id": "1911149811",
    "part": {"type": "conversation_part", "id": "2411", "part_type": "comment",
             "author": {"type": "user", "id": "u_77", "name": "Jane Doe", "email": "jane.doe@example.com"}},
}


# The engine's share: Redactor.redact of the event the sink hands it, alone.
ENGINE_ROW = "(Redactor.redact of the same event, alone)"
# The adapter's share: the sink with a stand-in that only copies the event.
ADAPTER_ROW = "(the sink with a copy-only redactor: adapter cost)"


class _CopyOnly:
    """Stands in for the Redactor to time what the sink itself adds."""

    policy = Policy()

    def redact_with_summary(self, value, *, scan: bool = True):
        return dict(value), Summary()


# -- structlog ----------------------------------------------------------------------------------

def structlog_logger(extra: Sequence, sink) -> Callable[[], None]:
    log = make_logger(extra, sink)
    return lambda: log.info("contact updated", **FIELDS)


# -- stdlib -------------------------------------------------------------------------------------

def stdlib_logger(name: str, filters: Sequence, sink) -> Callable[[], None]:
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for f in filters:
        handler.addFilter(f)
    log = logging.getLogger(f"bench.{name}")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return lambda: log.info("contact updated", extra=FIELDS)


# -- OpenTelemetry ------------------------------------------------------------------------------

class _Discard(LogRecordExporter):
    """An exporter that only counts: the export itself is not what is measured."""

    def __init__(self) -> None:
        self.exported = 0

    def export(self, batch):
        self.exported += len(batch)
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def otel_logger(processors: Sequence, exporter: LogRecordExporter, queue: int):
    provider = LoggerProvider()
    for processor in processors:
        provider.add_log_record_processor(processor)
    # A long delay and a batch as large as the queue: nothing is exported while a round is timed.
    provider.add_log_record_processor(BatchLogRecordProcessor(
        exporter, schedule_delay_millis=600_000, max_export_batch_size=queue, max_queue_size=queue))
    logger = provider.get_logger("bench")
    emit = lambda: logger.emit(body=PART_BODY, attributes=PART_ATTRIBUTES)  # noqa: E731
    return emit, provider


# -- timing -------------------------------------------------------------------------------------

def time_calls(call: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls


def run(cases: dict[str, Callable[[], None]], rounds: int, calls: int,
        after_round: Callable[[], None] = lambda: None) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for call in cases.values():
        time_calls(call, max(calls // 10, 10))  # warm-up
    after_round()
    for _ in range(rounds):
        for name, call in cases.items():
            samples[name].append(time_calls(call, calls))
        after_round()
    return {name: statistics.median(values) for name, values in samples.items()}


def table(title: str, medians: dict[str, float], target: float, extra: dict[str, str] | None = None) -> str:
    base = next(iter(medians.values()))
    lines = [f"**{title}**", "", "| pipeline | median µs/call | ratio to plain | target |", "|---|---:|---:|---:|"]
    for i, (name, med) in enumerate(medians.items()):
        mark = f"≤ {target:.2f}x" if i == 1 else ""
        lines.append(f"| {name} | {med * 1e6:.2f} | {med / base:.2f}x | {mark} |")
    for name, value in (extra or {}).items():
        lines.append(f"| {name} | {value} | | |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)

    redactor = Redactor()
    copy_only = _CopyOnly()
    redactor.redact({"event": "warm up", **FIELDS, "body": PART_BODY})  # build the scanner before timing
    out = []

    with open(os.devnull, "wb") as bytes_sink:
        event = {"event": "contact updated", **FIELDS, "level": "info", "timestamp": "2026-11-29T02:00:00Z"}
        medians = run({
            "plain": structlog_logger([], bytes_sink),
            "RedactProcessor": structlog_logger([RedactProcessor(redactor)], bytes_sink),
            ENGINE_ROW: lambda: redactor.redact(event),
            ADAPTER_ROW: structlog_logger([RedactProcessor(copy_only)], bytes_sink),
        }, args.rounds, args.calls)
    out.append(table("structlog, JSON to /dev/null (fields, no free text)", medians, 1.15))

    with open(os.devnull, "w") as text_sink:
        medians = run({
            "plain": stdlib_logger("plain", [], text_sink),
            "RedactingFilter": stdlib_logger("filter", [RedactingFilter(redactor)], text_sink),
            ENGINE_ROW: lambda: redactor.redact({"message": "contact updated", **FIELDS}),
            ADAPTER_ROW: stdlib_logger("copy", [RedactingFilter(copy_only)], text_sink),
        }, args.rounds, args.calls)
    out.append(table("stdlib logging, python-json-logger to /dev/null (same fields as extra)", medians, 1.2))

    queue = args.calls * 2
    plain_exporter, deferred_exporter, eager_exporter = _Discard(), _Discard(), _Discard()
    emit_plain, plain = otel_logger([], plain_exporter, queue)
    emit_deferred, deferred = otel_logger([RedactingLogRecordProcessor(redactor, scan=False)],
                                          RedactingLogExporter(deferred_exporter, redactor), queue)
    emit_eager, eager = otel_logger([RedactingLogRecordProcessor(redactor)], eager_exporter, queue)
    emit_copy, copy_provider = otel_logger([RedactingLogRecordProcessor(copy_only, scan=False)], _Discard(), queue)
    export_time = [0.0]

    def drain() -> None:
        plain.force_flush()
        eager.force_flush()
        copy_provider.force_flush()
        before, start = deferred_exporter.exported, time.perf_counter()
        deferred.force_flush()
        if deferred_exporter.exported > before:
            export_time.append((time.perf_counter() - start) / (deferred_exporter.exported - before))

    medians = run({"plain emit": emit_plain, "RedactingLogRecordProcessor(scan=False) + deferred exporter":
                   emit_deferred, "RedactingLogRecordProcessor(scan=True), for reference": emit_eager,
                   ENGINE_ROW + ", scan=False": lambda: redactor.redact({"body": PART_BODY, **PART_ATTRIBUTES},
                                                                        scan=False),
                   ADAPTER_ROW: emit_copy},
                  args.rounds, args.calls, drain)
    deferred_cost = statistics.median(export_time[1:]) * 1e6
    out.append(table("OpenTelemetry logs, application thread: emit a conversation part (HTML body)", medians, 1.3,
                     {"RedactingLogExporter, export thread, per record": f"{deferred_cost:.2f}"}))
    for provider in (plain, deferred, eager, copy_provider):
        provider.shutdown()

    print(f"`python benchmarks/bench_sinks.py --rounds {args.rounds} --calls {args.calls}`, "
          f"{datetime.date.today().isoformat()}, Python {sys.version.split()[0]}, structlog {structlog.__version__}, "
          f"opentelemetry-sdk {_version('opentelemetry-sdk')}, {platform.machine()}, {os.cpu_count()} CPUs\n")
    print("\n\n".join(out))
    return 0


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


if __name__ == "__main__":
    raise SystemExit(main())
