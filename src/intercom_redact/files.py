"""Redact log files and streams: JSON lines, plain-text lines and CSV.

Input is read and written in chunks, so memory stays flat whatever the size of
the file.  Chunks are redacted in worker processes when the input is large
enough to be worth it; results are written in input order.  Each worker
receives the (picklable) :class:`~intercom_redact.Redactor` once, when it
starts, and builds its own scanner.

* **JSON lines**: each line is parsed with orjson, redacted as a value (field
  rules apply by key) and dumped with orjson.  A line that is not JSON is
  redacted as plain text and counted as malformed; it is never passed through.
* **Plain text**: each line is free text for the scanner (HTML aware).
* **CSV**: the header row names the fields, so the column ``email`` is caught
  by the ``**.email`` rule; dotted column names (``contact.email``) are read as
  nested paths.  Cells of a row longer than the header are scanned as free text.

Gzip-compressed input (rotated logs) is read through; the output is plain.
Plain-text lines and malformed lines are always scanned: with ``scan=False``
only structured records skip the scanner, since field rules alone cannot clean
text.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from .engine import Redactor, Summary

__all__ = ["FORMATS", "FileStats", "default_workers", "detect_format", "open_output", "redact_csv_rows",
           "redact_stream"]

#: Input formats :func:`redact_stream` understands (``auto`` picks one).
FORMATS = ("auto", "jsonl", "text", "csv")

_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_CSV_SUFFIXES = (".csv",)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK_LINES = 500
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


# -- per-record redaction (runs in workers) --------------------------------------------------


def _split_eol(line: bytes) -> tuple[bytes, bytes]:
    if line.endswith(b"\r\n"):
        return line[:-2], b"\r\n"
    if line.endswith(b"\n"):
        return line[:-1], b"\n"
    return line, b""


class _Job:
    """How to redact one chunk; pickled once per worker process."""

    __slots__ = ("redactor", "fmt", "scan", "plan")

    def __init__(self, redactor: Redactor, fmt: str, scan: bool, plan: _CsvPlan | None = None):
        self.redactor = redactor
        self.fmt = fmt
        self.scan = scan
        self.plan = plan

    def run(self, chunk: list[Any]) -> tuple[bytes, FileStats]:
        stats = FileStats(lines=len(chunk))
        if self.fmt == "csv":
            assert self.plan is not None
            return self.plan.redact_rows(self.redactor, chunk, self.scan, stats), stats
        line_fn = self._json_line if self.fmt == "jsonl" else self._text_line
        return b"".join([line_fn(line, stats) for line in chunk]), stats

    def _text_line(self, line: bytes, stats: FileStats) -> bytes:
        body, eol = _split_eol(line)
        if not body.strip():
            return line
        clean, summary = self.redactor.redact_with_summary(body.decode("utf-8", "replace"))
        stats.add_summary(summary)
        return _as_text(clean, self.redactor).encode("utf-8") + eol

    def _json_line(self, line: bytes, stats: FileStats) -> bytes:
        body, eol = _split_eol(line)
        if not body.strip():
            return line
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            stats.malformed += 1
            return self._text_line(line, stats)
        clean, summary = self.redactor.redact_with_summary(value, scan=self.scan)
        stats.add_summary(summary)
        try:
            return orjson.dumps(clean) + eol
        except TypeError:  # pragma: no cover - a JSON value redacts to JSON; fail closed regardless
            stats.fail_closed["error"] = stats.fail_closed.get("error", 0) + 1
            return orjson.dumps(self.redactor.unscanned) + eol


def _as_text(value: Any, redactor: Redactor) -> str:
    return value if isinstance(value, str) else redactor.unscanned


class _CsvPlan:
    """Maps a CSV header to field paths: each row becomes a (nested) dict for the engine.

    Columns named in ``keep`` (ids and timestamps of a known schema) bypass the engine.
    """

    __slots__ = ("header", "paths", "kept")

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

    def to_record(self, row: Sequence[str]) -> dict[str, Any]:
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

    def from_record(self, record: Any, row: Sequence[str], redactor: Redactor) -> list[str]:
        if not isinstance(record, dict):  # the engine failed closed on the whole row
            return [redactor.unscanned] * len(row)
        cells = []
        for path, kept, cell in zip(self.paths, self.kept, row):
            if kept:
                cells.append(cell)
                continue
            node: Any = record
            for key in path:
                node = node.get(key, "") if isinstance(node, dict) else ""
            cells.append(node if isinstance(node, str) else _cell_text(node))
        for index in range(len(self.paths), len(row)):
            cells.append(_cell_text(record.get(f"column {index + 1}", "")))
        return cells

    def redact_rows(self, redactor: Redactor, rows: list[list[str]], scan: bool, stats: FileStats) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        width = len(self.header)
        for row in rows:
            malformed = len(row) != width and bool(row)
            if malformed:
                stats.malformed += 1
            record, summary = redactor.redact_with_summary(self.to_record(row), scan=scan or malformed)
            stats.add_summary(summary)
            writer.writerow(self.from_record(record, row, redactor))
        return out.getvalue().encode("utf-8")


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
    plan = _CsvPlan(header, frozenset(keep_columns))
    batch: list[list[str]] = []
    for row in iterator:
        batch.append(list(row))
        if len(batch) >= _CHUNK_LINES:
            out.write(plan.redact_rows(redactor, batch, scan, stats).decode("utf-8"))
            stats.lines += len(batch)
            batch = []
    if batch:
        out.write(plan.redact_rows(redactor, batch, scan, stats).decode("utf-8"))
        stats.lines += len(batch)
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


# -- running chunks: inline first, then across processes ------------------------------------------

_worker_job: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _worker_job
    _worker_job = job
    if job.scan or job.fmt == "text":
        # Build the scanner before the first chunk arrives, in every worker at once.
        job.redactor.redact_text("warm-up: nobody@example.com")


def _run_in_worker(chunk: list[Any]) -> tuple[bytes, FileStats]:
    assert _worker_job is not None
    return _worker_job.run(chunk)


def _run_chunks(job: _Job, chunks: Iterator[list[Any]], workers: int,
                inline_seconds: float) -> Iterator[tuple[bytes, FileStats]]:
    """Redact chunks in order: in this process first, then across ``workers`` processes.

    Chunks run here until ``inline_seconds`` of work are done, so a small input
    never pays for starting workers (each builds its own scanner).  An input of
    one chunk always runs here.  In the pool, up to ``2 * workers`` chunks are in
    flight: enough to keep every worker busy, few enough that memory does not
    grow with the input.
    """
    chunk = next(chunks, None)
    if chunk is None:
        return
    if workers <= 1:
        yield job.run(chunk)
        for chunk in chunks:
            yield job.run(chunk)
        return
    if inline_seconds > 0:
        started = time.monotonic()
        while time.monotonic() - started < inline_seconds:
            yield job.run(chunk)
            chunk = next(chunks, None)
            if chunk is None:
                return
    following = next(chunks, None)
    if following is None:
        yield job.run(chunk)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(job,)) as pool:
        pending = deque([pool.submit(_run_in_worker, chunk), pool.submit(_run_in_worker, following)])
        for chunk in chunks:
            pending.append(pool.submit(_run_in_worker, chunk))
            if len(pending) >= 2 * workers:
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
                  chunk_lines: int = _CHUNK_LINES) -> FileStats:
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
    workers = default_workers() if jobs is None else max(1, jobs)
    stats = FileStats()
    if fmt == "csv":
        text = io.TextIOWrapper(reader, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.reader(text)
        header = next(rows, None)
        if header is None:
            return stats
        sink.write(_csv_line(header))
        job = _Job(redactor, fmt, scan, _CsvPlan(header))
        chunks: Iterator[list[Any]] = _row_chunks(rows, chunk_lines)
    else:
        job = _Job(redactor, fmt, scan)
        chunks = _line_chunks(reader, chunk_lines)
    inline_seconds = _AUTO_INLINE_SECONDS if jobs is None else 0.0
    for data, chunk_stats in _run_chunks(job, chunks, workers, inline_seconds):
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


def _csv_line(row: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    return out.getvalue().encode("utf-8")

