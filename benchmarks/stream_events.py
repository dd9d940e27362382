"""A stream of distinct Intercom log events for the speed benchmarks (Faker, fixed seed).

Real services log a different contact, message and body each time, so a
benchmark that logs one event again and again measures the caches.  This
module makes the other kind of traffic: every event has its own contact
(e-mail, name, phone, location, custom attributes; locales of
``scanner_corpus.LOCALES``), a message that embeds the contact's e-mail or name
(as written, or lower-cased: the two cases a log line shows), request
metadata, and one event in five carries a short HTML conversation body with
the name, the e-mail or a phone in it.

Faker here only makes benchmark traffic; nothing in detection is built from it.

``stream(n, seed)`` -> ``[(message, fields), ...]``: log each once with
``log.info(message, **fields)`` (structlog), ``log.info(message, extra=fields)``
(stdlib) or as an OpenTelemetry record (:func:`otel_record`).  The same seed
gives the same events.  ``python benchmarks/stream_events.py`` prints a few.
:func:`warm_pattern_pass` readies the pattern pass the way a long-running
service has it, before a stream is timed.
"""

from __future__ import annotations

import random
import time
import unicodedata
from typing import Any

from faker import Faker

from intercom_redact.scanner._hyperscan import AVAILABLE as HYPERSCAN
from intercom_redact.scanner._patterns import builtin_pass
from scanner_corpus import LOCALES

__all__ = ["Event", "otel_record", "stream", "to_jsonl", "warm_pattern_pass"]

Event = tuple[str, dict[str, Any]]

_PLANS = ("free", "starter", "pro", "enterprise")
_MESSAGES = (
    ("contact {email} updated", "email"),
    ("sent the weekly digest to {email}", "email"),
    ("contact {name} merged into lead", "name"),
    ("assigned conversation from {name} to the billing team", "name"),
)
_BODIES = (
    ("<p>Hi {agent},</p><p>{filler} You can reach me at "
     '<a href="mailto:{email}">{email}</a>.</p><p>Thanks,<br>{name}</p>'),
    "<p>Hello,</p><p>{filler} Please call me back on {phone} this afternoon.</p><p>{first}</p>",
    "<p>{filler}</p><p>Best regards,<br>{name}</p>",
    "<p>Hi {agent}, this is {name}. {filler}</p>",
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _contact(fake: Faker, rng: random.Random, n: int, ts: int) -> dict[str, Any]:
    first, last = fake.first_name(), fake.last_name()
    return {
        "type": "contact", "id": f"{rng.getrandbits(96):024x}", "external_id": f"cus_{rng.getrandbits(40):x}",
        "role": rng.choice(("user", "lead")),
        "email": _ascii(f"{first}.{last}{n % 97}@{fake.free_email_domain()}".lower().replace(" ", "")),
        "name": f"{first} {last}", "phone": fake.phone_number(),
        "location": {"type": "location", "country": fake.current_country(), "region": fake.city(),
                     "city": fake.city()},
        "custom_attributes": {"plan": rng.choice(_PLANS), "seats": rng.randrange(1, 200),
                              "company_size": rng.choice(("1-10", "11-50", "51-200")),
                              "onboarded": rng.random() < 0.5},
        "created_at": ts - rng.randrange(86_400, 86_400 * 400), "updated_at": ts,
    }


def _event(fakes: dict[str, Faker], rng: random.Random, n: int) -> Event:
    fake = fakes[rng.choice(LOCALES)]
    ts = 1_734_537_000 + n * 7
    contact = _contact(fake, rng, n, ts)
    template, which = rng.choice(_MESSAGES)
    value = contact[which] if rng.random() < 0.5 else contact[which].lower()
    fields: dict[str, Any] = {
        "contact": contact,
        "request": {"method": rng.choice(("GET", "POST", "PUT")), "path": f"/api/contacts/{contact['id']}",
                    "status": rng.choice((200, 200, 200, 201, 404)), "duration_ms": round(rng.random() * 90, 2),
                    "request_id": f"{rng.getrandbits(64):016x}"},
    }
    if n % 5 == 0:
        fields["conversation_part"] = {
            "type": "conversation_part", "id": str(rng.randrange(10**9)), "part_type": "comment",
            "body": rng.choice(_BODIES).format(
                agent=fakes["en_US"].first_name(), filler=fakes["en_US"].sentence(nb_words=12),
                email=contact["email"], phone=contact["phone"], name=contact["name"],
                first=contact["name"].split()[0]),
        }
    return template.format(**{which: value}), fields


def stream(n: int, seed: int) -> list[Event]:
    """``n`` distinct events, the same ones for the same ``seed``."""
    rng = random.Random(seed)
    fakes = {}
    for i, locale in enumerate(LOCALES):
        fakes[locale] = Faker(locale)
        fakes[locale].seed_instance(seed * 100 + i)
    return [_event(fakes, rng, i) for i in range(n)]


def otel_record(event: Event) -> tuple[str, dict[str, Any]]:
    """Body and attributes of the event as an OpenTelemetry log record: the HTML
    body when it has one (its part's other fields stay attributes), else the message."""
    message, fields = event
    part = fields.get("conversation_part")
    if part is None:
        return message, {"event": "contact.updated", **fields}
    rest = {k: v for k, v in part.items() if k != "body"}
    return part["body"], {"event": message, **fields, "conversation_part": rest}


def to_jsonl(event: Event, n: int) -> dict[str, Any]:
    """The event as one record of a JSON-lines log (what structlog would have written)."""
    message, fields = event
    return {"timestamp": f"2026-11-29T02:{n // 60 % 60:02d}:{n % 60:02d}Z", "level": "info",
            "logger": "sync", "event": message, **fields}


def warm_pattern_pass() -> str:
    """Warm the built-in pattern pass as a long-running service has, and say what screens its texts."""
    patterns = builtin_pass()
    patterns.warm()
    for _ in range(1200):  # the Hyperscan screen: a millisecond from the cache, seconds the first time
        if patterns.screen == "hyperscan" or not HYPERSCAN:
            break
        time.sleep(0.1)
    return patterns.screen


if __name__ == "__main__":
    import pprint

    for item in stream(5, seed=1):
        pprint.pprint(item, width=120)

