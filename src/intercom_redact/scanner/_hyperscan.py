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

Most texts are all ASCII (``str.isascii`` answers at once): those are read by a
second database of each trigger's :func:`~._byte_triggers.ascii_trigger` (its
classes ASCII, its counts kept, a trigger that cannot match ASCII left out),
about a third cheaper per text; the rest, lone surrogates included, by the
first.  Both are compiled together and kept in one cached file.
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

from ._byte_triggers import ascii_trigger, byte_trigger

__all__ = ["AVAILABLE", "Screen", "build_in_background", "cache_dir", "cached_file", "screen"]

# Looked up, not imported: the import waits for the background build (a first log call does not pay it).
AVAILABLE = not os.environ.get("INTERCOM_REDACT_NO_HYPERSCAN") and importlib.util.find_spec("hyperscan") is not None
"""Whether Hyperscan can take over from the RE2 set (installed and not switched off)."""

_FORMAT = 2  # bump when what the cached file holds changes beyond the expressions and their flags
_LENGTH = 8  # bytes giving the length of the first database in the cached file (then both, serialized)

Expressions = list[tuple[str, int, int]]
"""What a database compiles: each expression, its flags and its id (the trigger's index)."""


def _hyperscan() -> ModuleType:
    if not AVAILABLE:
        raise RuntimeError("hyperscan is not available")
    import hyperscan

    return hyperscan


class Screen:
    """Compiled databases of triggers, for any text and for ASCII texts: :meth:`match` names the ones a text contains.

    Thread-safe: Hyperscan's scratch space is per thread (one per database).
    """

    __slots__ = ("_dbs", "_last", "_local", "_scan", "_scan_ascii")

    def __init__(self, db: Any, ascii_db: Any) -> None:
        self._dbs = (db, ascii_db)
        self._scan = db.scan
        self._scan_ascii = ascii_db.scan
        self._local = threading.local()
        self._last: tuple[int, Any, Any] = (0, None, None)
        self._scratch()  # a database that cannot scan fails here, not on a caller's text

    def match(self, text: str) -> list[int]:
        """The indices of the triggers that may match ``text``, in no particular order (a new list)."""
        ident, scratch, ascii_scratch = self._last
        if ident != get_ident():
            _, scratch, ascii_scratch = self._scratch()
        hits: list[int] = []
        if text.isascii():  # most texts: the cheaper database
            self._scan_ascii(text.encode(), _report, 0, hits, ascii_scratch)  # (data, handler, flags, context, scratch)
            return hits
        try:
            data = text.encode()
        except UnicodeEncodeError:  # lone surrogates: UTF-8 has none, and Hyperscan reads UTF-8
            data = text.encode("utf-8", "replace")
        self._scan(data, _report, 0, hits, scratch)
        return hits

    def _scratch(self) -> tuple[int, Any, Any]:
        """This thread's scratch spaces (kept: a scan is µs), made the last ones used.

        The last ones are read first, with the thread they belong to: a thread-local
        read costs about as much as a short text's scan, and most processes scan on
        one thread.  Live threads never share an identifier, so none takes another's.
        """
        try:
            scratches = self._local.scratches
        except AttributeError:
            scratches = self._local.scratches = tuple(_hyperscan().Scratch(db) for db in self._dbs)
        self._last = (threading.get_ident(), *scratches)
        return self._last


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
            data = path.read_bytes()
            length = int.from_bytes(data[:_LENGTH], "little")
            return Screen(*(hyperscan.loadb(part, hyperscan.HS_MODE_BLOCK)
                            for part in (data[_LENGTH:_LENGTH + length], data[_LENGTH + length:])))
        except Exception:  # absent, truncated, or built for another CPU: compile afresh
            pass
    dbs = [_compiled(hyperscan, part) for part in expressions]
    compiled = Screen(*dbs)
    if path is not None:
        first, second = (hyperscan.dumpb(db) for db in dbs)
        _store(path, len(first).to_bytes(_LENGTH, "little") + first + second)
    return compiled


def _compiled(hyperscan: ModuleType, expressions: Expressions) -> Any:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[expression.encode("utf-8") for expression, _, _ in expressions],
               ids=[index for _, _, index in expressions], flags=[flags for _, flags, _ in expressions])
    return db


def build_in_background(triggers: Sequence[str], ready: Callable[[Screen], None]) -> None:
    """Call ``ready`` with the screen of ``triggers`` from a daemon thread; on any failure, never."""
    def build() -> None:
        try:
            ready(screen(triggers))
        except Exception:
            return  # the RE2 set goes on answering

    thread = threading.Thread(target=build, name="intercom-redact-hyperscan", daemon=True)
    thread.start()


def _expressions(hyperscan: ModuleType, triggers: Sequence[str]) -> tuple[Expressions, Expressions]:
    """What Hyperscan compiles for each trigger: for any text, and for ASCII texts.

    For any text, its byte-mode twin, else itself in UTF-8 mode.  For ASCII texts, its
    :func:`~._byte_triggers.ascii_trigger` (none where it cannot match one), else as for any.
    """
    flags = hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER
    every, ascii = [], []
    for index, trigger in enumerate(triggers):
        twin = byte_trigger(trigger)
        every.append((trigger, flags | hyperscan.HS_FLAG_UTF8, index) if twin is None else (twin, flags, index))
        try:
            restricted = ascii_trigger(trigger)
        except ValueError:  # a construct it does not read: as for any text, right on ASCII too
            ascii.append(every[-1])
            continue
        if restricted is not None:
            ascii.append((restricted, flags, index))
    # Hyperscan compiles no empty database: one expression no ASCII text matches stands in.
    return every, ascii or [(r"\x80", flags, 0)]


def _cached_path(hyperscan: ModuleType, expressions: tuple[Expressions, Expressions]) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    named = (_FORMAT, getattr(hyperscan, "__version__", ""), platform.machine(), platform.system(), expressions)
    key = hashlib.sha256(repr(named).encode("utf-8", "surrogatepass")).hexdigest()[:32]
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
