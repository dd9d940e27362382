"""Formats the pattern pass knows beyond the first corpus, one category each, through real sinks.

Each planted value is logged in a sentence through a structlog pipeline
(JSON renderer) and redacted as free text; it must not come out.  The
values are general formats and maintained libraries' own examples
(python-stdnum's docstrings, card numbers completed with a Luhn digit),
never an evaluation corpus.  What must survive (a ``Message-ID`` header,
an order number that passes Luhn) is checked the same way.
"""

from __future__ import annotations

import io
import json
import random

import pytest
import structlog

import strategies
from intercom_redact.structlog import RedactProcessor

# No machine load reaches its time budget: these tests check what is redacted and kept.
REDACTOR = strategies.unhurried_redactor()


def _luhn_complete(head: str) -> str:
    total = 0
    for position, char in enumerate(reversed(head)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return head + str(-total % 10)


def _cards() -> list[str]:
    rng = random.Random(5)
    plain = [_luhn_complete("".join(str(rng.randint(0, 9)) for _ in range(n - 1))) for n in range(12, 20)]
    grouped = []
    for number, separator in zip(plain[4:], (" ", "-", ".", "  ")):  # 16..19 digits
        groups = [number[i:i + 4] for i in range(0, len(number), 4)]
        if len(groups[-1]) < 3:
            groups[-2:] = [groups[-2] + groups[-1]]
        grouped.append(separator.join(groups))
    return [n for n in plain if not n.startswith("1")] + grouped + ["3782 822463 10005", "6759649826438453"]


CATEGORIES = {
    "cards": [f"card {card} was declined" for card in _cards()],
    "IBANs in lower case": [
        "refund to nl91 abna 0417 1643 00 please", "refund to nl91abna0417164300 please",
        "iban de89 3704 0044 0532 0130 00", "send it to gb82west12345698765432 today",
    ],
    "phones": [
        "call +44 20 7946 0958 ext. 123 please", "call +44 20 7946 0958 x123", "call +44.20.7946.0958",
        "call (020) 7946 0958 tomorrow", "ring 00 44 20 7946 0958", "tel +1 (415) 555-0132 ext 7",
        "+1 201-555-0000 4000 0000 0000 0002",  # a phone glued to a card number
        "fax +33 1 99 00 12 34 anytime",  # a country code and a length its plan allows (a range not yet assigned)
        "Phone: 476 1540",  # a local number: no region's plan, but a phone word before it
        "reach me on 2612 3456 (office)",  # ... or after it
        "desk 020 7946 0958-Office",  # a label glued on with a dash
        r"Personal Info:\nPhone:\n020 7946 0958\nE-mail: none",  # a message logged with its escapes
        "Can you call me at 91 555 0199 38 tomorrow?",  # in no plan we try, but asked to be called on it
        "you can reach us on 91 555 0199 38",
        "please ring 91 555 0199 38 after six",
        "my number is 91 555 0199 38, thanks",
        "I got a text on 867 5309 this morning",  # a local number in the seven-digit layout, no phone word
        "the courier rang from 555-0132",
        "ligue (11) 3456-7890 amanhã",  # an area code in parentheses
        "Phone: 32 14 56",  # six digits in pairs (Greenland, the Faroes), next to a phone word
        "32-14-56 (mobile)",
    ],
    "e-mails": [
        'reply to "jane doe"@example.com', "contact jöran.müller@example.de", "mail jane@exämple.de",
        "mail jane@xn--exmple-cua.de", "GET /r?u=%2Fsearch%3Fq%3Djane%2540example.com",
        "write to jane&#64;example.com", "write to jane at example dot com",
        "jane [at] example [dot] co [dot] uk",
    ],
    "dates of birth": [
        "I was born on 4 March 1987, please update", "DOB: 04/03/1987", "date of birth: 1987-03-04",
        "her birthday is March 4th, 1987",
        "what is your date of birth? It's 5/23/1979",  # a few words between the cue and the date
    ],
    "national identifiers": [
        "my BSN is 111222333", "PESEL 44051401359", "CPF 390.533.447-05", "DNI: 54362315K",
        "codice fiscale RCCMNL83S18D969H", "personnummer 880320-0016", "national id 2 95 10 99 126 111 93",
        "here's my SSN: 12345678901234",  # what the writer calls their SSN, whatever its shape
        "his social security number is QQ 12 34 56 C",  # a UK National Insurance number called so
        "my driver's license number is D8537536", "driving licence: MORGA753116SM9IJ",
    ],
}
SECRETS = {
    "cards": _cards(),
    "IBANs in lower case": ["0417 1643 00", "0417164300", "0532 0130 00", "12345698765432"],
    "phones": ["7946 0958", "7946 0958", "7946.0958", "7946 0958", "7946 0958", "555-0132", "201-555-0000",
               "99 00 12 34", "476 1540", "2612 3456", "7946 0958", "7946 0958", "0199 38", "0199 38", "0199 38",
               "0199 38", "867 5309", "555-0132", "3456-7890", "32 14 56", "32-14-56"],
    "e-mails": ['"jane doe"', "jöran.müller", "jane@exämple", "jane@xn--", "jane%2540", "jane&#64;",
                "jane at example", "jane [at]"],
    "dates of birth": ["4 March 1987", "04/03/1987", "1987-03-04", "March 4th, 1987", "5/23/1979"],
    "national identifiers": ["111222333", "44051401359", "390.533.447-05", "54362315K", "RCCMNL83S18D969H",
                             "880320-0016", "2 95 10 99 126 111 93", "12345678901234", "QQ 12 34 56 C", "D8537536",
                             "MORGA753116SM9IJ"],
}
CASES = [(category, text, secret) for category, texts in CATEGORIES.items()
         for text, secret in zip(texts, SECRETS[category], strict=True)]


@pytest.fixture(scope="module")
def structlog_sink() -> tuple[structlog.BoundLogger, io.StringIO]:
    out = io.StringIO()
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=[
        RedactProcessor(REDACTOR), structlog.processors.JSONRenderer()])
    return log, out


@pytest.mark.parametrize(("category", "text", "secret"), CASES, ids=[f"{c}: {t}" for c, t, _ in CASES])
def test_format_is_redacted(structlog_sink, category: str, text: str, secret: str) -> None:
    log, out = structlog_sink
    out.seek(0)
    out.truncate()
    log.info(text, note=text)
    line = json.loads(out.getvalue())
    assert secret not in line["event"] and secret not in line["note"], line
    assert secret not in REDACTOR.redact_text(text)


@pytest.mark.parametrize("body", [
    "<p>hi</p><!-- customer jane@example.com, +44 20 7946 0958 --><p>thanks</p>",
    "<p>mail jane&#64;example.com</p>",
    '<p><a href="tel:+442079460958">call</a> or <a href="mailto:jane@example.com">mail</a></p>',
    '<p><span data-contact="jane@example.com" title="+44 20 7946 0958">x</span></p>',
], ids=["comment", "character reference", "tel and mailto links", "any attribute"])
def test_html_places(body: str) -> None:
    out = REDACTOR.redact_text(body, html=True)
    assert "jane" not in out and "7946" not in out and "442079460958" not in out
    assert out.count("<p>") == body.count("<p>")  # the markup is kept


@pytest.mark.parametrize("text", [
    "Message-ID: <CAF123abc.456@mail.gmail.com>",
    "In-Reply-To: <5f9c3b2a1e4d7c0012345678@intercom-mail.example.com>",
    "order 123456789015 shipped",  # passes Luhn, but it is an order number
    "office hours 9-17, order number 4471 2093",  # a phone word, but an order number
    "retried 3 times in 1500 ms (office sync)",
    "licensed under the MIT license, version 2",
    "social security number is required (code 1234567)",
    f"invoice {_luhn_complete('700000000000000')} paid",  # a card shape no issuer's prefix claims
], ids=["Message-ID", "In-Reply-To", "order number", "order number near a phone word", "timings", "a licence", "an SSN field",
        "invoice number"])
def test_what_is_not_personal_survives(text: str) -> None:
    assert REDACTOR.redact_text(text) == text


@pytest.mark.parametrize("text", [
    "the API call took 2345678 ns",  # "call" alone asks for nothing
    "API call 2345678 failed, call 000 0000 000 retried",
    "order 555 0132 shipped", "invoice no. 482 9931 paid", "ticket 555-0132 closed", "Order #5550132 refunded",
    "tracking number 482 9931 8831",
    "started 14:28:39.123456, done 14:28:41.004512", "synced at 2026-11-29 14:28:39", "due 29/11/2026 or 29.11.2026",
    "took 1 234 567 µs", "uptime 2345678 s", "upgraded to 10.0.19041.1234", "release 3.12.1 (build 4471)",
    "charged EUR 1.234.567,89", "total 1 234 567,00 EUR", "between 200-5000 users", "500-1000 requests per second",
    "call me at 10.30 - 11.00 please",  # a call-me phrase, but a span of time
    "your verification code is 123 456",  # six digits, no phone word
    "Hi team, my number is the same as before",
])
def test_phone_look_alikes_survive(text: str) -> None:
    assert REDACTOR.redact_text(text) == text


def test_ids_under_id_keys_are_not_phones(structlog_sink) -> None:
    log, out = structlog_sink
    out.seek(0)
    out.truncate()
    ids = {"user_id": "4395588", "order_id": "5550132", "ticket_id": "555-0132", "conversation_id": "31621200",
           "external_id": "0612345678", "invoice_id": "482-9931-8831"}
    log.info("order synced", **ids)
    line = json.loads(out.getvalue())
    assert {key: line[key] for key in ids} == ids
