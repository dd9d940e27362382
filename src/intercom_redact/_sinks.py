"""What the sink adapters (structlog, logging, OpenTelemetry) share.

* A per-thread re-entrancy guard: the scanner (Presidio, spaCy) may log while a
  sink is redacting, and that record comes back through the same sinks.  A
  nested record is never redacted again (that could recurse or deadlock on the
  scanner's lazy set-up); it is emitted fully redacted instead.
* :class:`Part`: keys for the parts of one event that are not user fields (a
  log message, a span name).  They cannot collide with any user key, and they
  let all parts of an event go through one ``redact`` call, so the personal
  values caught in fields are also removed from the message.
* The ``redaction.count`` / ``redaction.types`` summary attributes.
* :func:`blank`: the engine's one fail-closed rule, keeping the part markers.
"""

from __future__ import annotations

import threading
from typing import Any

from .engine import Redactor, Summary

__all__ = [
    "SUMMARY_COUNT",
    "SUMMARY_KEYS",
    "SUMMARY_TYPES",
    "Part",
    "blank",
    "enter",
    "leave",
    "summary_attributes",
]

SUMMARY_COUNT = "redaction.count"
SUMMARY_TYPES = "redaction.types"
SUMMARY_KEYS = frozenset({SUMMARY_COUNT, SUMMARY_TYPES})

_local = threading.local()


def enter() -> bool:
    """Mark this thread as redacting.  False if it already is (a nested log call)."""
    if getattr(_local, "active", False):
        return False
    _local.active = True
    return True


def leave() -> None:
    """Undo a successful :func:`enter`."""
    _local.active = False


class Part:
    """A key for one part of an event that is not a user field.

    Never equal to a string, so it cannot collide with a user key; its label is
    what policy paths see (``<message>``, which no rule selects).
    """

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"Part({self.label!r})"


def blank(value: Any, redactor: Redactor) -> Any:
    """Fail closed on an event: identifier-like keys and part markers, no content."""
    return redactor.fail_closed(value, marker=Part)


def summary_attributes(summary: Summary, previous: Any = None) -> dict[str, Any]:
    """``redaction.count`` and ``redaction.types`` (sorted type names) for ``summary``.

    ``previous`` is the attributes of an earlier pass over the same record (the
    application-thread pass before a deferred scan): its counts are added.
    """
    count = summary.count
    types = set(summary.types)
    if previous:
        earlier = previous.get(SUMMARY_COUNT)
        if isinstance(earlier, int):
            count += earlier
        types.update(t for t in previous.get(SUMMARY_TYPES) or () if isinstance(t, str))
    return {SUMMARY_COUNT: count, SUMMARY_TYPES: tuple(sorted(types))}
