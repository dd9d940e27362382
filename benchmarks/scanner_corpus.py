"""A labeled corpus of Intercom-like HTML conversation bodies, made with Faker.

Every body is HTML as Intercom stores it (``<p>``, ``<br>``, ``<b>``, ``<a
href="mailto:...">``, ``&amp;``, ``&nbsp;``) and comes with the exact spans of
the personal data planted in it (offsets into the markup) and of the
look-alikes that must *not* be flagged (Intercom ids, UUIDs, ISO timestamps,
order and ticket numbers).

Several locales (names, addresses, phones, IBANs of en_US, en_GB, de_DE,
nl_NL, fr_FR); phones in international, national and E.164 notation (Faker's
own numbers are re-drawn until python-phonenumbers calls them valid in their
region, as a real customer's number is); multi-line addresses; names in
greetings, sign-offs, introductions and mid-sentence, some split by inline
tags or joined by ``&nbsp;``; ``mailto:``/``tel:`` links.

Usage: ``generate(n, seed)`` -> list of :class:`Body`; ``python
benchmarks/scanner_corpus.py`` prints a few.
"""

from __future__ import annotations

import html
import random
import uuid
from dataclasses import dataclass, field

import phonenumbers
from faker import Faker

__all__ = ["LOCALES", "Body", "generate"]

LOCALES = ("en_US", "en_GB", "de_DE", "nl_NL", "fr_FR")
_REGION = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "nl_NL": "NL", "fr_FR": "FR"}
_SAFE = "SAFE"  # label of look-alikes that must not be flagged


@dataclass
class Body:
    """One conversation body and its labels: ``(start, end, type)`` into ``html``."""

    html: str
    locale: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def pii(self) -> list[tuple[int, int, str]]:
        return [s for s in self.spans if s[2] != _SAFE]

    @property
    def safe(self) -> list[tuple[int, int, str]]:
        return [s for s in self.spans if s[2] == _SAFE]


class _Builder:
    """Appends markup and text, recording the spans of labeled pieces."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[tuple[int, int, str]] = []

    def raw(self, markup: str) -> None:
        self.parts.append(markup)
        self.length += len(markup)

    def text(self, text: str) -> None:
        self.raw(html.escape(text, quote=False))

    def label(self, markup: str, entity_type: str) -> None:
        start = self.length
        self.raw(markup)
        self.spans.append((start, self.length, entity_type))

    def value(self, text: str, entity_type: str) -> None:
        self.label(html.escape(text, quote=False), entity_type)


class _Person:
    def __init__(self, fake: Faker) -> None:
        self.first = fake.first_name()
        self.last = fake.last_name()
        self.full = f"{self.first} {self.last}"


def _phone(fake: Faker, region: str, rng: random.Random) -> tuple[str, str]:
    """A valid number of ``region`` in a random notation, and its E.164 form."""
    number = None
    for _ in range(30):
        try:
            candidate = phonenumbers.parse(fake.phone_number(), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(candidate):
            number = candidate
            break
    if number is None:
        number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    number.extension = None
    fmt = rng.choice([phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                      phonenumbers.PhoneNumberFormat.NATIONAL,
                      phonenumbers.PhoneNumberFormat.E164])
    text = phonenumbers.format_number(number, fmt)
    if rng.random() < 0.2:  # people type dots and dashes too
        text = text.replace(" ", rng.choice(["-", "."]))
    return text, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _card(fake: Faker, rng: random.Random) -> str:
    number = fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "discover"]))
    if rng.random() < 0.6:
        number = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    return number


def _iban(fake: Faker, rng: random.Random) -> str:
    iban = fake.iban()
    if rng.random() < 0.6:
        iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def _name_markup(b: _Builder, person: _Person, rng: random.Random) -> None:
    style = rng.random()
    if style < 0.15:
        b.label(f"<b>{html.escape(person.first)}</b> {html.escape(person.last)}", "PERSON")
    elif style < 0.25:
        b.label(f"{html.escape(person.first)}&nbsp;{html.escape(person.last)}", "PERSON")
    else:
        b.value(person.full, "PERSON")


def _address(b: _Builder, fake: Faker, locale: str) -> None:
    # Faker's own layout: street line(s), then city and postcode in the locale's order.
    street = fake.street_address()
    city = fake.city()
    postcode = fake.postcode()
    b.value(street.replace("\n", " "), "STREET_ADDRESS")
    b.raw("<br>")
    if locale == "en_US":
        b.value(city, "LOCATION")
        b.text(f", {fake.state_abbr()} ")
        b.value(postcode, "POSTCODE")
    elif locale == "en_GB":
        b.value(city, "LOCATION")
        b.raw("<br>")
        b.value(postcode, "POSTCODE")
    elif locale == "nl_NL":
        b.value(postcode, "POSTCODE")
        b.raw("<br>")
        b.value(city, "LOCATION")
    else:
        b.value(postcode, "POSTCODE")
        b.text(" ")
        b.value(city, "LOCATION")


_FILLER = [
    "I can't log into my account since this morning.",
    "The export finished but the file was empty.",
    "We upgraded to the Pro plan last week and the invoice looks wrong.",
    "The app crashes when I open the settings page on my phone.",
    "Could you check what is going on?",
    "I already tried clearing the cache and reinstalling.",
    "It worked fine until the last update.",
    "Our team has 25 seats and only 20 are showing.",
    "I tried Chrome and Safari on my Mac, same result.",
    "Is there a way to change the billing email?",
]


def _body(fake: Faker, locale: str, rng: random.Random) -> Body:
    b = _Builder()
    region = _REGION[locale]
    customer = _Person(fake)
    agent = _Person(fake)
    email = f"{customer.first}.{customer.last}@{fake.free_email_domain()}".lower()
    email = "".join(ch for ch in email if ch.isascii() and (ch.isalnum() or ch in "@.-_"))

    b.raw("<p>")
    greeting = rng.choice(["Hi", "Hello", "Hey", "Dear"])
    b.text(f"{greeting} ")
    b.value(agent.first, "PERSON")
    b.text(",")
    b.raw("</p><p>")
    if rng.random() < 0.6:
        b.text("My name is ")
        _name_markup(b, customer, rng)
        b.text(" and ")
    filler = rng.choice(_FILLER)
    b.text((filler if filler.startswith("I ") else filler[0].lower() + filler[1:]) + " ")
    b.raw("</p>")

    kinds = ["phone", "email", "address", "card", "iban", "ip", "colleague", "tel", "mailto",
             "noise", "noise2"] + (["ssn"] if locale == "en_US" else [])
    pieces = rng.sample(kinds, k=rng.randint(3, 6))
    for piece in pieces:
        b.raw("<p>")
        if piece == "phone":
            b.text("You can reach me on ")
            b.value(_phone(fake, region, rng)[0], "PHONE_NUMBER")
            b.text(" during the day.")
        elif piece == "tel":
            text, e164 = _phone(fake, region, rng)
            b.text("Call me: ")
            b.raw('<a href="tel:')
            b.label(e164, "PHONE_NUMBER")
            b.raw('">')
            b.value(text, "PHONE_NUMBER")
            b.raw("</a>")
        elif piece == "email":
            b.text("My other address is ")
            b.value(email, "EMAIL_ADDRESS")
            b.text(", please use that one.")
        elif piece == "mailto":
            b.text("Reply to ")
            b.raw('<a href="mailto:')
            b.label(email, "EMAIL_ADDRESS")
            b.raw('">')
            b.value(email, "EMAIL_ADDRESS")
            b.raw("</a> please.")
        elif piece == "address":
            b.text("Please send the replacement to:")
            b.raw("<br>")
            _address(b, fake, locale)
        elif piece == "card":
            b.text("I was charged twice on my card ")
            b.value(_card(fake, rng), "CREDIT_CARD")
            b.text(".")
        elif piece == "iban":
            b.text("Please refund to my IBAN ")
            b.value(_iban(fake, rng), "IBAN_CODE")
            b.text(".")
        elif piece == "ip":
            b.text("Our firewall logs show the login from ")
            b.value(fake.ipv4_public() if rng.random() < 0.7 else fake.ipv6(), "IP_ADDRESS")
            b.text(".")
        elif piece == "ssn":
            b.text("The tax form asks for my SSN, it is ")
            b.value(Faker("en_US").ssn(), "US_SSN")
            b.text(".")
        elif piece == "colleague":
            colleague = _Person(fake)
            b.text("My colleague ")
            _name_markup(b, colleague, rng)
            b.text(" has the same problem & is waiting too.")
        elif piece == "noise":
            b.text("Order ")
            b.label(f"#{rng.randint(10_000_000, 99_999_999)}", _SAFE)
            b.text(" from ")
            b.label(fake.date_time_this_year().isoformat() + "Z", _SAFE)
            b.text(", ticket ")
            b.label(str(rng.randint(1_000_000_000, 9_999_999_999)), _SAFE)
            b.text(" is still open.")
        else:
            b.text("Conversation ")
            b.label(f"{rng.getrandbits(96):024x}", _SAFE)
            b.text(", request id ")
            b.label(str(uuid.UUID(int=rng.getrandbits(128))), _SAFE)
            b.text(".")
        b.raw("</p>")

    b.raw("<p>")
    sign_off = rng.choice(["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Thank you,"])
    b.text(sign_off)
    b.raw("<br>")
    if rng.random() < 0.5:
        _name_markup(b, customer, rng)
    else:
        b.value(customer.full if rng.random() < 0.7 else customer.first, "PERSON")
    b.raw("</p>")
    return Body("".join(b.parts), locale, b.spans)


def generate(n: int, seed: int = 1) -> list[Body]:
    """``n`` bodies, spread over :data:`LOCALES`; the same ``seed`` gives the same corpus."""
    rng = random.Random(seed)
    fakers = {}
    for locale in LOCALES:
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed)
    return [_body(fakers[LOCALES[i % len(LOCALES)]], LOCALES[i % len(LOCALES)], rng)
            for i in range(n)]


if __name__ == "__main__":
    for body in generate(5):
        print(body.locale, body.html)
        for start, end, entity_type in body.spans:
            print(f"   {entity_type:15} {body.html[start:end]!r}")
