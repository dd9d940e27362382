"""Failing closed: one placeholder type and one way to redact a value whole.

Every path that gives up on a value ends here -- the engine past a bound or on
an error, a sink whose redaction raised, a log call made while redacting, a
file record that would not parse -- so all of them keep the same things and
nothing else: the shape of an event (a mapping stays a mapping, so a log line
still renders) and the keys that look like identifiers.  No key scan ran on
this path, and a key may itself be personal data (``{"jane@example.com": 3}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["UNSCANNED", "blank"]

#: The entity type of a value redacted whole (placeholder ``[REDACTED:UNSCANNED]``).
UNSCANNED = "UNSCANNED"

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}").fullmatch


def blank(value: Any, placeholder: str, *, marker: type | None = None) -> Any:
    """``value`` with none of its content.

    A mapping keeps its identifier-like string keys (and keys of type
    ``marker``: a sink's own part markers), each holding ``placeholder``;
    every other key is itself replaced by ``placeholder`` (numbered when
    there are several).  Anything else becomes ``placeholder``.  Never raises.
    """
    if not isinstance(value, Mapping):
        return placeholder
    out: dict[Any, str] = {}
    try:
        for key in value:
            if (type(key) is str and _PLAIN_KEY(key)) or (marker is not None and isinstance(key, marker)):
                out[key] = placeholder
            else:
                out[placeholder if placeholder not in out else f"{placeholder}#{len(out)}"] = placeholder
    except Exception:  # a mapping whose iteration fails: nothing of it is kept
        return {"event": placeholder}
    return out
