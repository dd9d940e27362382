"""The entity registry: everything the scanner knows about one kind of personal data, in one row.

Per entity type: its patterns (Presidio's regex dialect: the ``regex``
module, ``\\p{Lu}``, ``\\K``, look-around), the flags they run with, the
validator and invalidator (:mod:`._validators`), the context words that
raise a weak match, and what vetoes a match where it stands (the built-in
look-alikes: ids, UUIDs, timestamps, order numbers; a ``Message-ID:`` line).  Both paths
are built from these rows: the compiled multi-pattern pass
(:mod:`._patterns`) and, only when Presidio is in use, Presidio
``PatternRecognizer`` s (:mod:`._presidio`).  Nothing here imports Presidio.

The recognizers are chosen for support text, not Presidio's default set
(which tags ``212-555-0199`` as ``UK_NHS`` with score 1.0 and order numbers
as ``US_BANK_NUMBER``): international phones checked by
python-phonenumbers, street addresses and postcodes (US, UK, EU; the
national street types of continental Europe and the Nordics; US military
addresses; intersections -- the rest of an address block is grown onto a
street finding by :mod:`._addresses`), credentials in URLs, bearer tokens,
and names where support text puts them (greetings, sign-offs, introductions;
titles, "name is", "ask for", "speak to" anywhere in a sentence) and, with the
``names`` extra, capitalised names that start with a given name of a
gazetteer (:mod:`._first_names`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ._first_names import all_given_names, name_pieces, starts_with_given_name
from ._text_cues import (
    ADDRESS_PARTICLES,
    CJK_HONORIFICS,
    FUNCTION_WORDS,
    GLUED_STREET_TYPES,
    NAME_TITLES,
    SPACED_STREET_TYPES,
    STREET_TYPES_ANY_CASE,
    TYPE_FIRST_EXTRA,
    US_STATES,
    alternation,
    by_first_letter,
    cue_not_a_name,
    has_function_word,
    postcode_value,
)
from ._validators import (
    any_card,
    card_checksum,
    email_domain,
    iban_checksum,
    in_mail_header,
    ip_invalid,
    look_alike,
    national_id,
    not_a_name,
    phone_prefixes,
    phone_verdict,
    spelled_email,
    ssn_invalid,
)

__all__ = [
    "ENTITIES", "IBAN_COUNTRIES", "NAME_PARTICLE", "NAME_SUFFIX", "NAME_TITLE", "NAME_WORD", "PRESIDIO_FLAGS", "SCORE_THRESHOLD",
    "EntitySpec", "PatternSpec",
]

PRESIDIO_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
"""Presidio's default flags for a ``PatternRecognizer`` (the ``regex`` module's values are re's)."""
_CASED = re.DOTALL | re.MULTILINE  # names, addresses and postcodes: case matters
SCORE_THRESHOLD = 0.4
"""Findings scoring below this (after validation and context) are dropped."""


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One regular expression of a recognizer, with the score of a bare match.

    :param trigger: a part every match contains (same dialect and flags), for the pattern
        pass to screen texts with instead of the whole pattern: the words a greeting
        starts with, the ``@`` of an e-mail (gitleaks' rule keywords, RE2's filter atoms).
        A long pattern screened whole makes the set's DFA build states for every new
        text; its trigger keeps the set small.  ``None``: the whole pattern.
    :param after_first: the same pattern for the matches past the text's first character,
        spelled for a faster search: where ``regex`` opens with a look-behind the ``regex``
        module tries at every character, this opens with a character class it skips ahead
        to.  The pass matches ``regex`` at the start and searches ``after_first`` from
        where that left off; the matches must be those of ``regex`` (a test compares them).
    :param ascii_only: the row's search (``after_first`` where it has one, else ``regex``)
        for a text of ASCII characters only, in the dialect the standard library's ``re``
        reads but for ``\\p{…}`` (the pass spells each as its ASCII members: on such a text
        a category is exactly those) and ``\\K`` (``re`` then finds where a match starts,
        and the row's own search pattern matches there).  ``re`` scans ahead to a leading
        character class where ``regex`` tries every position: a row that opens with a
        capital is searched in half the instructions.  Where ``re`` cannot read it (Python
        3.10 has no possessive quantifiers) ``regex`` runs alone; the matches must be those
        of ``regex`` on every ASCII text (a test compares them).
    :param lowered: ``ascii_only`` is searched on the text in lower case, its case-insensitive
        groups ``(?i:…)`` made plain: ``re`` then turns down an alternative of a group at its
        first letter instead of folding the text's case at each (a third fewer instructions on a
        support message's greetings and sign-offs).  For a spelling whose letters are lower-case
        in those groups and absent outside them, whose classes hold both cases of a letter or
        neither: on a text all ASCII it then matches where it matches on the text (a test compares
        the row's matches with those of ``regex``).
    :param cue: for a text all ASCII, where the row's pattern may match: ``re`` searches it on
        the text in lower case (the standard library's dialect, without case-insensitive groups),
        each search from where the last match ended, and the pass matches the row's pattern at the
        end of each match the search finds (from where its last match ended, as its own search
        goes on).  The ends must take in every place the pattern matches, in order: ``re`` skips
        ahead to a cue's first letter where ``regex`` tries a look-behind at every character (a
        test compares the row's matches with those of ``regex``).
    :param anchored: for a text all ASCII, the characters one of which every match holds (its
        *anchors*), and those that may stand between a match's start and that anchor: the pass
        searches from the start of the run of the latter before the next anchor, not from every
        character before it (the e-mail row: its "@", and the characters of a local part).  A
        match's start lies in that run, or past it; a text with no anchor left has no match left.
    """

    name: str
    regex: str
    score: float
    trigger: str | None = None
    after_first: str | None = None
    ascii_only: str | None = None
    lowered: bool = False
    cue: str | None = None
    anchored: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One recognizer: an entity type, its patterns and the checks on what they match.

    :param validate: ``True`` sets the score to 1.0, ``False`` drops the match, ``None`` keeps the score.
    :param invalidate: ``True`` drops the match.
    :param veto: ``veto(text, start, end)`` drops a match for where it stands: on an id, UUID,
        timestamp or order number (:func:`~._validators.look_alike`), on a ``Message-ID:`` line.
    :param trims: try the match cut after these regex groups first, longest first, keeping
        the first that validates (Presidio's IBAN recognizer: "DE89 3704 0044 0532 0130 00 2 days").
    :param parts: when the whole match fails validation, these ``(start, end)`` pieces of it
        are tried in turn, each valid one a finding (a phone glued to the next number).
    """

    entity_type: str
    name: str
    patterns: tuple[PatternSpec, ...]
    flags: int = PRESIDIO_FLAGS
    context: tuple[str, ...] = ()
    validate: Callable[[str], bool | None] | None = None
    invalidate: Callable[[str], bool | None] | None = None
    veto: Callable[[str, int, int], bool] | None = None
    trims: tuple[int, ...] = field(default=())
    parts: Callable[[str], Iterable[tuple[int, int]]] | None = None


# "@" as logs and markup carry it: plain, percent-encoded once ("%40") or twice
# ("%2540", a query string inside a URL), as a character reference ("&#64;").
_AT = r"(?:@|%(?:25)?40|&\#0*64;|&\#[xX]0*40;)"
_DOMAIN = r"\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+\b"
# After a local part's first character, within 63 more that are not "%", comes "@", "%" or
# "&": where a spelling of _AT starts, or a "%" of the local part.  Asked ahead, that turns a
# word down in one pass instead of a try at every length of it.  (Not possessive: the standard
# library's `re` reads that only from Python 3.11, and its class holds none of "@%&", so giving
# characters back never finds a match it missed.)
_AT_AHEAD = r"(?=[\w.!#$'*+^`{|}~-]{0,63}[@%&])"
_LOCAL_PART_ASCII = string.ascii_letters + string.digits + "_.!#$%'*+^`{|}~-"  # [\w.!#$%'*+^`{|}~-] on ASCII

_EMAIL = EntitySpec(
    "EMAIL_ADDRESS", "EmailRecognizer",
    (
        PatternSpec(
            "Email",
            # "/", "?", "=" and "&" are legal in a local part but in logs they are URL
            # syntax: "GET /contacts/jane@example.com" and "?email=jane@example.com"
            # must yield "jane@example.com".  Nor does a local part start with "'": in
            # a repr it is the string's quote.  It starts only where a local part can
            # start (Presidio's tries every word boundary with a two-way alternation).
            # \w is Unicode: "jöran@exämple.de" and IDN domains too.
            rf"(?<![\w.!#$%*+^`{{|}}~-])[\w!#$%*+^`{{|}}~-]{_AT_AHEAD}(?:[\w.!#$%'*+^`{{|}}~-]{{0,62}}"
            rf"[\w!#$%'*+^`{{|}}~-])?{_AT}{_DOMAIN}",
            0.5, trigger=_AT, anchored=("@%&", _LOCAL_PART_ASCII),  # a local part, then where _AT starts
        ),
        PatternSpec("Email, quoted local part", rf'"[^"\r\n@]{{1,64}}"{_AT}{_DOMAIN}', 0.5,  # "jane doe"@x.com
                    trigger=rf'"{_AT}'),
    ),
    context=("email",),
    validate=email_domain,  # the bundled public suffix list, never a download
    veto=in_mail_header,  # Message-ID: <abc@mail.example.com> names a message
)

_SPELLED_EMAIL = EntitySpec(
    "EMAIL_ADDRESS", "SpelledEmailRecognizer",
    (PatternSpec(  # jane at example dot com, jane [at] example [dot] co [dot] uk
        "spelled out",
        r"(?<![\w.+-])[\w.+-]{1,64}(?:[ \t]+at[ \t]+|[ \t]*[\[(]at[\])][ \t]*)[\w-]{1,63}"
        r"(?:(?:[ \t]+dot[ \t]+|[ \t]*[\[(]dot[\])][ \t]*)[\w-]{1,63}){1,4}\b",
        0.6, trigger=r"(?:[ \t]at[ \t]+|[\[(]at[\])][ \t]*)[\w-]+(?:[ \t]+dot[ \t]|[ \t]*[\[(]dot[\])])",
    ),),
    validate=spelled_email,
)

# A loose candidate: digit runs with separators, an extension; not glued to a word, an
# address, a path or an id ("-Office" may follow: a label, not the id's next group).  It
# starts with "+", "0", "(" or a digit: asked first, that turns down most places at once.
_PHONE_CANDIDATE = (
    r"(?=[+(\d])(?<![\w+@./#-])(?:(?:\+|00)[ \t]?)?\(?\d[\d \t.\-/()]{5,22}\d"
    r"(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?(?!\w|-\d)"
)

# Phrases that ask to be phoned, in plain English (no corpus's wording): "call me at", "reach
# us on", "you can call", "please ring", "my number is".  A number right after one needs no
# plan's approval, only a phone's length and none of the shapes of something else.  The bare
# verb is no cue: "the API call took 2345678 ns", "call 000 0000 000".
_PHONE_CUE = (
    r"\b(?:(?:call|ring|phone|text|reach|contact|message|sms|whatsapp)[ \t]+(?:me|us|him|her|them)[ \t]+(?:at|on)"
    r"|(?:can|could|please|to|will|'ll)[ \t]+(?:call|ring|phone|text|dial)(?:[ \t]+(?:at|on))?"
    r"|my[ \t]+number(?:[ \t]+is)?)[ \t]*:?[ \t]*"
)

_PHONE = EntitySpec(
    "PHONE_NUMBER", "PhoneNumberRecognizer",
    # Valid (python-phonenumbers) is a phone; phone-shaped but in no plan we try ("Phone: 476
    # 1540", "26 987457 (office)") only next to a word that names a phone and nothing else
    # ("number" and "call" do not: order numbers, API calls), or after a phrase that asks for a call.
    (
        # The trigger keeps the candidate's start: digits inside an id ("/contacts/6513270e…") wake nothing.
        PatternSpec("phone candidate", _PHONE_CANDIDATE, 0.1,
                    trigger=r"(?:^|[^\w+@./#-])(?:(?:\+|00)[ \t]?)?\(?\d[\d \t.\-/()]{6}"),
        PatternSpec("phone after a call-me phrase", _PHONE_CUE + r"\K" + _PHONE_CANDIDATE, 0.5,
                    # The cue's last words only: "to"/"can"/"please" would wake the screen's engine everywhere.
                    trigger=r"(?:(?:me|us|him|her|them)[ \t]+(?:at|on)|(?:call|ring|phone|text|dial)(?:[ \t]+(?:at|on))?"
                            r"|number(?:[ \t]+is)?)[ \t]*:?[ \t]*\+?[ \t]?\(?\d"),
    ),
    context=("phone", "phones", "tel", "telephone", "mobile", "cell", "cellphone", "whatsapp", "fax", "office",
             "landline", "sms", "ph", "mob", "handy", "telefon", "téléphone", "portable", "telefoon",
             "mobiel", "teléfono", "móvil", "telefono", "cellulare"),
    validate=phone_verdict,
    veto=look_alike,
    parts=phone_prefixes,  # "+1 201-555-0000 4000 0000 0000 0002": the phone is the first three groups
)

_CARD = EntitySpec(
    "CREDIT_CARD", "CreditCardRecognizer",
    (PatternSpec(
        "card number",  # Presidio's, plus Mastercard's 2221-2720 range (since 2017)
        r"\b(?!1\d{12}(?!\d))(?:4\d{3}|5[0-5]\d{2}|2[2-7]\d{2}|6\d{3}|1\d{3}|3\d{3})[- ]?\d{3,4}"
        r"[- ]?\d{3,4}[- ]?\d{3,5}\b",
        0.3, trigger=r"(?:^|[^\w])\d{4}[- ]?\d{3}",  # with the \b before it: not inside an id
    ),),
    context=("credit", "card", "visa", "mastercard", "cc ", "amex", "discover", "jcb", "diners",
             "maestro", "instapayment"),
    validate=card_checksum,
)

_ANY_CARD = EntitySpec(
    "CREDIT_CARD", "AnyCardRecognizer",
    (
        PatternSpec(  # any issuer: 4-digit head, groups of 3-6 by space, dash, dot or two spaces
            "grouped card number",
            r"(?<![\w.-])\d{4}(?:(?:[ .-]|[ ]{2})\d{3,6}){2,4}(?![\w-]|[.-]\d)",
            0.3, trigger=r"(?:^|[^\w.-])\d{4}(?:[ .-]|[ ]{2})\d{3}",
        ),
        PatternSpec("card number, one run", r"(?<![\w.-])(?!1\d{12}(?!\d))\d{12,19}(?![\w-]|[.-]\d)", 0.3,
                    trigger=r"(?:^|[^\w.-])\d{12}"),
    ),
    context=_CARD.context,
    validate=any_card,  # 12-19 digits, Luhn
    veto=look_alike,  # an order or ticket number that happens to pass Luhn stays
)

# The countries of the IBAN registry (ISO 13616; python-stdnum's list, kept in step by a test).
IBAN_COUNTRIES = (
    "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR GT HN HR"
    " HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK PL PS PT QA RO RS"
    " RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE"
).split()
_IBAN_COUNTRIES = "|".join(IBAN_COUNTRIES)

_IBAN = EntitySpec(
    "IBAN_CODE", "IbanRecognizer",
    (
        PatternSpec(
            "IBAN Generic",  # Presidio's, its optional tail groups tried off first
            r"(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})"
            r"((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])",
            0.5, trigger=rf"(?:{_IBAN_COUNTRIES})[0-9]{{2}}[ -]?[A-Z0-9]{{4}}",
        ),
        PatternSpec(
            # The same in lower case, apart: one pattern for both cases would let the
            # words before an IBAN ("bf00 customer GB09…") start a candidate that swallows it.
            "IBAN, lower case",
            r"(?<![a-z0-9])([a-z]{2}[0-9]{2}(?:[ -]?[a-z0-9]{4}){2,6})"
            r"((?:[ -]?[a-z0-9]{4})?)((?:[ -]?[a-z0-9]{1,3})?)(?![a-z0-9])",
            0.5, trigger=rf"(?:{_IBAN_COUNTRIES.lower()})[0-9]{{2}}[ -]?[a-z0-9]{{4}}",
        ),
    ),
    flags=_CASED,
    context=("iban", "bank", "transaction"),
    validate=iban_checksum,  # python-stdnum: check digits and the country's layout, any case
    trims=(3, 2, 1),
)

_IP = EntitySpec(
    "IP_ADDRESS", "IpRecognizer",
    (
        PatternSpec("IPv4", r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b", 0.6, trigger=r"\d\.\d+\.\d+\.\d"),
        PatternSpec(  # loose, made exact by ip_interface: Presidio's IPv6 pattern costs more than all others
            "IPv6",
            r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[0-9a-zA-Z]+)?(?:/\d{1,3})?(?![\w:])",
            0.6, trigger=r":[0-9A-Fa-f]*:",
        ),
    ),
    context=("ip", "ipv4", "ipv6"),
    invalidate=ip_invalid,
)

_SSN = EntitySpec(
    "US_SSN", "UsSsnRecognizer",
    (  # Presidio's: weak shapes need "ssn" or "social security" near them
        PatternSpec("SSN1 (very weak)", r"\b([0-9]{5})-([0-9]{4})\b", 0.05),
        PatternSpec("SSN2 (very weak)", r"\b([0-9]{3})-([0-9]{6})\b", 0.05),
        PatternSpec("SSN3 (very weak)", r"\b(([0-9]{3})-([0-9]{2})-([0-9]{4}))\b", 0.05),
        PatternSpec("SSN4 (very weak)", r"\b[0-9]{9}\b", 0.05),
        PatternSpec("SSN5 (medium)", r"\b([0-9]{3})[- .]([0-9]{2})[- .]([0-9]{4})\b", 0.5),
        PatternSpec(  # "my SSN: 298023726177675": what the writer calls their SSN, whatever its shape
            "number after an SSN word",
            # Digits, or letters and digits as the UK's National Insurance number ("ZZ 12 34 56 T").
            r"\b(?:ssn|social[ \t]+security(?:[ \t]+(?:number|no\.?|\#))?)[ \t]*(?:is[ \t]+)?[:=\#-]?[ \t]*\K"
            r"(?=(?:[a-z]{0,3}[ .\-]?)?\d)[0-9a-z](?:[0-9a-z]|[ .\-](?=[0-9a-z])){6,18}(?![\w-])",
            0.6, trigger=r"(?:ssn|social[ \t]+security)",
        ),
    ),
    context=("social", "security", "ssn", "ssns", "ssid"),
    invalidate=ssn_invalid,
    veto=look_alike,
)

_URL_CREDENTIALS = EntitySpec(
    "URL_CREDENTIALS", "UrlCredentialsRecognizer",
    (PatternSpec(
        "user:password in a URL",
        r"\b[a-z][a-z0-9+.\-]{0,15}://\K[^\s/?#@:\"'<>]+:[^\s/?#@\"'<>]+(?=@)",
        0.9, trigger=r"://[^\s/?#@:\"'<>]+:[^\s/?#@\"'<>]+@",
    ),),
)

_BEARER_TOKEN = EntitySpec(
    "BEARER_TOKEN", "BearerTokenRecognizer",
    (
        PatternSpec("bearer token", r"\bbearer[ \t]{1,5}\K[A-Za-z0-9\-._~+/]{11,}[A-Za-z0-9\-_~+/]=*", 0.9,
                    trigger=r"bearer[ \t]"),
        PatternSpec("basic credentials", r"\bbasic[ \t]{1,5}\K[A-Za-z0-9+/]{12,}={0,2}", 0.8,
                    trigger=r"basic[ \t]"),
        PatternSpec("JWT", r"\beyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{5,}", 0.95, trigger=r"eyJ[\w-]+\.eyJ"),
    ),
)

# USPS Publication 28 street suffixes (the common ones and their abbreviations);
# UK streets use the same words.
_SUFFIXES = ["Alley", "Aly", "Avenue", "Ave", "Av", "Boulevard", "Blvd", "Bend", "Branch", "Bridge", "Brg", "Brook", "Brooks", "Burg", "Burgs", "Bypass", "Byp", "Camp", "Canyon", "Cape", "Causeway", "Center", "Ctr", "Centers", "Circle", "Cir", "Circles", "Cliff", "Cliffs", "Close", "Club", "Common", "Corner", "Corners", "Course", "Court", "Ct", "Courts", "Cove", "Coves", "Creek", "Crescent", "Cres", "Crest", "Crossing", "Xing", "Crossroad", "Curve", "Dale", "Dam", "Divide", "Drive", "Dr", "Drives", "Estate", "Estates", "Expressway", "Expy", "Extension", "Ext", "Extensions", "Fall", "Falls", "Ferry", "Field", "Fields", "Flat", "Flats", "Ford", "Fords", "Forest", "Forge", "Forges", "Fork", "Forks", "Fort", "Freeway", "Fwy", "Garden", "Gardens", "Gdns", "Gateway", "Glen", "Glens", "Green", "Greens", "Grove", "Grv", "Groves", "Harbor", "Harbors", "Haven", "Heights", "Hts", "Highway", "Hwy", "Hill", "Hills", "Hollow", "Inlet", "Island", "Islands", "Isle", "Junction", "Jct", "Junctions", "Key", "Keys", "Knoll", "Knolls", "Lake", "Lakes", "Land", "Landing", "Lane", "Ln", "Light", "Lights", "Loaf", "Lock", "Locks", "Lodge", "Loop", "Mall", "Manor", "Manors", "Meadow", "Meadows", "Mews", "Mill", "Mills", "Mission", "Motorway", "Mount", "Mountain", "Mountains", "Neck", "Orchard", "Oval", "Overpass", "Park", "Parks", "Parkway", "Pkwy", "Parkways", "Pass", "Passage", "Path", "Pike", "Pine", "Pines", "Place", "Pl", "Plain", "Plains", "Plaza", "Plz", "Point", "Points", "Port", "Ports", "Prairie", "Radial", "Ramp", "Ranch", "Rapid", "Rapids", "Rest", "Ridge", "Ridges", "River", "Road", "Rd", "Roads", "Route", "Rte", "Row", "Rue", "Run", "Shoal", "Shoals", "Shore", "Shores", "Skyway", "Spring", "Springs", "Spur", "Spurs", "Square", "Sq", "Squares", "Station", "Stravenue", "Stream", "Street", "St", "Streets", "Summit", "Terrace", "Ter", "Throughway", "Trace", "Track", "Trafficway", "Trail", "Trl", "Trailer", "Tunnel", "Turnpike", "Underpass", "Union", "Unions", "Valley", "Valleys", "Via", "Viaduct", "View", "Views", "Village", "Villages", "Ville", "Vista", "Walk", "Walks", "Wall", "Way", "Ways", "Well", "Wells", "Wharf", "Yard"]
_SUFFIX = "(?:" + "|".join(sorted(set(_SUFFIXES), key=lambda suffix: (-len(suffix), suffix))) + r")\b\.?"
_CAP_WORD = r"\p{Lu}[\p{L}'’.\-]*"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Studio|Room|#)\.?[ \t]*#?[\w\-]+"
_VOIE_START = (
    r"(?i:rue|avenue|boulevard|chemin|impasse|allée|quai|route)[ \t]+"
    r"(?:(?:de[ \t]+la|de|du|des|d'|l')[ \t]*)?\p{Lu}"
)
_VOIE = (
    r"(?i:rue|avenue|boulevard|chemin|impasse|allée|quai|route)[ \t]+"
    rf"(?:(?:de[ \t]+la|de|du|des|d'|l')[ \t]*)?{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,3}}"
)
# Dutch and German streets end in a suffix glued to the name, the number comes after.
_EU_SUFFIX = (
    "(?i:straße|strasse|str\\.|straat|laan|gracht|singel|steeg|dreef|gasse|allee|platz|weg|hof|pad"
    "|ring|baan|kade|dijk|plein|boulevard|damm|ufer|markt|chaussee)"
)

_STREET_ADDRESS = EntitySpec(
    "STREET_ADDRESS", "StreetAddressRecognizer",
    (
        PatternSpec(  # 221B Baker Street, 1777 Kramer Court Apt. 533
            "number first",
            rf"\b\d{{1,5}}[A-Za-z]?(?:-\d{{1,4}})?,?[ \t]+(?:{_CAP_WORD}[ \t]+){{1,4}}{_SUFFIX}"
            rf"(?:,?[ \t]+{_UNIT})?",
            0.7, trigger=rf"[ \t]{_SUFFIX}",
        ),
        PatternSpec(  # Flat 5 / Francesca Plains (UK: the unit on the line above the street)
            "unit first",
            rf"\b(?:Flat|Studio|Apartment|Apt|Unit|Suite)\.?[ \t]+\d{{1,5}}[A-Za-z]?,?[ \t]*\n?[ \t]*"
            rf"(?:\d{{1,5}}[A-Za-z]?[ \t]+)?(?:{_CAP_WORD}[ \t]+){{1,4}}{_SUFFIX}",
            0.7, trigger=r"(?:Flat|Studio|Apartment|Apt|Unit|Suite)\.?[ \t]+\d",
        ),
        PatternSpec(  # Kerkstraat 12, Beckergasse 8, Murat-Heinrich-Allee 7740, Drubinstraße 47-26
            "suffix glued, number after",
            rf"\b\p{{Lu}}[\p{{L}}'’\-]{{0,40}}?{_EU_SUFFIX}[ \t]+\d{{1,5}}[a-zA-Z]?(?:[-/]\d{{1,5}}[a-zA-Z]?)?\b",
            0.7, trigger=rf"{_EU_SUFFIX}[ \t]+\d",
        ),
        PatternSpec(  # 5, avenue Samson (two patterns: an optional lead costs a third more)
            "french voie, numbered",
            rf"\b\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+{_VOIE}",
            0.6, trigger=_VOIE_START,
        ),
        PatternSpec("french voie", rf"\b{_VOIE}", 0.6, trigger=_VOIE_START),  # rue de la Paix
    ),
    flags=_CASED,
    context=("address", "street", "live", "lives", "living", "ship", "shipping", "deliver",
             "delivery", "moved"),
)

_POSTCODE = EntitySpec(
    "POSTCODE", "PostcodeRecognizer",
    (
        PatternSpec("UK postcode", r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)[ \t]?\d[ABD-HJLNP-UW-Z]{2}\b", 0.6),
        PatternSpec("US ZIP after state", r"(?<=\b[A-Z]{2}[ \t]{1,3})\d{5}(?:-\d{4})?\b", 0.6),
        PatternSpec("NL postcode", r"\b[1-9]\d{3}[ \t]?(?!SA|SD|SS)[A-Z]{2}\b", 0.5),
        PatternSpec(  # 10115 Berlin, 75001 Paris: postcode then city, at the start of a line
            "EU postcode before city",
            r"(?:^|(?<=,[ \t]))[ \t]*\K\d{4,5}(?=[ \t]+\p{Lu}[\p{L}'’\-]+)",
            0.5, trigger=r"\d{4}[ \t]+\p{Lu}",
        ),
    ),
    flags=_CASED,
    context=("zip", "postcode", "postal", "post code", "plz"),
    veto=look_alike,
)

# Names where support text puts them.  A name: 1-4 capitalised words, with
# titles in any case ("ms. Mashuu", "Prof. Dr."), middle initials ("Benito S.
# Bianchi") and the particles of European surnames ("van den Oord", "Lukić-de Pauw").
NAME_PARTICLE = r"(?:van|von|der|den|de|du|des|da|di|del|della|la|le|ten|ter|zu|y|dos|das|al|el|bin|ibn)"
NAME_WORD = rf"(?:\p{{Lu}}['’])?\p{{Lu}}\p{{Ll}}+(?:\p{{Lu}}\p{{Ll}}+)?(?:-(?:\p{{Lu}}\p{{Ll}}+|{NAME_PARTICLE})){{0,2}}"
NAME_TITLE = rf"(?i:{alternation(NAME_TITLES)})\.?[ \t]+"
_NAME_BODY = (  # an initial is one capital: never the head of a name word, so each word splits one way
    rf"{NAME_WORD}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)*(?:\p{{Lu}}\.?[ \t]+)?(?:{NAME_PARTICLE}[ \t]+)*{NAME_WORD}){{0,3}}"
)
NAME_SUFFIX = (  # after a surname: "Luke MBA.", "Josefsen B.Eng.", "Doe Jr." (no bare MA, MD: US states);
    # it starts where a run of spaces starts, so a search over one is linear
    r"(?<![ \t,]),?[ \t]+(?:Jr|Sr|II|III|IV|Ph\.?D|M\.D|D\.?D\.?S|DVM|MBA|Esq|CPA|B\.A|B\.?Sc|B\.?Eng|M\.A|M\.?Sc|M\.?Eng"
    r"|LL\.?M)\.?(?![\p{L}\p{N}])"
)
# Inside the other cues a title is capitalised (the title row finds "ms. Mashuu" in any case): an
# any-case title would be tried at every lower-case letter of a text.
_CAPITALISED_TITLE = rf"(?:{alternation(tuple(title.capitalize() for title in NAME_TITLES))})\.?[ \t]+"
_NAME = rf"(?:{_CAPITALISED_TITLE}){{0,2}}{_NAME_BODY}"
_GREETING_WORDS = ("hi", "hello", "hey", "dear", "hallo", "hoi", "bonjour", "hola", "ciao",
                   r"good[ \t]+(?:morning|afternoon|evening)")
_GREETINGS = "(?i:" + "|".join(_GREETING_WORDS) + ")"
_SIGN_OFF_WORDS = (
    "thanks", r"thank[ \t]+you", r"many[ \t]+thanks", r"thanks[ \t]+again", "cheers", "best", r"best[ \t]+regards",
    r"kind[ \t]+regards", "regards", r"warm[ \t]+regards", "sincerely", r"yours[ \t]+(?:sincerely|truly)",
    "cordialement", "groeten", r"met[ \t]+vriendelijke[ \t]+groet", r"mit[ \t]+freundlichen[ \t]+grüßen",
    r"viele[ \t]+grüße", r"liebe[ \t]+grüße", "saludos",
)
_SIGN_OFFS = "(?i:" + "|".join(_SIGN_OFF_WORDS) + ")"
_INTRODUCTIONS = (r"(?i:my[ \t]+name[ \t]+is|my[ \t]+name's|this[ \t]+is|name:|ich[ \t]+bin"
                  r"|je[ \t]+m'appelle|mijn[ \t]+naam[ \t]+is)")

_CONTEXT_NAME = EntitySpec(
    "PERSON", "ContextNameRecognizer",
    (
        PatternSpec("greeting", rf"(?<=\b{_GREETINGS}[ \t]+){_NAME}(?=[ \t]*(?:[,!:;.\n]|$))", 0.7,
                    trigger=rf"{_GREETINGS}[ \t]+\p{{Lu}}",
                    cue=rf"(?:{by_first_letter(_GREETING_WORDS)})[ \t]+"),  # ends where the name starts
        PatternSpec(  # tried at the line break after the sign-off (rarer than a capital), the name kept
            "sign-off",
            rf"\n(?<=\b{_SIGN_OFFS}[ \t]*[,!:\-–—]?[ \t]*\n)[ \t\n]{{0,4}}(?:[-–—][ \t]*)?\K{_NAME}"
            r"(?=[ \t]*(?:[,.\n]|$))",
            0.7, trigger=rf"{_SIGN_OFFS}[ \t]*[,!:\-–—]?[ \t]*\n",
        ),
        PatternSpec("sign-off, same line",
                    rf"(?<=\b{_SIGN_OFFS}[ \t]*[,\-–—][ \t]*){_NAME}(?=[ \t]*(?:[.!\n]|$))", 0.6,
                    trigger=rf"{_SIGN_OFFS}[ \t]*[,\-–—][ \t]*\p{{Lu}}"),
        PatternSpec("introduction", rf"(?<=\b{_INTRODUCTIONS}[ \t]+){_NAME}", 0.7,
                    trigger=rf"{_INTRODUCTIONS}[ \t]+\p{{Lu}}"),
    ),
    flags=_CASED,
    invalidate=not_a_name,
)

_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?:{_MONTHS})\.?,?[ \t]+\d{{4}}"
    rf"|(?:{_MONTHS})\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}})"
)
_DATE_OF_BIRTH = EntitySpec(
    "DATE_OF_BIRTH", "DateOfBirthRecognizer",
    (PatternSpec(  # "born on 4 March 1987", "DOB: 04/03/1987", "date of birth 1987-03-04"
        "date after a birth word",
        r"\b(?:born(?:[ \t]+(?:on|in))?|date[ \t]+of[ \t]+birth|d\.?o\.?b\.?|birth[ \t_-]?date|birthday"
        # A few words may stand between: "date of birth. It's 5/23/1979", "born in Lyon on 4 March 1987".
        r"|geboren(?:[ \t]+am)?|geboortedatum|née?[ \t]+le)[^\d\n]{0,24}?\K"
        rf"{_DATE}\b",
        0.85, trigger=r"(?:born|date[ \t]+of[ \t]+birth|d\.?o\.?b|birth|geboren|geboortedatum|née?[ \t]+le)",
    ),),
)

_DRIVER_LICENCE = EntitySpec(  # no checksum to check: the words before it say what it is
    "NATIONAL_ID", "DriverLicenceRecognizer",
    (PatternSpec(  # "driver's license number is D85375366316", "driving licence: MORGA753116SM9IJ"
        "identifier after a driving-licence word",
        r"\b(?i:driver(?:['’]?s)?[ \t]+licen[cs]e|driving[ \t]+licen[cs]e|führerschein"
        r"|permis[ \t]+de[ \t]+conduire|rijbewijs)(?:[ \t]*(?i:number|no\.?|nr\.?|id|\#))?[ \t]*(?i:is[ \t]+)?"
        r"[:=\#-]?[ \t]*\K(?=[A-Z0-9 -]{0,24}\d)[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9])){4,23}(?![\w-])",
        0.7, trigger=r"(?i:licen[cs]e|führerschein|permis[ \t]+de[ \t]+conduire|rijbewijs)",
    ),),
    flags=_CASED,
)

_ID_WORD_LIST = (
    r"national[ \t]+(?:id|identity|identification|insurance)(?:[ \t]+(?:card|number|no\.?))?",
    r"personal[ \t]+(?:id|number|code)", r"citizen[ \t]+(?:id|number|code)", r"identity[ \t]+(?:id|number|code)",
    r"id[ \t]+(?:number|no\.?|card)", "bsn", "burgerservicenummer", "sofinummer", "steuer-?id",
    "steueridentifikationsnummer", "idnr", "nir", "insee", r"sécurité[ \t]+sociale", "dni", "nie",
    r"codice[ \t]+fiscale", "rijksregisternummer", r"numéro[ \t]+national", "personnummer", "cpr", "fødselsnummer",
    "fodselsnummer", "henkilötunnus", "hetu", "pesel", "cpf", "aadhaar",
    r"social[ \t]+insurance(?:[ \t]+(?:number|no\.?))?", "sin", "tfn", "pps", r"nhs[ \t]+number",  # US SSNs: their own row
    "curp", r"tc[ \t]+kimlik", "oib", "egn", "cnp", "ahv", r"rodné[ \t]+číslo",
)
_ID_WORDS = "|".join(_ID_WORD_LIST)
_NATIONAL_ID = EntitySpec(
    "NATIONAL_ID", "NationalIdRecognizer",
    (PatternSpec(  # "BSN: 111222333", "PESEL 44051401359", "CPF 390.533.447-05"
        "identifier after an identity word",
        rf"\b(?i:{by_first_letter(_ID_WORD_LIST)})(?:[ \t]*(?i:number|no\.?|nr\.?|\#))?[ \t]*(?i:is[ \t]+)?[:=\#-]?[ \t]*\K"
        r"[0-9A-Z](?:[0-9A-Z]|[ .\-/](?=[0-9A-Z])){5,24}(?![\w-])",
        0.5, trigger=rf"(?i:{_ID_WORDS})",
    ),),
    flags=_CASED,  # the identifier in capitals and digits; the words before it in any case
    validate=national_id,  # python-stdnum: a checksum some country's identifier passes
)

# -- names and addresses in free text, in any case and script (:mod:`._text_cues`) ------------
# The rows above want capitals; these find what they cannot: "hi jane,", "thanks,\nłukasz
# nowak", "this is 山田太郎", "From: "Jane Doe" <jane@…>", "221b baker street", "calle Mayor
# 12", "PO Box 123", "K1A 0B1".  A word of a name is any run of letters (any script).  A
# match holding one of FUNCTION_WORDS is dropped ("hi there,", "thanks,\nsee you"); only an
# introduction, which has no end of its own, stops before one ("my name is josé garcía and
# I ...").  The check is in Python where it can be: an alternation of hundreds of words costs
# the regex module ~25 ms to compile per use.
_STOP = rf"(?!(?i:{alternation(FUNCTION_WORDS)})(?![\p{{L}}\p{{M}}'’\-]))"
_FREE_WORD = r"\p{L}[\p{L}\p{M}'’\-]*"
_ANY_NAME = rf"{_FREE_WORD}(?:[ \t]+{_FREE_WORD}){{0,2}}"
_ANY_GREETING_WORDS = (
    "hi", "hello", "hey", "dear", "hallo", "hoi", "moin", "servus", "bonjour", "salut", "hola", r"buenos[ \t]+días",
    "ciao", "salve", "olá", "oi", "hej", "hei", "cześć", "witam", r"dzień[ \t]+dobry", "liebe[rs]?",
    r"sehr[ \t]+geehrte[rs]?", "cher", "chère", "estimad[oa]", "querid[oa]", "car[oa]", "gentile", "beste", "geachte",
    r"good[ \t]+(?:morning|afternoon|evening)",
)
_ANY_GREETINGS = "(?i:" + "|".join(_ANY_GREETING_WORDS) + ")"
_MORE_SIGN_OFF_WORDS = (
    r"cheers[ \t]+mate", "thx", "ty", "merci", r"merci[ \t]+beaucoup", r"bien[ \t]+à[ \t]+vous", "bisous", "danke",
    r"vielen[ \t]+dank", "lg", "mfg", "gracias", r"un[ \t]+saludo", r"saludos[ \t]+cordiales", "atentamente",
    "cordialmente", "grazie", r"cordiali[ \t]+saluti", r"distinti[ \t]+saluti", "obrigad[oa]", "pozdrawiam",
    r"z[ \t]+poważaniem", "dziękuję", "groetjes", r"vriendelijke[ \t]+groet(?:en)?", "mvh", "hälsningar",
    r"med[ \t]+vänliga[ \t]+hälsningar", r"venlig[ \t]+hilsen", r"ystävällisin[ \t]+terveisin",
)
_ANY_SIGN_OFFS = rf"(?:{_SIGN_OFFS}|(?i:{'|'.join(_MORE_SIGN_OFF_WORDS)}))"
# The same alternations grouped by first letter (by_first_letter): what the patterns that try
# them after every line start and punctuation mark run; the triggers keep the flat ones.
_ANY_GREETINGS_GROUPED = rf"(?i:{by_first_letter(_ANY_GREETING_WORDS)})"
_ANY_SIGN_OFFS_GROUPED = rf"(?i:{by_first_letter(_SIGN_OFF_WORDS + _MORE_SIGN_OFF_WORDS)})"
_ANY_INTRODUCTIONS = (
    r"(?i:my[ \t]+name[ \t]+is|my[ \t]+name's|i[ \t]+am[ \t]+called|mein[ \t]+name[ \t]+ist"
    r"|ich[ \t]+heiße|ich[ \t]+heisse|je[ \t]+m'appelle|je[ \t]+m’appelle|mon[ \t]+nom[ \t]+est"
    r"|me[ \t]+llamo|mi[ \t]+nombre[ \t]+es|mi[ \t]+chiamo|il[ \t]+mio[ \t]+nome[ \t]+è"
    r"|mijn[ \t]+naam[ \t]+is|ik[ \t]+heet|meu[ \t]+nome[ \t]+é|chamo-me|nazywam[ \t]+się"
    r"|mam[ \t]+na[ \t]+imię|jag[ \t]+heter|mitt[ \t]+namn[ \t]+är|jeg[ \t]+hedder|jeg[ \t]+heter)"
)
_NAME_END = r"(?![\p{N}_@/])"  # not the head of an id, a handle or a path: "my name is jane_doe1"
_THIS_IS = (r"this[ \t]+is", "it's", "it’s", r"it[ \t]+is", "c'est", "ici")
# Greetings and sign-offs open a line, a sentence, a quote or a tag's text: tried only there (the
# regex module then turns down most positions with a one-character test, and the RE2 trigger no
# longer fires on "which fixed it," or "this is fine,").  Written as "not after anything else":
# MULTILINE's "^" or a look-behind for the punctuation, but in one test instead of two.
_LEAD_MARKS = r"\n.!?,;:>(\"'“‘"
_LEAD = rf"(?<![^{_LEAD_MARKS}])[ \t]{{0,3}}"
# Past the text's first character a lead is the character before it, matched: the regex module
# then skips ahead to one (its look-behind form is tried at every character, at 60-150 ns each).
# The \K keeps the name's span, and a match that took the mark takes nothing a match before it
# could have ended on: each ends before spaces and a mark or the line's end (its look-ahead),
# where no sign-off or greeting starts.
_PAST_LEAD = rf"[{_LEAD_MARKS}][ \t]{{0,3}}"
# On a text all ASCII the standard library's re searches it (ascii_only): it scans to a mark faster.

_ANY_GREETING_NAME = rf"{_ANY_GREETINGS_GROUPED}[ \t]+\K{_ANY_NAME}(?=[ \t]*(?:[,!:;\n]|$))"
_ANY_SIGN_OFF_NAME = (rf"{_ANY_SIGN_OFFS_GROUPED}[ \t]*[,!:\-–—]?[ \t]*\n[ \t\n]{{0,4}}(?:[-–—]{{1,2}}[ \t]*)?\K{_ANY_NAME}"
                      r"(?=[ \t]*(?:[,.\n]|$))")
_ANY_SIGN_OFF_AT_END = rf"{_ANY_SIGN_OFFS_GROUPED}[ \t]*[,\-–—][ \t]*\K{_ANY_NAME}(?=[ \t]*$)"

_ANY_CASE_NAME = EntitySpec(
    "PERSON", "AnyCaseNameRecognizer",
    (
        PatternSpec("greeting, any case", _LEAD + _ANY_GREETING_NAME, 0.6,
                    trigger=rf"{_ANY_GREETINGS}[ \t]+\p{{L}}", after_first=_PAST_LEAD + _ANY_GREETING_NAME,
                    ascii_only=_PAST_LEAD + _ANY_GREETING_NAME, lowered=True),
        PatternSpec("sign-off, any case", _LEAD + _ANY_SIGN_OFF_NAME, 0.6,
                    trigger=rf"{_ANY_SIGN_OFFS}[ \t]*[,!:\-–—]?[ \t]*\n", after_first=_PAST_LEAD + _ANY_SIGN_OFF_NAME,
                    ascii_only=_PAST_LEAD + _ANY_SIGN_OFF_NAME, lowered=True),
        PatternSpec("sign-off at the end, any case", _LEAD + _ANY_SIGN_OFF_AT_END, 0.5,
                    trigger=rf"{_ANY_SIGN_OFFS}[ \t]*[,\-–—][ \t]*\p{{L}}", after_first=_PAST_LEAD + _ANY_SIGN_OFF_AT_END,
                    ascii_only=_PAST_LEAD + _ANY_SIGN_OFF_AT_END, lowered=True),
        PatternSpec("introduction, any case",
                    rf"\b{_ANY_INTRODUCTIONS}[ \t]+\K{_FREE_WORD}(?:[ \t]+{_STOP}{_FREE_WORD}){{0,2}}{_NAME_END}", 0.7,
                    trigger=rf"{_ANY_INTRODUCTIONS}[ \t]+\p{{L}}"),
        PatternSpec(  # "this is jane from acme", "it's łukasz here"
            "this is … from",
            rf"\b(?i:{by_first_letter(_THIS_IS)})[ \t]+\K{_ANY_NAME}"
            r"(?=[ \t]+(?i:from|here|speaking|writing|de|von|van)\b)",
            0.6, trigger=r"(?i:this[ \t]+is|it's|it’s|it[ \t]+is|c'est|ici)[ \t]+\p{L}",
        ),
    ),
    flags=_CASED,
    invalidate=has_function_word,
)

# Cues anywhere in a sentence, the name capitalised: a title before it, an introduction
# ("her maiden name is X", "I'm X", "call me X"), a request naming someone ("ask for X",
# "speak to X", "add X as admin"), "X here", and a middle initial between two words.
_NAME_CUES = (
    r"(?i:name[ \t]+is|name[ \t]+was|name's|name’s|i'm|i’m|i[ \t]+am|call[ \t]+me|calls[ \t]+me"
    r"|called[ \t]+me|named(?:[ \t]+(?:him|her|them))?|known[ \t]+as|goes[ \t]+by|ask[ \t]+for|asked[ \t]+for"
    r"|(?:speak|spoke|speaking|talk|talked|talking)[ \t]+(?:to|with)|follow[ \t]+up[ \t]+with|reach[ \t]+out[ \t]+to"
    r"|said|asked|replied|attn\.?:?|attention:|c/o)"
)
_ROLES = (  # "add Jane Doe as admin": the role a person is added in
    r"(?i:an?[ \t]+|the[ \t]+|my[ \t]+|our[ \t]+)?(?i:admin|administrator|teammate|user|owner|co-?owner|member"
    r"|contact|collaborator|editor|viewer|agent|manager|recipient|approver|reviewer|assignee|signatory"
    r"|beneficiary|guest|authori[sz]ed|emergency|secondary|primary|billing|account)\b"
)
_IN_WORD = r"[\p{L}\p{M}\p{N}'’.\-]"  # what a name's first letter may not follow
_NOT_IN_WORD = rf"(?<!{_IN_WORD})"

_CUED_NAME = EntitySpec(
    "PERSON", "CuedNameRecognizer",
    (
        PatternSpec("title", rf"{_NOT_IN_WORD}(?<!\d[ \t]){NAME_TITLE}(?:{NAME_TITLE})?{_NAME_BODY}(?:{NAME_SUFFIX})?", 0.7,
                    trigger=rf"{NAME_TITLE}\p{{Lu}}"),
        PatternSpec("introduction or request", rf"\b{_NAME_CUES}[ \t]+\K{_NAME}", 0.6,
                    trigger=rf"{_NAME_CUES}[ \t]+(?:\p{{Lu}}|{NAME_TITLE})"),
        PatternSpec("said … to", rf"\b(?i:said|says|shouted|whispered|wrote)[ \t]+{_NAME}[ \t]+to[ \t]+\K{_NAME}", 0.6,
                    trigger=r"(?i:said|says|shouted|whispered|wrote)[ \t]+\p{Lu}\p{Ll}+[ \t]+to[ \t]+\p{Lu}"),
        PatternSpec("name here", rf"{_LEAD}\K{_NAME}(?=[ \t]+here[ \t]*[,!:;\-–—])", 0.6,
                    trigger=r"[ \t]here[ \t]*[,!:;\-–—]"),
        PatternSpec("added as a role",
                    rf"\b(?i:add|added|adding|invite|invited|inviting)[ \t]+\K{_NAME}(?=[ \t]+as[ \t]+{_ROLES})",
                    0.6, trigger=r"(?i:add|invit)\w*[ \t]+\p{Lu}"),
        PatternSpec("middle initial",
                    rf"{_NOT_IN_WORD}{NAME_WORD}[ \t]+\p{{Lu}}\.?[ \t]+{NAME_WORD}(?![\p{{L}}\p{{N}}_@/])", 0.6,
                    trigger=r"\p{Lu}\p{Ll}+[ \t]+\p{Lu}\.?[ \t]+\p{Lu}\p{Ll}"),
    ),
    flags=_CASED,
    invalidate=cue_not_a_name,
)

# Names no cue introduces, read with a gazetteer of given names (:mod:`._first_names`): a
# given name before a capitalised word ("Uwe Ziegler will be talking"), a list of given names
# ("Hervé, Noël and Wallace"), a given name where a person stands at a sentence's start: a
# speaker ("Oskar: …"), the one addressed ("Maarit, can you …"), a subject ("Josef is …").
# Between the words of a name: what comes next starts with a capital or a particle's letter,
# asked before the particles are (most words after a capitalised one are neither).
_PARTICLE_LETTERS = "".join(sorted({particle[0] for particle in NAME_PARTICLE[3:-1].split("|")}))
_NAME_GAP = (
    rf"[ \t]+(?=[\p{{Lu}}{_PARTICLE_LETTERS}])(?:{NAME_PARTICLE}[ \t]+)*(?:\p{{Lu}}\.?[ \t]+)?(?:{NAME_PARTICLE}[ \t]+)*"
)
# Possessive: what may follow a given name (a space, a comma, a colon, the end of a word) is
# never a lower-case letter, so handing one back cannot help a match; it only costs a retry each.
_GIVEN_TAIL = r"\p{Ll}++(?:-\p{Lu}\p{Ll}++)?"
_GIVEN = rf"\p{{Lu}}{_GIVEN_TAIL}"
_AFTER_NAME = r"(?![\p{L}\p{M}\p{N}_@/]|\.\w)"
_SURNAMES = rf"(?:{_NAME_GAP}{NAME_WORD}){{1,3}}(?:{NAME_SUFFIX}|{_AFTER_NAME})"  # after a given name
_CONJUNCTIONS = r"(?:and|&|und|et|y|en|e|or|og|och|i|a)"
_PERSON_STANDS = (  # after a name at a sentence's start: a speaker's colon, the one addressed, a subject
    r"(?:[ \t]*:[ \t]*[\"“\p{Lu}]|,[ \t]+(?i:can|could|would|will|please|thanks|thank|do|did|are|have|i|we)\b"
    r"|[ \t]+(?:is|was|has|had|will|would|can|could|did|does|said|says|wrote|asked|told|replied|called|lives"
    r"|lived|works|worked|went|came|left|moved|joined|spent|paid|bought|ordered|booked|signed|met|saw|heard"
    r"|thought|felt|knew|wanted|needed|tried|got|made|took|gave|sent|emailed|shouted|listed|mentioned)\b)"
)

# (?<=(?:^|[.!?,;:>(\"'“‘])[ \t]{0,3}\p{Lu}) as look-behinds of one width each.
_FIXED_LEADS = "|".join("(?<=" + lead + r"[ \t]" * spaces + r"\p{Lu})" for lead in ("^", "[.!?,;:>(\"'“‘]")
                        for spaces in range(4))

_GIVEN_NAME = EntitySpec(
    "PERSON", "GivenNameRecognizer",
    (
        PatternSpec("given name and surname",
                    rf"{_NOT_IN_WORD}{_GIVEN}{_SURNAMES}", 0.6,
                    trigger=rf"\p{{Lu}}\p{{Ll}}+[ \t]+(?:\p{{Lu}}|{NAME_PARTICLE}[ \t])",
                    # the capital first, what stands before it asked after: re scans ahead to capitals
                    ascii_only=rf"\p{{Lu}}(?<!{_IN_WORD}\p{{Lu}}){_GIVEN_TAIL}{_SURNAMES}"),
        PatternSpec(  # at a line's or a sentence's start (_LEAD), checked behind its capital: a capital is rarer
            "given name where a person stands",
            rf"\p{{Lu}}(?<=(?:^|[.!?,;:>(\"'“‘])[ \t]{{0,3}}\p{{Lu}}){_GIVEN_TAIL}(?={_PERSON_STANDS})", 0.6,
            trigger=rf"\p{{Lu}}\p{{Ll}}+{_PERSON_STANDS}",
            # re reads look-behinds of one width only: one per lead and count of spaces
            ascii_only=rf"\p{{Lu}}(?:{_FIXED_LEADS}){_GIVEN_TAIL}(?={_PERSON_STANDS})",
        ),
    ),
    flags=_CASED,
    validate=starts_with_given_name,
    invalidate=cue_not_a_name,
    parts=name_pieces,
)

_GIVEN_NAMES_LIST = EntitySpec(
    "PERSON", "GivenNamesListRecognizer",
    (PatternSpec("list of given names",
                 rf"{_NOT_IN_WORD}{_GIVEN}(?:,[ \t]*{_GIVEN})*,?[ \t]+{_CONJUNCTIONS}[ \t]+{_GIVEN}{_AFTER_NAME}", 0.6,
                 trigger=rf"\p{{Lu}}\p{{Ll}}+,?[ \t]+{_CONJUNCTIONS}[ \t]+\p{{Lu}}"),),
    flags=_CASED,
    validate=all_given_names,
)

# Han, Katakana and Hangul names: no spaces and no case, so the cue bounds them (2-4 Han
# characters is a Chinese name's length; Japanese and Korean names are written in the
# same scripts).  Hiragana is grammar (particles), never part of the name.
# Their Unicode blocks spelled out, so the RE2 trigger needs a CJK character (``\p{Han}`` widens to any).
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KATAKANA = r"\u30a0-\u30ff"  # with ・ and ー
_HANGUL = r"\uac00-\ud7a3"
_CJK_NAME = rf"[{_HAN}{_KATAKANA}{_HANGUL}]{{2,8}}"
_CJK_HONORIFIC = "|".join(CJK_HONORIFICS)

_CJK_PERSON = EntitySpec(
    "PERSON", "CjkNameRecognizer",
    (
        PatternSpec(  # "this is 山田太郎", "my name is 王伟", "Hi 김민수,"
            "after a latin cue",
            rf"\b(?:{_ANY_INTRODUCTIONS}|{_ANY_GREETINGS}|(?i:this[ \t]+is|i[ \t]+am|i'm))[ \t]{{0,4}}\K{_CJK_NAME}",
            0.7, trigger=rf"[{_HAN}{_KATAKANA}{_HANGUL}]{{2}}",
        ),
        PatternSpec("chinese introduction", rf"(?:我叫|我是|我姓|我的名字是|名字叫|本人|亲爱的|尊敬的)\K[{_HAN}]{{2,4}}", 0.6),
        PatternSpec(  # 私は山田太郎です, 山田と申します
            "japanese introduction",
            rf"(?:(?:私は|わたしは|僕は|私の名前は)\K[{_HAN}{_KATAKANA}]{{2,8}}(?=です|と申します|といいます|と言います)"
            rf"|[{_HAN}{_KATAKANA}]{{2,8}}(?=と申します|といいます|と言います))",
            0.7,
        ),
        PatternSpec(  # 저는 김민수입니다, 제 이름은 김민수
            "korean introduction",
            rf"(?:저는|제[ \t]이름은|이름은|나는)[ \t]?\K[{_HANGUL}]{{2,4}}(?=입니다|이에요|예요|이라고|라고|[ \t,.]|$)",
            0.6,
        ),
        PatternSpec(  # 山田様, 王先生, 김민수님 (not お客様, 皆様, 고객님: customers, everyone)
            "before an honorific",
            rf"(?<![{_HAN}{_KATAKANA}{_HANGUL}])(?!お?客|皆|各位|고객|회원|여러분|관리자)"
            rf"[{_HAN}{_KATAKANA}{_HANGUL}]{{1,6}}(?={_CJK_HONORIFIC})",
            0.6, trigger=rf"[{_HAN}{_KATAKANA}{_HANGUL}](?:{_CJK_HONORIFIC})",
        ),
    ),
    flags=_CASED,
)

_MAILBOX_NAME = EntitySpec(
    "PERSON", "MailboxNameRecognizer",
    (
        PatternSpec(  # From: "Jane Doe" <jane@example.com>, To: "doe, jane" <…>
            "quoted display name",  # unbounded: a counted repeat costs RE2's DFA a state per count
            r"\"\K[^\"\r\n<>@]+(?=\"[ \t]*<[^<>\s@\"]+@)",
            0.8, trigger=r"\"[ \t]*<[^<>\s@\"]+@",
        ),
        PatternSpec(  # From: Jane Doe <jane@example.com>, Cc: a <a@x>, Łukasz Nowak <l@y>
            # after a header's colon or a list's comma only: "updated Jane Doe <…>" is a log
            # message, not a header, and NER or the event's known values find that name.
            "display name",
            r"(?<=[:,;][ \t]{0,4})\p{L}[\p{L}\p{M}'’.\-]*(?:[ \t]+\p{L}[\p{L}\p{M}'’.\-]*){0,3}"
            r"(?=[ \t]*<[^<>\s@\"]+@)",
            0.7, trigger=r"<[^<>\s@\"]+@",
        ),
    ),
    flags=_CASED | re.IGNORECASE,
)

_ADDRESS_WORD = r"(?:\p{L}[\p{L}\p{M}'’.\-]*|\d{1,3}(?i:st|nd|rd|th))"
_ADDRESS_PARTICLE = r"(?i:de|del|de[ \t]+la|de[ \t]+las|de[ \t]+los|di|della|dei|degli|da|do|dos|das|san|santa|são)"
_TYPE_FIRST = (  # the street type before the name: Spanish, Italian, Portuguese, Polish, Nordic
    r"(?i:calle|c/|avenida|avda\.?|paseo|plaza|camino|carrera|ronda|travesía|via|viale|piazza"
    r"|piazzale|corso|largo|vicolo|strada|rua|travessa|praça|alameda|ulica|ul\.|aleja|al\.|plac|osiedle"
    r"|os\.)"
)
_NOT_A_COUNT = r"(?![ \t]*(?i:times|x|ms|s|sec|seconds|min|minutes|h|hours|days|%)\b)"

_ANY_CASE_STREET = EntitySpec(  # "20 minutes on the road" holds function words: no address
    "STREET_ADDRESS", "AnyCaseStreetRecognizer",
    (
        PatternSpec(  # 221b baker street, 1600 PENNSYLVANIA AVE NW apt 4
            "number first, any case",
            rf"\b\d{{1,5}}[A-Za-z]?(?:-\d{{1,4}})?,?[ \t]+(?:{_ADDRESS_WORD}[ \t]+){{1,3}}"
            rf"(?i:{alternation(STREET_TYPES_ANY_CASE)})\b\.?"
            r"(?:,?[ \t]+(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|\#)\.?[ \t]*\#?[\w\-]+)?",
            0.6, trigger=rf"[ \t](?i:{alternation(STREET_TYPES_ANY_CASE)})",
        ),
    ),
    flags=_CASED,
    context=_STREET_ADDRESS.context,
    invalidate=has_function_word,
)

_STREET_LAYOUTS = EntitySpec(
    "STREET_ADDRESS", "StreetLayoutRecognizer",
    (
        PatternSpec(  # calle Mayor 12, Calle de Alcalá, 45, via Roma 10, ul. Marszałkowska 1/3
            "street type first, number after",
            rf"\b{_TYPE_FIRST}[ \t]+(?:{_ADDRESS_PARTICLE}[ \t]+)*{_CAP_WORD}"
            rf"(?:[ \t]+(?:{_ADDRESS_PARTICLE}[ \t]+)*{_CAP_WORD}){{0,3}},?[ \t]*(?:n[º°o]\.?[ \t]*)?"
            rf"\d{{1,5}}[a-zA-Z]?(?:[/-]\d{{1,4}}[a-zA-Z]?)?\b{_NOT_A_COUNT}",
            0.6, trigger=rf"{_TYPE_FIRST}[ \t]",
        ),
        PatternSpec(  # Berliner Straße 12, Am Markt 3a, Lange Laan 7
            "street type word after the name",
            # One separator between words, none inside one: a word splits only one way (linear).
            r"(?<![\p{L}'’])\p{Lu}[\p{L}'’]*(?:[ \t\-]\p{Lu}[\p{L}'’]*){0,2}[ \t\-](?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse"
            r"|Ring|Damm|Ufer|Chaussee|Steig|Pfad|Markt|Gracht|Kade|Plein|Laan|Straat)[ \t]+\d{1,4}[a-zA-Z]?"
            r"(?:[-/]\d{1,4}[a-zA-Z]?)?\b",
            0.6, trigger=r"[ \t\-](?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Chaussee|Steig|Pfad"
                         r"|Markt|Gracht|Kade|Plein|Laan|Straat)[ \t]+\d",
        ),
        PatternSpec(  # kerkstraat 12, hauptstrasse 5 (lower case; capitalised is the row above's)
            "suffix glued, lower case",
            r"(?<![\p{L}'’\-])\p{Ll}[\p{L}'’\-]*?(?:straße|strasse|straat|gasse|laan|gracht|allee|platz|steeg"
            r"|dreef|singel|kade|plein)[ \t]+\d{1,5}[a-z]?(?:[-/]\d{1,5}[a-z]?)?\b",
            0.6, trigger=r"(?:straße|strasse|straat|gasse|laan|gracht|allee|platz|steeg|dreef|singel|kade|plein)[ \t]+\d",
        ),
        PatternSpec(  # PO Box 123, P.O. Box 77, Postfach 10 20 30, Apartado de Correos 5
            "post office box",
            r"\b(?i:p\.?[ \t]?o\.?[ \t]?box|post[ \t]+office[ \t]+box|postfach|postbus|postboks|postbox"
            r"|boîte[ \t]+postale|b\.p\.|apartado(?:[ \t]+de[ \t]+correos)?|casilla(?:[ \t]+de[ \t]+correos?)?"
            r"|caixa[ \t]+postal|skrytka[ \t]+pocztowa|casella[ \t]+postale)[ \t]*(?i:no\.?|n[º°])?[ \t]*\#?"
            r"[ \t]*\d{1,6}(?:[ \t]\d{2,3}){0,2}\b",
            0.8,
        ),
    ),
    flags=_CASED,
    context=_STREET_ADDRESS.context,
)

# -- street forms without an English type word, military and PO formats, intersections ----------
# The number after the name ("Degnehøjvej 45", "Nánási út 21", "Ctra. Hornos 3"): a national
# street-type word (:mod:`._text_cues`) makes the shape an address by itself.  A name and a
# number alone ("Tiigi 34") is also "Windows 10" and "Chapter 11": it needs an address cue --
# an address word or "lives at" before it, or a secondary unit ("Apt. 4") right after it.
_NAME_PIECE = r"\p{Lu}[\p{L}\p{M}'’.\-]*"
_STREET_NAME = (rf"{_NAME_PIECE}(?:[ \t]+(?:(?:{alternation(ADDRESS_PARTICLES)})[ \t]+)?{_NAME_PIECE}){{0,3}}")
_HOUSE_NUMBER = r"\d{1,5}[a-zA-Z]?(?:[-/]\d{1,5}[a-zA-Z]?)?"
_BUILDING = r"(?:\d{1,6}[A-Za-z]?,?[ \t]+)?"  # a building number before the street
_GLUED = alternation(GLUED_STREET_TYPES)
_SPACED = alternation(SPACED_STREET_TYPES)
_TYPE_FIRST_MORE = alternation(TYPE_FIRST_EXTRA)
_ADDRESS_CUE = (
    r"(?i:(?:address(?:es)?|addr\.?|adresse|adres|anschrift|adresa|indirizzo|endereço|dirección|osoite)"
    r"(?:[ \t]*(?:[:=?,\-]|is|was|to|at|now|here|it[ \t]+is|it's)){0,3}"
    r"|(?:live[sd]?|living|reside[sd]?|staying|located|situated)[ \t]+at"
    r"|(?:office|home|house|flat|shop|store|restaurant|hotel|warehouse)[ \t]+is[ \t]+(?:at|on))"
)
# "shipped to Staging 2", "moved to Python 3": after these a street needs its building number too.
_SEND_CUE = (
    r"(?i:(?:sen[dt]|ship(?:ped)?|deliver(?:ed)?|mail(?:ed)?|post(?:ed)?|forward(?:ed)?|return(?:ed)?|moved?"
    r"|meet(?:[ \t]+\w+)?)(?:[ \t]+(?:it|them|this|that|everything))?[ \t]+(?:to|at))"
)
_UNIT_AFTER = r"\.?,?[ \t]*(?:\n[ \t]*)?(?i:apt|apartment|suite|ste|flat)\.?[ \t]*\#?\d"  # not "unit": "Chapter 11 Unit 4"
# What follows a street in the block that names its town: "10115 Berlin", "130 00 Praha 3" on the next
# line or after a comma (not a year: "Windows 10, 2019 Server"), or "Cape Town, WC 8001".
_TOWN_LINE = (
    r"[ \t]*(?:,[ \t]*|\n[ \t]*)(?:(?!(?:19|20)\d\d\b)(?:\d{4,5}|\d{3}[ \t]\d{2}|\d{2}-\d{3})[ \t]+\p{Lu}\p{Ll}"
    r"|\p{Lu}[\p{L}\p{M}'’.\-]*(?:[ \t]+\p{Lu}[\p{L}\p{M}'’.\-]*){0,2},?[ \t]+[A-Z]{2,3}[ \t]+\d{4,5}\b)"
)
_MILITARY_LAST = r"(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}(?:-\d{4})?\b"
_STREETISH = r"(?:[\p{Lu}\p{N}][\p{L}\p{M}\p{N}'’.\-]*|(?i:rue|ul\.|via|calle|de|la|du|des|del|di|da|van|von|der|den|z|u\.))"

_STREET_FORMS = EntitySpec(
    "STREET_ADDRESS", "StreetFormsRecognizer",
    (
        PatternSpec(  # Søndergade 12, Lindenstr 7, Hämeenkatu 14, Laugavegur 12
            "street type glued to the name",
            rf"(?<![\p{{L}}\p{{M}}'’\-])\p{{Lu}}[\p{{L}}\p{{M}}'’\-]{{0,40}}?(?i:{_GLUED})\.?[ \t]+{_HOUSE_NUMBER}\b{_NOT_A_COUNT}",
            0.7, trigger=rf"(?i:{_GLUED})\.?[ \t]+\d",
        ),
        PatternSpec(  # Váci utca 19, Andrássy út 60., Slovenska cesta 5, Tartu maantee 14
            "street type word after the name",
            rf"(?<![\p{{L}}\p{{M}}'’.\-]){_NAME_PIECE}(?:[ \t]+\p{{L}}[\p{{L}}\p{{M}}'’.\-]*){{0,2}}[ \t]+(?i:{_SPACED})"
            rf"(?![\p{{L}}\p{{M}}])[ \t]*{_HOUSE_NUMBER}\.?(?![\w\-])",
            0.7, trigger=rf"[ \t](?i:{_SPACED})[ \t]*\d",
        ),
        PatternSpec(  # Ctra. de Valencia 12, Trg bana Jelačića 3, Carrer de Mallorca 401
            "more street types first",
            rf"(?<![\p{{L}}\p{{M}}])(?i:{_TYPE_FIRST_MORE})[ \t]+\p{{L}}[\p{{L}}\p{{M}}'’.\-]*(?:[ \t]+\p{{L}}[\p{{L}}\p{{M}}'’.\-]*){{0,3}}"
            rf",?[ \t]*{_HOUSE_NUMBER}\b{_NOT_A_COUNT}",
            0.6, trigger=rf"(?i:{_TYPE_FIRST_MORE})[ \t]",
        ),
        PatternSpec(  # my address is Nurme 12; lives at Rannamõisa 17; our office is at 4 Viru Väljak 9
            "named street after an address cue",
            rf"\b{_ADDRESS_CUE}[ \t]*(?:\n[ \t]*)?\K{_BUILDING}{_STREET_NAME}[ \t]+{_HOUSE_NUMBER}\b{_NOT_A_COUNT}",
            0.6, trigger=rf"{_ADDRESS_CUE}[ \t]*(?:\n[ \t]*)?{_BUILDING}\p{{Lu}}",  # not "email address is jane@…"
        ),
        PatternSpec(  # sent to 12 Pikk Jalg 3: a building number and a house number
            "numbered street after a sending cue",
            rf"\b{_SEND_CUE}[ \t]+\K\d{{1,6}}[A-Za-z]?,?[ \t]+{_STREET_NAME}[ \t]+{_HOUSE_NUMBER}"
            r"(?=[ \t]*(?:[,.;:!?)\n]|$|(?i:apt|apartment|suite|ste|unit|flat)\b))",  # not "to 3 Windows 10 machines"
            0.6, trigger=rf"{_SEND_CUE}[ \t]+\d",
        ),
        PatternSpec(  # Kalda 5 Apt. 12, Vesivärava 31\nSuite 4
            "named street before a unit",
            rf"(?<![\p{{L}}\p{{M}}\d'’.\-]){_BUILDING}{_STREET_NAME}[ \t]+{_HOUSE_NUMBER}{_UNIT_AFTER}[\w\-]*",
            0.6, trigger=rf"\d[a-zA-Z]?{_UNIT_AFTER}",
        ),
        PatternSpec(  # Tiigi 34\n10115 Tallinn, Jiřího z Poděbrad 18, 130 00 Praha 3
            "named street before its town",
            rf"(?<![\p{{L}}\p{{M}}\d'’.\-]){_BUILDING}{_STREET_NAME}[ \t]+{_HOUSE_NUMBER}\.?(?={_TOWN_LINE})",
            0.6, trigger=rf"\d[a-zA-Z]?\.?{_TOWN_LINE}",
        ),
        PatternSpec(  # PSC 1234, Box 5678 / APO AE 09012; Unit 2050 Box 4190 APO AP 96278-2050; USNS Mercy FPO AP 96678
            "military address (USPS Publication 28)",
            r"\b(?:(?i:psc|cmr|unit)[ \t]+\d{1,6},?[ \t]+(?i:box)[ \t]+\d{1,6}"
            rf"|(?:USS|USNS|USCGC)[ \t]+{_NAME_PIECE}(?:[ \t]+{_NAME_PIECE}){{0,2}})[ \t]*(?:,[ \t]*)?(?:\n[ \t]*)?{_MILITARY_LAST}",
            0.9, trigger=_MILITARY_LAST,
        ),
        PatternSpec("military post office line", rf"\b{_MILITARY_LAST}", 0.8),  # APO AE 09499-0074
        PatternSpec(  # the corner of Main St and 5th Avenue, the intersection of rue X & Y
            "intersection",
            r"\b(?i:(?:the[ \t]+)?(?:corner|intersection|junction|crossing)[ \t]+of)[ \t]+"
            rf"{_STREETISH}(?:[ \t]+{_STREETISH}){{0,5}}[ \t]+(?:and|&)[ \t]+{_STREETISH}(?:[ \t]+{_STREETISH}){{0,5}}",
            0.7, trigger=r"(?i:corner|intersection|junction|crossing)[ \t]+of[ \t]",
        ),
        PatternSpec(  # Main St and 5th Avenue, Yonge Street & Bloor Street
            "two streets joined",
            rf"(?<![\p{{L}}\p{{M}}\d'’.\-])(?:\d{{1,3}}(?:st|nd|rd|th)|{_CAP_WORD})(?:[ \t]+{_CAP_WORD}){{0,2}}[ \t]+{_SUFFIX}[ \t]+(?:and|&)[ \t]+"
            rf"(?:\d{{1,3}}(?:st|nd|rd|th)|{_CAP_WORD})(?:[ \t]+{_CAP_WORD}){{0,2}}[ \t]+{_SUFFIX}",
            0.6, trigger=rf"[ \t]{_SUFFIX}[ \t]+(?:and|&)[ \t]",
        ),
    ),
    flags=_CASED,
    context=_STREET_ADDRESS.context,
)

_US_CITY = EntitySpec(  # the city of a "Springfield, IL 62704" line (its ZIP is the postcode row's)
    "LOCATION", "UsCityLineRecognizer",
    (PatternSpec(
        "city before state and ZIP",
        r"(?<![\p{L}.'’\-])\p{Lu}[\p{L}.'’\-]*(?:[ \t]+\p{Lu}[\p{L}.'’\-]*){0,2}"
        rf"(?=,[ \t]*(?:{alternation(US_STATES)})[ \t]+\d{{5}}(?:-\d{{4}})?\b)",
        0.6, trigger=rf",[ \t]*(?:{alternation(US_STATES)})[ \t]+\d{{5}}",
    ),),
    flags=_CASED,
)

_POSTCODE_WORDS = (
    r"(?i:zip|zip[ \t]?code|postcode|post[ \t]code|postal[ \t]code|plz|postleitzahl|code[ \t]postal"
    r"|código[ \t]postal|codigo[ \t]postal|codice[ \t]postale|cep|postnummer|postnr|kod[ \t]pocztowy"
    r"|eircode|pin[ \t]?code)"
)
_BEFORE_CITY = r"(?=[ \t]+\p{Lu}\p{Ll})"

_POSTCODE_LAYOUTS = EntitySpec(
    "POSTCODE", "PostcodeLayoutRecognizer",
    (
        PatternSpec("Canadian postal code", r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \t]\d[ABCEGHJ-NPRSTV-Z]\d\b", 0.6),
        PatternSpec("Irish Eircode", r"\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[ \t][0-9AC-FHKNPRTV-Y]{4}\b", 0.5),
        PatternSpec("PL postcode before city", rf"\b\d{{2}}-\d{{3}}{_BEFORE_CITY}", 0.5),  # 00-950 Warszawa
        PatternSpec("PT postcode before city", rf"\b\d{{4}}-\d{{3}}{_BEFORE_CITY}", 0.5),  # 1100-148 Lisboa
        PatternSpec("BR CEP", rf"\b\d{{5}}-\d{{3}}(?:{_BEFORE_CITY}|\b)", 0.3),  # 01310-100 (weak: context)
        PatternSpec("SE/CZ/GR postcode before city", rf"\b\d{{3}}[ \t]\d{{2}}{_BEFORE_CITY}", 0.5),  # 114 55 Stockholm
        PatternSpec("JP postcode", r"〒[ \t]?\d{3}-?\d{4}", 0.9),
        PatternSpec("AU postcode after state",
                    r"\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)[ \t]{1,3}\K\d{4}\b", 0.6),
        PatternSpec(
            "after a postcode word",
            rf"\b{_POSTCODE_WORDS}[ \t]{{0,3}}(?i:is[ \t]+)?[:=\#-]?[ \t]{{0,3}}\K[A-Z0-9](?:[A-Z0-9]|[ \-](?=[A-Z0-9])){{2,9}}"
            r"(?![\w-])",
            0.7,
        ),
    ),
    flags=_CASED,
    context=_POSTCODE.context + ("cep", "eircode", "postnummer"),
    validate=postcode_value,
    veto=look_alike,
)

ENTITIES: tuple[EntitySpec, ...] = (
    _EMAIL, _SPELLED_EMAIL, _PHONE, _CARD, _ANY_CARD, _IBAN, _IP, _SSN, _URL_CREDENTIALS, _BEARER_TOKEN,
    _STREET_ADDRESS, _POSTCODE, _CONTEXT_NAME, _CUED_NAME, _DATE_OF_BIRTH, _NATIONAL_ID, _DRIVER_LICENCE,
    _ANY_CASE_NAME, _GIVEN_NAME, _GIVEN_NAMES_LIST, _CJK_PERSON, _MAILBOX_NAME, _ANY_CASE_STREET, _STREET_LAYOUTS,
    _STREET_FORMS, _US_CITY, _POSTCODE_LAYOUTS,
)
"""Every built-in recognizer, in the order findings of equal rank are reported."""
