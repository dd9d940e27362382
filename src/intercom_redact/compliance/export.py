"""Bulk content export: run Intercom's content data export job and keep only a redacted copy.

The job lifecycle (``POST /export/content/data``, then poll, then download) is
Intercom's; this module adds what an operator needs around it:

* a second job while one is pending is refused by Intercom with a 429; that is
  reported as :class:`ExportJobActive`, not retried;
* polling backs off (30 s at first, growing to 5 min) and gives up after an hour,
  cancelling the job so the workspace's single export slot is freed;
* ``failed``, ``no_data`` and ``canceled`` end the run with a clear outcome;
* the gzip download is decompressed, parsed and redacted as it streams in
  (recipients' ``email`` and ``name`` columns, free-text titles), so memory
  stays flat whatever the export's size, and only the redacted file is ever
  written to disk (atomically, mode 0600);
* with a data key configured (or ``encrypt=True``), that file is written in the
  encrypted envelope (:mod:`~intercom_redact.compliance.envelope`), streamed
  chunk by chunk; ``intercom-redact decrypt`` opens it at delivery.

Older API versions describe the download as a gzipped folder of CSVs; when the
download is a tar archive, ``out`` is a directory and each CSV is redacted into it.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import io
import os
import tarfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from .._log import get_logger
from ..engine import Redactor
from ..files import FileStats, open_output, redact_csv_rows
from .client import IntercomClient
from .crypto import Keyring, export_keyring
from .envelope import sealed_output
from .errors import IntercomError, NotFound, RateLimited

__all__ = [
    "PURPOSE",
    "ExportCanceled",
    "ExportError",
    "ExportFailed",
    "ExportJobActive",
    "ExportResult",
    "ExportTimeout",
    "download_redacted_export",
    "export_content",
    "start_content_export",
    "unix_time",
    "wait_for_content_export",
]

#: What a range bound may be: Unix seconds, a date, a datetime (naive means UTC) or an ISO 8601 string.
TimeLike = int | float | str | _dt.date | _dt.datetime

log = get_logger(__name__)

#: The ``purpose`` in the header of an encrypted export file.
PURPOSE = "content_export"

#: Statuses after which a job no longer changes.
FINISHED = frozenset({"completed", "failed", "no_data", "canceled"})

# Columns of the export CSV (OpenAPI ``data_export_csv``) that hold ids, counts and
# timestamps only: they bypass the engine, so an id never reads as a phone number.
_ID_COLUMNS = frozenset({
    "user_id", "company_id", "ruleset_id", "content_id", "content_type", "ruleset_version_id",
    "receipt_id", "received_at", "series_id", "node_id", "first_reply", "first_completion",
    "first_series_completion", "first_series_disengagement", "first_series_exit",
    "first_goal_success", "first_open", "first_click", "first_dismisall", "first_unsubscribe",
    "first_hard_bounce",
})


class ExportError(Exception):
    """A content export did not produce a file.  Messages carry job ids and statuses only."""

    def __init__(self, message: str, *, job_identifier: str | None = None, status: str | None = None):
        super().__init__(message)
        self.job_identifier = job_identifier
        self.status = status


class ExportJobActive(ExportError):
    """Intercom refused a new job because another one is still pending (one per workspace)."""


class ExportFailed(ExportError):
    """Intercom reports the job as ``failed``, the job disappeared, or its download is corrupt."""


class ExportCanceled(ExportError):
    """The job was canceled by someone else while we waited."""


class ExportTimeout(ExportError):
    """The job did not finish in time; it has been canceled."""


@dataclass(frozen=True)
class ExportResult:
    """The outcome of :func:`export_content`.

    ``status`` is ``completed`` (``path`` written) or ``no_data`` (nothing in the
    range; no file written).  ``rows`` and ``redactions`` count the CSV rows and
    the redactions per entity type.
    """

    job_identifier: str
    status: str
    path: str | None = None
    rows: int = 0
    redactions: Mapping[str, int] = field(default_factory=dict)


def unix_time(value: TimeLike, *, end_of_day: bool = False) -> int:
    """Unix seconds from Unix seconds, a ``date``, a ``datetime`` or an ISO 8601 string.

    Strings: ``"1735689600"``, ``"2025-01-01"``, ``"2025-01-01T09:30:00Z"``.  A naive
    date-time is UTC.  A date means the start of that day, or its last second with
    ``end_of_day`` (Intercom's export ranges are inclusive by day).

    :raises ValueError: a string that is none of these.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            value = (_dt.date.fromisoformat(text) if len(text) == 10
                     else _dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValueError(f"not a date, ISO date-time or Unix time: {text!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, _dt.date)):
        raise TypeError(f"a time must be Unix seconds, a date, a datetime or an ISO string, got {type(value).__name__}")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, _dt.datetime):
        moment = value
    else:
        moment = _dt.datetime.combine(value, _dt.time.max if end_of_day else _dt.time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return int(moment.timestamp())


def start_content_export(client: IntercomClient, since: int, until: int) -> str:
    """Create a content export job for ``[since, until]`` (Unix seconds); return its identifier."""
    if until < since:
        raise ValueError("the export range ends before it starts")
    try:
        job = client.create_content_export(since, until)
    except RateLimited as exc:
        raise ExportJobActive(
            "Intercom allows one pending content export per workspace and another one is still "
            "running; wait for it to finish (or cancel it) and try again"
        ) from exc
    job_identifier = str(job["job_identifier"])
    log.info("content export started", job_identifier=job_identifier, status=job.get("status"))
    return job_identifier


def wait_for_content_export(client: IntercomClient, job_identifier: str, *, poll_interval: float = 30.0,
                            max_poll_interval: float = 300.0, backoff: float = 1.5, timeout: float = 3600.0,
                            sleep: Callable[[float], None] = time.sleep,
                            clock: Callable[[], float] = time.monotonic,
                            on_status: Callable[[str, float], None] | None = None) -> dict[str, Any]:
    """Poll a job until it finishes; return the final job object.

    The wait starts at ``poll_interval`` seconds and grows by ``backoff`` up to
    ``max_poll_interval``.  After ``timeout`` seconds the job is canceled and
    :class:`ExportTimeout` raised; an interruption (Ctrl-C, an error) cancels it too.
    ``on_status(status, elapsed)`` is called after each poll.
    """
    started = clock()
    interval = poll_interval
    try:
        while True:
            try:
                job = client.find_content_export(job_identifier)
            except NotFound:
                raise ExportFailed(f"content export {job_identifier} no longer exists",
                                   job_identifier=job_identifier) from None
            status = str(job.get("status"))
            elapsed = clock() - started
            if on_status is not None:
                on_status(status, elapsed)
            if status in FINISHED:
                log.info("content export finished", job_identifier=job_identifier, status=status)
                return job
            if elapsed >= timeout:
                raise ExportTimeout(
                    f"content export {job_identifier} still {status} after {timeout:g} s; canceled it",
                    job_identifier=job_identifier, status=status)
            sleep(min(interval, max(timeout - elapsed, 0.0)))
            interval = min(interval * backoff, max_poll_interval)
    except BaseException:
        _cancel_quietly(client, job_identifier)
        raise


def _cancel_quietly(client: IntercomClient, job_identifier: str) -> None:
    try:
        client.cancel_content_export(job_identifier)
        log.warning("content export canceled", job_identifier=job_identifier)
    except IntercomError as exc:
        log.error("could not cancel content export", job_identifier=job_identifier, error=str(exc))


class _ChunkStream(io.RawIOBase):
    """A readable binary stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _is_tar(stream: io.BufferedReader) -> bool:
    head = stream.peek(512)[:512]
    return len(head) >= 262 and head[257:262] == b"ustar"


def _redact_csv_stream(stream: IO[bytes], out_path: str, redactor: Redactor, stats: FileStats,
                       keyring: Keyring | None) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    name = os.path.basename(out_path)
    with open_output(out_path) as raw, sealed_output(raw, keyring, name=name, purpose=PURPOSE) as sink:
        out = io.TextIOWrapper(sink, encoding="utf-8", newline="")
        stats.merge(redact_csv_rows(csv.reader(text), out, redactor, keep_columns=_ID_COLUMNS))
        out.flush()
        out.detach()
    text.detach()


def download_redacted_export(client: IntercomClient, job_identifier: str, out: str | os.PathLike[str],
                             redactor: Redactor, *, keyring: Keyring | None = None) -> FileStats:
    """Stream a completed job's download through the redactor into ``out``.

    The gzip is decompressed and parsed as it arrives: only one chunk of the
    download and one CSV row are in memory at a time, and nothing unredacted
    touches the disk.  With a *keyring*, each output file is encrypted.
    """
    try:
        return _download(client, job_identifier, os.fspath(out), redactor, keyring)
    except (gzip.BadGzipFile, EOFError, zlib.error, tarfile.TarError) as exc:
        # Nothing is left behind: each output file appears only once complete.
        raise ExportFailed(f"the download of content export {job_identifier} is corrupt or truncated "
                           f"({type(exc).__name__})", job_identifier=job_identifier, status="completed") from None


def _download(client: IntercomClient, job_identifier: str, out_path: str, redactor: Redactor,
              keyring: Keyring | None) -> FileStats:
    stats = FileStats()
    with client.download_content_export(job_identifier) as chunks:
        raw = io.BufferedReader(_ChunkStream(chunks), 64 * 1024)
        plain: io.BufferedReader[Any] = io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), 64 * 1024)
        if not _is_tar(plain):
            _redact_csv_stream(plain, out_path, redactor, stats, keyring)
            return stats
        os.makedirs(out_path, mode=0o700, exist_ok=True)
        with tarfile.open(fileobj=plain, mode="r|") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                member_file = archive.extractfile(member)
                if member_file is not None:
                    # Only the base name: a member path never escapes the output directory.
                    name = os.path.basename(member.name) or "export.csv"
                    # A streamed member cannot answer seekable(), which TextIOWrapper asks.
                    member_stream = io.BufferedReader(_ChunkStream(iter(lambda: member_file.read(1 << 16), b"")))  # noqa: B023
                    _redact_csv_stream(member_stream, os.path.join(out_path, name), redactor, stats, keyring)
    return stats


def export_content(client: IntercomClient, since: TimeLike, until: TimeLike, out: str | os.PathLike[str], *,
                   redactor: Redactor | None = None, poll_interval: float = 30.0,
                   max_poll_interval: float = 300.0, timeout: float = 3600.0,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic,
                   on_status: Callable[[str, float], None] | None = None, encrypt: bool | None = None,
                   data_key: str | Keyring | None = None) -> ExportResult:
    """Run a content export for ``[since, until]`` and write a redacted CSV to ``out``.

    ``since`` and ``until`` are Unix seconds, dates, datetimes (naive means UTC) or ISO 8601
    strings; a date as ``until`` covers that whole day.  The folder of ``out`` is created first,
    so a bad path fails before the job runs.

    The CSV is encrypted when ``encrypt`` is true, or when it is ``None`` (the default) and a data
    key is configured (*data_key*, else ``INTERCOM_REDACT_DATA_KEY``).

    :raises ValueError: ``until`` is before ``since``, or a string is not a time.
    :raises ExportJobActive: another export job is pending in the workspace.
    :raises ExportFailed: Intercom reports the job ``failed``.
    :raises ExportCanceled: the job was canceled while we waited.
    :raises ExportTimeout: the job did not finish within ``timeout`` seconds (it is canceled).
    :raises DataKeyError: ``encrypt=True`` and no data key (checked before the job starts).
    :returns: an :class:`ExportResult`; ``status == "no_data"`` writes no file.
    """
    keyring = export_keyring(encrypt, data_key, what="an encrypted content export")
    start, end = unix_time(since), unix_time(until, end_of_day=True)
    if end < start:
        raise ValueError("the export range ends before it starts (until is earlier than since)")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    redactor = redactor if redactor is not None else Redactor()
    job_identifier = start_content_export(client, start, end)
    job = wait_for_content_export(client, job_identifier, poll_interval=poll_interval,
                                  max_poll_interval=max_poll_interval, timeout=timeout,
                                  sleep=sleep, clock=clock, on_status=on_status)
    status = str(job.get("status"))
    if status == "failed":
        raise ExportFailed(f"Intercom reports content export {job_identifier} as failed",
                           job_identifier=job_identifier, status=status)
    if status == "canceled":
        raise ExportCanceled(f"content export {job_identifier} was canceled",
                             job_identifier=job_identifier, status=status)
    if status == "no_data":
        return ExportResult(job_identifier, status)
    stats = download_redacted_export(client, job_identifier, out, redactor, keyring=keyring)
    log.info("content export written", job_identifier=job_identifier, rows=stats.lines,
             redactions=stats.total_redactions)
    return ExportResult(job_identifier, status, os.fspath(out), stats.lines, dict(stats.redactions))
