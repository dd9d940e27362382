"""``intercom-redact redact`` on a large JSON-lines log, against the orjson round-trip floor.

One run, side by side:

* **floor**: ``orjson.loads`` + ``orjson.dumps`` of every line of the same file
  (in this process, one core): the least any JSON-lines redactor must do.
* **field rules only** (``--no-scan``): the CLI as a subprocess, 1 job and all
  cores, and the same code in-process (no interpreter start-up).
* **with body scanning** (the default): the CLI at 1..all cores on a smaller file.
* **peak memory**: ``ru_maxrss`` of the largest process of the CLI run (the
  main process or a worker) for two file sizes.
* **stream of distinct records** (``stream_events.py``: every record its own
  contact, message and, one in five, HTML body; what real logs look like to the
  caches): field rules only as a share of the floor of the same file, and body
  scanning in MB/s, in-process on one core.

"CPU s / wall s" is the CPU time of the CLI's process tree over its wall time:
how many cores the run kept busy.

The log is synthetic but shaped like an Intercom integration's: webhook
notifications carrying conversations with HTML bodies full of PII, contact
updates, and plain request lines.

    python benchmarks/bench_files.py [--mb 8] [--scan-mb 2] [--stream-mb 4] [--stream-scan-mb 1]

The default sizes keep the run under five minutes at today's engine speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import orjson

from intercom_redact import Redactor
from intercom_redact.files import default_workers, redact_stream
from stream_events import stream, to_jsonl, warm_pattern_pass

FIRST = ("Marisol", "Thaddeus", "Ingrid", "Oluwaseun", "Leopold", "Annika", "Cornelius", "Seraphina")
LAST = ("Quintero", "Abernathy", "Lindqvist", "Adebayo", "Whitcombe", "Brannigan", "Okonkwo", "Marchetti")
CITIES = ("Tallahassee", "Poughkeepsie", "Kalamazoo", "Chattanooga")
BODIES = (
    '<p>Hi there, this is {name}. My email is <a href="mailto:{email}">{email}</a> and my phone is {phone}.</p>'
    "<p>Please ship to {street}, {city}.</p>",
    "<p>I was charged twice on card 4111 1111 1111 1111. Call me back on {phone}.</p>",
    "<p>Thanks, the export finished and the dashboard looks right now.</p>",
    "<p>Hello {first}, could you confirm the order number? We have {street} on file.</p>",
)


def _person(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    n = rng.randrange(10_000)
    return {"first": first, "name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}{n}@example.com",
            "phone": f"+1 415 555 {n:04d}", "street": f"{n % 900 + 10} Tamarack Lane", "city": rng.choice(CITIES)}


def _event(rng: random.Random, n: int) -> dict:
    ts = 1_734_537_000 + n
    kind = rng.random()
    p = _person(rng)
    if kind < 0.2:  # a webhook with a conversation part: HTML body, author, ids
        return {
            "timestamp": ts, "level": "info", "logger": "webhooks", "event": "intercom webhook received",
            "topic": "conversation.user.replied", "app_id": "abc123", "delivery_attempts": 1,
            "data": {"item": {
                "type": "conversation", "id": str(1000 + n), "state": "open", "created_at": ts - 600,
                "source": {"type": "conversation", "id": str(4000 + n), "subject": "",
                           "body": rng.choice(BODIES).format(**p),
                           "author": {"type": "user", "id": f"{n:024x}", "name": p["name"], "email": p["email"]}},
                "conversation_parts": {"type": "conversation_part.list", "total_count": 1, "conversation_parts": [{
                    "type": "conversation_part", "id": str(9000 + n), "part_type": "comment",
                    "body": rng.choice(BODIES).format(**p), "created_at": ts,
                    "author": {"type": "admin", "id": "991200", "name": "Wilhelmina Strickland",
                               "email": "wilhelmina@support.example.com"}}]},
            }},
        }
    if kind < 0.5:  # a contact sync
        return {
            "timestamp": ts, "level": "info", "logger": "sync", "event": "contact updated",
            "contact": {"type": "contact", "id": f"{n:024x}", "external_id": f"cus_{n}", "role": "user",
                        "email": p["email"], "name": p["name"], "phone": p["phone"],
                        "location": {"type": "location", "country": "United States", "city": p["city"]},
                        "custom_attributes": {"plan": "pro", "seats": n % 50}, "created_at": ts - 86400,
                        "updated_at": ts},
            "duration_ms": round(rng.random() * 80, 2),
        }
    return {  # request logs: no PII
        "timestamp": ts, "level": "info", "logger": "http", "event": "request finished",
        "method": rng.choice(("GET", "POST")), "path": f"/api/v1/orders/{n}", "status": 200,
        "duration_ms": round(rng.random() * 40, 2), "request_id": f"{rng.getrandbits(64):016x}",
    }


def write_log(path: str, megabytes: float, seed: int = 1) -> int:
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    size = n = 0
    with open(path, "wb") as fh:
        while size < target:
            line = orjson.dumps(_event(rng, n)) + b"\n"
            fh.write(line)
            size += len(line)
            n += 1
    return n


def write_stream_log(path: str, megabytes: float, seed: int = 11) -> int:
    """The stream of distinct events as a JSON-lines log of about ``megabytes``."""
    target = int(megabytes * 1024 * 1024)
    lines = [orjson.dumps(to_jsonl(event, n)) + b"\n" for n, event in enumerate(stream(64, seed))]
    per_line = sum(map(len, lines)) / len(lines)
    events = stream(int(target / per_line) + 1, seed)
    with open(path, "wb") as fh:
        for n, event in enumerate(events):
            fh.write(orjson.dumps(to_jsonl(event, n)) + b"\n")
    return len(events)


def floor(path: str) -> float:
    started = time.perf_counter()
    with open(path, "rb") as fh, open(os.devnull, "wb") as out:
        for line in fh:
            out.write(orjson.dumps(orjson.loads(line)) + b"\n")
    return time.perf_counter() - started


def in_process(path: str, *, scan: bool) -> float:
    redactor = Redactor()
    # The scanner's start-up is not throughput: free text the gate passes builds the pattern pass, and
    # warming compiles every pattern and loads the Hyperscan screen (the CLI rows pay for both).
    redactor.redact({"warm": "up", "message": "<p>Write to jane.doe@example.com or call +1 415 555 0100</p>"})
    warm_pattern_pass()
    started = time.perf_counter()
    with open(path, "rb") as fh, open(os.devnull, "wb") as out:
        redact_stream(fh, out, redactor, fmt="jsonl", jobs=1, scan=scan)
    return time.perf_counter() - started


_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "elapsed = time.perf_counter() - t\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(rc, elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
)


def cli(path: str, *args: str) -> tuple[float, int, float]:
    """Wall time, peak RSS (KiB) and CPU seconds of ``intercom-redact redact`` in a fresh process tree."""
    exe = shutil.which("intercom-redact")
    command = [exe] if exe else [sys.executable, "-m", "intercom_redact.cli"]
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command, "-q", "redact", *args, path],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"intercom-redact failed with exit code {out[0]}")
    return float(out[1]), int(out[2]), float(out[3])


def _burn(seconds: float) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        pass
    return time.process_time() - cpu


def available_cores(cores: int, seconds: float = 1.0) -> float:
    """How many cores a CPU-bound process per core actually gets right now (a shared machine gets less)."""
    with multiprocessing.Pool(cores) as pool:
        return sum(pool.map(_burn, [seconds] * cores)) / seconds


def startup() -> float:
    """Wall time of the CLI on an empty input: interpreter, imports, scanner build."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as empty:
        return cli(empty.name, "--jobs", "1")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=8, help="size of the large log (field rules, memory)")
    parser.add_argument("--scan-mb", type=float, default=2, help="size of the log for body scanning")
    parser.add_argument("--stream-mb", type=float, default=4, help="stream of distinct records, field rules")
    parser.add_argument("--stream-scan-mb", type=float, default=1, help="stream of distinct records, scanning")
    args = parser.parse_args()
    cores = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        large, quarter, small = (os.path.join(tmp, f"{n}.jsonl") for n in ("large", "quarter", "small"))
        lines = write_log(large, args.mb)
        write_log(quarter, args.mb / 4)
        write_log(small, args.scan_mb)
        mb = os.path.getsize(large) / 2**20
        small_mb = os.path.getsize(small) / 2**20
        print(f"# {lines} lines, {mb:.1f} MiB (large); {small_mb:.1f} MiB for scanning; {cores} cores; "
              f"Python {sys.version.split()[0]}")
        print(f"CPU available: {available_cores(cores):.2f} of {cores} cores (busy-loop probe before the run)")
        base = startup()
        print(f"CLI start-up on an empty file: {base:.2f} s (included in the CLI rows)")

        rows = []
        t_floor = floor(large)
        rows.append(("orjson loads+dumps floor, 1 core (in-process)", mb / t_floor, 1.0, "-", "-"))
        t = in_process(large, scan=False)
        rows.append(("field rules only, 1 core (in-process)", mb / t, t_floor / t, "-", "-"))
        peaks = {}
        for jobs in sorted({1, cores}):
            t, rss, cpu = cli(large, "--no-scan", "--jobs", str(jobs))
            peaks[jobs] = rss
            rows.append((f"field rules only, CLI --jobs {jobs}", mb / t, t_floor / t, f"{cpu / t:.2f}",
                         f"{rss / 1024:.0f}"))
        t_floor_small = floor(small)
        for jobs in range(1, cores + 1):
            t, rss, cpu = cli(small, "--jobs", str(jobs))
            rows.append((f"with body scanning, CLI --jobs {jobs}", small_mb / t, t_floor_small / t,
                         f"{cpu / t:.2f}", f"{rss / 1024:.0f}"))
        t = in_process(small, scan=True)
        rows.append(("with body scanning, 1 core (in-process)", small_mb / t, t_floor_small / t, "-", "-"))

        stream_large, stream_small = os.path.join(tmp, "stream.jsonl"), os.path.join(tmp, "stream-small.jsonl")
        stream_lines = write_stream_log(stream_large, args.stream_mb)
        write_stream_log(stream_small, args.stream_scan_mb, seed=12)
        stream_mb, stream_small_mb = (os.path.getsize(p) / 2**20 for p in (stream_large, stream_small))
        t_floor = floor(stream_large)
        rows.append((f"stream of distinct records ({stream_lines} lines, {stream_mb:.1f} MiB): orjson floor, "
                     "1 core (in-process)", stream_mb / t_floor, 1.0, "-", "-"))
        t = in_process(stream_large, scan=False)
        rows.append(("stream of distinct records: field rules only, 1 core (in-process)", stream_mb / t,
                     t_floor / t, "-", "-"))
        t_floor_small = floor(stream_small)
        t = in_process(stream_small, scan=True)
        rows.append((f"stream of distinct records ({stream_small_mb:.1f} MiB): with body scanning, 1 core "
                     "(in-process)", stream_small_mb / t, t_floor_small / t, "-", "-"))

        print()
        print("| run | MB/s | share of floor | CPU s / wall s | peak RSS (MiB) |")
        print("|---|---:|---:|---:|---:|")
        for name, rate, share, busy, rss in rows:
            print(f"| {name} | {rate:.2f} | {share:.1%} | {busy} | {rss} |")

        print()
        print("| peak memory: field rules only, --jobs 1 | file | peak RSS (MiB) |")
        print("|---|---:|---:|")
        _, rss, _ = cli(quarter, "--no-scan", "--jobs", "1")
        print(f"| quarter size | {os.path.getsize(quarter) / 2**20:.1f} MiB | {rss / 1024:.0f} |")
        print(f"| full size | {mb:.1f} MiB | {peaks[1] / 1024:.0f} |")


if __name__ == "__main__":
    main()
