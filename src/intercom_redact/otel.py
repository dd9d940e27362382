"""OpenTelemetry integration: logs are redacted before any exporter sees them,
spans are exported as redacted copies.

Which piece to use when:

* :class:`RedactingLogRecordProcessor` — add it to the ``LoggerProvider``
  *before* any other processor.  The SDK hands the same record to every
  processor in the order they were added, so the ones after it (batch, simple,
  console) only ever see redacted data.  With ``scan=True`` (the default) the
  whole job, free-text scanning included, runs on the thread that logs.
* ``RedactingLogRecordProcessor(scan=False)`` followed by a
  ``BatchLogRecordProcessor(RedactingLogExporter(exporter))`` — the same
  guarantee, with the heavy part deferred: the application thread applies the
  field rules and removes the personal values they caught from the body (cheap);
  the pattern/NER scan of free text runs on the batch processor's export thread.
  Use this in services that log conversation bodies on a hot path, and wrap
  *every* exporter: one that is not wrapped gets free text not yet scanned.
* ``BatchLogRecordProcessor(RedactingLogExporter(exporter))`` with no
  processor before it — nothing on the application thread: field rules and
  scan both run on the export thread.  Any processor or exporter that is not
  wrapped sees the records raw.
* :class:`RedactingSpanExporter` — wrap the span exporter of a
  ``BatchSpanProcessor`` (or ``SimpleSpanProcessor``).  The SDK freezes a span
  before processors see it, so spans are redacted by exporting redacted copies.

::

    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from intercom_redact import Redactor
    from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor

    redactor = Redactor()
    provider = LoggerProvider()
    provider.add_log_record_processor(RedactingLogRecordProcessor(redactor, scan=False))
    provider.add_log_record_processor(
        BatchLogRecordProcessor(RedactingLogExporter(OTLPLogExporter(), redactor)))  # any exporter

Every piece counts what it redacts on the ``intercom_redact.redactions``
counter (attribute ``redaction.type``) of the global or a given
``MeterProvider``, and can add ``redaction.count`` / ``redaction.types``
attributes (counts and type names only) to what it exports.

Attribute keys are matched by policy paths the way nested fields are: a map
value is walked (``contact`` → ``contact.email``), and a dotted key
(``contact.email``, ``user.full_name``) is read as a path too, so ``**.email``
selects it.  Keys in OpenTelemetry's semantic-convention namespaces
(``code.function.name``, ``service.name``, ``exception.message``…) are not
split: they are single keys, and their string values are scanned as free text.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import metrics
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk._logs import LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import Link, Status

from . import _sinks
from ._core import CORE as _core
from .engine import Redactor, Summary
from .policy import Policy

__all__ = [
    "RedactingLogExporter",
    "RedactingLogRecordProcessor",
    "RedactingSpanExporter",
    "RedactionCounter",
]

# What RedactingLogRecordProcessor did, noted on the API LogRecord (a Python
# attribute, never exported) for RedactingLogExporter: after a full pass there is
# nothing left to do; after a fields-only pass only the free-text scan.  Applying
# field rules twice would pseudonymize pseudonyms and count redactions twice.
_DONE = "_intercom_redact_done"
_FULL, _FIELDS = "full", "fields"

_BODY = _sinks.Part("<body>")
_NAME = _sinks.Part("<name>")
_STATUS = _sinks.Part("<status>")
_EVENTS = _sinks.Part("<events>")
_LINKS = _sinks.Part("<links>")

# Attribute namespaces of OpenTelemetry's semantic conventions, set by the SDK
# and instrumentations.  Their keys stay whole: split, ``code.function.name``
# would be a ``**.name`` (a person's name) to the default policy.
_SEMCONV_NAMESPACES = frozenset({
    "android", "artifact", "aws", "az", "azure", "browser", "cassandra", "cicd", "client", "cloud",
    "cloudevents", "cloudfoundry", "code", "container", "cpu", "db", "deployment", "destination",
    "device", "disk", "dns", "elasticsearch", "error", "event", "exception", "faas", "feature_flag",
    "file", "gcp", "gen_ai", "geo", "go", "graphql", "heroku", "host", "http", "hw", "ios", "jvm",
    "k8s", "linux", "log", "message", "messaging", "net", "network", "nodejs", "oci", "opentracing",
    "os", "otel", "peer", "pool", "process", "profile", "rpc", "server", "service", "session",
    "signalr", "source", "span", "system", "telemetry", "test", "thread", "tls", "url", "user_agent",
    "v8js", "vcs", "webengine", "zos",
})


class RedactionCounter:
    """The ``intercom_redact.redactions`` counter: redactions by entity type.

    :param meter_provider: where the counter lives; the global provider when
        omitted (set it before or after, the API forwards).
    """

    __slots__ = ("_counter",)

    _counters: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
        # One instrument per provider: creating it twice makes the SDK warn.
        with self._lock:
            counter = self._counters.get(provider)
            if counter is None:
                from . import __version__

                meter = metrics.get_meter("intercom_redact", __version__, meter_provider=provider)
                counter = meter.create_counter(
                    "intercom_redact.redactions", unit="{redaction}",
                    description="Values redacted from logs and traces, by entity type",
                )
                self._counters[provider] = counter
        self._counter = counter

    def add(self, summary: Summary) -> None:
        """Count the redactions of one call."""
        # The global provider's counter forwards to the instrument of the
        # provider set later (its ``_real_instrument``), and does nothing until
        # then; read it here, so that until then counting costs one lookup.
        counter = getattr(self._counter, "_real_instrument", self._counter)
        if counter is None or isinstance(counter, metrics.NoOpCounter):
            return
        for entity_type, n in summary.types.items():
            counter.add(n, {"redaction.type": entity_type})


class _Sink:
    """What the three OpenTelemetry pieces share: redactor, options, counter."""

    def __init__(self, redactor: Redactor | None, summary: bool,
                 meter_provider: metrics.MeterProvider | None, record_metrics: bool) -> None:
        self.redactor = redactor if redactor is not None else Redactor()
        self.summary = summary
        self._counter = RedactionCounter(meter_provider) if record_metrics else None

    def _redact(self, event: dict[Any, Any], anchor: _sinks.Part, scan: bool,
                counter: RedactionCounter | None = None) -> dict[Any, Any] | None:
        """Redact ``event`` (never raises) and count what was done; ``None``
        when it must fail closed (the caller blanks the record's own parts).

        ``anchor`` is a part every event has (the body, the span name): missing
        from the result, the engine replaced the event whole.  ``redaction.*``
        attributes of an earlier pass are carried over, not redacted.
        """
        # Read in a fixed order (not the set's, which moves with the hash seed): they go back in this order.
        previous = ({k: event.pop(k) for k in (_sinks.SUMMARY_COUNT, _sinks.SUMMARY_TYPES) if k in event}
                    if not event.keys().isdisjoint(_sinks.SUMMARY_KEYS) else {})  # rarely any
        if not _sinks.enter():
            return None
        clean: dict[Any, Any]
        try:
            clean, done = self.redactor.redact_with_summary(event, scan=scan)
        except Exception:
            return None
        finally:
            _sinks.leave()
        if anchor not in clean:  # redacted whole: its parts cannot be told apart any more
            return None
        counter = counter if counter is not None else self._counter
        if counter is not None and done.count:
            try:
                counter.add(done)
            except Exception:  # metrics must never stop a log record
                pass
        if self.summary:
            clean.update(_sinks.summary_attributes(done, previous))
        elif previous:
            clean.update(previous)
        return clean

    def _redact_log(self, record: Any, scan: bool, counter: RedactionCounter | None = None,
                    ) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        """The redacted body and attributes of an API ``LogRecord``, and the
        attributes as they were (a plain dict: the SDK's mapping is slow to read)."""
        attributes = record.attributes
        # The SDK mapping's own dict copied (dict() reads it key by key); typed, not cast: cast is a call.
        original: dict[str, Any] = (attributes.copy() if isinstance(attributes, BoundedAttributes)  # type: ignore[assignment]
                                    else dict(attributes or {}))
        event, plan = _nest(original)
        event[_BODY] = record.body
        clean = self._redact(event, _BODY, scan, counter)
        if clean is None:
            return self.redactor.unscanned, _sinks.blank(original, self.redactor), original
        body = clean.pop(_BODY, None)
        return body, _flatten(clean, plan), original


class RedactingLogRecordProcessor(_Sink, LogRecordProcessor):
    """Redact each log record's body and attributes in place, before the
    processors added after it see the record.

    :param redactor: the :class:`~intercom_redact.Redactor`; a default one when
        omitted.
    :param scan: scan free text (bodies, messages, ``exception.message``,
        ``exception.stacktrace``) on the emitting thread.  With ``False`` only
        field rules and the values they caught are applied here; pair it with
        :class:`RedactingLogExporter` for the scan.
    :param summary: add ``redaction.count`` / ``redaction.types`` attributes.
    :param meter_provider: for the redaction counter; the global one by default.
    :param record_metrics: count redactions on ``intercom_redact.redactions``.

    The record's ``exception`` object (frames and all) is dropped: its text is
    in the redacted ``exception.*`` attributes.
    """

    def __init__(self, redactor: Redactor | None = None, *, scan: bool = True, summary: bool = False,
                 meter_provider: metrics.MeterProvider | None = None, record_metrics: bool = True) -> None:
        _Sink.__init__(self, redactor, summary, meter_provider, record_metrics)
        self.scan = scan

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        record = log_record.log_record
        body, attributes, original = self._redact_log(record, self.scan)
        try:
            _assign(record, attributes, original)
        except Exception:  # a value the SDK refuses: fail closed
            body, record.attributes = self.redactor.unscanned, {}
        record.body = body
        if getattr(record, "exception", None) is not None:
            record.exception = None
        try:
            setattr(record, _DONE, _FULL if self.scan else _FIELDS)
        except AttributeError:  # a record type without a __dict__: the exporter redoes it all
            pass

    def shutdown(self) -> None:
        """Nothing to release."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Nothing is buffered here."""
        return True


class RedactingLogExporter(_Sink, LogRecordExporter):
    """Export redacted copies of log records through ``wrapped``.

    Runs on the export thread of a ``BatchLogRecordProcessor``: the place for
    the free-text scan that ``RedactingLogRecordProcessor(scan=False)`` left
    out.  The records of the batch are not modified (another processor may
    share them).

    :param wrapped: the exporter to send the redacted records to.
    :param redactor, summary, meter_provider, record_metrics: as for
        :class:`RedactingLogRecordProcessor`.
    """

    def __init__(self, wrapped: LogRecordExporter, redactor: Redactor | None = None, *,
                 summary: bool = False, meter_provider: metrics.MeterProvider | None = None,
                 record_metrics: bool = True) -> None:
        _Sink.__init__(self, redactor, summary, meter_provider, record_metrics)
        self.wrapped = wrapped

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        return self.wrapped.export([self._redacted(record) for record in batch])

    @functools.cached_property
    def _scan_only(self) -> _Sink:
        """The second pass of a deferred scan: only the free text is left to do."""
        redactor = self.redactor.with_policy(_scan_only(self.redactor.policy))
        return _Sink(redactor, self.summary, None, False)

    def _redacted(self, readable: ReadableLogRecord) -> ReadableLogRecord:
        original = readable.log_record
        done = getattr(original, _DONE, None)
        if done == _FULL:
            return readable
        record = copy.copy(original)
        sink = self._scan_only if done == _FIELDS else self
        body, attributes, held = sink._redact_log(original, True, self._counter)
        try:
            record.attributes = _bounded(attributes, original.attributes, held)
        except Exception:  # a value the SDK refuses: fail closed
            body, record.attributes = self.redactor.unscanned, {}
        record.body = body
        if getattr(record, "exception", None) is not None:
            record.exception = None
        return dataclasses.replace(readable, log_record=record)

    def shutdown(self) -> None:
        self.wrapped.shutdown()  # type: ignore[no-untyped-call]  # unannotated in the SDK

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.wrapped.force_flush(timeout_millis)


class RedactingSpanExporter(_Sink, SpanExporter):
    """Export redacted copies of spans through ``wrapped``.

    Redacted: the span name, attributes, events (name and attributes, so
    ``exception.message`` and ``exception.stacktrace`` from
    ``record_exception``), links' attributes and the status description, all as
    one event so a value a rule catches in an attribute is also removed from
    the name and the stack trace.  Context, timing, kind and resource are kept.

    :param wrapped: the exporter to send the redacted spans to.
    :param redactor, summary, meter_provider, record_metrics: as for
        :class:`RedactingLogRecordProcessor`.
    """

    def __init__(self, wrapped: SpanExporter, redactor: Redactor | None = None, *,
                 summary: bool = False, meter_provider: metrics.MeterProvider | None = None,
                 record_metrics: bool = True) -> None:
        _Sink.__init__(self, redactor, summary, meter_provider, record_metrics)
        self.wrapped = wrapped

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.wrapped.export([self._redacted(span) for span in spans])

    def _redacted(self, span: ReadableSpan) -> ReadableSpan:
        event, plan = _nest(span.attributes or {})
        event[_NAME] = span.name
        status = span.status
        if status.description:
            event[_STATUS] = status.description
        event_plans = []
        event[_EVENTS] = []
        for e in span.events:
            parts, part_plan = _nest(e.attributes or {})
            parts[_NAME] = e.name
            event[_EVENTS].append(parts)
            event_plans.append(part_plan)
        link_plans = []
        event[_LINKS] = []
        for link in span.links:
            parts, part_plan = _nest(link.attributes or {})
            event[_LINKS].append(parts)
            link_plans.append(part_plan)
        clean = self._redact(event, _NAME, True)
        if clean is None:
            blank = self.redactor.unscanned
            clean = {_NAME: blank, **({_STATUS: blank} if status.description else {}),
                     _EVENTS: [{_NAME: blank, **_sinks.blank(dict(e.attributes or {}), self.redactor)}
                               for e in span.events],
                     _LINKS: [_sinks.blank(dict(link.attributes or {}), self.redactor) for link in span.links],
                     **_sinks.blank(dict(span.attributes or {}), self.redactor)}
            plan = _FLAT
            event_plans = [_FLAT] * len(span.events)
            link_plans = [_FLAT] * len(span.links)

        name = clean.pop(_NAME)
        description = clean.pop(_STATUS, None)
        events = [
            Event(str(parts.pop(_NAME)), _frozen(_flatten(parts, part_plan), e.dropped_attributes), e.timestamp)
            for e, parts, part_plan in zip(span.events, clean.pop(_EVENTS), event_plans)
        ]
        links = [
            Link(link.context, _frozen(_flatten(parts, part_plan), link.dropped_attributes))
            for link, parts, part_plan in zip(span.links, clean.pop(_LINKS), link_plans)
        ]
        return ReadableSpan(
            name=str(name),
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=_frozen(_flatten(clean, plan), span.dropped_attributes),
            events=_bounded_list(events, span.dropped_events),
            links=_bounded_list(links, span.dropped_links),
            kind=span.kind,
            status=Status(status.status_code, description) if description else status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def shutdown(self) -> None:
        self.wrapped.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.wrapped.force_flush(timeout_millis)


_Plan = tuple[frozenset[str], list[tuple[str, list[str]]]]
_DROPPED = object()


_FLAT: _Plan = (frozenset(), [])  # attributes that were never nested


def _nest(attributes: Mapping[str, Any]) -> tuple[dict[Any, Any], _Plan]:
    """``attributes`` as an event for the engine, dotted keys read as paths.

    Returns the event and the plan :func:`_flatten` needs to undo the nesting:
    the top-level keys made here and each dotted key's path.  A dotted key that
    clashes with another key (``user`` and ``user.email``) stays whole.
    """
    event: dict[Any, Any] = {}
    dotted = []
    for key, value in attributes.items():
        if "." in key and key.partition(".")[0] not in _SEMCONV_NAMESPACES and key not in _sinks.SUMMARY_KEYS:
            dotted.append((key, value))
        else:
            event[key] = value
    if not dotted:
        return event, _FLAT
    tree: dict[str, Any] = {}
    made: set[int] = set()  # maps built here; a user's map value is never entered
    paths = []
    for key, value in dotted:
        parts = key.split(".")
        node = tree
        placed = "" not in parts and parts[0] not in event
        for part in parts[:-1] if placed else ():
            child = node.get(part)
            if child is None:
                child = node[part] = {}
                made.add(id(child))
            elif id(child) not in made:
                placed = False
                break
            node = child
        if placed and parts[-1] not in node:
            node[parts[-1]] = value
            paths.append((key, parts))
        else:
            event[key] = value
    event.update(tree)
    return event, (frozenset(tree), paths)


def _flatten(clean: dict[Any, Any], plan: _Plan) -> dict[str, Any]:
    """Undo :func:`_nest` on the redacted event."""
    roots, paths = plan
    if not paths:
        return clean
    out = {k: v for k, v in clean.items() if k not in roots}
    for key, parts in paths:
        node: Any = clean
        for part in parts:
            if not isinstance(node, dict):
                break  # a rule replaced this map whole: its placeholder stands for every key in it
            node = node.get(part, _DROPPED)
            if node is _DROPPED:
                break
        if node is not _DROPPED:
            out[key] = node
    return out


def _scan_only(policy: Policy) -> Policy:
    """``policy`` with every field rule turned into ``keep``: what a first pass
    replaced stays as it is, and free text is scanned as the policy says."""
    rules = tuple(rule if rule.action in ("keep", "scan") else dataclasses.replace(rule, action="keep")
                  for rule in policy.rules)
    return dataclasses.replace(policy, rules=rules, secret_keys=frozenset())


def _assign(record: Any, attributes: dict[str, Any], original: dict[str, Any]) -> None:
    """Give ``record`` the redacted ``attributes`` (``original``: what it had).

    The SDK's attributes of a record being emitted are mutable: they are
    updated where they changed, so values the redaction kept are not cleaned and
    validated again (half the cost of a processor that does no other work).
    """
    current = record.attributes
    if not isinstance(current, BoundedAttributes) or getattr(current, "_immutable", True):
        record.attributes = _bounded(attributes, current, original)
        return
    if not original.keys() <= attributes.keys():
        for key in original.keys() - attributes.keys():
            del current[key]  # dropped by a rule
    store = _store(current)
    for key, value in attributes.items():
        old = original.get(key, _DROPPED)
        if old != value:
            _put(current, store, key, value, old)


def _store(attributes: BoundedAttributes) -> dict[str, Any] | None:
    """The dict ``attributes`` keeps its values in; ``None`` for an SDK that keeps them otherwise."""
    store = getattr(attributes, "_dict", None)
    return store if isinstance(store, dict) else None


def _put(attributes: BoundedAttributes, store: dict[str, Any] | None, key: str, value: Any, old: Any) -> None:
    """``attributes[key] = value``, where ``old`` is the clean value the record
    had under ``key`` (``_DROPPED``: none) and ``store`` is :func:`_store`'s.

    A value the SDK would store as it is (:func:`_stored_as_is`) is not cleaned
    again: cleaning walks every value of a map, and the maps are where the
    personal values are.  It replaces the key, or is added while there is room
    under the count limit (else the SDK drops the oldest key first).
    """
    maxlen = attributes.maxlen
    if (store is not None and old is not _DROPPED and (key in store or maxlen is None or len(store) < maxlen)
            and _stored_as_is(value, old, attributes.max_value_len)):
        with attributes._lock:  # what BoundedAttributes.__setitem__ does with a clean value
            store.pop(key, None)
            store[key] = value
    else:
        attributes[key] = value


def _stored_as_is(new: Any, old: Any, limit: int | None) -> bool:
    """Whether the SDK would store ``new`` unchanged, given that the record's
    clean value was ``old`` and strings are cut at ``limit``.

    Cleaning keeps a string within the limit and cleans a map value by value.
    With no limit, cleaning what the record already holds gives it back as it
    is; with one, not always (a value the SDK made a string of is cut the second
    time only), so a map then goes through the SDK.  So ``new`` is stored as it
    is when it is a string within the limit or, with no limit, a map whose
    parts are parts of ``old`` (or maps equal to one), strings, or maps of
    those under keys ``old`` had.  Anything else (a new key, a list) goes
    through the SDK.
    """
    if type(new) is str:
        return limit is None or len(new) <= limit
    return limit is None and _core.rewritten_with_strings(new, old)  # compiled: it reads every key of the maps


def _bounded(values: dict[str, Any], like: Any, original: dict[str, Any]) -> Any:
    """``values`` in a ``BoundedAttributes`` with the limits, mutability and
    dropped count of ``like`` (a log record's attributes, ``original`` their
    values), in the order of ``values``, each put as :func:`_put` does."""
    if not isinstance(like, BoundedAttributes):
        return values
    # opentelemetry-api before extended attributes became the default needs the
    # flag to keep map values (log attributes may hold maps).
    extended = {"extended_attributes": True} if getattr(like, "_extended_attributes", False) else {}
    out = BoundedAttributes(maxlen=like.maxlen, attributes=None, immutable=False, max_value_len=like.max_value_len,
                            **extended)
    store = _store(out)
    for key, value in values.items():
        _put(out, store, key, value, original.get(key, _DROPPED))
    out._immutable = getattr(like, "_immutable", True)
    out.dropped += like.dropped
    return out


def _frozen(values: dict[str, Any], dropped: int) -> BoundedAttributes:
    """Span, event or link attributes for export, keeping the dropped count."""
    out = BoundedAttributes(maxlen=None, attributes=values, immutable=True)
    out.dropped += dropped
    return out


def _bounded_list(items: list[Any], dropped: int) -> BoundedList[Any]:
    """Span events or links for export, keeping the dropped count."""
    out = BoundedList.from_seq(None, items)
    out.dropped = dropped
    return out
