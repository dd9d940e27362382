"""structlog integration: a processor, and a helper that puts it in the right place.

::

    import structlog
    from intercom_redact.structlog import RedactProcessor, insert_redactor

    structlog.configure(processors=insert_redactor([
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]))
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from structlog.processors import format_exc_info

from . import _sinks
from ._tracebacks import restore_locals, unquote_locals
from .engine import Redactor

__all__ = ["RedactProcessor", "insert_redactor"]

# Keys structlog.stdlib.ProcessorFormatter adds for its own use: not user data,
# and the LogRecord behind "_record" must reach the formatter untouched.
_META_KEYS = ("_record", "_from_structlog")

# Processors that add data to the event (exception text, frame locals, context):
# the redactor must run after all of them.
_PRODUCERS = frozenset({
    "merge_contextvars", "format_exc_info", "dict_tracebacks", "ExceptionRenderer",
    "StackInfoRenderer", "CallsiteParameterAdder", "ExtraAdder", "add_logger_name",
    "add_log_level", "TimeStamper", "UnicodeDecoder", "EventRenamer",
})


class RedactProcessor:
    """A structlog processor that returns a redacted copy of the event dict.

    :param redactor: the :class:`~intercom_redact.Redactor` to use; a default
        one (Intercom policy, pattern scanner) when omitted.
    :param summary: add ``redaction.count`` and ``redaction.types`` (counts and
        type names, never values) to the event.

    An ``exc_info`` still in the event is rendered to an ``exception`` string
    first (as :func:`structlog.processors.format_exc_info` does) and redacted
    with the rest: left for the renderer or OpenTelemetry's structlog
    processor, both of which format it themselves, it would leave raw.  Put
    ``dict_tracebacks`` or your own exception renderer before this processor to
    choose the format.

    The caller's nested objects are never modified (structlog's event dict is a
    shallow copy of the bound context), and the processor never raises: an
    event that cannot be redacted keeps its keys with every value replaced.
    """

    __slots__ = ("redactor", "summary")

    def __init__(self, redactor: Redactor | None = None, *, summary: bool = False) -> None:
        self.redactor = redactor if redactor is not None else Redactor()
        self.summary = summary

    def __call__(self, logger: Any, method_name: str,
                 event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        meta = None
        clean: MutableMapping[str, Any]
        if "_record" in event_dict or "_from_structlog" in event_dict:
            meta = {k: event_dict[k] for k in _META_KEYS if k in event_dict}
            event_dict = {k: v for k, v in event_dict.items() if k not in meta}
        if not _sinks.enter():
            clean = _sinks.blank(event_dict, self.redactor)
        else:
            try:
                if "exc_info" in event_dict:
                    event_dict = format_exc_info(logger, method_name, dict(event_dict))
                event_dict, aside = unquote_locals(event_dict)
                clean, done = self.redactor.redact_with_summary(event_dict)
                restore_locals(clean, aside)
                if self.summary:
                    clean.update(_sinks.summary_attributes(done))
            except Exception:
                clean = _sinks.blank(event_dict, self.redactor)
            finally:
                _sinks.leave()
        if meta:
            clean.update(meta)
        return clean

    def __getstate__(self) -> dict[str, Any]:
        return {"redactor": self.redactor, "summary": self.summary}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.redactor = state["redactor"]
        self.summary = state.get("summary", False)

    def __repr__(self) -> str:
        return f"RedactProcessor({self.redactor!r})"


def _name(processor: Any) -> str:
    return getattr(processor, "__name__", None) or type(processor).__name__


def _is_opentelemetry(processor: Any) -> bool:
    module = getattr(processor, "__module__", None) or type(processor).__module__ or ""
    return module.startswith("opentelemetry")


def insert_redactor(processors: Sequence[Any], processor: RedactProcessor | None = None) -> list[Any]:
    """Return ``processors`` with a :class:`RedactProcessor` where it belongs.

    That is after every processor that adds data to the event
    (``merge_contextvars``, ``format_exc_info``, ``dict_tracebacks``, …), and
    before the renderer (the last processor) and before any OpenTelemetry
    processor, which sends the event on as it is.  ``StructlogInstrumentor``
    (``opentelemetry-instrumentation-structlog``) puts its ``StructlogProcessor``
    just before the last processor, whether ``structlog.configure`` runs before
    or after ``instrument()``: that is after this processor, as long as the
    chain has a renderer to end it.  A chain that already holds a
    ``RedactProcessor`` is returned as a copy, unchanged.
    """
    chain = list(processors)
    if any(isinstance(p, RedactProcessor) for p in chain):
        return chain
    redact = processor if processor is not None else RedactProcessor()
    if not chain:
        return [redact]
    last_producer = max((i for i, p in enumerate(chain) if _name(p) in _PRODUCERS), default=-1)
    position = max(last_producer + 1, 0)
    # Never after the renderer or an OpenTelemetry handler.
    limit = len(chain) - 1
    for i, p in enumerate(chain):
        if _is_opentelemetry(p):
            limit = min(limit, i)
            break
    chain.insert(min(position, limit) if limit >= 0 else 0, redact)
    return chain
