"""stdlib :mod:`logging` integration: a handler filter and a formatter wrapper.

Both hand on a redacted *copy* of the record; the record the logger created is
shared by every handler and is never modified, so a handler without the filter
still sees the original.

::

    import logging
    from intercom_redact.logging import RedactingFilter, RedactingFormatter

    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())                 # or:
    handler.setFormatter(RedactingFormatter(fmt="%(levelname)s %(message)s"))

What is redacted: the message (formatted with its ``args``, so an argument's
value is redacted in context), the ``extra`` fields (never the record's own
attributes: ``record.name`` is the logger's name, not a person's), the
exception text (``exc_info`` is formatted, redacted and cleared) and
``stack_info``.  The message, fields and exception go through the engine as
one event, so a value a field rule catches (``extra={"contact": {"email":
...}}``) is also removed from the message and traceback.
"""

from __future__ import annotations

import logging
import pkgutil
import sys
import traceback
from collections.abc import Mapping
from types import FrameType
from typing import Any

from . import _sinks
from .engine import Redactor, Summary

__all__ = ["RedactingFilter", "RedactingFormatter"]

# The attributes LogRecord.__init__ sets, in the order it sets them.
_INIT_ATTRIBUTES = list(vars(logging.LogRecord("", 0, "", 0, "", (), None)))
# Attributes every LogRecord has (plus those formatters add): not user data.
_STANDARD = frozenset(_INIT_ATTRIBUTES) | {"message", "asctime", "taskName"}
# structlog.stdlib hands its own objects to logging under these keys.
_STRUCTLOG_META = frozenset({"_logger", "_name", "_from_structlog", "_record"})
_NOT_FIELDS = _STANDARD | _STRUCTLOG_META | _sinks.SUMMARY_KEYS
_N_INIT = len(_INIT_ATTRIBUTES)

_MESSAGE = _sinks.Part("<message>")
_EXCEPTION = _sinks.Part("<exception>")
_STACK = _sinks.Part("<stack>")
_ARGS = _sinks.Part("<args>")
_MISSING = object()

_exception_formatter = logging.Formatter()
_fallback_formatter = logging.Formatter(logging.BASIC_FORMAT)

# Python 3.12 lets a filter return the record the handler should use instead.
_FILTER_REPLACES_RECORD = sys.version_info >= (3, 12)
_FILTERER_CODE = logging.Filterer.filter.__code__
_GET_MESSAGE = logging.LogRecord.getMessage
_OWNERS = (logging.Handler, logging.Logger)


def _redacted_copy(record: logging.LogRecord, redactor: Redactor, summary: bool) -> logging.LogRecord:
    """A copy of ``record`` with message, fields, exception and stack redacted.

    Never raises: when redaction cannot finish (or the call is nested inside a
    redaction on this thread) the copy carries no user data at all.
    """
    cls = type(record)
    clean = object.__new__(cls if cls.getMessage is _GET_MESSAGE else _copy_class(cls))
    clean.__dict__ = record.__dict__.copy()  # one C copy: half the instructions of update()
    if not _sinks.enter():
        _blank(clean, redactor)
        return clean
    try:
        _redact_into(clean, record, redactor, summary)
    except Exception:
        _blank(clean, redactor)
    finally:
        _sinks.leave()
    return clean


# Record classes whose own getMessage is swapped out in their redacted copies.
_FORMATTED_CLASSES: dict[type[logging.LogRecord], type[logging.LogRecord]] = {}


def _copy_class(cls: type[logging.LogRecord]) -> type[logging.LogRecord]:
    """The class of a redacted copy of a ``cls`` record: ``cls`` itself, unless it formats its
    message its own way (a prefixing or ``{}``-style record factory).  The copy's message is
    that formatted message, redacted: formatting it again would add a prefix twice or read
    its braces as fields, so such a copy is of a subclass that returns its message as it is."""
    if cls.getMessage is _GET_MESSAGE:
        return cls
    formatted = _FORMATTED_CLASSES.get(cls)
    if formatted is None:
        formatted = type(cls.__name__, (cls,), {
            "getMessage": _formatted_message, "__reduce__": _as_plain_record,
            "__module__": cls.__module__, "__qualname__": cls.__qualname__})
        _FORMATTED_CLASSES[cls] = formatted
    return formatted


def _formatted_message(record: logging.LogRecord) -> str:
    return str(record.msg)


def _as_plain_record(record: logging.LogRecord) -> tuple[Any, tuple[dict[str, Any]]]:
    # Pickled (a multiprocessing queue) or copied, it is a plain record: the made-up class
    # cannot be looked up by name, and its message needs no class to format it.
    return logging.makeLogRecord, (record.__dict__,)


def _redact_into(clean: logging.LogRecord, record: logging.LogRecord, redactor: Redactor,
                 summary: bool) -> None:
    attrs = record.__dict__
    event: dict[Any, Any] = _fields(attrs)
    n_fields = len(event)
    msg, args = record.msg, record.args
    # A non-str message without args (logger.info({...})) keeps its structure.
    event[_MESSAGE] = record.getMessage() if args or isinstance(msg, str) else msg
    if args:
        # The args keep their structure here, so field rules apply to them
        # ("%(name)s" with a contact dict) and what they catch is removed from
        # the formatted message as a known value.  Only the message is emitted.
        event[_ARGS] = args
    exc_text = record.exc_text
    if not exc_text and record.exc_info:
        exc_text = _exception_formatter.formatException(record.exc_info)
    if exc_text:
        event[_EXCEPTION] = exc_text
    stack = record.stack_info
    if stack:
        event[_STACK] = stack

    out, done = redactor.redact_with_summary(event)
    message = out.pop(_MESSAGE, _MISSING)
    if message is _MISSING:  # the event was redacted whole: nothing of it can be placed back
        _blank(clean, redactor)
        return

    # Only the parts put in the event are looked for in what came back.
    cdict = clean.__dict__
    cdict["msg"] = message
    cdict["args"] = ()
    if "message" in attrs:  # cached by a formatter that ran earlier: raw text
        cdict["message"] = message if isinstance(message, str) else str(message)
    cdict["exc_info"] = None
    cdict["exc_text"] = out.pop(_EXCEPTION, None) if exc_text else None
    cdict["stack_info"] = out.pop(_STACK, None) if stack else None
    if args:
        out.pop(_ARGS, None)
    if len(out) < n_fields:  # a rule dropped fields
        for key in attrs.keys() - _NOT_FIELDS - out.keys():
            del cdict[key]
    if out:
        cdict.update(out)
    if summary:
        if args:
            done = _without(done, redactor.redact_with_summary(args)[1])
        cdict.update(_sinks.summary_attributes(done))


def _fields(attrs: dict[str, Any]) -> dict[str, Any]:
    """The record's ``extra`` fields (what is not ``_NOT_FIELDS``), in the record's order.

    A record's dict starts with what ``LogRecord.__init__`` set, in its order:
    one comparison in C skips those instead of testing each one in Python.
    """
    names = list(attrs)
    if names[:_N_INIT] == _INIT_ATTRIBUTES:
        names = names[_N_INIT:]
    fields = {}
    for name in names:  # a loop, not a comprehension: no function made and called for a few names
        if name not in _NOT_FIELDS:
            fields[name] = attrs[name]
    return fields


def _without(done: Summary, args: Summary) -> Summary:
    """The redactions of the emitted record: an argument's are counted again in the message it was
    formatted into, and the arguments themselves are not emitted."""
    types = {t: n - args.types.get(t, 0) for t, n in done.types.items()}
    kept = {t: n for t, n in types.items() if n > 0}
    return Summary(count=sum(kept.values()), types=kept)


def _blank(clean: logging.LogRecord, redactor: Redactor) -> None:
    """Fail closed: keep the record's metadata, none of its content (extra
    fields as the engine's fail-closed rule leaves an event)."""
    placeholder = redactor.unscanned
    cdict = clean.__dict__
    fields = list(_fields(cdict))
    for key in fields:
        del cdict[key]
    cdict.update(_sinks.blank(dict.fromkeys(fields), redactor))
    clean.msg = placeholder
    clean.args = ()
    if "message" in cdict:
        clean.message = placeholder
    clean.exc_info = None
    clean.exc_text = None
    clean.stack_info = None


class RedactingFilter(logging.Filter):
    """A filter that makes the handler (or logger) it is attached to emit a
    redacted copy of each record.

    :param redactor: the :class:`~intercom_redact.Redactor`; a default one
        (Intercom policy) when omitted.
    :param summary: add ``redaction.count`` and ``redaction.types`` (counts
        and type names, never values) to the redacted record.

    On Python 3.12+ the filter returns the copy, which the handler uses instead
    of the original.  Before 3.12 a filter cannot replace the record, so the
    filter emits the copy through its handler itself (or, on a logger, through
    the logger's handlers) and returns ``False`` for the original; either way
    other handlers see the record unmodified.  Called outside a handler or
    logger, it redacts the record in place.

    Never raises: a record that cannot be redacted is emitted with every user
    value replaced.  Usable from :func:`logging.config.dictConfig`::

        "filters": {"redact": {"()": "intercom_redact.logging.RedactingFilter"}}
    """

    def __init__(self, redactor: Redactor | None = None, *, summary: bool = False) -> None:
        super().__init__()
        self.redactor = redactor if redactor is not None else Redactor()
        self.summary = summary

    def filter(self, record: logging.LogRecord) -> bool | logging.LogRecord:  # type: ignore[override]
        clean = _redacted_copy(record, self.redactor, self.summary)
        if _FILTER_REPLACES_RECORD:
            return clean
        return self._emit_instead(record, clean)

    def _emit_instead(self, record: logging.LogRecord, clean: logging.LogRecord) -> bool:
        """Python < 3.12: send ``clean`` on in place of ``record``."""
        owner = _filterer_calling()
        if owner is None:
            record.__dict__.clear()
            record.__dict__.update(clean.__dict__)
            return True
        # The filters after this one run on the copy, as Filterer.filter would.
        filters: list[Any] = owner.filters
        if filters and filters[-1] is not self:
            for later in filters[filters.index(self) + 1:] if self in filters else ():
                result = later.filter(clean) if hasattr(later, "filter") else later(clean)
                if not result:
                    return False
        if isinstance(owner, logging.Handler):
            owner.acquire()
            try:
                owner.emit(clean)
            finally:
                owner.release()
        else:
            owner.callHandlers(clean)
        return False

    def __repr__(self) -> str:
        return f"RedactingFilter({self.redactor!r}, summary={self.summary})"


def _filterer_calling() -> logging.Handler | logging.Logger | None:
    """The handler or logger whose ``Filterer.filter`` is running this filter."""
    try:  # 0: here, 1: _emit_instead, 2: RedactingFilter.filter, 3: its caller
        frame: FrameType | None = sys._getframe(3)
    except ValueError:  # called from the outermost frame: nothing runs it
        return None
    for _ in range(4):  # a subclass's filter() may sit between us and Filterer.filter
        if frame is None:
            return None
        if frame.f_code is _FILTERER_CODE:
            owner = frame.f_locals.get("self")
            return owner if isinstance(owner, _OWNERS) else None
        frame = frame.f_back
    return None


class RedactingFormatter(logging.Formatter):
    """A formatter that formats a redacted copy of each record with ``wrapped``.

    :param wrapped: the formatter to wrap: any :class:`logging.Formatter`
        (plain, ``pythonjsonlogger.json.JsonFormatter``,
        ``structlog.stdlib.ProcessorFormatter``), or a dictConfig-style mapping
        ``{"()": "pythonjsonlogger.json.JsonFormatter", **kwargs}``.  A plain
        :class:`logging.Formatter` built from ``options`` when omitted.
    :param redactor: the :class:`~intercom_redact.Redactor`; a default one when
        omitted.
    :param summary: add ``redaction.count`` and ``redaction.types`` to the
        record the wrapped formatter sees.
    :param options: ``fmt``, ``datefmt``, ``style``… for the default formatter.

    Usable from :func:`logging.config.dictConfig`::

        "formatters": {"json": {
            "()": "intercom_redact.logging.RedactingFormatter",
            "wrapped": {"()": "pythonjsonlogger.json.JsonFormatter",
                        "fmt": "%(asctime)s %(levelname)s %(message)s"},
        }}
    """

    def __init__(self, wrapped: logging.Formatter | Mapping[str, Any] | None = None,
                 redactor: Redactor | None = None, *, summary: bool = False, **options: Any) -> None:
        super().__init__()
        if wrapped is None:
            wrapped = logging.Formatter(**options)
        elif isinstance(wrapped, Mapping):
            wrapped = _build(wrapped)
        elif options:
            raise TypeError("formatter options are for the default formatter; configure `wrapped` instead")
        self.wrapped = wrapped
        self.redactor = redactor if redactor is not None else Redactor()
        self.summary = summary

    def format(self, record: logging.LogRecord) -> str:
        clean = _redacted_copy(record, self.redactor, self.summary)
        try:
            return self.wrapped.format(clean)
        except Exception:
            # Raised, the error would reach Handler.handleError with the *original*
            # record, whose message and args it prints: report it here without them.
            if logging.raiseExceptions and sys.stderr:
                traceback.print_exc(file=sys.stderr)
            try:
                return _fallback_formatter.format(clean)
            except Exception:
                return self.redactor.unscanned

    def __repr__(self) -> str:
        return f"RedactingFormatter({self.wrapped!r}, {self.redactor!r})"


def _build(config: Mapping[str, Any]) -> logging.Formatter:
    """Build a formatter from a dictConfig-style ``{"()": factory, **kwargs}``."""
    # Item access (not dict(config)) lets dictConfig's ConvertingDict resolve ext:// values.
    kwargs = {key: config[key] for key in config if key != "()"}
    factory = config.get("()")
    if factory is None:
        raise ValueError('a formatter mapping needs a "()" factory, e.g. "pythonjsonlogger.json.JsonFormatter"')
    if isinstance(factory, str):
        factory = pkgutil.resolve_name(factory)
    formatter: logging.Formatter = factory(**kwargs)
    return formatter
