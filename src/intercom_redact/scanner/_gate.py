"""The gate: decides in microseconds whether Presidio has to run at all.

Most log text carries no personal data.  The gate is a cheap, deliberately
loose superset of what the recognizers can find: when it stays shut, no
recognizer could have matched either, and a scan costs a few regex searches.
It errs on the side of opening: a false "maybe" costs a Presidio run, a false
"clean" would leak.

Speed comes from CPython's regex engine skipping every position whose first
character cannot start a match: each search below starts with a narrow
character class (digits, ``@``, capitals).  Context that lies *before* a
capital (``Hi Jane``) is checked only at capitals, on the reversed lead-in,
so no search ever tries a keyword alternation at every position.
"""

from __future__ import annotations

import re

__all__ = ["entities"]

# Literal signals: found with CPython's fast substring search.
_LITERALS = ("@", "%40", "eyJ", "earer", "EARER")  # emails and user:pass@, JWTs, bearer tokens
_DIGITS = "0123456789"
# Only searched when the text has a digit: phones, cards, IBANs, SSNs, IPv4,
# house numbers, postcodes.
_NUMERIC = re.compile(
    "|".join([
        r"\d(?:[\s().\-/]{0,3}\d){6}",
        r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d",
        r"\d{1,5}[A-Za-z]?,?[ \t]+(?:[A-ZÀ-ÖØ-Þ]|rue|avenue|boulevard|chemin|impasse|allée)",
        r"\d{4}[ \t]?[A-Z]{2}\b",                  # NL postcodes
        r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}",   # UK postcodes
        r"[A-Z]{2}[ \t]+\d{5}",                    # US state + ZIP
    ])
)
_IPV6 = re.compile(r":[0-9A-Fa-f]{0,4}:")
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ][\w'-]*")
_NUMBER_AFTER = re.compile(r"\.?[ \t]+#?\d")
_STREET_SUFFIXES = (
    "straße", "strasse", "str.", "straat", "laan", "gracht", "singel", "steeg", "dreef", "gasse",
    "allee", "platz", "weg", "hof", "pad", "ring", "baan", "kade", "dijk", "plein",
)
_UNITS = frozenset({"Flat", "Apt", "Apartment", "Suite", "Unit", "Studio"})
_AUTH_SCHEMES = frozenset({"Bearer", "Basic"})
# Lead-ins before a name (greetings, sign-offs, introductions), read backwards
# from the capital: the last word, or the last two.
_LEAD_INS = frozenset({
    "hi", "hello", "hey", "dear", "hallo", "hoi", "bonjour", "hola", "ciao", "morning",
    "afternoon", "evening", "thanks", "regards", "cheers", "best", "sincerely", "yours", "groet",
    "groeten", "grüße", "grüsse", "gruß", "cordialement", "saludos", "name",
    "thank you", "name is", "this is",
})
_SENTENCE_ENDS = frozenset({". ", "? "})
_LAST_WORDS_REVERSED = re.compile(r"\s*[^\n\w]{0,3}(\w+)(?:[ \t]+(\w+))?")


def _lead_in(text: str, at: int) -> bool:
    words = _LAST_WORDS_REVERSED.match(text[max(0, at - 24):at][::-1])
    if words is None:
        return False
    last = words.group(1)[::-1].lower()
    if last in _LEAD_INS:
        return True
    before = words.group(2)
    return before is not None and f"{before[::-1].lower()} {last}" in _LEAD_INS


_EMAILS = frozenset({"EMAIL_ADDRESS", "URL_CREDENTIALS"})
_NUMBERS = frozenset({"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
                      "STREET_ADDRESS", "POSTCODE"})
_TOKENS = frozenset({"BEARER_TOKEN"})
_STREETS = frozenset({"STREET_ADDRESS", "POSTCODE"})
_NAMES = frozenset({"PERSON"})
_NER = frozenset({"PERSON", "LOCATION"})
_NOTHING: frozenset[str] = frozenset()


def entities(text: str, *, ner: bool = False) -> frozenset[str]:
    """The entity types ``text`` may hold; empty when the gate stays shut.

    Only the recognizers of these types run, so a text with a name and no
    digit never pays for the phone, card or IBAN patterns.

    :param ner: the NER model reads names anywhere, so with it any capitalised
        word after the first character opens the gate for PERSON and LOCATION.
    """
    found = _NOTHING
    if "@" in text or "%40" in text:
        found = found | _EMAILS
    if "eyJ" in text or "earer" in text or "EARER" in text:
        found = found | _TOKENS
    if any(digit in text for digit in _DIGITS) and _NUMERIC.search(text):
        found = found | _NUMBERS
    elif ":" in text and _IPV6.search(text):
        found = found | {"IP_ADDRESS"}
    for word in _CAPITALISED.finditer(text):
        at = word.start()
        if ner and at:
            found = found | _NER
        token = word.group()
        if token in _AUTH_SCHEMES:
            found = found | _TOKENS
        elif "STREET_ADDRESS" not in found and (
                token in _UNITS or token.lower().endswith(_STREET_SUFFIXES)) and _NUMBER_AFTER.match(
                text, word.end()):
            found = found | _STREETS
        elif ("PERSON" not in found and text[at - 2:at] not in _SENTENCE_ENDS
              and _lead_in(text, at)):
            found = found | _NAMES
    return found
