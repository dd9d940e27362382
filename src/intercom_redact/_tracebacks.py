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

Locals whose repr shows no data (``<module 'json' …>``, ``<function f at 0x…>``,
``<app.Client object at 0x…>``) are set aside before the walk and put back
after it by :func:`restore_locals`: they say what the frame held, not what a
customer wrote.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["SetAside", "restore_locals", "unquote_locals"]

_CONSTANTS = {"None": None, "True": True, "False": False}
_MAX_REPR = 64 * 1024
_NO_DATA = re.compile(
    r"<(?:module|class|function|built-in function|built-in method|bound method|method|generator|coroutine)"
    r" [^<>]*>|<[\w.]+ object at 0x[0-9a-fA-F]+>"
)

#: Locals set aside: (the path of their ``locals`` dict in the event, name, repr).
SetAside = list[tuple[tuple[Any, ...], str, str]]


def unquote_locals(event: MutableMapping[str, Any]) -> tuple[MutableMapping[str, Any], SetAside]:
    """``event`` with the locals of ``dict_tracebacks`` frames unquoted (a copy where changed),
    and the locals that show no data, set aside."""
    exception = event.get("exception")
    aside: SetAside = []
    if not isinstance(exception, list) or not any(isinstance(e, Mapping) and "frames" in e for e in exception):
        return event, aside
    copy = dict(event)
    copy["exception"] = [_exception(e, ("exception", i), aside) for i, e in enumerate(exception)]
    return copy, aside


def restore_locals(event: Any, aside: SetAside) -> None:
    """Put the locals :func:`unquote_locals` set aside back into the redacted ``event``."""
    for path, name, text in aside:
        node = event
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if isinstance(node, dict):  # not where the event failed closed
            node[name] = text


def _exception(exc: Any, path: tuple[Any, ...], aside: SetAside) -> Any:
    if not isinstance(exc, Mapping):
        return exc
    out = dict(exc)
    frames = exc.get("frames")
    if isinstance(frames, list):
        out["frames"] = [_frame(f, (*path, "frames", i), aside) for i, f in enumerate(frames)]
    nested = exc.get("exceptions")
    if isinstance(nested, list):  # an ExceptionGroup's members
        out["exceptions"] = [_exception(e, (*path, "exceptions", i), aside) for i, e in enumerate(nested)]
    return out


def _frame(frame: Any, path: tuple[Any, ...], aside: SetAside) -> Any:
    if not isinstance(frame, Mapping) or not isinstance(frame.get("locals"), Mapping):
        return frame
    out = dict(frame)
    kept: dict[Any, Any] = {}
    for name, text in frame["locals"].items():
        if isinstance(name, str) and isinstance(text, str) and _NO_DATA.fullmatch(text):
            aside.append(((*path, "locals"), name, text))
        else:
            kept[name] = _value(text)
    out["locals"] = kept
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
