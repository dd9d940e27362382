"""How the library itself logs: every record is redacted before any handler sees it.

The compliance helpers handle the very data they must keep out of logs.  Host
applications configure logging in many ways (or not at all), so the library
does not rely on a filter being installed: its loggers redact message, fields
and exception text through the engine first, then hand a clean record to
stdlib ``logging``.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from typing import Any

from .engine import Redactor

__all__ = ["default_redactor", "get_logger"]

_default: Redactor | None = None
_lock = threading.Lock()


def default_redactor() -> Redactor:
    """The process-wide redactor for the library's own logs (default policy)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Redactor()
    return _default


class RedactingLogger:
    """A thin stdlib logger wrapper: ``log.info("deleted contact", contact_id=cid)``.

    Keyword arguments are structured fields; they are redacted together with
    the message (so a field's value is also removed from the message), rendered
    as ``key=value`` after the message, and attached as ``record.fields``.
    """

    __slots__ = ("_logger",)

    def __init__(self, logger: logging.Logger):
        self._logger = logger

    @property
    def name(self) -> str:
        return self._logger.name

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, fields, False)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, fields, False)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields, False)

    def error(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, fields, False)

    def exception(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, fields, True)

    def _log(self, level: int, event: str, fields: dict[str, Any], with_exc: bool) -> None:
        logger = self._logger
        if not logger.isEnabledFor(level):
            return
        payload: dict[str, Any] = {"event": event, **fields}
        if with_exc and sys.exc_info()[0] is not None:
            # Tracebacks are rendered here and redacted as text: a handler would
            # otherwise format the raw exception, message and all.
            payload["exception"] = traceback.format_exc()
        clean = default_redactor().redact(payload)
        message = str(clean.pop("event", ""))
        exc_text = clean.pop("exception", None)
        if clean:
            message += " " + " ".join(f"{k}={v!r}" for k, v in clean.items())
        if exc_text:
            message += "\n" + str(exc_text).rstrip()
        logger.log(level, message, extra={"fields": clean}, stacklevel=3)


def get_logger(name: str) -> RedactingLogger:
    """A logger for library code whose every record is redacted first."""
    return RedactingLogger(logging.getLogger(name))
