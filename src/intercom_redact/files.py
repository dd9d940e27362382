"""Redact log files and streams (JSON lines, plain-text lines, CSV) and batches of records.

Every bulk path goes through one partition API, :func:`redact_partition`: a
batch of records in, the redacted batch (in order) and its counts out.  A file
is read in chunks and each chunk is one partition, redacted in this process,
in local worker processes (``jobs``) or on a cluster (a :data:`ChunkRunner`
such as :class:`intercom_redact.dask.DaskRunner`); results are written in input
order, so memory stays flat whatever the size of the file.  Dask, Ray Data and
Spark call the same function on their partitions (:func:`redact_frame` for
pandas batches).

Workers never receive a :class:`~intercom_redact.Redactor` (its pickle holds
the HMAC key) but a :class:`RedactorConfig`: policy, NER model and key id.  Each
worker process builds the redactor once per configuration and reuses it for
every partition (Presidio and spaCy take seconds to load); it reads the key
from its own environment, or from the local pool that started it.

* **JSON lines**: each line is parsed with orjson, redacted as a value (field
  rules apply by key; a partition's records in one engine call) and dumped
  with orjson.  A line that is not JSON is
  redacted as plain text and counted as malformed; it is never passed through.
* **Plain text**: each line is free text for the scanner (HTML aware).
* **CSV**: the header row names the fields, so the column ``email`` is caught
  by the ``**.email`` rule; dotted column names (``contact.email``) are read as
  nested paths.  Cells of a row longer than the header are scanned as free text.

Gzip-compressed input (rotated logs) is read through; the output is plain.
Plain-text lines and malformed lines are always scanned: with ``scan=False``
only structured records skip the scanner, since field rules alone cannot clean
text (a partition that scans no free text compiles the scanner's patterns only
when the first such line comes: until then its keys compile what they meet).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import hashlib
import importlib
import io
import os
import pickle
import stat
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from typing import IO, Any, NamedTuple

import orjson

from .actions import KEY_ENV, HmacKey, MissingKeyError
from .engine import Redactor, Summary
from .policy import Policy

__all__ = ["FORMATS", "RECORD_KINDS", "CacheInfo", "ChunkRunner", "FileJob", "FileStats", "LocalRunner",
           "RedactedPartition", "RedactorConfig", "default_workers", "detect_format", "open_output",
           "redact_csv_rows", "redact_frame", "redact_partition", "redact_stream", "redactor_cache_info"]

#: Input formats :func:`redact_stream` understands (``auto`` picks one).
FORMATS = ("auto", "jsonl", "text", "csv")

_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_CSV_SUFFIXES = (".csv",)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK_LINES = 500
# JSON records are parsed, redacted and written this many at a time: the objects of a few
# records are all that is alive at once, so the cyclic GC (which redacted copies never
# need: they hold no cycles) does not walk and promote a whole chunk's records again and again.
_JSON_BATCH = 50
_CHUNK_BYTES = 1 << 20
_READ_BUFFER = 1 << 16
_SNIFF_LINES = 20
# With jobs=None, work done in this process before workers start (see _run_chunks).
_AUTO_INLINE_SECONDS = 5.0

# A CSV field can hold a whole conversation body; the stdlib default (128 KiB) is too small.
csv.field_size_limit(1 << 26)


@dataclass
class FileStats:
    """What a run did: counts only, never values.

    ``lines`` counts records (lines, or CSV data rows), ``malformed`` the JSON
    lines (or CSV rows that do not fit the header) redacted as plain text,
    ``redactions`` the redactions per entity type and ``fail_closed`` the values
    redacted whole, per reason.
    """

    lines: int = 0
    malformed: int = 0
    bytes_in: int = 0
    redactions: dict[str, int] = field(default_factory=dict)
    fail_closed: dict[str, int] = field(default_factory=dict)

    def add_summary(self, summary: Summary) -> None:
        """Count one engine :class:`~intercom_redact.Summary`."""
        for name, n in summary.types.items():
            self.redactions[name] = self.redactions.get(name, 0) + n
        for reason, n in summary.fail_closed.items():
            self.fail_closed[reason] = self.fail_closed.get(reason, 0) + n

    def merge(self, other: FileStats) -> None:
        """Add the counts of ``other`` to these."""
        self.lines += other.lines
        self.malformed += other.malformed
        self.bytes_in += other.bytes_in
        for mine, theirs in ((self.redactions, other.redactions), (self.fail_closed, other.fail_closed)):
            for name, n in theirs.items():
                mine[name] = mine.get(name, 0) + n

    @property
    def total_redactions(self) -> int:
        return sum(self.redactions.values())

    def __str__(self) -> str:
        text = f"{self.lines} lines, {self.malformed} malformed, {self.total_redactions} redactions"
        if self.redactions:
            text += " (" + ", ".join(f"{k} {v}" for k, v in sorted(self.redactions.items())) + ")"
        return text


def detect_format(name: str | None, head: bytes) -> str:
    """Pick ``jsonl``, ``csv`` or ``text`` from a file name and its first bytes."""
    lowered = (name or "").lower().removesuffix(".gz")
    if lowered.endswith(_CSV_SUFFIXES):
        return "csv"
    if lowered.endswith(_JSON_SUFFIXES):
        return "jsonl"
    # Any JSON object among the first lines makes it JSON lines: lines that are
    # not JSON are still redacted there (as text), and counted.
    for line in head.splitlines()[:_SNIFF_LINES]:
        line = line.strip()
        if line[:1] == b"{":
            try:
                orjson.loads(line)
                return "jsonl"
            except orjson.JSONDecodeError:
                continue
    return "text"


# -- the configuration workers build their redactor from --------------------------------------

_KEY_CHECK_DOMAIN = b"intercom-redact worker key check\x00"


def _key_check(key: HmacKey) -> str:
    """A digest that tells whether a worker holds the driver's key (and is not the key)."""
    return hashlib.sha256(_KEY_CHECK_DOMAIN + key.secret).hexdigest()[:16]


@dataclass(frozen=True)
class RedactorConfig:
    """What a worker needs to build the :class:`~intercom_redact.Redactor`: picklable, without the key.

    Task graphs, logs and reprs see the policy, the NER model name, the key id
    and a digest of the key, never the key: a worker reads the secret from its
    own ``INTERCOM_REDACT_HMAC_KEY`` (as a service reads any secret), or from
    the local process pool that started it, and refuses one whose digest
    differs, so every worker pseudonymizes alike.  A worker without a key
    builds its redactor without one: the engine refuses a policy that needs it.
    ``fingerprint`` names the configuration in each worker's cache (:meth:`redactor`).
    """

    policy: Policy = field(default_factory=Policy.default)
    ner_model: str | None = None
    key_id: str | None = None
    key_check: str | None = None

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of the configuration: hashed when first asked (pickling the policy takes a
        millisecond or two, which a file redacted in this process never needs), at the latest
        when the config is first sent; workers get it with the rest."""
        state = pickle.dumps((self.policy, self.ner_model, self.key_id, self.key_check), protocol=5)
        return hashlib.sha256(state).hexdigest()[:16]

    def __getstate__(self) -> dict[str, Any]:
        self.fingerprint  # noqa: B018  (hashed here, once, not in every worker for every task)
        return self.__dict__

    @classmethod
    def from_redactor(cls, redactor: Redactor) -> RedactorConfig:
        """The configuration of ``redactor`` (its policy, NER model and key id; not its key)."""
        state = redactor.__getstate__()  # the engine's own pickled form: policy, key, ner_model
        key: HmacKey | None = state["key"]
        return cls(state["policy"], state["ner_model"], key.key_id if key else None,
                   _key_check(key) if key else None)

    def redactor(self) -> Redactor:
        """This process's redactor for the configuration: built on first use, then reused."""
        with _cache_lock:
            redactor = _cache.get(self.fingerprint)
            if redactor is None:
                redactor = _cache[self.fingerprint] = self.build()
            _uses[self.fingerprint] = _uses.get(self.fingerprint, 0) + 1
            return redactor

    def build(self) -> Redactor:
        """A new redactor (use :meth:`redactor` in workers: building one costs seconds with NER)."""
        redactor = Redactor(self.policy, hmac_key=self._worker_key(), ner_model=self.ner_model)
        with _count_lock:
            _builds[self.fingerprint] = _builds.get(self.fingerprint, 0) + 1
        return redactor

    def _worker_key(self) -> HmacKey | None:
        if self.key_check is None:
            return None
        key = _pool_keys.get(self.key_check)
        if key is not None:
            return key
        secret = os.environ.get(KEY_ENV)
        if not secret:
            return None  # enough unless the policy pseudonymizes, and then the engine says what is missing
        key = HmacKey(secret.encode(), self.key_id or "")
        if _key_check(key) != self.key_check:
            raise MissingKeyError(f"this worker's {KEY_ENV} is not the key the job was started with "
                                  f"(key id {self.key_id!r}): set the same key on every worker")
        return key

    def __repr__(self) -> str:
        return (f"RedactorConfig(rules={len(self.policy.rules)}, ner_model={self.ner_model!r}, "
                f"key_id={self.key_id!r}, fingerprint={self.fingerprint!r})")


class CacheInfo(NamedTuple):
    """How many redactors a process built for one configuration, and how many partitions took one from the cache."""

    builds: int
    uses: int


# The per-process redactor cache: one Redactor per configuration (a worker sees
# few), for every task the process runs, with counts for tests and benchmarks.
# Keys handed over by a local process pool (never by a task).
_cache: dict[str, Redactor] = {}
_cache_lock = threading.Lock()
_builds: dict[str, int] = {}
_uses: dict[str, int] = {}
_count_lock = threading.Lock()
_pool_keys: dict[str, HmacKey] = {}


def redactor_cache_info() -> dict[str, CacheInfo]:
    """Per configuration fingerprint, the redactors this process built and the partitions that used the cache."""
    with _cache_lock, _count_lock:
        return {name: CacheInfo(_builds.get(name, 0), _uses.get(name, 0)) for name in _builds.keys() | _uses.keys()}


def _as_redactor(redactor: Redactor | RedactorConfig) -> Redactor:
    return redactor.redactor() if isinstance(redactor, RedactorConfig) else redactor


# -- the partition API: a batch of records in, the redacted batch and its counts out ----------------

#: Record kinds :func:`redact_partition` understands.
RECORD_KINDS = ("values", "jsonl", "text", "csv")


@dataclass
class RedactedPartition:
    """The redacted records of one partition, in input order, and what was done to them."""

    records: list[Any]
    stats: FileStats


def redact_partition(records: Iterable[Any], redactor: Redactor | RedactorConfig, *, kind: str = "values",
                     scan: bool = True, header: Sequence[str] | None = None,
                     keep_columns: Iterable[str] = ()) -> RedactedPartition:
    """Redact a batch of records in one call: the unit of work of every bulk path.

    :param records: ``values`` are any values (dicts of a JSON record, a
        DataFrame row); ``jsonl`` and ``text`` are lines (``bytes`` or ``str``,
        line endings kept); ``csv`` rows are lists of cells named by ``header``.
    :param redactor: a :class:`~intercom_redact.Redactor`, or in a worker the
        :class:`RedactorConfig` whose cached redactor to use.
    :param scan: scan free text in structured records; ``False`` applies field
        rules and known values only (text lines are always scanned).
    :param keep_columns: ``csv`` columns copied as they are (ids, timestamps).
    :returns: the records in the type they came in, and the counts.
    """
    if kind not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {kind!r}; expected one of {', '.join(RECORD_KINDS)}")
    engine = _as_redactor(redactor)
    if scan or kind == "text":
        # Once per process: no record's time budget pays for compiling patterns.  A partition
        # that scans no free text compiles none (its keys compile what they meet, as a log
        # call's do); its malformed records warm the scanner when the first one comes.
        engine.scanner.warm()
    batch = list(records)
    stats = FileStats(lines=len(batch))
    out: list[Any]
    if kind == "csv":
        if header is None:
            raise ValueError("csv records need the header that names their columns")
        plan = _CsvPlan(header, frozenset(keep_columns))
        out = plan.redact_rows(engine, [list(row) for row in batch], scan, stats)
    elif kind == "values":
        out, summary = engine._redact_many(batch, scan)
        stats.add_summary(summary)
    else:
        lines = _Lines(engine, scan, stats)
        as_bytes = all(map(isinstance, batch, repeat(bytes)))  # a file's chunk: nothing to encode or decode
        encoded = batch if as_bytes else [line if isinstance(line, bytes) else line.encode("utf-8") for line in batch]
        redacted = lines.json_lines(encoded) if kind == "jsonl" else [lines.text_line(line) for line in encoded]
        out = redacted if as_bytes else [new if isinstance(line, bytes) else new.decode("utf-8")
                                         for line, new in zip(batch, redacted)]
    return RedactedPartition(out, stats)


def redact_frame(frame: Any, redactor: Redactor | RedactorConfig, *, scan: bool = True,
                 keep_columns: Iterable[str] = ()) -> Any:
    """Redact a pandas DataFrame: each row is a record named by the columns (dotted names nest).

    The result has the same index and columns; ``keep_columns`` keep their
    values and dtype, every other column holds what the engine returned (dtype
    ``object``).  This is the function a Dask, Ray Data or Spark partition calls.
    """
    pandas = importlib.import_module("pandas")  # needed only here: not a dependency of the library

    header = [str(name) for name in frame.columns]
    plan = _CsvPlan(header, frozenset(keep_columns))
    engine = _as_redactor(redactor)
    # Missing cells (NaN, NaT, None) reach the engine as None.
    rows = list(frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None))
    cleaned = redact_partition([plan.to_record(row) for row in rows], engine, scan=scan).records
    values = [plan.from_record(record, row, engine, missing=None) for record, row in zip(cleaned, rows)]
    out = pandas.DataFrame(values, index=frame.index, columns=frame.columns, dtype=object)
    for name, kept in zip(frame.columns, plan.kept):
        if kept:
            out[name] = frame[name]
    return out


# -- per-record redaction --------------------------------------------------------------------------


def _eol(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        return b"\r\n" if line.endswith(b"\r\n") else b"\n"
    return b""


def _split_eol(line: bytes) -> tuple[bytes, bytes]:
    eol = _eol(line)
    return line[:len(line) - len(eol)], eol


class _Lines:
    """Redacts JSON and text lines with one redactor, counting into ``stats``."""

    __slots__ = ("redactor", "scan", "stats")

    def __init__(self, redactor: Redactor, scan: bool, stats: FileStats):
        self.redactor = redactor
        self.scan = scan
        self.stats = stats

    def text_line(self, line: bytes) -> bytes:
        body, eol = _split_eol(line)
        if not body.strip():
            return line
        self.redactor.scanner.warm()  # once: a partition that scans no free text did not warm up
        clean, summary = self.redactor.redact_with_summary(body.decode("utf-8", "replace"))
        self.stats.add_summary(summary)
        return _as_text(clean, self.redactor).encode("utf-8") + eol

    def json_lines(self, lines: list[bytes]) -> list[bytes]:
        """Redact JSON lines: the records parsed, redacted in one engine call per batch, and dumped.

        orjson reads a line with its line ending (JSON whitespace); a blank
        line is kept, one that is not JSON is redacted as text.
        """
        out: list[bytes] = []
        for begin in range(0, len(lines), _JSON_BATCH):
            out += self._json_batch(lines[begin:begin + _JSON_BATCH])
        return out

    def _json_batch(self, lines: list[bytes]) -> list[bytes]:
        try:  # the usual batch, every line a record: parsed in one loop in C
            values = list(map(orjson.loads, lines))
            where: Sequence[int] = range(len(lines))
            out = lines
        except orjson.JSONDecodeError:
            values, where, out = self._parse_each(lines)
        clean, summary = self.redactor._redact_many(values, self.scan)
        self.stats.add_summary(summary)
        if len(clean) == len(lines) and _newline_ended(lines):
            try:  # and, as usual, every line ended by "\n" alone: dumped in one loop in C
                return list(map(orjson.dumps, clean, repeat(None), repeat(orjson.OPT_APPEND_NEWLINE)))
            except TypeError:  # pragma: no cover - a JSON value redacts to JSON; one by one below regardless
                pass
        out = list(out)
        for index, value in zip(where, clean):
            out[index] = self._dumped(value, _eol(lines[index]))
        return out

    def _parse_each(self, lines: list[bytes]) -> tuple[list[Any], list[int], list[bytes]]:
        """The records of a batch holding a line that is not JSON: ``(values, their indexes, out)``,
        where ``out`` has each line that is not JSON redacted as text (and counted), a blank one kept."""
        values: list[Any] = []
        where: list[int] = []
        out = list(lines)
        for index, line in enumerate(lines):
            try:
                values.append(orjson.loads(line))
                where.append(index)
            except orjson.JSONDecodeError:
                if line.strip():
                    self.stats.malformed += 1
                    out[index] = self.text_line(line)
        return values, where, out

    def _dumped(self, value: Any, eol: bytes) -> bytes:
        try:
            if eol == b"\n":
                return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)
            return orjson.dumps(value) + eol
        except TypeError:  # pragma: no cover - a JSON value redacts to JSON; fail closed regardless
            self.stats.fail_closed["error"] = self.stats.fail_closed.get("error", 0) + 1
            return orjson.dumps(self.redactor.unscanned) + eol


def _newline_ended(lines: list[bytes]) -> bool:
    """Whether every line ends with a line feed and none with a carriage return before it (tested in C,
    not line by line)."""
    return all(map(bytes.endswith, lines, repeat(b"\n"))) and not any(map(bytes.endswith, lines, repeat(b"\r\n")))


def _as_text(value: Any, redactor: Redactor) -> str:
    return value if isinstance(value, str) else redactor.unscanned


class _CsvPlan:
    """Maps a CSV header to field paths: each row becomes a (nested) dict for the engine.

    Columns named in ``keep`` (ids and timestamps of a known schema) bypass the engine.
    """

    __slots__ = ("header", "kept", "paths")

    def __init__(self, header: Sequence[str], keep: frozenset[str] = frozenset()):
        self.header = list(header)
        self.kept = [name in keep for name in self.header]
        paths = [tuple(name.split(".")) if name else (name,) for name in self.header]
        # Dotted names nest only when no column is also the parent of another one
        # ("a" and "a.b") and no two columns collide; otherwise keys stay flat.
        prefixes = {p[:i] for p in paths for i in range(1, len(p))}
        if len(set(paths)) != len(paths) or any(p in prefixes for p in paths):
            paths = [(name,) for name in self.header]
        self.paths = paths

    def to_record(self, row: Sequence[Any]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for path, kept, cell in zip(self.paths, self.kept, row):
            if kept:
                continue
            node = record
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = cell
        # Cells past the header have no name: free text under numbered keys.
        for index in range(len(self.paths), len(row)):
            record[f"column {index + 1}"] = row[index]
        return record

    def from_record(self, record: Any, row: Sequence[Any], redactor: Redactor, *, missing: Any = "") -> list[Any]:
        """The redacted cells of ``row`` (kept cells as they were; ``missing`` where a rule dropped one)."""
        if not isinstance(record, dict):  # the engine failed closed on the whole row
            return [redactor.unscanned] * len(row)
        cells: list[Any] = []
        for path, kept, cell in zip(self.paths, self.kept, row):
            if kept:
                cells.append(cell)
                continue
            node: Any = record
            for key in path:
                node = node.get(key, missing) if isinstance(node, dict) else missing
            cells.append(node)
        for index in range(len(self.paths), len(row)):
            cells.append(record.get(f"column {index + 1}", missing))
        return cells

    def redact_rows(self, redactor: Redactor, rows: list[list[str]], scan: bool,
                    stats: FileStats) -> list[list[str]]:
        width = len(self.header)
        out = []
        for row in rows:
            malformed = len(row) != width and bool(row)
            if malformed:
                stats.malformed += 1
                redactor.scanner.warm()  # it is scanned: see text_line
            record, summary = redactor.redact_with_summary(self.to_record(row), scan=scan or malformed)
            stats.add_summary(summary)
            out.append([_cell_text(cell) for cell in self.from_record(record, row, redactor)])
        return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def redact_csv_rows(rows: Iterable[Sequence[str]], out: IO[str], redactor: Redactor, *,
                    scan: bool = True, keep_columns: Iterable[str] = ()) -> FileStats:
    """Redact CSV rows (the first is the header) and write them to a text stream.

    Runs in this process, a batch of rows at a time (used for content exports).
    ``keep_columns`` names columns copied as they are (ids and timestamps).
    """
    stats = FileStats()
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return stats
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for batch in _row_chunks((list(row) for row in iterator), _CHUNK_LINES):
        part = redact_partition(batch, redactor, kind="csv", scan=scan, header=header, keep_columns=keep_columns)
        writer.writerows(part.records)
        stats.merge(part.stats)
    return stats


# -- reading -------------------------------------------------------------------------------------


class _Counting(io.RawIOBase):
    """Counts the bytes read from a binary stream (for progress)."""

    def __init__(self, raw: IO[bytes]):
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _line_chunks(stream: IO[bytes], chunk_lines: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for line in stream:
        chunk.append(line)
        size += len(line)
        if len(chunk) >= chunk_lines or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _row_chunks(reader: Iterator[list[str]], chunk_lines: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    size = 0
    for row in reader:
        chunk.append(row)
        size += sum(map(len, row))
        if len(chunk) >= chunk_lines or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# -- running chunks: a job per chunk, in this process, a local pool or a cluster ----------------------


@dataclass(frozen=True)
class FileJob:
    """How to redact one chunk of a file; sent with every chunk (it holds no key and no redactor)."""

    config: RedactorConfig
    fmt: str
    scan: bool
    header: tuple[str, ...] | None = None

    def __call__(self, chunk: list[Any]) -> tuple[bytes, FileStats]:
        """Redact ``chunk`` in a worker, with the process's cached redactor."""
        return self.run(chunk, self.config)

    def run(self, chunk: list[Any], redactor: Redactor | RedactorConfig) -> tuple[bytes, FileStats]:
        part = redact_partition(chunk, redactor, kind=self.fmt, scan=self.scan, header=self.header)
        if self.fmt == "csv":
            return _csv_lines(part.records), part.stats
        return b"".join(part.records), part.stats

    def warm_up(self) -> None:
        """Build the cached redactor, and its scanner when the job scans, before the first chunk."""
        redactor = self.config.redactor()
        if self.scan or self.fmt == "text":
            redactor.redact_text("warm-up: nobody@example.com")


#: Runs a :class:`FileJob` over chunks, yielding each chunk's output in input order.
ChunkRunner = Callable[[FileJob, Iterator[list[Any]]], Iterator[tuple[bytes, FileStats]]]


def _init_pool_worker(job: FileJob, key: HmacKey | None) -> None:
    # The pool's workers are this machine's child processes: the key comes down
    # the pool's pipe once (a task never carries it).
    if key is not None:
        _pool_keys[_key_check(key)] = key
    job.warm_up()


class LocalRunner:
    """Runs chunks in this process first, then across ``workers`` local processes.

    Chunks run here until ``inline_seconds`` of work are done, so a small input
    never pays for starting workers (each builds its own scanner).  An input of
    one chunk always runs here.  In the pool, up to ``2 * workers`` chunks are in
    flight: enough to keep every worker busy, few enough that memory does not
    grow with the input.
    """

    def __init__(self, redactor: Redactor, workers: int, inline_seconds: float = 0.0):
        self.redactor = redactor
        self.workers = workers
        self.inline_seconds = inline_seconds

    def __call__(self, job: FileJob, chunks: Iterator[list[Any]]) -> Iterator[tuple[bytes, FileStats]]:
        chunk = next(chunks, None)
        if chunk is None:
            return
        if self.workers <= 1:
            yield job.run(chunk, self.redactor)
            for chunk in chunks:
                yield job.run(chunk, self.redactor)
            return
        if self.inline_seconds > 0:
            started = time.monotonic()
            while time.monotonic() - started < self.inline_seconds:
                yield job.run(chunk, self.redactor)
                chunk = next(chunks, None)
                if chunk is None:
                    return
        following = next(chunks, None)
        if following is None:
            yield job.run(chunk, self.redactor)
            return
        key = self.redactor.__getstate__()["key"]
        with ProcessPoolExecutor(self.workers, initializer=_init_pool_worker, initargs=(job, key)) as pool:
            pending = deque([pool.submit(job, chunk), pool.submit(job, following)])
            for chunk in chunks:
                pending.append(pool.submit(job, chunk))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def redact_stream(source: IO[bytes], sink: IO[bytes], redactor: Redactor, *, fmt: str = "auto",
                  name: str | None = None, jobs: int | None = None, scan: bool = True,
                  progress: Callable[[FileStats], None] | None = None,
                  chunk_lines: int = _CHUNK_LINES, runner: ChunkRunner | None = None) -> FileStats:
    """Redact a binary input stream into a binary output stream.

    :param fmt: one of :data:`FORMATS`; ``auto`` looks at ``name`` and the first line.
    :param name: the file name, for format detection.
    :param jobs: worker processes.  ``None`` uses every available CPU once the
        input has kept this process busy for five seconds (small inputs never
        start workers); a number starts that many workers at once for any input
        of more than one chunk.
    :param scan: scan free text in structured records (JSON, CSV); ``False`` applies
        field rules and known values only.
    :param progress: called with the running :class:`FileStats` after each chunk.
    :param chunk_lines: records per chunk sent to a worker.
    :param runner: where the chunks run instead of local processes (``jobs`` is
        then ignored), e.g. :class:`intercom_redact.dask.DaskRunner`; workers
        build ``redactor``'s configuration (:class:`RedactorConfig`).
    :returns: the counts for this stream.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    counting = _Counting(source)
    reader = io.BufferedReader(counting, _READ_BUFFER)
    if reader.peek(2)[:2] == _GZIP_MAGIC:  # rotated logs: read through, write plain
        reader = io.BufferedReader(gzip.GzipFile(fileobj=reader, mode="rb"), _READ_BUFFER)  # type: ignore[arg-type]
    if fmt == "auto":
        fmt = detect_format(name, reader.peek(64 * 1024)[:64 * 1024])
    if runner is None:
        workers = default_workers() if jobs is None else max(1, jobs)
        runner = LocalRunner(redactor, workers, _AUTO_INLINE_SECONDS if jobs is None else 0.0)
    config = RedactorConfig.from_redactor(redactor)
    stats = FileStats()
    chunks: Iterator[list[Any]]
    if fmt == "csv":
        text = io.TextIOWrapper(reader, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.reader(text)
        header = next(rows, None)
        if header is None:
            return stats
        sink.write(_csv_lines([header]))
        job = FileJob(config, fmt, scan, tuple(header))
        chunks = _row_chunks(rows, chunk_lines)
    else:
        job = FileJob(config, fmt, scan)
        chunks = _line_chunks(reader, chunk_lines)
    for data, chunk_stats in runner(job, chunks):
        sink.write(data)
        stats.merge(chunk_stats)
        stats.bytes_in = counting.count
        if progress is not None:
            progress(stats)
    stats.bytes_in = counting.count
    return stats


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open ``path`` for writing so that readers never see a partial file.

    A regular file (or a new one) is written to a temporary file in the same
    directory (mode 0600), synced and renamed over ``path`` when the block ends
    without error; on error it is removed.  Anything else (a symbolic link such
    as ``/dev/stdout``, a device, a FIFO) is opened and written directly: renaming
    over it would replace the link instead of writing where it points.
    """
    path = os.fspath(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as fh:
            yield fh
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _csv_lines(rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")
