"""The engine's cost inside a structlog pipeline, side by side in one run.

Three pipelines log the same realistic Intercom event (contact with location and
custom attributes, tags, request metadata) to /dev/null:

* plain:      add_log_level, TimeStamper(fmt="iso"), JSONRenderer(orjson.dumps)
* redacting:  the same with intercom-redact's RedactProcessor before the renderer
* naive:      the same with a naive recursive copy-and-walk processor that
              checks every key against a set of PII names and regex-scans every
              string (what one writes by hand)

Rounds interleave the pipelines so that machine noise hits all alike; the table
shows the median time per log call and the ratio to the plain pipeline.

    python benchmarks/bench_engine.py [--rounds 25] [--calls 20000]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import orjson
import structlog

from intercom_redact import Redactor
from intercom_redact.structlog import RedactProcessor

EVENT = {
    "contact": {
        "type": "contact",
        "id": "6762f0a91bb69f9f2193bb1a",
        "external_id": "cus_8812",
        "role": "user",
        "email": "jane.doe@example.com",
        "name": "Jane Doe",
        "phone": "+31 20 123 4567",
        "location": {"type": "location", "country": "Netherlands", "region": "Noord-Holland",
                     "city": "Amsterdam"},
        "custom_attributes": {"plan": "pro", "seats": 12},
        "created_at": 1734537000,
    },
    "tags": [{"type": "tag", "id": "81", "name": "vip"}, {"type": "tag", "id": "82", "name": "beta"}],
    "request": {"method": "POST", "path": "/webhooks/intercom", "status": 200, "duration_ms": 41.2},
}

_PII_KEYS = {"email", "name", "phone", "location", "ip_address", "avatar", "social_profiles",
             "authorization", "token", "password", "secret", "api_key", "cookie"}
_NAIVE_PATTERN = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d\s().-]{7,}\d")


def naive_processor(logger, method_name, event_dict):
    """The hand-written baseline: recursive copy, key set, regex on every string."""

    def walk(value):
        if isinstance(value, dict):
            return {k: "[REDACTED]" if k.lower() in _PII_KEYS else walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        if isinstance(value, str):
            return _NAIVE_PATTERN.sub("[REDACTED]", value)
        return value

    return walk(event_dict)


def make_logger(extra_processors: Sequence[Any], sink: Any) -> Any:
    processors = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        *extra_processors,
        structlog.processors.JSONRenderer(serializer=orjson.dumps),
    ]
    return structlog.wrap_logger(
        structlog.BytesLogger(sink),
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True,
    )


def time_calls(log, calls: int) -> float:
    event = EVENT
    start = time.perf_counter()
    for _ in range(calls):
        log.info("contact updated", **event)
    return (time.perf_counter() - start) / calls


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args(argv)

    redactor = Redactor()
    redactor.redact(EVENT)  # build the scanner and warm the path automaton before timing
    with open(os.devnull, "wb") as sink:
        loggers = {
            "plain": make_logger([], sink),
            "redacting (RedactProcessor)": make_logger([RedactProcessor(redactor)], sink),
            "naive copy-and-walk": make_logger([naive_processor], sink),
        }
        samples: dict[str, list[float]] = {name: [] for name in loggers}
        for log in loggers.values():
            time_calls(log, 2000)  # warm-up
        for _ in range(args.rounds):
            for name, log in loggers.items():
                samples[name].append(time_calls(log, args.calls))

    base = statistics.median(samples["plain"])
    print(f"structlog pipeline, {args.rounds} rounds x {args.calls} calls, Python {sys.version.split()[0]}")
    print("| pipeline | median µs/call | ratio to plain |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        med = statistics.median(values)
        print(f"| {name} | {med * 1e6:.2f} | {med / base:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
