"""The Python peers, each wrapped the way its documentation plugs it into a sink.

* **loggingredactor** ``CommonPIIRedactingFilter()`` (its preloaded e-mail and
  phone patterns and PII keys): a stdlib filter as shipped; for structlog and
  OpenTelemetry its ``redact`` (deep copy, keys, patterns on every string).
* **sentry-sdk** ``EventScrubber(recursive=True)`` (its default denylists; keys
  only, no patterns): it scrubs the event it is given in place, so the wrapper
  deep-copies first (the logged objects belong to the application).
* **hushlog** (if installed): ``structlog_processor()``; for stdlib its own
  ``RedactingJsonFormatter`` (python-json-logger's field selection, then
  ``redact_dict``); for OpenTelemetry the same registry's ``redact_dict``.

Every factory returns ``None`` when the peer is not installed, so a benchmark
lists who took part.  Benchmark-only dependencies (the ``bench`` extra).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk._logs import LogRecordProcessor

__all__ = ["PEERS", "RedactFn", "StructlogProcessor", "otel_processor", "stdlib_filter",
           "stdlib_formatter", "structlog_processor"]

RedactFn = Callable[[dict[str, Any]], dict[str, Any]]
StructlogProcessor = Callable[[Any, str, dict[str, Any]], dict[str, Any]]
PEERS = ("loggingredactor", "sentry-sdk EventScrubber", "hushlog")
# LogRecord's own attributes: what a stdlib filter must not treat as the application's extras.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, None, None, None))) | {"message", "asctime"}


def _loggingredactor() -> Any | None:
    try:
        from loggingredactor import CommonPIIRedactingFilter
    except ImportError:
        return None
    return CommonPIIRedactingFilter()


def _sentry() -> RedactFn | None:
    try:
        from sentry_sdk.scrubber import EventScrubber
    except ImportError:
        return None
    scrubber = EventScrubber(recursive=True)

    def scrub(event: dict[str, Any]) -> dict[str, Any]:
        event = copy.deepcopy(event)
        scrubber.scrub_dict(event)
        return event

    return scrub


def _hushlog_registry() -> Any | None:
    try:
        from hushlog import Config, PatternRegistry
    except ImportError:
        return None
    return PatternRegistry.from_config(Config())


def redact_fn(peer: str) -> RedactFn | None:
    """The peer as a function from an event dict to its redacted copy."""
    if peer == "loggingredactor":
        lr = _loggingredactor()
        return None if lr is None else lr.redact
    if peer == "sentry-sdk EventScrubber":
        return _sentry()
    registry = _hushlog_registry()
    return None if registry is None else registry.redact_dict


def structlog_processor(peer: str) -> StructlogProcessor | None:
    if peer == "hushlog":
        try:
            import hushlog
        except ImportError:
            return None
        return hushlog.structlog_processor()
    fn = redact_fn(peer)
    return None if fn is None else (lambda _logger, _method, event: fn(event))


class _ScrubFilter(logging.Filter):
    """A stdlib filter running a redact function over the record's extras."""

    def __init__(self, fn: RedactFn) -> None:
        super().__init__()
        self.fn = fn

    def filter(self, record: logging.LogRecord) -> bool:
        extras = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS}
        record.__dict__.update(self.fn(extras))
        return True


def stdlib_filter(peer: str) -> logging.Filter | None:
    """The peer as a handler filter (hushlog has none: see :func:`stdlib_formatter`)."""
    if peer == "loggingredactor":
        return _loggingredactor()
    if peer == "sentry-sdk EventScrubber":
        fn = _sentry()
        return None if fn is None else _ScrubFilter(fn)
    return None


def stdlib_formatter(peer: str, fmt: str) -> logging.Formatter | None:
    """hushlog's JSON formatter (it replaces python-json-logger's)."""
    if peer != "hushlog":
        return None
    try:
        from hushlog import RedactingJsonFormatter
    except ImportError:
        return None
    return RedactingJsonFormatter.from_config(fmt=fmt)


class _PeerLogProcessor(LogRecordProcessor):
    """Runs a peer over each record's body and attributes on the emitting thread
    (none of them has an OpenTelemetry integration or a deferred mode)."""

    def __init__(self, fn: RedactFn) -> None:
        self.fn = fn

    def on_emit(self, log_record: Any) -> None:
        record = log_record.log_record
        clean = self.fn({"body": record.body, **dict(record.attributes or {})})
        record.body = clean.pop("body")
        record.attributes = clean

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def otel_processor(peer: str) -> LogRecordProcessor | None:
    fn = redact_fn(peer)
    return None if fn is None else _PeerLogProcessor(fn)
