"""The pattern pass's triggers as one Hyperscan database: the RE2 set's answer, cheaper on new texts.

RE2's set is a lazy DFA: it builds its states while it reads, so a text it has
not seen costs 8-25 µs over the built-in triggers, and a stream of distinct
events keeps showing it new ones.  Hyperscan builds its automaton up front and
then reads any text in about 2-3 µs.  Building it costs seconds of CPU, so it
never happens on a caller's thread: :func:`build_in_background` compiles on a
daemon thread (Hyperscan releases the GIL while it compiles) and hands the
screen over when it is ready; the RE2 set answers until then.

The compiled database is kept in the user's cache directory, named by a hash
of the triggers, Hyperscan's version and the machine, so the next process
loads it in about a millisecond.  ``INTERCOM_REDACT_CACHE_DIR`` moves that
directory (empty: nothing is written); ``INTERCOM_REDACT_NO_HYPERSCAN=1``
keeps the RE2 set.  A database that does not load is compiled afresh.
``intercom-redact warm`` compiles and caches it ahead (a container image's build step).

Triggers are RE2 syntax (:func:`~._patterns.to_re2`), which Hyperscan reads
as PCRE.  Each is compiled in byte mode when it has a byte-mode twin
(:mod:`._byte_triggers`: a third cheaper to scan), else in UTF-8 mode, with
``HS_FLAG_PREFILTER`` (Hyperscan may report more than the trigger matches: a
trigger only has to never miss, which ``tests/test_scanner_patterns.py``
checks for both screens) and ``HS_FLAG_SINGLEMATCH`` (one report per trigger).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from threading import get_ident
from types import ModuleType
from typing import Any

from ._byte_triggers import byte_trigger

__all__ = ["AVAILABLE", "Screen", "build_in_background", "cache_dir", "cached_file", "screen"]

# Looked up, not imported: the import waits for the background build (a first log call does not pay it).
AVAILABLE = not os.environ.get("INTERCOM_REDACT_NO_HYPERSCAN") and importlib.util.find_spec("hyperscan") is not None
"""Whether Hyperscan can take over from the RE2 set (installed and not switched off)."""

_FORMAT = 1  # bump when what the cached file holds changes beyond the expressions and their flags


def _hyperscan() -> ModuleType:
    if not AVAILABLE:
        raise RuntimeError("hyperscan is not available")
    import hyperscan

    return hyperscan


class Screen:
    """A compiled database of triggers: :meth:`match` names the ones a text contains.

    Thread-safe: Hyperscan's scratch space is per thread.
    """

    __slots__ = ("_db", "_last", "_local", "_scan")

    def __init__(self, db: Any) -> None:
        self._db = db
        self._scan = db.scan
        self._local = threading.local()
        self._last: tuple[int, Any] = (0, None)
        self._scratch()  # a database that cannot scan fails here, not on a caller's text

    def match(self, text: str) -> list[int]:
        """The indices of the triggers that may match ``text``, in no particular order (a new list)."""
        try:
            data = text.encode()
        except UnicodeEncodeError:  # lone surrogates: UTF-8 has none, and Hyperscan reads UTF-8
            data = text.encode("utf-8", "replace")
        ident, scratch = self._last
        if ident != get_ident():
            scratch = self._scratch()
        hits: list[int] = []
        self._scan(data, _report, 0, hits, scratch)  # positional: (data, handler, flags, context, scratch)
        return hits

    def _scratch(self) -> Any:
        """This thread's scratch space (kept: a scan is µs), made the last one used.

        The last one is read first, with the thread it belongs to: a thread-local
        read costs about as much as a short text's scan, and most processes scan on
        one thread.  Live threads never share an identifier, so none takes another's.
        """
        try:
            scratch = self._local.scratch
        except AttributeError:
            scratch = self._local.scratch = _hyperscan().Scratch(self._db)
        self._last = (threading.get_ident(), scratch)
        return scratch


def _report(index: int, start: int, end: int, flags: int, hits: list[int]) -> None:
    hits.append(index)


def cache_dir() -> Path | None:
    """Where compiled databases are kept; ``None`` when ``INTERCOM_REDACT_CACHE_DIR`` is set empty."""
    chosen = os.environ.get("INTERCOM_REDACT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "intercom-redact"


_building = threading.Lock()  # one compile at a time: each takes a core for seconds, and the next loads it


def screen(triggers: Sequence[str]) -> Screen:
    """The screen of ``triggers``: loaded from the cache, else compiled (seconds) and cached.

    :raises Exception: Hyperscan is missing or rejects a trigger.
    """
    with _building:
        return _load_or_compile(_hyperscan(), triggers)


def cached_file(triggers: Sequence[str]) -> Path | None:
    """Where the screen of ``triggers`` is cached, if it is (``None``: not cached, or caching is off)."""
    hyperscan = _hyperscan()
    path = _cached_path(hyperscan, _expressions(hyperscan, triggers))
    return path if path is not None and path.is_file() else None


def _load_or_compile(hyperscan: ModuleType, triggers: Sequence[str]) -> Screen:
    expressions = _expressions(hyperscan, triggers)
    path = _cached_path(hyperscan, expressions)
    if path is not None:
        try:
            return Screen(hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK))
        except Exception:  # absent, truncated, or built for another CPU: compile afresh
            pass
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[expression.encode("utf-8") for expression, _ in expressions],
               ids=list(range(len(expressions))), flags=[flags for _, flags in expressions])
    compiled = Screen(db)
    if path is not None:
        _store(path, hyperscan.dumpb(db))
    return compiled


def build_in_background(triggers: Sequence[str], ready: Callable[[Screen], None]) -> None:
    """Call ``ready`` with the screen of ``triggers`` from a daemon thread; on any failure, never."""
    def build() -> None:
        try:
            ready(screen(triggers))
        except Exception:
            return  # the RE2 set goes on answering

    thread = threading.Thread(target=build, name="intercom-redact-hyperscan", daemon=True)
    thread.start()


def _expressions(hyperscan: ModuleType, triggers: Sequence[str]) -> list[tuple[str, int]]:
    """What Hyperscan compiles for each trigger: its byte-mode twin, else itself in UTF-8 mode; and the flags."""
    flags = hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER
    expressions = []
    for trigger in triggers:
        twin = byte_trigger(trigger)
        expressions.append((trigger, flags | hyperscan.HS_FLAG_UTF8) if twin is None else (twin, flags))
    return expressions


def _cached_path(hyperscan: ModuleType, expressions: Sequence[tuple[str, int]]) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    key = hashlib.sha256("\0".join([
        str(_FORMAT), getattr(hyperscan, "__version__", ""), platform.machine(), platform.system(),
        *(f"{flags}:{expression}" for expression, flags in expressions),
    ]).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return directory / f"triggers-{key}.hsdb"


def _store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (other processes may be loading it); failing quietly."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".triggers-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return  # a read-only home: the next process compiles again
