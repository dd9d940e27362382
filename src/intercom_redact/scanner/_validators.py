"""The checks that turn a pattern's candidate into a finding: checksums, libraries, word lists.

Each is a plain function of the matched text, with Presidio's contract:
``validate(text)`` returns ``True`` (certain: score 1.0), ``False`` (drop)
or ``None`` (no opinion: the pattern's score stands); ``invalidate(text)``
returns ``True`` to drop.  The heavy libraries (python-phonenumbers' region
metadata, python-stdnum's IBAN registry, the public suffix list) load on the
first candidate that needs them, so a process that logs no phone never pays
for phonenumbers' metadata.
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterator

from ._suffixes import has_public_suffix

__all__ = [
    "NATIONAL_ID_MODULES",
    "OTHER_REGIONS",
    "SAFE_LOOK_ALIKES",
    "TRUNK_ZERO_REGIONS",
    "any_card",
    "card_checksum",
    "email_domain",
    "iban_checksum",
    "in_mail_header",
    "ip_invalid",
    "look_alike",
    "national_id",
    "not_a_name",
    "phone_prefixes",
    "phone_verdict",
    "spelled_email",
    "ssn_invalid",
    "warm",
]


def card_checksum(text: str) -> bool:
    """The Luhn checksum of the digits (separators ignored), as Presidio's card recognizer."""
    total = 0
    for position, char in enumerate(reversed([c for c in text if "0" <= c <= "9"])):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


# An IBAN's characters as numbers for its mod-97 check (ISO 13616): digits as they stand, A-Z 10-35.
_BASE_36 = {ord(char): str(int(char, 36)) for char in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_IBAN_CHARACTERS = re.compile(r"[0-9A-Za-z -]+")


def iban_checksum(text: str) -> bool:
    """Mod-97 check digits and the country's BBAN layout (python-stdnum's IBAN registry)."""
    if _IBAN_CHARACTERS.fullmatch(text):
        # The check digits first, in a few string operations: python-stdnum reads these
        # characters alike (spaces and dashes dropped, letters in base 36) but one at a time,
        # and raises on a wrong sum -- ~20 µs for each hex id that looks like an IBAN.
        number = text.replace(" ", "").replace("-", "")
        if int((number[4:] + number[:4]).translate(_BASE_36) or "1") % 97 != 1:
            return False
    from stdnum import (
        iban,  # its registry parses a data file: loaded on the first candidate
    )

    return bool(iban.is_valid(text))


def any_card(text: str) -> bool:
    """12 to 19 digits (any issuer, any grouping) with a valid Luhn checksum."""
    return 12 <= sum(c.isdigit() for c in text) <= 19 and card_checksum(text)


# "@" as text carries it: plain, percent-encoded once or twice, as a character reference.
_AT = re.compile(r"@|%(?:25)?40|&#0*64;|&#[xX]0*40;")
# Each starts where a run of spaces starts, so a long run is not tried at every space.
_SPELLED = re.compile(r"(?<!\s)(?:\s+(?:at|dot)\s+|\s*[\[(](?:at|dot)[\])]\s*)", re.IGNORECASE)


def email_domain(text: str) -> bool:
    """The domain after ``@`` (or ``%40``, ``%2540``, ``&#64;``) ends in a public suffix, with a name before it."""
    ats = list(_AT.finditer(text))
    return bool(ats) and has_public_suffix(text[ats[-1].end():])


def spelled_email(text: str) -> bool:
    """``jane at example dot com``: the spelled-out domain ends in a public suffix."""
    words = _SPELLED.split(text)
    return len(words) >= 3 and has_public_suffix(".".join(words[1:]))


# Header lines whose addresses name messages, not people (RFC 5322 identification fields).
_MESSAGE_ID = re.compile(r"(?:message-id|in-reply-to|references|content-id)[ \t]*:", re.IGNORECASE)
_HEADER_REACH = 256  # a header's name is this close to the address it carries


def in_mail_header(text: str, start: int, end: int) -> bool:
    """The match sits on a ``Message-ID:`` (or ``In-Reply-To:``, ``References:``) line."""
    reach = max(0, start - _HEADER_REACH)
    newline = text.rfind("\n", reach, start)
    if newline < 0 and reach > 0:
        return False  # the line starts too far back for a header naming this address
    lead = text[newline + 1:start].lstrip(" \t")
    return _MESSAGE_ID.match(lead) is not None


# Built-in allow-list: Intercom ids, UUIDs, ISO dates and timestamps, order and
# ticket numbers are never phones, SSNs or postcodes.
SAFE_LOOK_ALIKES = re.compile(
    r"\b[0-9a-f]{24}\b"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?i:\b(?:order|ticket|invoice|case|ref|reference|tracking|conversation|request)"
    r"(?:[ \t]*(?:no|nr|number|id)\.?)?[ \t]*[:#]?[ \t]*)(?:[A-Z0-9][A-Z0-9-]{3,}|\d+(?:[ ]\d+)+\b)"
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"  # a time of day ("14:28:39.123456")
    r"|\#\d{4,}"
    # Our own pseudonyms ("PERSON:<key id>:<12 hex>"), so a second pass leaves them alone.
    r"|\b[A-Z][A-Z_]+:[\w.-]{1,32}:[0-9a-f]{12}\b"
)
_SAFE_REACH = 64  # no look-alike is longer: only this far around a finding is searched


def look_alike(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` overlaps an id, UUID, timestamp or order number."""
    for safe in SAFE_LOOK_ALIKES.finditer(text, max(0, start - _SAFE_REACH), end + _SAFE_REACH):
        if safe.start() < end and start < safe.end():
            return True
    return False


_GROUP = re.compile(r"\+?[^\s.\-/()]+")


def phone_prefixes(text: str) -> Iterator[tuple[int, int]]:
    """An international number's leading groups, longest first: where a glued phone ends.

    "+1 201-555-0000 4000 0000 0000 0002" fails as a whole; "+1 201-555-0000"
    does not.  Only a ``+``/``00`` number is cut: a national one's pieces are
    too often valid somewhere ("5678 9012" is a Danish number).
    """
    if not text.startswith(("+", "00")):
        return
    ends = [m.end() for m in _GROUP.finditer(text)]
    for end in reversed(ends[1:-1]):
        yield 0, end


def ip_invalid(text: str) -> bool:
    """Not an IPv4/IPv6 address or network (Presidio's IP recognizer: ``ip_interface``)."""
    try:
        ipaddress.ip_interface(text)
    except ValueError:
        return True
    return False


def ssn_invalid(text: str) -> bool:
    """Presidio's US SSN pruning: mixed separators, one repeated digit, unissued groups, examples."""
    separators: defaultdict[str, int] = defaultdict(int)
    for char in text:
        if char in ".- ":
            separators[char] += 1
    if len(separators) > 1:
        return True
    digits = "".join(c for c in text if c.isdigit())
    return (all(c == digits[0] for c in digits) or digits[3:5] == "00" or digits[5:] == "0000"
            or digits[:3] in ("000", "666") or digits in ("123456789", "987654320", "078051120"))


NOT_NAMES = frozenset(
    ["team", "there", "all", "world", "everyone", "everybody", "support", "sir", "madam", "guys", "folks", "friend", "friends", "customer", "sales", "billing", "again", "the", "this", "that", "these", "we", "you", "it", "welcome", "please", "thanks", "thank", "regards", "best", "cheers", "hello", "hi", "good", "morning", "afternoon", "evening", "dear", "sorry", "yes", "no", "ok", "okay", "happy", "great", "just", "also", "here", "my", "our", "your"]
)


def not_a_name(text: str) -> bool:
    """A greeting's object that is no person: "Hi team", "Thanks again"."""
    return text.split()[0].rstrip(".").lower() in NOT_NAMES


TRUNK_ZERO_REGIONS = (
    "GB", "DE", "FR", "NL", "BE", "IT", "IE", "AT", "CH", "SE", "FI", "AU", "NZ", "IN", "ZA", "IL",
    "BR",
)
"""Regions tried, in order, for a national number with a leading 0 (the trunk prefix)."""
OTHER_REGIONS = {8: ("DK", "NO", "SG"), 9: ("ES", "PT", "PL"), 10: ("US", "CA", "MX"), 11: ("US", "CA")}
"""Regions tried for a national number without one, by its count of digits (their plan's length)."""
# Shapes python-phonenumbers may call valid somewhere but that are something else.
_NOT_PHONES = re.compile(
    r"\d{3}([-. ])\d{2}\1\d{4}"                 # US SSN
    r"|\d{1,3}(?:\.\d{1,3}){3}"                 # IPv4
    r"|\d{4}[-/.]\d{2}[-/.]\d{2}|\d{2}[-/.]\d{2}[-/.]\d{4}"  # dates
    r"|\d{1,2}\.\d{2}[ ]?-[ ]?\d{1,2}\.\d{2}"  # times of day, from and to ("10.30 - 11.00")
)


_LETTER = re.compile(r"[^\W\d_]")  # in a phone candidate, letters only start its extension ("x12", "ext. 12")


def _phone_digits(text: str) -> int:
    """How many digits the number has, an extension aside."""
    return sum(ch.isdigit() for ch in _LETTER.split(text, 1)[0])


# A North American number as people write it: (415) 555-0132, 415-555-0132, 415.555.0132 x12.
_NANP_SHAPE = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[-. ])\d{3}[-. ]\d{4}(?:[ ]*(?:x|ext\.?)[ ]*\d{1,6})?")
# ... and without its area code, as seven-digit dialing has it ("555 0132", "555-0132"): an
# exchange (2-9 first) and four digits.  No other number is grouped three and four; a
# round tail ("500-1000", "250 5000") reads as a range or a pair, so context decides those.
_LOCAL_SHAPE = re.compile(r"[2-9]\d\d[ -]\d\d(?!00)\d\d")
# An area code in parentheses before the rest: "(11) 8845-5433", "(36) 586-321".
_AREA_CODE = re.compile(r"\(\d{2,5}\)[ ]?\d")
_SEPARATED = re.compile(r"\d[ .\-/()]+\d")
# The shortest national numbers we take: six digits in pairs, as Greenland and the Faroes
# write theirs ("31 62 12"); a phone only next to a phone word ("123 456" is a code).
_SIX_DIGITS = re.compile(r"\d\d([ .-])\d\d\1\d\d")


def phone_verdict(text: str) -> bool | None:
    """``True``: a phone; ``None``: phone-shaped but in no plan tried (context decides); ``False``: no phone.

    python-phonenumbers accepts the candidate: in its country (``+``/``00``), else in a likely region.
    Written the way only phones are -- with the country code (``+``/``00``),
    with a trunk ``0`` and separators, with an area code in parentheses, or in
    the North American layout -- a number needs only a length its plan allows
    (``is_possible_number``): a range not assigned yet is still someone's
    phone; a local number in the seven-digit layout is one as it stands.  A
    bare run of digits must be valid (``is_valid_number``) in a likely region:
    one with a trunk ``0`` in :data:`TRUNK_ZERO_REGIONS`, one without in
    :data:`OTHER_REGIONS` by its length.  Validation, not the pattern, keeps
    dates, amounts and order numbers out.  Six digits in pairs are a phone
    only where context says so (a phone word, a call-me phrase).
    """
    # Digits enough for a phone anywhere, and none of the shapes that are something else.
    digits = _phone_digits(text)
    if digits == 6:
        return None if _SIX_DIGITS.fullmatch(text) else False
    if not 7 <= digits <= 15 or _NOT_PHONES.fullmatch(text):
        return False
    if digits == 7 and _LOCAL_SHAPE.fullmatch(text):  # a regex, before any parsing
        return True
    return True if _in_a_plan(text, digits) else None


@functools.cache
def _plausible(regions: tuple[str, ...], digits: int, trunk: bool) -> tuple[str, ...]:
    """``regions`` whose plan has national numbers this long, one per country code.

    Parsing costs tens of µs a region; a region whose numbers are never this
    long cannot accept the number, and a second region of the same country
    code (``CA`` after ``US``) answers what the first did.  A leading ``0`` is
    a trunk prefix only where the plan has one (Italy keeps it in the number).
    """
    from phonenumbers import PhoneMetadata

    kept, codes = [], set()
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None or metadata.country_code in codes:
            continue
        national = digits - 1 if trunk and metadata.national_prefix else digits
        if metadata.general_desc is not None and national in metadata.general_desc.possible_length:
            kept.append(region)
            codes.add(metadata.country_code)
    return tuple(kept)


def _in_a_plan(text: str, digits: int) -> bool:
    import phonenumbers

    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(text, None))
        except phonenumbers.NumberParseException:
            return False
    regions: tuple[str, ...]
    trunk = text.lstrip("(").startswith("0")
    if trunk:
        regions, written_as_phone = TRUNK_ZERO_REGIONS, _SEPARATED.search(text) is not None
    elif _NANP_SHAPE.fullmatch(text):
        regions, written_as_phone = ("US",), True
    else:
        regions, written_as_phone = OTHER_REGIONS.get(digits, ()), _AREA_CODE.match(text) is not None
    accepts = phonenumbers.is_possible_number if written_as_phone else phonenumbers.is_valid_number
    for region in _plausible(regions, digits, trunk):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if accepts(number):
            return True
    return False


NATIONAL_ID_MODULES = (
    "nl.bsn", "de.idnr", "fr.nir", "es.dni", "es.nie", "it.codicefiscale", "be.nn", "se.personnummer",
    "dk.cpr", "no.fodselsnummer", "fi.hetu", "pl.pesel", "pt.cc", "br.cpf", "in_.aadhaar", "ca.sin",
    "au.tfn", "us.ssn", "ch.ssn", "ie.pps", "cn.ric", "za.idnr", "il.idnr", "mx.curp", "gb.nhs",
    "at.vnr", "ee.ik", "lt.asmens", "ro.cnp", "bg.egn", "cz.rc", "hr.oib", "si.emso", "tr.tckimlik",
    "kr.rrn",
)
"""python-stdnum's personal identifiers (not company or tax-of-business numbers), tried in turn."""


def national_id(text: str) -> bool:
    """A personal identifier some country issues, its checksum valid (python-stdnum).

    Asked only about what follows an identity word ("BSN", "PESEL", "national
    id" ...): any country's checksum passing there is reason enough to redact.
    """
    for name in NATIONAL_ID_MODULES:
        module = importlib.import_module(f"stdnum.{name}")  # each loads on the first candidate
        try:
            if module.is_valid(text):
                return True
        except Exception:
            continue
    return False


def warm() -> None:
    """Load now what the validators load on their first candidate: suffix list, IBAN registry, id modules."""
    has_public_suffix("example.com")
    iban_checksum("GB82 WEST 1234 5698 7654 32")  # the example of ISO 13616
    national_id("")  # imports every module
    phone_verdict("+44 20 7946 0000")
