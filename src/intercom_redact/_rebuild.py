"""Phase 3 of a walk: rebuild tuples, sets, bytes, dataclasses, models and exceptions.

Their contents were walked as dicts and lists; once those are final, each
rebuilder makes an object of the original kind from them.  A rebuild that
fails falls back to the plain dict or list (or, for an exception, its type's
name and redacted message): content is never lost to a type error, and never
left unredacted.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

__all__ = ["rebuild_bytes", "rebuild_exception", "rebuild_mapping", "rebuild_model", "rebuild_object",
           "rebuild_sequence"]


def rebuild_bytes(kind: type) -> Callable[[list[Any]], Any]:
    """Bytes were walked as their text (in a one-item box): encode the result back."""
    kind = kind if kind in (bytes, bytearray) else bytes

    def rebuild(box: list[Any]) -> Any:
        text = box[0]
        return text if not isinstance(text, str) else kind(text.encode("utf-8", "surrogateescape"))

    return rebuild


def rebuild_mapping(kind: type) -> Callable[[dict[Any, Any]], Any]:
    def rebuild(items: dict[Any, Any]) -> Any:
        try:
            return kind(items)
        except Exception:
            return items

    return rebuild


def rebuild_sequence(original: Any) -> Callable[[list[Any]], Any]:
    kind = type(original)

    def rebuild(items: list[Any]) -> Any:
        if kind in (tuple, list, set, frozenset):
            return kind(items)
        if isinstance(original, tuple) and hasattr(original, "_make"):
            return original._make(items)  # namedtuple
        try:
            return kind(items)
        except Exception:
            return tuple(items) if isinstance(original, tuple) else list(items)

    return rebuild


def rebuild_object(original: Any) -> Callable[[dict[str, Any]], Any]:
    def rebuild(fields: dict[str, Any]) -> Any:
        try:
            clone = copy.copy(original)
            for name, value in fields.items():
                object.__setattr__(clone, name, value)
            return clone
        except Exception:
            return fields

    return rebuild


def rebuild_model(original: Any) -> Callable[[dict[str, Any]], Any]:
    def rebuild(fields: dict[str, Any]) -> Any:
        try:
            return type(original).model_construct(**fields)
        except Exception:
            return fields

    return rebuild


def _exception_or_none(value: Any) -> BaseException | None:
    return value if isinstance(value, BaseException) else None


def rebuild_exception(original: BaseException) -> Callable[[dict[str, Any]], Any]:
    def rebuild(parts: dict[str, Any]) -> Any:
        try:
            clone = copy.copy(original)
            clone.args = parts["args"]
            if "attrs" in parts:
                clone.__dict__.update(parts["attrs"])
            # A link that failed closed is a placeholder string, not an exception: drop it.
            clone.__cause__ = _exception_or_none(parts.get("__cause__"))
            clone.__context__ = _exception_or_none(parts.get("__context__"))
            clone.__traceback__ = None  # frames hold locals we cannot redact in place
            if str(clone) == str(original) and parts["message"] != str(original):
                raise ValueError("str() does not follow args")
            return clone
        except Exception:
            # Keep the type's name and the redacted message; lose the type.
            return f"{type(original).__name__}: {parts['message']}"

    return rebuild

