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

import ipaddress
import re
from collections import defaultdict

from ._suffixes import has_public_suffix

__all__ = ["OTHER_REGIONS", "TRUNK_ZERO_REGIONS", "card_checksum", "email_domain", "iban_checksum",
           "ip_invalid", "not_a_name", "phone_valid", "ssn_invalid"]


def card_checksum(text: str) -> bool:
    """The Luhn checksum of the digits (separators ignored), as Presidio's card recognizer."""
    total = 0
    for position, char in enumerate(reversed([c for c in text if "0" <= c <= "9"])):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def iban_checksum(text: str) -> bool:
    """Mod-97 check digits and the country's BBAN layout (python-stdnum's IBAN registry)."""
    from stdnum import iban  # its registry parses a data file: loaded on the first candidate

    return bool(iban.is_valid(text))


def email_domain(text: str) -> bool:
    """The domain after ``@`` (or ``%40``) ends in a public suffix, with a name before it."""
    separator = "@" if "@" in text else "%40"
    return has_public_suffix(text.rpartition(separator)[2])


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
    "team there all everyone everybody support sir madam guys folks friend friends customer "
    "sales billing again the this that these we you it welcome please thanks thank regards "
    "best cheers hello hi good morning afternoon evening dear sorry yes no ok okay happy "
    "great just also here my our your".split()
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
)


def phone_valid(text: str) -> bool:
    """python-phonenumbers calls the candidate valid: in its country (``+``/``00``), else in a likely region.

    A number with a trunk ``0`` is tried in :data:`TRUNK_ZERO_REGIONS`, one
    without in :data:`OTHER_REGIONS` by its length.  Validation, not the
    pattern, keeps dates, amounts and order numbers out.
    """
    import phonenumbers

    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15 or _NOT_PHONES.fullmatch(text):
        return False
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        regions: tuple[str | None, ...] = (None,)
    elif text.lstrip("(").startswith("0"):
        regions = TRUNK_ZERO_REGIONS
    else:
        regions = OTHER_REGIONS.get(digits, ())
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False
