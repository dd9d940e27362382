"""What the core and the engine share: the hooks for a walk's rare paths, and its abort.

Kept out of the compiled module, so both cores raise and catch the same ``Abort``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._py import Walk

__all__ = ["Abort", "Hooks"]


class Abort(Exception):
    """A bound was hit inside a container: it is redacted whole for ``reason``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Hooks(Protocol):
    """The engine's side of a walk (one object per ``Redactor``, shared by its walks)."""

    def new_key(self, walk: Walk, state: Any, key: Any, out: dict[Any, Any]) -> tuple[Any, Any]:
        """A key ``state`` has not seen: the state under it and the key to store (redacted if personal)."""

    def other(self, walk: Walk, out: Any, key: Any, v: Any, state: Any, op: Any, depth: int) -> None:
        """Store at ``out[key]`` the redacted copy of a value that is no str, number, dict or list."""

    def structured(self, walk: Walk, out: Any, key: Any, text: str, state: Any, op: Any, depth: int) -> None:
        """Store at ``out[key]`` a scanned string that may hold structure (a JSON body, logfmt, a query)."""

    def placeholder(self, entity_type: str) -> str:
        """The text that stands for a container a rule redacted whole."""
