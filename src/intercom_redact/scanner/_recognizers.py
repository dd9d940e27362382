"""The recognizers the scanner runs: chosen one by one, not Presidio's default set.

Presidio's default registry is made for generic documents: it tags
``212-555-0199`` as ``UK_NHS`` with score 1.0, order numbers as
``US_BANK_NUMBER`` and runs thirty recognizers per text.  Support text needs
fewer, sharper ones, plus what Presidio lacks: international phones checked
by python-phonenumbers, street addresses and postcodes (US, UK, EU),
credentials in URLs, bearer tokens, and names where support text puts them
(greetings, sign-offs, introductions).

Every pattern here is matched by the gate (:mod:`._gate`); a pattern added
here without a gate branch would never run on text the gate shuts out.
"""

from __future__ import annotations

import re

import phonenumbers
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

__all__ = ["OTHER_REGIONS", "TRUNK_ZERO_REGIONS", "TextContextEnhancer", "pattern_recognizers"]

# Case matters for names and postcodes: these patterns run without IGNORECASE.
# (Presidio compiles patterns with the ``regex`` module, whose flag values are re's.)
_CASED = re.MULTILINE | re.DOTALL

# The bundled public-suffix snapshot, never a download (tldextract's default
# fetches the list from publicsuffix.org on first use).
_OFFLINE_TLDS = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer, validating domains against the bundled suffix list.

    Its pattern starts only where a local part can start (Presidio's tries
    every word boundary with a two-way alternation: four times slower).
    """

    PATTERNS = [Pattern(
        "Email",
        # "/", "?", "=" and "&" are legal in a local part but in logs they are URL
        # syntax: "GET /contacts/jane@example.com" and "?email=jane@example.com"
        # must yield "jane@example.com".  Query strings encode "@" as "%40".
        # Nor does a local part start with "'": in a repr it is the string's quote.
        r"(?<![\w.!#$%*+^`{|}~-])[\w!#$%*+^`{|}~-](?:[\w.!#$%'*+^`{|}~-]{0,62}"
        r"[\w!#$%'*+^`{|}~-])?(?:@|%40)\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+\b",
        0.5,
    )]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS)

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        domain = pattern_text.rpartition("@")[2] if "@" in pattern_text else pattern_text.rpartition("%40")[2]
        return _OFFLINE_TLDS(domain).fqdn != ""


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


class PhoneNumberRecognizer(PatternRecognizer):
    """Phone numbers in any common notation, kept only when python-phonenumbers calls them valid.

    A loose candidate pattern finds digit runs with separators; a candidate
    with a ``+``/``00`` prefix must be valid in its country, one without must
    be valid in one of :data:`TRUNK_ZERO_REGIONS` (leading 0) or of
    :data:`OTHER_REGIONS` (by length).  Validation, not the pattern, is
    what keeps dates, amounts and order numbers out.
    """

    CANDIDATE = (
        r"(?<![\w+@./#-])(?:(?:\+|00)[ \t]?)?\(?\d[\d \t.\-/()]{5,22}\d"
        r"(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?(?![\w-])"
    )
    CONTEXT = ["phone", "tel", "telephone", "mobile", "cell", "call", "whatsapp", "number", "reach"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="PhoneNumberRecognizer",
            patterns=[Pattern("phone candidate", self.CANDIDATE, 0.4)],
            context=self.CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        digits = sum(ch.isdigit() for ch in pattern_text)
        if not 7 <= digits <= 15 or _NOT_PHONES.fullmatch(pattern_text):
            return False
        if pattern_text.startswith("00"):
            pattern_text = "+" + pattern_text[2:]
        if pattern_text.startswith("+"):
            regions: tuple[str | None, ...] = (None,)
        elif pattern_text.lstrip("(").startswith("0"):
            regions = TRUNK_ZERO_REGIONS
        else:
            regions = OTHER_REGIONS.get(digits, ())
        for region in regions:
            try:
                number = phonenumbers.parse(pattern_text, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return True
        return False


class IpAddressRecognizer(IpRecognizer):
    """IPv4 and IPv6 addresses: loose patterns, validated by :mod:`ipaddress`.

    Presidio's IPv6 pattern alone costs more than all our other recognizers
    together; a loose pattern plus Presidio's invalidation (``ip_interface``) is as exact.
    """

    PATTERNS = [
        Pattern("IPv4", r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b", 0.6),
        Pattern(
            "IPv6",
            r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[0-9a-zA-Z]+)?(?:/\d{1,3})?(?![\w:])",
            0.6,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS)


class CardNumberRecognizer(CreditCardRecognizer):
    """Presidio's Luhn-checked card recognizer, also for Mastercard's 2221-2720 range (since 2017)."""

    PATTERNS = [Pattern(
        "card number",
        r"\b(?!1\d{12}(?!\d))(?:4\d{3}|5[0-5]\d{2}|2[2-7]\d{2}|6\d{3}|1\d{3}|3\d{3})[- ]?\d{3,4}"
        r"[- ]?\d{3,4}[- ]?\d{3,5}\b",
        0.3,
    )]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS)


def _url_credentials() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="URL_CREDENTIALS",
        name="UrlCredentialsRecognizer",
        patterns=[Pattern(
            "user:password in a URL",
            r"\b[a-z][a-z0-9+.\-]{0,15}://\K[^\s/?#@:\"'<>]+:[^\s/?#@\"'<>]+(?=@)",
            0.9,
        )],
    )


def _bearer_token() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="BEARER_TOKEN",
        name="BearerTokenRecognizer",
        patterns=[
            Pattern("bearer token", r"\bbearer[ \t]{1,5}\K[A-Za-z0-9\-._~+/]{11,}[A-Za-z0-9\-_~+/]=*", 0.9),
            Pattern("basic credentials", r"\bbasic[ \t]{1,5}\K[A-Za-z0-9+/]{12,}={0,2}", 0.8),
            Pattern("JWT", r"\beyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{5,}", 0.95),
        ],
    )

# USPS Publication 28 street suffixes (the common ones and their abbreviations);
# UK streets use the same words.
_SUFFIXES = (
    "Alley Aly Avenue Ave Av Boulevard Blvd Bend Branch Bridge Brg Brook Brooks Burg Burgs Bypass "
    "Byp Camp Canyon Cape Causeway Center Ctr Centers Circle Cir Circles Cliff Cliffs Close Club "
    "Common Corner Corners Course Court Ct Courts Cove Coves Creek Crescent Cres Crest Crossing "
    "Xing Crossroad Curve Dale Dam Divide Drive Dr Drives Estate Estates Expressway Expy "
    "Extension Ext Extensions Fall Falls Ferry Field Fields Flat Flats Ford Fords Forest Forge "
    "Forges Fork Forks Fort Freeway Fwy Garden Gardens Gdns Gateway Glen Glens Green Greens Grove "
    "Grv Groves Harbor Harbors Haven Heights Hts Highway Hwy Hill Hills Hollow Inlet Island "
    "Islands Isle Junction Jct Junctions Key Keys Knoll Knolls Lake Lakes Land Landing Lane Ln "
    "Light Lights Loaf Lock Locks Lodge Loop Mall Manor Manors Meadow Meadows Mews Mill Mills "
    "Mission Motorway Mount Mountain Mountains Neck Orchard Oval Overpass Park Parks Parkway Pkwy "
    "Parkways Pass Passage Path Pike Pine Pines Place Pl Plain Plains Plaza Plz Point Points Port "
    "Ports Prairie Radial Ramp Ranch Rapid Rapids Rest Ridge Ridges River Road Rd Roads Route Rte "
    "Row Rue Run Shoal Shoals Shore Shores Skyway Spring Springs Spur Spurs Square Sq Squares "
    "Station Stravenue Stream Street St Streets Summit Terrace Ter Throughway Trace Track "
    "Trafficway Trail Trl Trailer Tunnel Turnpike Underpass Union Unions Valley Valleys Via "
    "Viaduct View Views Village Villages Ville Vista Walk Walks Wall Way Ways Well Wells Wharf Yard"
).split()
_SUFFIX = "(?:" + "|".join(sorted(set(_SUFFIXES), key=len, reverse=True)) + r")\b\.?"
_CAP_WORD = r"\p{Lu}[\p{L}'’.\-]*"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Studio|Room|#)\.?[ \t]*#?[\w\-]+"
_VOIE = (
    r"(?i:rue|avenue|boulevard|chemin|impasse|allée|quai|route)[ \t]+"
    rf"(?:(?:de[ \t]+la|de|du|des|d'|l')[ \t]*)?{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,3}}"
)
# Dutch and German streets end in a suffix glued to the name, the number comes after.
_EU_SUFFIX = (
    "(?i:straße|strasse|str\\.|straat|laan|gracht|singel|steeg|dreef|gasse|allee|platz|weg|hof|pad"
    "|ring|baan|kade|dijk|plein|boulevard|damm|ufer|markt|chaussee)"
)


def _street_address() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="STREET_ADDRESS",
        name="StreetAddressRecognizer",
        global_regex_flags=_CASED,
        patterns=[
            Pattern(  # 221B Baker Street, 1777 Kramer Court Apt. 533
                "number first",
                rf"\b\d{{1,5}}[A-Za-z]?(?:-\d{{1,4}})?,?[ \t]+(?:{_CAP_WORD}[ \t]+){{1,4}}{_SUFFIX}"
                rf"(?:,?[ \t]+{_UNIT})?",
                0.7,
            ),
            Pattern(  # Flat 5 / Francesca Plains (UK: the unit on the line above the street)
                "unit first",
                rf"\b(?:Flat|Studio|Apartment|Apt|Unit|Suite)\.?[ \t]+\d{{1,5}}[A-Za-z]?,?[ \t]*\n?[ \t]*"
                rf"(?:\d{{1,5}}[A-Za-z]?[ \t]+)?(?:{_CAP_WORD}[ \t]+){{1,4}}{_SUFFIX}",
                0.7,
            ),
            Pattern(  # Kerkstraat 12, Beckergasse 8, Murat-Heinrich-Allee 7740, Drubinstraße 47-26
                "suffix glued, number after",
                rf"\b\p{{Lu}}[\p{{L}}'’\-]{{0,40}}?{_EU_SUFFIX}[ \t]+\d{{1,5}}[a-zA-Z]?(?:[-/]\d{{1,5}}[a-zA-Z]?)?\b",
                0.7,
            ),
            Pattern(  # 5, avenue Samson (two patterns: an optional lead costs a third more)
                "french voie, numbered",
                rf"\b\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+{_VOIE}",
                0.6,
            ),
            Pattern("french voie", rf"\b{_VOIE}", 0.6),  # rue de la Paix
        ],
        context=["address", "street", "live", "lives", "living", "ship", "shipping", "deliver",
                 "delivery", "moved"],
    )


def _postcode() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="POSTCODE",
        name="PostcodeRecognizer",
        global_regex_flags=_CASED,
        patterns=[
            Pattern("UK postcode", r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)[ \t]?\d[ABD-HJLNP-UW-Z]{2}\b", 0.6),
            Pattern("US ZIP after state", r"(?<=\b[A-Z]{2}[ \t]{1,3})\d{5}(?:-\d{4})?\b", 0.6),
            Pattern("NL postcode", r"\b[1-9]\d{3}[ \t]?(?!SA|SD|SS)[A-Z]{2}\b", 0.5),
            Pattern(  # 10115 Berlin, 75001 Paris: postcode then city, at the start of a line
                "EU postcode before city",
                r"(?:^|(?<=,[ \t]))[ \t]*\K\d{4,5}(?=[ \t]+\p{Lu}[\p{L}'’\-]+)",
                0.5,
            ),
        ],
        context=["zip", "postcode", "postal", "post code", "plz"],
    )

# Names where support text puts them.  A name: 1-4 capitalised words, with
# an optional title and the particles of European surnames.
_NAME_WORD = r"(?:\p{Lu}['’])?\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?"
_PARTICLE = r"(?:van|von|der|den|de|du|da|di|del|della|la|le|ten|ter|zu|y|dos|das)"
_NAME = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Herr|Frau|Mme|Mlle)\.?[ \t]+)?"
    rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_NAME_WORD}){{0,3}}"
)
_GREETINGS = r"(?i:hi|hello|hey|dear|hallo|hoi|bonjour|hola|ciao|good[ \t]+(?:morning|afternoon|evening))"
_SIGN_OFFS = (
    r"(?i:thanks|thank[ \t]+you|many[ \t]+thanks|thanks[ \t]+again|cheers|best|best[ \t]+regards"
    r"|kind[ \t]+regards|regards|warm[ \t]+regards|sincerely|yours[ \t]+(?:sincerely|truly)"
    r"|cordialement|groeten|met[ \t]+vriendelijke[ \t]+groet|mit[ \t]+freundlichen[ \t]+grüßen"
    r"|viele[ \t]+grüße|liebe[ \t]+grüße|saludos)"
)
_INTRODUCTIONS = r"(?i:my[ \t]+name[ \t]+is|my[ \t]+name's|this[ \t]+is|name:|ich[ \t]+bin|je[ \t]+m'appelle|mijn[ \t]+naam[ \t]+is)"


class ContextNameRecognizer(PatternRecognizer):
    """Names after greetings (``Hi Jane,``), in sign-offs (``Thanks,\\nJane Doe``), in introductions."""

    NOT_NAMES = frozenset(
        "team there all everyone everybody support sir madam guys folks friend friends customer "
        "sales billing again the this that these we you it welcome please thanks thank regards "
        "best cheers hello hi good morning afternoon evening dear sorry yes no ok okay happy "
        "great just also here my our your".split()
    )

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="ContextNameRecognizer",
            global_regex_flags=_CASED,
            patterns=[
                Pattern("greeting", rf"(?<=\b{_GREETINGS}[ \t]+){_NAME}(?=[ \t]*(?:[,!:;.\n]|$))", 0.7),
                Pattern(
                    "sign-off",
                    rf"(?<=\b{_SIGN_OFFS}[ \t]*[,!:\-–—]?[ \t]*\n[ \t\n]{{0,4}}(?:[-–—][ \t]*)?){_NAME}"
                    r"(?=[ \t]*(?:[,.\n]|$))",
                    0.7,
                ),
                Pattern("sign-off, same line", rf"(?<=\b{_SIGN_OFFS}[ \t]*[,\-–—][ \t]*){_NAME}(?=[ \t]*(?:[.!\n]|$))", 0.6),
                Pattern("introduction", rf"(?<=\b{_INTRODUCTIONS}[ \t]+){_NAME}", 0.7),
            ],
        )

    def invalidate_result(self, pattern_text: str) -> bool:  # noqa: D102
        first = pattern_text.split()[0].rstrip(".").lower()
        return first in self.NOT_NAMES


_WORD = re.compile(r"\w+")


class TextContextEnhancer(ContextAwareEnhancer):
    """Raise the score of a match when one of its recognizer's context words is near it.

    Words are read case-insensitively from the text itself -- the five before
    the match and the two after, as Presidio's default -- so no tokens or
    lemmas are needed.  Results are scored in place (they are fresh objects of
    this analysis), never deep-copied.
    """

    def __init__(self) -> None:
        super().__init__(context_similarity_factor=0.35, min_score_with_context_similarity=0.4,
                         context_prefix_count=5, context_suffix_count=2)

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult],
                              nlp_artifacts: object, recognizers: list[EntityRecognizer],
                              context: list[str] | None = None) -> list[RecognizerResult]:
        """Boost ``raw_results`` whose context words occur near them; return them."""
        words_of = {rec.id: frozenset(w.lower() for w in rec.context)
                    for rec in recognizers if rec.context}
        for result in raw_results:
            meta = result.recognition_metadata
            words = words_of.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if (not words or result.score >= self.MAX_SCORE
                    or meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY)):
                continue
            before = _WORD.findall(text, max(0, result.start - 80), result.start)
            after = _WORD.findall(text, result.end, result.end + 40)
            near = before[-self.context_prefix_count:] + after[:self.context_suffix_count]
            if any(word.lower() in words for word in near):
                result.score = min(max(result.score + self.context_similarity_factor,
                                       self.min_score_with_context_similarity), self.MAX_SCORE)
                meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return raw_results


def pattern_recognizers() -> list[EntityRecognizer]:
    """Fresh instances of every pattern recognizer the scanner runs."""
    return [
        OfflineEmailRecognizer(),
        PhoneNumberRecognizer(),
        CardNumberRecognizer(),
        IbanRecognizer(),
        IpAddressRecognizer(),
        UsSsnRecognizer(),
        _url_credentials(),
        _bearer_token(),
        _street_address(),
        _postcode(),
        ContextNameRecognizer(),
    ]
