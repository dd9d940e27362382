"""Each recognizer, the RE2 set in front of it, the built-in and configured allow-lists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban

from intercom_redact.scanner import Scanner
from intercom_redact.scanner._patterns import builtin_pass
from intercom_redact.scanner._validators import iban_checksum


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


FOUND = [
    # (text, entity type, the exact value found)
    ("write to jane.doe+test@example.co.uk today", "EMAIL_ADDRESS", "jane.doe+test@example.co.uk"),
    ("GET /contacts/jane@example.com?next=/a&email=bo@example.org", "EMAIL_ADDRESS", "jane@example.com"),
    ("GET /contacts/jane@example.com?next=/a&email=bo@example.org", "EMAIL_ADDRESS", "bo@example.org"),
    ("{'email': 'jane@example.com'}", "EMAIL_ADDRESS", "jane@example.com"),  # not the repr's quote
    ("GET /search?email=jane.doe%40example.com&page=2", "EMAIL_ADDRESS", "jane.doe%40example.com"),
    ("call +31 20 123 4567 after five", "PHONE_NUMBER", "+31 20 123 4567"),
    ("my number is +44 20 7946 0958.", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("call me at (415) 555-0132 please", "PHONE_NUMBER", "(415) 555-0132"),
    ("UK office 020 7946 0958", "PHONE_NUMBER", "020 7946 0958"),
    ("German mobile 0151 23456789", "PHONE_NUMBER", "0151 23456789"),
    ("from abroad 0033 1 42 68 53 00", "PHONE_NUMBER", "0033 1 42 68 53 00"),
    ("card 4111 1111 1111 1111 was declined", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("card 2223000048400011 was declined", "CREDIT_CARD", "2223000048400011"),
    ("refund to NL91 ABNA 0417 1643 00 please", "IBAN_CODE", "NL91 ABNA 0417 1643 00"),
    ("refund to DE89370400440532013000 please", "IBAN_CODE", "DE89370400440532013000"),
    ("login from 203.0.113.42 failed", "IP_ADDRESS", "203.0.113.42"),
    ("login from 2001:db8:85a3::8a2e:370:7334 failed", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"),
    ("my SSN is 536-22-8726", "US_SSN", "536-22-8726"),
    ("dsn postgres://admin:s3cr3t@db.internal/app", "URL_CREDENTIALS", "admin:s3cr3t"),
    ("Authorization: Bearer abcDEF123456ghiJKL789", "BEARER_TOKEN", "abcDEF123456ghiJKL789"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N",
     "BEARER_TOKEN", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N"),
    ("I live at 221B Baker Street, London", "STREET_ADDRESS", "221B Baker Street, London"),  # with its block
    ("ship to 1777 Kramer Court Apt. 533 now", "STREET_ADDRESS", "1777 Kramer Court Apt. 533"),
    ("Flat 5\nFrancesca Plains\nLondon", "STREET_ADDRESS", "Flat 5\nFrancesca Plains\nLondon"),
    ("mijn adres is Kerkstraat 12 in Utrecht", "STREET_ADDRESS", "Kerkstraat 12"),
    ("Anschrift: Murat-Heinrich-Allee 7740", "STREET_ADDRESS", "Murat-Heinrich-Allee 7740"),
    ("envoyer au 5, avenue Samson", "STREET_ADDRESS", "5, avenue Samson"),
    ("London NW1 6XE", "POSTCODE", "NW1 6XE"),
    ("Springfield, IL 62704", "POSTCODE", "62704"),
    ("1017 AB Amsterdam", "POSTCODE", "1017 AB"),
    ("Versand nach:\n10115 Berlin", "POSTCODE", "10115"),
    ("Bolzmannstraße 2-6\n04104 Wunsiedel", "STREET_ADDRESS", "Bolzmannstraße 2-6\n04104 Wunsiedel"),
    ("Lager Wunsiedel, 04104 Wunsiedel", "POSTCODE", "04104"),
    ("Hi Jane,\nthe export is empty", "PERSON", "Jane"),
    ("Hello Maria van der Berg!", "PERSON", "Maria van der Berg"),
    ("it broke again.\n\nThanks,\nJane Doe", "PERSON", "Jane Doe"),
    ("Kind regards,\nMarie-Claire Dubois\nAcme", "PERSON", "Marie-Claire Dubois"),
    ("Thanks, Jane Doe", "PERSON", "Jane Doe"),
    ("my name is Owen O'Brien and I", "PERSON", "Owen O'Brien"),
    ("my name's Jane Doe", "PERSON", "Jane Doe"),
    ("Thanks again,\n\u2014 Jane Doe", "PERSON", "Jane Doe"),
    ("Mit freundlichen Grüßen\nHans Müller", "PERSON", "Hans Müller"),
    ("Yours truly,\nAnn Lee", "PERSON", "Ann Lee"),
    ("envoyez-le rue de Rivoli", "STREET_ADDRESS", "rue de Rivoli"),
    ("authorization: basic dXNlcjpwYXNzd29yZDEy", "BEARER_TOKEN", "dXNlcjpwYXNzd29yZDEy"),
]


@pytest.mark.parametrize(("text", "entity_type", "value"), FOUND,
                         ids=[f"{t}:{v}" for _, t, v in FOUND])
def test_recognizer_finds(scanner: Scanner, text: str, entity_type: str, value: str) -> None:
    found = [(text[f.start:f.end], f.entity_type) for f in scanner.scan(text)]
    assert (value, entity_type) in found


@pytest.mark.parametrize(("text", "entity_type", "value"), FOUND,
                         ids=[f"{t}:{v}" for _, t, v in FOUND])
def test_set_names_every_recognizer_example(text: str, entity_type: str, value: str) -> None:
    patterns = builtin_pass()
    named = {patterns._rules[i].entity.entity_type for i in patterns.candidates(text)}
    assert entity_type in named


CLEAN = [
    "deleted contact 5f9c3b2a1e4d7c0012345678 after 3 retries",    # Intercom id
    "request 123e4567-e89b-12d3-a456-426614174000 took 120ms",     # UUID
    "synced at 2024-05-01T12:30:45.123Z and 2024-05-02 08:00:00",  # ISO timestamps
    "Order #48392012 shipped",                                     # order number
    "ticket 2125550199 is still open",                             # ticket number that is a valid US phone
    "order no. 4155550132 was refunded",
    "invoice ID: 7185550123",
    "the total was $1,234.56 for 12 seats",
    "version 3.2.1 fixed it",
    "Hi there, hello team!",                                       # greetings without names
    "Thanks, the export works now.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_look_alikes_are_not_flagged(scanner: Scanner, text: str) -> None:
    assert scanner.scan(text) == []


def test_presidio_default_set_is_not_used(scanner: Scanner) -> None:
    # Presidio's default registry calls this a UK NHS number with score 1.0.
    findings = scanner.scan("call 212-555-0199")
    assert {f.entity_type for f in findings} <= {"PHONE_NUMBER"}


def test_invalid_numbers_are_not_phones(scanner: Scanner) -> None:
    assert scanner.scan("call 000 0000 000 or 1234 5678 9012 3456 7890") == []


def test_context_words_raise_weak_matches(scanner: Scanner) -> None:
    # A bare 9-digit number is a very weak SSN; "ssn" next to it makes it one.
    assert scanner.scan("batch 384640013 done") == []
    assert [f.entity_type for f in scanner.scan("my ssn: 384640013")] == ["US_SSN"]


def test_allow_exact_strings() -> None:
    scanner = Scanner(allow=["Jane Doe"])
    assert scanner.scan("Thanks,\nJane Doe") == []
    assert scanner.scan("Thanks,\nJohn Doe") != []


def test_allow_domains() -> None:
    scanner = Scanner(allow_domains=["acme.com"])
    text = "write to support@acme.com or help@eu.acme.com, not jane@gmail.com or x@notacme.com"
    found = [text[f.start:f.end] for f in scanner.scan(text)]
    assert found == ["jane@gmail.com", "x@notacme.com"]


def _iban(country_and_bban: tuple[str, str]) -> str:
    country, bban = country_and_bban
    return country + iban.calc_check_digits(country + "00" + bban) + bban


_IBAN_TEXT = st.text(alphabet="0123456789abcdefgzAGZ -.", max_size=34)
_IBAN_VALID = st.tuples(st.sampled_from(["DE", "GB", "NL", "FR", "BA", "AD", "AE"]),
                        st.text(alphabet="0123456789ABCWXYZ", min_size=10, max_size=24)).map(_iban)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_IBAN_TEXT, _IBAN_VALID, _IBAN_VALID.map(str.lower),
                 st.tuples(_IBAN_VALID, _IBAN_TEXT).map(" ".join), _IBAN_VALID.map(lambda text: text[:-1])))
def test_the_iban_check_digits_first_answer_as_python_stdnum(text: str) -> None:
    # iban_checksum turns a wrong mod-97 sum down itself (a hex id looks like an IBAN):
    # never anything python-stdnum accepts.
    assert iban_checksum(text) == iban.is_valid(text)


def test_iban_check_digits_examples() -> None:
    assert iban_checksum("GB82 WEST 1234 5698 7654 32") and iban_checksum("de89-3704-0044-0532-0130-00")
    assert not iban_checksum("GB83 WEST 1234 5698 7654 32") and not iban_checksum("ba67c2fd53c3363695dd235d")
