"""Per-string cost of the scanner's pattern path, and cold start, optionally against another source tree.

    python benchmarks/bench_pass.py                          # this checkout
    python benchmarks/bench_pass.py --baseline /path/to/src  # and another tree, same run, ratios

Each contender runs in fresh interpreters (``PYTHONPATH`` set to its
``src``), alternating rounds so machine load hits both alike; the table
gives the median over rounds and the ratio baseline / this checkout.

* **clean 200-word body**: support prose without personal data, ``scan``;
  best of 5 x 2000 calls.
* **clean log lines, distinct**: 2,000 different short messages with
  numbers and capitals but no personal data, each scanned once.
* **PII text, repeated**: one message with a name, phone, e-mail and card,
  scanned again and again (the result cache answers after the first).
* **PII log lines, distinct**: 2,000 different messages, each with an
  e-mail, phone, name or card, each scanned once (no cache can help).
* **bodies, distinct**: 300 Intercom-like HTML bodies (benchmarks/scanner_corpus.py), once each.
* **cold start**: a new interpreter's first ``Redactor().redact(event)``
  (the import of the package not included), wall and CPU time (the CPU
  time moves less with the load of a shared machine), and the peak RSS after it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_WORDS = ("export worker settings dashboard billing seats cache update plan report sync retry "
          "webhook import segment inbox ticket macro").split()
_SENTENCES = [
    "The export finished but the file was empty.", "We restarted the worker and it went through.",
    "The settings page loads slowly after the last update.", "The dashboard still shows the old plan.",
    "We cleared the cache, which fixed it for now.", "Let us know if the problem comes back.",
    "The billing page now shows the right number of seats.", "It took about 3 minutes.",
]
COLD_EVENT = {
    "event": "contact jane.doe@example.com asked to be called on +44 20 7946 0958",
    "contact": {"id": "6762f0a91bb69f9f2193bb1a", "name": "Jane Doe", "email": "jane.doe@example.com"},
    "body": "<p>Hi Jane,</p><p>your card 4111 1111 1111 1111 was declined.</p>",
}


def clean_body() -> str:
    return " ".join(" ".join(_SENTENCES * 10).split()[:200])


def clean_lines(n: int, rng: random.Random) -> list[str]:
    return [f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS)} took {rng.randint(1, 9999)} ms "
            f"(attempt {rng.randint(1, 5)}, batch {rng.randint(100, 999)})" for _ in range(n)]


def pii_lines(n: int, rng: random.Random) -> list[str]:
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(rng.randint(0, 10**9))
    shapes = [
        lambda: f"contact {fake.email()} updated their {rng.choice(_WORDS)}",
        lambda: f"Hi {fake.first_name()},\nthe {rng.choice(_WORDS)} is ready",
        lambda: f"call back on {fake.phone_number()} about the {rng.choice(_WORDS)}",
        lambda: f"card {fake.credit_card_number()} declined for {rng.choice(_WORDS)}",
    ]
    return [rng.choice(shapes)() for _ in range(n)]


def _per_call_us(fn, items: list[str]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def measure() -> dict[str, float]:
    """Run in the contender's interpreter: the per-string figures, in µs."""
    from scanner_corpus import generate

    from intercom_redact.scanner import Scanner

    rng = random.Random(7)
    scanner = Scanner()
    no_cache = Scanner(cache_size=0)
    text = ("Hi Jane,\nplease call +44 20 7946 0958 or mail jane@example.com; "
            "card 4111 1111 1111 1111.\nThanks,\nJane Doe")
    body = clean_body()
    bodies = [b.html for b in generate(300, seed=7)]
    for s in (scanner, no_cache):  # built, compiled and loaded outside the timings
        s.scan(text)
        for warm_up in generate(40, seed=99):
            s.scan(warm_up.html, html=True)
    time.sleep(1.0)  # a background warm-up, where there is one, has finished
    return {
        "clean 200-word body": min(timeit.repeat(lambda: scanner.scan(body), number=2000, repeat=5)) / 2000 * 1e6,
        "clean log lines, distinct": _per_call_us(scanner.scan, clean_lines(2000, rng)),
        "PII text, repeated": min(timeit.repeat(lambda: scanner.scan(text), number=500, repeat=5)) / 500 * 1e6,
        "PII log lines, distinct": _per_call_us(no_cache.scan, pii_lines(2000, rng)),
        "bodies, distinct (html)": _per_call_us(lambda b: no_cache.scan(b, html=True), bodies),
    }


def cold() -> dict[str, float]:
    """Run in a fresh interpreter: the first redact call and the peak RSS after it."""
    import resource

    from intercom_redact import Redactor

    start, cpu = time.perf_counter(), time.process_time()
    Redactor().redact(COLD_EVENT)
    first_ms = (time.perf_counter() - start) * 1e3
    return {"first redact (ms)": first_ms,
            "first redact, CPU time (ms)": (time.process_time() - cpu) * 1e3,
            "peak RSS after it (MiB)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "presidio or spacy loaded": float(any(m in sys.modules for m in ("presidio_analyzer", "spacy")))}


def _run(src: str, what: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    proc = subprocess.run([sys.executable, __file__, "--child", what], env=env, capture_output=True,
                          text=True, timeout=1800)
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="another tree's src directory, measured in the same run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--child", choices=["measure", "cold"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure() if args.child == "measure" else cold()))
        return
    contenders = {"this checkout": str(HERE.parent / "src")}
    if args.baseline:
        contenders["baseline"] = args.baseline
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, src in contenders.items():
            runs[name].append(_run(src, "measure"))
    for _ in range(args.cold_runs):
        for name, src in contenders.items():
            runs[name].append(_run(src, "cold"))
    medians = {name: {key: statistics.median(r[key] for r in rs if key in r)
                      for key in {k for r in rs for k in r}} for name, rs in runs.items()}
    keys = list(runs["this checkout"][0]) + list(runs["this checkout"][-1])
    names = list(contenders)
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.rounds} rounds "
          f"({args.cold_runs} fresh interpreters for the cold start)\n")
    header = "| per string (µs) / cold start | " + " | ".join(names)
    print(header + (" | baseline / this |" if args.baseline else " |"))
    print("|---" * (len(names) + 1 + bool(args.baseline)) + "|")
    for key in keys:
        row = [f"{medians[n][key]:.1f}" for n in names]
        ratio = (f" | {medians['baseline'][key] / medians['this checkout'][key]:.1f}x"
                 if args.baseline and medians["this checkout"][key] else (" | -" if args.baseline else ""))
        print(f"| {key} | " + " | ".join(row) + ratio + " |")


if __name__ == "__main__":
    main()
