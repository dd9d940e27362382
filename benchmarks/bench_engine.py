"""The engine's cost inside a structlog pipeline, side by side in one run.

The pipelines log to /dev/null, on two workloads:

* repeated: the same realistic Intercom event (contact with location and custom
  attributes, tags, request metadata) again and again -- after the first call
  every string is in a cache;
* stream: 3,000 distinct Faker events (fixed seed), each logged once: a
  contact with location and custom attributes, a message that embeds the
  e-mail or the name (in one of two cases), and one in five with a short HTML
  conversation body.  No cache helps here: this is what a service pays.

The pipelines:

* plain:      add_log_level, TimeStamper(fmt="iso"), JSONRenderer(orjson.dumps)
* redacting:  the same with intercom-redact's RedactProcessor before the renderer
* naive:      the same with a naive recursive copy-and-walk processor that
              checks every key against a set of PII names and regex-scans every
              string (what one writes by hand)

* scan=False:  ``redactor.redact(event, scan=False)``: field rules and known
              values only, so the walk's own share is visible apart from the
              free-text scanner's

The redacting pipelines run once on the compiled engine core and once on the
pure-Python one (``intercom_redact._core``; the compiled rows are left out
where it was not built or ``INTERCOM_REDACT_NO_EXTENSIONS=1`` is set).
Rounds interleave the pipelines so that machine noise hits all alike; the table
shows the median time per log call and the ratio to the plain pipeline.

    python benchmarks/bench_engine.py [--rounds 25] [--calls 20000] [--stream 3000] [--cpu]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import orjson
import structlog

from intercom_redact import Redactor, _core, engine
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


def stream_events(count: int, seed: int = 7) -> list[tuple[str, dict]]:
    """``count`` distinct (message, event) pairs, the same for a given seed."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(seed)
    rng = random.Random(seed)
    events = []
    for i in range(count):
        name, email = fake.name(), fake.email()
        contact = {
            "type": "contact", "id": fake.hexify("^" * 24), "external_id": f"cus_{i}", "role": "user",
            "email": email, "name": name, "phone": fake.phone_number(),
            "location": {"type": "location", "country": fake.country(), "region": fake.state(),
                         "city": fake.city()},
            "custom_attributes": {"plan": rng.choice(["free", "pro", "enterprise"]),
                                  "seats": rng.randint(1, 500), "company": fake.company()},
            "created_at": 1734537000 + i,
        }
        shown = rng.choice([email, name, email.upper(), name.lower()])
        message = f"{fake.sentence(nb_words=5)} {shown} {fake.sentence(nb_words=4)}"
        event = {"contact": contact, "request": {"method": "POST", "path": "/webhooks/intercom",
                                                 "status": 200, "duration_ms": rng.random() * 100}}
        if i % 5 == 0:
            event["body"] = (f"<p>Hi {name.split()[0]},</p><p>{fake.paragraph(nb_sentences=3)}</p>"
                             f"<p>Thanks,<br>{fake.first_name()}</p>")
        events.append((message, event))
    return events


# Wall clock by default; --cpu times the thread's CPU instead (steadier on a shared machine).
CLOCK = time.perf_counter


def time_calls(log, calls: int) -> float:
    event = EVENT
    start = CLOCK()
    for _ in range(calls):
        log.info("contact updated", **event)
    return (CLOCK() - start) / calls


def time_stream(log, events: list[tuple[str, dict]]) -> float:
    start = CLOCK()
    for message, event in events:
        log.info(message, **event)
    return (CLOCK() - start) / len(events)


def unscanned_processor(redactor: Redactor):
    """Field rules and known values only: the walk without the free-text scanner."""

    def process(logger, method_name, event_dict):
        return redactor.redact(event_dict, scan=False)

    return process


def on_core(core: ModuleType, processor):
    """``processor`` run on the engine core ``core`` (compiled or pure), whatever the default."""

    def process(logger, method_name, event_dict):
        engine._impl = core
        return processor(logger, method_name, event_dict)

    return process


def table(title: str, samples: dict[str, list[float]]) -> None:
    base = statistics.median(samples["plain"])
    print(title)
    print("| pipeline | median µs/call | ratio to plain |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        med = statistics.median(values)
        print(f"| {name} | {med * 1e6:.2f} | {med / base:.2f}x |")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--stream", type=int, default=3000, help="distinct events (0: skip the stream)")
    parser.add_argument("--cpu", action="store_true", help="time the thread's CPU, not the wall clock")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.thread_time if args.cpu else time.perf_counter

    cores = {name: _core.load(name) for name in ("c", "py") if name == "py" or _core.IMPLEMENTATION == "c"}
    redactor = Redactor()
    redactor.redact(EVENT)  # build the scanner and warm the path automaton before timing
    pipelines: dict[str, Callable[[Redactor], list]] = {"plain": lambda r: []}
    for name, core in cores.items():
        pipelines[f"RedactProcessor, core {name}"] = lambda r, core=core: [on_core(core, RedactProcessor(r))]
        pipelines[f"scan=False, core {name}"] = lambda r, core=core: [on_core(core, unscanned_processor(r))]
    pipelines["naive copy-and-walk"] = lambda r: [naive_processor]
    print(f"Python {sys.version.split()[0]}, engine cores: {', '.join(cores)} (default {_core.IMPLEMENTATION}), "
          f"{'thread CPU time' if args.cpu else 'wall clock'}\n")
    with open(os.devnull, "wb") as sink:
        loggers = {name: make_logger(build(redactor), sink) for name, build in pipelines.items()}
        samples: dict[str, list[float]] = {name: [] for name in loggers}
        for log in loggers.values():
            time_calls(log, 2000)  # warm-up
        for _ in range(args.rounds):
            for name, log in loggers.items():
                samples[name].append(time_calls(log, args.calls))
        table(f"structlog pipeline, repeated event, {args.rounds} rounds x {args.calls} calls", samples)
        if args.stream:
            # Every pipeline gets events never seen before in every round (a seed of its
            # own), so neither the scanner's result cache nor its gate memo can help.
            stream_rounds = max(3, args.rounds // 8)
            warm_up = stream_events(300, seed=99_999)  # the recognizers the repeated event never woke
            for log in loggers.values():
                time_stream(log, warm_up)
            samples = {name: [] for name in loggers}
            for round_ in range(stream_rounds):
                for index, (name, log) in enumerate(loggers.items()):
                    events = stream_events(args.stream, seed=round_ * 100 + index)
                    samples[name].append(time_stream(log, events))
            table(f"structlog pipeline, stream of {args.stream} distinct events each logged once, "
                  f"{stream_rounds} rounds", samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
