"""Tracebacks as structlog's ``dict_tracebacks`` renders them: frame locals are values.

``ExceptionDictTransformer`` writes each frame's locals as ``repr`` strings:
``customer = 'Jane Doe'`` arrives as ``"'Jane Doe'"``.  Left quoted, the value
would be searched for as ``'Jane Doe'`` (quotes included) in the rest of the
event and would never match the exception's message.  :func:`unquote_locals`
turns string and ``None``/``True``/``False`` reprs back into the values they
show, so the policy sees values: the default classification redacts every
local (``**.frames[*].locals.*``) except identifiers and constants, by the type
its name gives (``email`` → ``EMAIL_ADDRESS``), and the redacted values are
then removed from the exception's message as known values.  Frame function
names and module paths are kept by the policy (``**.frames[*].name``).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["unquote_locals"]

_CONSTANTS = {"None": None, "True": True, "False": False}
_MAX_REPR = 64 * 1024


def unquote_locals(event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """``event`` with the locals of ``dict_tracebacks`` frames unquoted (a copy where changed)."""
    exception = event.get("exception")
    if not isinstance(exception, list) or not any(isinstance(e, Mapping) and "frames" in e for e in exception):
        return event
    copy = dict(event)
    copy["exception"] = [_exception(e) for e in exception]
    return copy


def _exception(exc: Any) -> Any:
    if not isinstance(exc, Mapping):
        return exc
    out = dict(exc)
    frames = exc.get("frames")
    if isinstance(frames, list):
        out["frames"] = [_frame(f) for f in frames]
    nested = exc.get("exceptions")
    if isinstance(nested, list):  # an ExceptionGroup's members
        out["exceptions"] = [_exception(e) for e in nested]
    return out


def _frame(frame: Any) -> Any:
    if not isinstance(frame, Mapping) or not isinstance(frame.get("locals"), Mapping):
        return frame
    out = dict(frame)
    out["locals"] = {name: _value(text) for name, text in frame["locals"].items()}
    return out


def _value(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and len(text) <= _MAX_REPR:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        return value if isinstance(value, str) else text
    return text
