"""The gate: decides in microseconds whether Presidio has to run at all.

Most log text carries no personal data.  The gate is a cheap, deliberately
loose superset of what the recognizers can find: when it stays shut, no
recognizer could have matched either (the tests run every recognizer's
examples through it), and a scan costs a few substring and regex searches.
It errs on the side of opening: a false "maybe" costs a Presidio run, a false
"clean" would leak.  It also says *which* entity types may be present, and
only their recognizers run.

Speed comes from CPython's regex engine skipping every position whose first
character cannot start a match: each search below starts with a narrow
character class (digits, ``@``, capitals).  Context that lies *before* a
capital (``Hi Jane``) is checked only at capitals, on the reversed lead-in,
so no search ever tries a keyword alternation at every position.
"""

from __future__ import annotations

import re

__all__ = ["entities", "scan_entities"]

_DIGITS = "0123456789"
_STREET_SUFFIXES = (
    "straße", "strasse", "str.", "straat", "laan", "gracht", "singel", "steeg", "dreef", "gasse",
    "allee", "platz", "weg", "hof", "pad", "ring", "baan", "kade", "dijk", "plein",
)
_UNITS = ("flat", "apt", "apt.", "apartment", "suite", "unit", "studio")
# Fixed-width look-behinds, one per word: "Kerkstraat 12", "Flat 5".
_STREET_WORDS = _STREET_SUFFIXES + _UNITS
# Lead-ins read backwards from a capital (the last word, or the last two):
# greetings, sign-offs and introductions before a name ...
_NAME_LEAD_INS = frozenset({
    "hi", "hello", "hey", "dear", "hallo", "hoi", "bonjour", "hola", "ciao", "morning",
    "afternoon", "evening", "thanks", "thanks again", "regards", "cheers", "best", "sincerely",
    "yours truly", "groet", "groeten", "grüße", "grüsse", "gruß", "grüßen", "grüssen",
    "cordialement", "saludos", "thank you", "name", "name is", "name's", "this is", "ich bin",
    "m'appelle", "naam is",
})
# ... and the French words for a street before its name ("rue de Rivoli").
_VOIES = ("rue", "avenue", "boulevard", "chemin", "impasse", "allée", "quai", "route")
_STREET_LEAD_INS = frozenset(
    [v for v in _VOIES] + [f"{v} {p}" for v in _VOIES for p in ("de", "du", "des", "la")])
# Only searched when the text has a digit: one leading \d for all branches, so
# the engine tries the alternation only at digits.  Each branch names the
# recognizers it opens for.
_NUMERIC = re.compile(
    r"\d(?:"
    r"(?P<long>(?:[\s().\-/]{0,3}\d){6})"            # 7+ digits: phones, cards, IBANs, SSNs
    r"|(?P<ip>\d{0,2}\.\d{1,3}\.\d{1,3}\.\d)"
    r"|(?P<house>\d{0,4}[A-Za-z]?,?[ \t]+(?:[A-ZÀ-ÖØ-Þ]|rue|avenue|boulevard|chemin|impasse|allée))"
    r"|(?P<postcode>\d{3}[ \t]?[A-Z]{2}\b"             # NL
    r"|[A-Z\d]?[ \t]?\d[A-Z]{2}\b"                     # UK, from the first digit
    r"|\d{4}\b)"                                        # US ZIP
    r"|(?P<street>" + "|".join(                          # a number after a street name or a unit
        rf"(?<=(?i:{re.escape(word)})[ \t]\d)" for word in _STREET_WORDS) + ")"
    r")"
)
# A match hides what it consumed from the other branches ("Kerkstraat 12\n1017 AB" reads
# as 7 digits), so a run of digits opens for everything numeric.
_DIGIT_RUNS = frozenset({"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
                         "STREET_ADDRESS", "POSTCODE"})
_FAMILIES = {
    "long": _DIGIT_RUNS,
    "ip": _DIGIT_RUNS,
    "house": frozenset({"STREET_ADDRESS", "POSTCODE"}),
    "postcode": frozenset({"POSTCODE"}),
    "street": frozenset({"STREET_ADDRESS"}),
}
_IPV6 = re.compile(r":[0-9A-Fa-f]{0,4}:")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]")
_SENTENCE_ENDS = frozenset({". ", "? "})
_LAST_WORDS_REVERSED = re.compile(r"\W{0,10}?([\w']+)(?:[ \t]+([\w']+))?")


def _lead_in(text: str, at: int) -> tuple[str, str]:
    """The word before ``at`` and the two words before it, lower-cased ("" if none)."""
    words = _LAST_WORDS_REVERSED.match(text[max(0, at - 32):at][::-1])
    if words is None:
        return "", ""
    last = words.group(1)[::-1].lower()
    before = words.group(2)
    return last, f"{before[::-1].lower()} {last}" if before else ""


_EMAILS = frozenset({"EMAIL_ADDRESS", "URL_CREDENTIALS"})
_TOKENS = frozenset({"BEARER_TOKEN"})
_STREETS = frozenset({"STREET_ADDRESS", "POSTCODE"})
_NAMES = frozenset({"PERSON"})
_NER = frozenset({"PERSON", "LOCATION"})
_IPV6_ONLY = frozenset({"IP_ADDRESS"})
_NOTHING: frozenset[str] = frozenset()


def _first_digit(text: str) -> int:
    """Index of the first digit, -1 if none (ten substring searches beat one regex scan)."""
    first = -1
    for digit in _DIGITS:
        at = text.find(digit, 0, first if first >= 0 else len(text))
        if at >= 0:
            first = at
    return first


# Log messages are templates and many field values repeat ("POST", "pro"): short
# texts the gate shut are remembered (only those: a text that may hold personal
# data is never kept).  Bounded, and cleared whole when full.
_MEMO_MAX_CHARS = 256
_MEMO_SIZE = 8192
_shut: set[tuple[str, bool]] = set()


def entities(text: str, *, ner: bool = False) -> frozenset[str]:
    """:func:`scan_entities`, remembering short texts that hold nothing."""
    if len(text) > _MEMO_MAX_CHARS:
        return scan_entities(text, ner=ner)
    key = (text, ner)
    if key in _shut:
        return _NOTHING
    found = scan_entities(text, ner=ner)
    if not found:
        if len(_shut) >= _MEMO_SIZE:
            _shut.clear()
        _shut.add(key)
    return found


def scan_entities(text: str, *, ner: bool = False) -> frozenset[str]:
    """The entity types ``text`` may hold; empty when the gate stays shut.

    Only the recognizers of these types run, so a text with a name and no
    digit never pays for the phone, card or IBAN patterns.

    :param ner: the NER model reads names anywhere, so with it any capitalised
        word after the first character opens the gate for PERSON and LOCATION.
    """
    found = _NOTHING
    if "@" in text or "%40" in text:
        found = found | _EMAILS
    if "eyJ" in text or "earer" in text or "EARER" in text or "asic " in text or "ASIC " in text:
        found = found | _TOKENS  # JWTs, Bearer and Basic credentials
    # Every branch starts at a digit (look-behinds still see what precedes it); the
    # substring search knows ASCII digits only, other scripts' digits scan it all.
    first = _first_digit(text) if text.isascii() else 0
    if first >= 0:
        for number in _NUMERIC.finditer(text, first):
            found = found | _FAMILIES[number.lastgroup]
    if "IP_ADDRESS" not in found and ":" in text and _IPV6.search(text):
        found = found | _IPV6_ONLY
    for capital in _CAPITAL.finditer(text):
        at = capital.start()
        if ner and at:
            found = found | _NER
        # A sentence start (". The") follows no lead-in: most capitals of prose stop here.
        if text[at - 2:at] in _SENTENCE_ENDS:
            continue
        last, pair = _lead_in(text, at)
        if last in _NAME_LEAD_INS or pair in _NAME_LEAD_INS:
            found = found | _NAMES
        elif last in _STREET_LEAD_INS or pair in _STREET_LEAD_INS:
            found = found | _STREETS
    return found
