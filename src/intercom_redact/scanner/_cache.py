"""A bounded LRU of scan results, keyed by a keyed digest of the input.

The key is a BLAKE2b MAC under a random per-process key, so the cache holds
neither the text nor a digest anyone could test a guess against; the values
are findings (offsets and types), never text.  At most ``size`` entries are
kept; ``size=0`` disables the cache.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from hashlib import blake2b
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._findings import Finding

from ._findings import Finding

__all__ = ["ResultCache"]

_PROCESS_KEY = os.urandom(32)
# The MAC of each kind's one-byte prefix, copied per text: a keyed BLAKE2b's set-up (a block of
# the key) is half the cost of a short text's digest.  Never updated, so copies are thread-safe.
_HTML = blake2b(b"h", key=_PROCESS_KEY, digest_size=16)
_TEXT = blake2b(b"t", key=_PROCESS_KEY, digest_size=16)


class ResultCache:
    """A thread-safe LRU mapping input digests to tuples of findings."""

    __slots__ = ("_entries", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._size = max(0, int(size))
        self._entries: OrderedDict[bytes, tuple[Finding, ...]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str, html: bool) -> bytes:
        """The keyed digest of one text (the text itself is never kept)."""
        digest = (_HTML if html else _TEXT).copy()  # the same MAC as of the prefix and the text in one
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def get(self, key: bytes) -> tuple[Finding, ...] | None:
        """The cached findings for ``key``, or ``None``."""
        if not self._size:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: bytes, findings: tuple[Finding, ...]) -> None:
        """Remember ``findings`` for ``key``, evicting the least recently used entry."""
        if not self._size:
            return
        with self._lock:
            self._entries[key] = findings
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
