"""The key vocabulary: what a key holds, read from its words.

``requester_name``, ``billingEmail``, ``home-address``, ``contact.phone`` and
``DateOfBirth`` name personal data whatever the exact spelling.  A key is split
into lower-case words (snake, camel, kebab, dotted and spaced keys alike), and
the words are read the way English compounds are: the last word is the head
(``company_name`` is a name, ``email_count`` is a count), the words before it
qualify it (a ``company`` name is not a person's), and a head that only says
"value" (``number``, ``address``, ``line``, ``1``) defers to the word before
(``phone_number`` is a phone, ``card_number`` a card, ``order_number`` an id).
``X_of_Y`` and ``X_on_Y`` read as ``Y_X`` (``date_of_birth``, ``name_on_card``).

:func:`classify` returns a *class* (``"email"``, ``"person"``, ``"id"``…) or
``None``; the policy maps classes to actions with ``~class`` path segments
(``**.~email``), so exact rules still win and users can override a class.  The
word lists are written from general knowledge of how fields are named, not
from any test corpus.  Classification is memoised per key: the automaton calls
it once per key and state, never per event.
"""

from __future__ import annotations

import functools
import re

__all__ = ["CLASSES", "classify", "reads_as_name", "split_words"]

#: Every class :func:`classify` can return (what ``~class`` path segments may name).
CLASSES = frozenset({
    "email", "phone", "person", "address", "postcode", "location", "ip", "card", "iban",
    "bank_account", "ssn", "national_id", "dob", "secret", "avatar", "id", "party",
})

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")

# Words written as one (``firstname``, ``zipcode``): read as the words they join.
_JOINED = {
    "firstname": ("first", "name"), "lastname": ("last", "name"), "fullname": ("full", "name"),
    "surname": ("last", "name"), "forename": ("first", "name"), "givenname": ("given", "name"),
    "familyname": ("family", "name"), "nickname": ("nick", "name"), "displayname": ("display", "name"),
    "username": ("user", "name"), "userid": ("user", "id"), "emailaddress": ("email",),
    "email": ("email",), "mail": ("email",), "phonenumber": ("phone",), "mobilenumber": ("phone",),
    "telephone": ("phone",), "cellphone": ("phone",), "zipcode": ("postcode",), "zip": ("postcode",),
    "postalcode": ("postcode",), "postcode": ("postcode",), "dateofbirth": ("dob",), "birthdate": ("dob",),
    "birthday": ("dob",), "dob": ("dob",), "ipaddress": ("ip",), "ipv4": ("ip",), "ipv6": ("ip",),
    "creditcard": ("card",), "cardnumber": ("card",), "pan": ("card",), "ccnumber": ("card",),
    "iban": ("iban",), "ssn": ("ssn",), "passport": ("passport",), "apikey": ("api", "key"),
    "hostname": ("host", "name"), "filename": ("file", "name"), "pathname": ("path", "name"),
    "streetaddress": ("street", "address"), "homeaddress": ("home", "address"),
}

# Heads that say "a value of the word before me".
_VALUE_HEADS = frozenset({
    "number", "numbers", "no", "num", "nr", "address", "addr", "value", "val", "text", "str", "string",
    "line", "field", "data", "info", "raw", "full", "hash", "digest", "masked", "encrypted", "plain",
    "original", "normalized", "normalised", "primary", "secondary", "main", "other", "new", "old",
    "current", "previous", "code",
})
# Heads (or words anywhere after the subject) that make a key about the thing, not the thing.
_META_HEADS = frozenset({
    "at", "on", "time", "timestamp", "ts", "count", "counts", "total", "length", "len", "size",
    "type", "types", "kind", "status", "state", "enabled", "disabled", "verified", "valid", "validated",
    "required", "present", "exists", "changed", "updated", "created", "sent", "opted", "optin", "optout",
    "opt", "version", "format", "policy", "column", "label", "template", "hint", "strength", "mode",
    "source", "provider", "domain", "domains", "country", "region", "prefix", "suffix", "pattern",
    "regex", "rule", "rules", "setting", "settings", "preference", "preferences", "consent", "bounced",
    "bounce", "unsubscribed", "subscribed", "subscription", "subscriptions", "limit", "max", "min",
    "last4", "brand", "expiry", "exp", "expires", "expiration", "month", "year", "fingerprint",
    "is", "has", "flag", "visible", "hidden", "list", "lists", "config", "confirmed", "confirmation",
})

_PERSON_WORDS = frozenset({
    "first", "last", "given", "family", "middle", "full", "display", "real", "legal", "maiden", "nick",
    "customer", "contact", "user", "requester", "requestor", "assignee", "author", "sender", "recipient",
    "owner", "agent", "admin", "teammate", "member", "person", "visitor", "lead", "buyer", "seller",
    "holder", "cardholder", "account", "billing", "shipping", "patient", "employee", "passenger", "guest",
    "signer", "spouse", "emergency", "manager", "reporter", "submitter", "creator", "approver", "client",
    "subscriber", "applicant", "beneficiary", "payer", "payee", "driver", "rider", "student", "parent",
    "reviewer", "commenter", "participant", "attendee", "speaker", "caller", "callee", "from", "to",
    "reply", "cc", "bcc", "my", "your", "their", "his", "her", "mother", "father", "pseudonym",
})
# A key that is only one of these names a party to the conversation: its value is a person
# (``"requester": "Jane Doe"``) or an object about one (Intercom's ``author``).
_PARTIES = frozenset({
    "requester", "requestor", "assignee", "author", "sender", "recipient", "customer", "user", "contact",
    "visitor", "teammate", "admin", "reporter", "submitter", "approver", "reviewer", "commenter",
    "cardholder", "payer", "payee", "beneficiary", "applicant", "patient", "employee", "passenger",
    "guest", "attendee", "participant", "caller", "callee", "subscriber", "buyer", "seller", "owner",
    "creator", "person",
})
_NOT_PERSON_WORDS = frozenset({
    "company", "org", "organization", "organisation", "business", "team", "tag", "segment", "plan",
    "product", "app", "application", "service", "host", "file", "path", "event", "queue", "topic",
    "table", "column", "attribute", "attr", "class", "module", "function", "func", "method", "logger",
    "metric", "bucket", "key", "domain", "package", "project", "repo", "branch", "job", "task",
    "workflow", "workspace", "channel", "campaign", "article", "collection", "section", "feature",
    "role", "group", "category", "browser", "device", "os", "platform", "model", "currency",
    "language", "locale", "timezone", "zone", "environment", "env", "bot", "integration", "webhook",
    "index", "schema", "db", "database", "cluster", "pod", "node", "container", "image", "release",
    "operation", "span", "trace", "test", "step", "stage", "button", "page", "screen", "view", "route",
    "endpoint", "resource", "object", "entity", "item", "sku", "variant", "tier", "ticket", "series",
    "content", "ruleset", "newsfeed", "brand", "store", "shop", "site", "website", "server", "region",
    "bank", "merchant", "vendor", "partner", "template", "report", "dataset", "form", "layout",
    "theme", "font", "color", "colour", "icon", "folder", "directory", "dir", "sheet", "tab", "field",
    "param", "parameter", "header", "cookie", "state", "status", "action", "command", "macro",
    "snippet", "help", "center", "city", "country", "street", "venue", "place", "location",
    # OpenTelemetry's semantic conventions: net.peer.name, telemetry.sdk.name, messaging.destination.name
    "net", "network", "sdk", "library", "instrumentation", "scope", "rpc", "messaging", "destination",
    "system", "cloud", "exchange", "broker", "producer", "http", "url", "otel", "telemetry",
})
_LOCATION_WORDS = frozenset({"city", "town", "region", "county", "province", "district", "neighbourhood",
                             "neighborhood", "locality", "birthplace"})
_GEO_WORDS = frozenset({"latitude", "longitude", "lat", "lng", "lon", "geo", "geolocation", "coordinates",
                        "gps", "geoip"})
_ID_QUALIFIERS = frozenset({
    "order", "ticket", "invoice", "tracking", "confirmation", "booking", "reservation", "receipt",
    "transaction", "case", "reference", "ref", "po", "sku", "serial", "version", "build", "request",
    "conversation", "message", "job", "batch", "payment", "refund", "shipment", "claim", "issue",
    "incident", "part", "item", "line", "sequence", "seq", "page", "row", "port", "error", "status",
})
_SECRET_HEADS = frozenset({"password", "passwd", "pwd", "secret", "token", "credential", "credentials",
                           "cookie", "cookies", "passphrase", "pin", "otp", "cvv", "cvc", "cvv2", "authorization"})
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"),
                           ("signing", "key"), ("session", "key"), ("security", "code"), ("auth", "key"),
                           ("auth", "code"), ("verification", "code"), ("reset", "code"), ("session", "id")})
_NATIONAL_WORDS = frozenset({"passport", "nationalid", "nin", "nino", "tin", "tfn", "aadhaar", "pesel",
                             "bsn", "cpf", "nric", "curp", "rut"})
_DRIVER = frozenset({"driver", "drivers", "driving"})
_PHONE_HEADS = frozenset({"phone", "mobile", "cell", "tel", "fax", "msisdn", "landline", "whatsapp"})
_IP_QUALIFIERS = frozenset({"remote", "client", "peer", "source", "src", "origin", "user", "customer"})
_NOT_PAYMENT_CARDS = frozenset({"gift", "loyalty", "id", "business", "sim", "key", "report", "sd", "graphics",
                                "video", "sound", "network", "wild", "score", "trello", "kanban", "board"})
_MAIL_PARTIES = frozenset({"sender", "recipient", "from", "to", "reply", "cc", "bcc", "return", "bounce"})
_OTHER_ADDRESSES = frozenset({"mac", "wallet", "web", "server", "bind", "listen", "memory", "base", "host",
                              "proxy", "broadcast", "network", "contract", "btc", "eth", "bitcoin", "url",
                              "site", "link", "target", "destination", "dest", "gateway", "hardware",
                              "multicast", "public", "private", "local", "loopback", "socket", "redis",
                              "smtp", "dns", "node", "service", "ipv4", "ipv6", "ip"})
_PICTURES = frozenset({"avatar", "photo", "picture", "selfie"})
_NUMBER_WORDS = frozenset({"number", "no", "num", "nr", "code", "reference", "ref"})
_FLAG_PREFIXES = frozenset({"is", "has", "can", "should", "allow", "allows", "use", "enable", "show", "needs"})
_ID_HEADS = frozenset({"id", "ids", "uuid", "guid", "uid", "login", "handle", "ref", "reference"})


def split_words(key: str) -> tuple[str, ...]:
    """``"billingEmail"`` → ``("billing", "email")``; ``"custom_attributes.address"`` → three words."""
    words: list[str] = []
    for part in _SEPARATORS.split(key):
        for word in _CAMEL.findall(part):
            low = word.lower()
            words.extend(_JOINED.get(low, (low,)))
    return tuple(words)


@functools.lru_cache(maxsize=8192)
def classify(key: str) -> str | None:
    """The class of data ``key`` names, or ``None`` when its words say nothing."""
    if key[:1] == "<" and key[-1:] == ">":
        return None  # a sink's label for a part of an event ("<message>", "<name>"), not a key
    words = split_words(key)
    if not words or len(words) > 12:
        return None
    for preposition in ("of", "on", "for"):
        if preposition in words[1:-1]:  # "date_of_birth" → "birth date"
            at = words.index(preposition, 1)
            if words[at + 1:] == ("birth",):
                return "dob" if words[at - 1] in ("date", "day") else "location"
            words = (*words[at + 1:], *words[:at])
            break
    return _classify_words(words)


def _classify_words(words: tuple[str, ...]) -> str | None:
    if len(words) > 1 and words[0] in _FLAG_PREFIXES:
        return None  # "is_mobile", "has_email": a flag about the value
    head_at = len(words) - 1
    while head_at > 0 and (words[head_at] in _VALUE_HEADS or words[head_at].isdigit()):
        head_at -= 1  # "address_line_1" → address, "phone_number" → phone
    head, before = words[head_at], frozenset(words[:head_at])
    found = _secret(words, head) or _strong(words, head)
    if found is None and not (len(words) > 1 and words[-1] in _META_HEADS):
        # "email_verified", "phone_count": about the value, not the value
        found = _contact_point(words, head, before) or _identity(words, head, before)
    return found


def _secret(words: tuple[str, ...], head: str) -> str | None:
    if head in _SECRET_HEADS or words[-2:] in _SECRET_PAIRS:
        return "secret"
    return None


def _strong(words: tuple[str, ...], head: str) -> str | None:
    """Words that name personal data wherever they stand (``ssn_last4`` is still about an SSN)."""
    if head == "dob" or ("birth" in words and head in ("date", "day", "birth")):
        return "dob"
    if "ssn" in words or ("social" in words and "security" in words):
        return "ssn"
    if head in _NATIONAL_WORDS or (head == "id" and ("national" in words or "tax" in words)) \
            or (head in ("licence", "license") and not _DRIVER.isdisjoint(words)):
        return "national_id"
    if head == "iban" or (head in ("account", "acct", "bank") and "bank" in words):
        return "iban" if head == "iban" else "bank_account"
    return None


def _contact_point(words: tuple[str, ...], head: str, before: frozenset[str]) -> str | None:
    """E-mail, phone, addresses and places."""
    if head == "email" or (head == "mail" and "e" in before):
        return "email"
    if head in _PHONE_HEADS:
        return "phone"
    if head == "ip" or (head == "for" and "forwarded" in before) or \
            (words[-1] in ("addr", "address") and head in _IP_QUALIFIERS):
        return "ip"
    if head in ("postcode", "postal", "post") and (head == "postcode" or words[-1] == "code"):
        return "postcode"
    if head in _LOCATION_WORDS or head in _GEO_WORDS:
        return "location"
    if head == "street" or ("address" in words or "addr" in words):
        # "home_address", "custom_attributes.address"; "from_address" is an e-mail's
        return "email" if head in _MAIL_PARTIES else None if head in _OTHER_ADDRESSES else "address"
    return None


def _identity(words: tuple[str, ...], head: str, before: frozenset[str]) -> str | None:
    """Names, parties, cards, pictures and identifiers."""
    if len(words) == 1 and head in _PARTIES:
        return "party"
    if head in ("name", "names"):
        return _name(before)
    if head in ("pseudonym", "person"):
        return "person"
    if (head == "card" and before.isdisjoint(_NOT_PAYMENT_CARDS)) or (head == "cc" and words[-1] in _NUMBER_WORDS):
        return "card"
    if head in ("avatar", "photo", "picture", "selfie") or (head == "url" and not before.isdisjoint(_PICTURES)):
        return "avatar"
    if head in _ID_HEADS or (words[-1] in _NUMBER_WORDS and (head in _ID_QUALIFIERS or head in _NUMBER_WORDS)):
        return "id"
    return None


def _name(qualifiers: frozenset[str]) -> str | None:
    if not qualifiers.isdisjoint(_LOCATION_WORDS):
        return "location"  # "city_name", "region_name"
    if "street" in qualifiers:
        return "address"
    if qualifiers.isdisjoint(_NOT_PERSON_WORDS) or not qualifiers.isdisjoint(_PERSON_WORDS):
        return "person"
    return None  # "company_name", "file_name": scanned as any other text


def reads_as_name(value: str) -> bool:
    """A person's name standing alone: one to four words of letters (``"Jane Doe"``, ``"łukasz"``, ``"O'Brien"``).

    What a party's key (``requester``, ``author``) holds when it is no object:
    a name is replaced; an e-mail, a handle or an id (digits, ``_``, ``@``) is
    scanned as any other text.
    """
    words = value.split()
    if not 1 <= len(words) <= 4 or len(value) > 80:
        return False
    return all(word[0].isalpha() and all(ch.isalpha() or ch in "'’-." for ch in word) for word in words)
