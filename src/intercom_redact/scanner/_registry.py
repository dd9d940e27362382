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
python-phonenumbers, street addresses and postcodes (US, UK, EU),
credentials in URLs, bearer tokens, and names where support text puts them
(greetings, sign-offs, introductions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
    phone_valid,
    spelled_email,
    ssn_invalid,
)

__all__ = ["ENTITIES", "PRESIDIO_FLAGS", "SCORE_THRESHOLD", "EntitySpec", "PatternSpec"]

PRESIDIO_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
"""Presidio's default flags for a ``PatternRecognizer`` (the ``regex`` module's values are re's)."""
_CASED = re.DOTALL | re.MULTILINE  # names, addresses and postcodes: case matters
SCORE_THRESHOLD = 0.4
"""Findings scoring below this (after validation and context) are dropped."""


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One regular expression of a recognizer, with the score of a bare match."""

    name: str
    regex: str
    score: float


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
            r"(?<![\w.!#$%*+^`{|}~-])[\w!#$%*+^`{|}~-](?:[\w.!#$%'*+^`{|}~-]{0,62}"
            rf"[\w!#$%'*+^`{{|}}~-])?{_AT}{_DOMAIN}",
            0.5,
        ),
        PatternSpec("Email, quoted local part", rf'"[^"\r\n@]{{1,64}}"{_AT}{_DOMAIN}', 0.5),  # "jane doe"@x.com
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
        0.6,
    ),),
    validate=spelled_email,
)

_PHONE = EntitySpec(
    "PHONE_NUMBER", "PhoneNumberRecognizer",
    (PatternSpec(
        "phone candidate",
        # A loose candidate: digit runs with separators; python-phonenumbers decides.
        r"(?<![\w+@./#-])(?:(?:\+|00)[ \t]?)?\(?\d[\d \t.\-/()]{5,22}\d"
        r"(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?(?![\w-])",
        0.4,
    ),),
    context=("phone", "tel", "telephone", "mobile", "cell", "call", "whatsapp", "number", "reach"),
    validate=phone_valid,
    veto=look_alike,
    parts=phone_prefixes,  # "+1 201-555-0000 4000 0000 0000 0002": the phone is the first three groups
)

_CARD = EntitySpec(
    "CREDIT_CARD", "CreditCardRecognizer",
    (PatternSpec(
        "card number",  # Presidio's, plus Mastercard's 2221-2720 range (since 2017)
        r"\b(?!1\d{12}(?!\d))(?:4\d{3}|5[0-5]\d{2}|2[2-7]\d{2}|6\d{3}|1\d{3}|3\d{3})[- ]?\d{3,4}"
        r"[- ]?\d{3,4}[- ]?\d{3,5}\b",
        0.3,
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
            0.3,
        ),
        PatternSpec("card number, one run", r"(?<![\w.-])(?!1\d{12}(?!\d))\d{12,19}(?![\w-]|[.-]\d)", 0.3),
    ),
    context=_CARD.context,
    validate=any_card,  # 12-19 digits, Luhn
    veto=look_alike,  # an order or ticket number that happens to pass Luhn stays
)

_IBAN = EntitySpec(
    "IBAN_CODE", "IbanRecognizer",
    (
        PatternSpec(
            "IBAN Generic",  # Presidio's, its optional tail groups tried off first
            r"(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})"
            r"((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])",
            0.5,
        ),
        PatternSpec(
            # The same in lower case, apart: one pattern for both cases would let the
            # words before an IBAN ("bf00 customer GB09…") start a candidate that swallows it.
            "IBAN, lower case",
            r"(?<![a-z0-9])([a-z]{2}[0-9]{2}(?:[ -]?[a-z0-9]{4}){2,6})"
            r"((?:[ -]?[a-z0-9]{4})?)((?:[ -]?[a-z0-9]{1,3})?)(?![a-z0-9])",
            0.5,
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
        PatternSpec("IPv4", r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b", 0.6),
        PatternSpec(  # loose, made exact by ip_interface: Presidio's IPv6 pattern costs more than all others
            "IPv6",
            r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[0-9a-zA-Z]+)?(?:/\d{1,3})?(?![\w:])",
            0.6,
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
        0.9,
    ),),
)

_BEARER_TOKEN = EntitySpec(
    "BEARER_TOKEN", "BearerTokenRecognizer",
    (
        PatternSpec("bearer token", r"\bbearer[ \t]{1,5}\K[A-Za-z0-9\-._~+/]{11,}[A-Za-z0-9\-_~+/]=*", 0.9),
        PatternSpec("basic credentials", r"\bbasic[ \t]{1,5}\K[A-Za-z0-9+/]{12,}={0,2}", 0.8),
        PatternSpec("JWT", r"\beyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{5,}", 0.95),
    ),
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

_STREET_ADDRESS = EntitySpec(
    "STREET_ADDRESS", "StreetAddressRecognizer",
    (
        PatternSpec(  # 221B Baker Street, 1777 Kramer Court Apt. 533
            "number first",
            rf"\b\d{{1,5}}[A-Za-z]?(?:-\d{{1,4}})?,?[ \t]+(?:{_CAP_WORD}[ \t]+){{1,4}}{_SUFFIX}"
            rf"(?:,?[ \t]+{_UNIT})?",
            0.7,
        ),
        PatternSpec(  # Flat 5 / Francesca Plains (UK: the unit on the line above the street)
            "unit first",
            rf"\b(?:Flat|Studio|Apartment|Apt|Unit|Suite)\.?[ \t]+\d{{1,5}}[A-Za-z]?,?[ \t]*\n?[ \t]*"
            rf"(?:\d{{1,5}}[A-Za-z]?[ \t]+)?(?:{_CAP_WORD}[ \t]+){{1,4}}{_SUFFIX}",
            0.7,
        ),
        PatternSpec(  # Kerkstraat 12, Beckergasse 8, Murat-Heinrich-Allee 7740, Drubinstraße 47-26
            "suffix glued, number after",
            rf"\b\p{{Lu}}[\p{{L}}'’\-]{{0,40}}?{_EU_SUFFIX}[ \t]+\d{{1,5}}[a-zA-Z]?(?:[-/]\d{{1,5}}[a-zA-Z]?)?\b",
            0.7,
        ),
        PatternSpec(  # 5, avenue Samson (two patterns: an optional lead costs a third more)
            "french voie, numbered",
            rf"\b\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+{_VOIE}",
            0.6,
        ),
        PatternSpec("french voie", rf"\b{_VOIE}", 0.6),  # rue de la Paix
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
            0.5,
        ),
    ),
    flags=_CASED,
    context=("zip", "postcode", "postal", "post code", "plz"),
    veto=look_alike,
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
_INTRODUCTIONS = (r"(?i:my[ \t]+name[ \t]+is|my[ \t]+name's|this[ \t]+is|name:|ich[ \t]+bin"
                  r"|je[ \t]+m'appelle|mijn[ \t]+naam[ \t]+is)")

_CONTEXT_NAME = EntitySpec(
    "PERSON", "ContextNameRecognizer",
    (
        PatternSpec("greeting", rf"(?<=\b{_GREETINGS}[ \t]+){_NAME}(?=[ \t]*(?:[,!:;.\n]|$))", 0.7),
        PatternSpec(
            "sign-off",
            rf"(?<=\b{_SIGN_OFFS}[ \t]*[,!:\-–—]?[ \t]*\n[ \t\n]{{0,4}}(?:[-–—][ \t]*)?){_NAME}"
            r"(?=[ \t]*(?:[,.\n]|$))",
            0.7,
        ),
        PatternSpec("sign-off, same line",
                    rf"(?<=\b{_SIGN_OFFS}[ \t]*[,\-–—][ \t]*){_NAME}(?=[ \t]*(?:[.!\n]|$))", 0.6),
        PatternSpec("introduction", rf"(?<=\b{_INTRODUCTIONS}[ \t]+){_NAME}", 0.7),
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
        r"|geboren(?:[ \t]+am)?|geboortedatum|née?[ \t]+le)[ \t]*(?:is[ \t]+)?[:=-]?[ \t]*\K"
        rf"{_DATE}\b",
        0.85,
    ),),
)

_ID_WORDS = (
    r"national[ \t]+(?:id|identity|identification|insurance)(?:[ \t]+(?:card|number|no\.?))?"
    r"|(?:personal|citizen|identity)[ \t]+(?:id|number|code)|id[ \t]+(?:number|no\.?|card)"
    r"|bsn|burgerservicenummer|sofinummer|steuer-?id|steueridentifikationsnummer|idnr|nir|insee"
    r"|sécurité[ \t]+sociale|dni|nie|codice[ \t]+fiscale|rijksregisternummer|numéro[ \t]+national"
    r"|personnummer|cpr|fødselsnummer|fodselsnummer|henkilötunnus|hetu|pesel|cpf|aadhaar"
    r"|social[ \t]+insurance(?:[ \t]+(?:number|no\.?))?|sin|tfn|pps|nhs[ \t]+number"  # US SSNs: their own row
    r"|curp|tc[ \t]+kimlik|oib|egn|cnp|ahv|rodné[ \t]+číslo"
)
_NATIONAL_ID = EntitySpec(
    "NATIONAL_ID", "NationalIdRecognizer",
    (PatternSpec(  # "BSN: 111222333", "PESEL 44051401359", "CPF 390.533.447-05"
        "identifier after an identity word",
        rf"\b(?i:{_ID_WORDS})(?:[ \t]*(?i:number|no\.?|nr\.?|\#))?[ \t]*(?i:is[ \t]+)?[:=\#-]?[ \t]*\K"
        r"[0-9A-Z](?:[0-9A-Z]|[ .\-/](?=[0-9A-Z])){5,24}(?![\w-])",
        0.5,
    ),),
    flags=_CASED,  # the identifier in capitals and digits; the words before it in any case
    validate=national_id,  # python-stdnum: a checksum some country's identifier passes
)

ENTITIES: tuple[EntitySpec, ...] = (
    _EMAIL, _SPELLED_EMAIL, _PHONE, _CARD, _ANY_CARD, _IBAN, _IP, _SSN, _URL_CREDENTIALS, _BEARER_TOKEN,
    _STREET_ADDRESS, _POSTCODE, _CONTEXT_NAME, _DATE_OF_BIRTH, _NATIONAL_ID,
)
"""Every built-in recognizer, in the order findings of equal rank are reported."""
