"""The data policy: which Intercom fields are personal data and what to do with them.

A :class:`Policy` is plain, immutable configuration.  :class:`~intercom_redact.Redactor`
compiles it once; nothing here runs per event.

Precedence, when several rules select the same value:

1. A key named in ``secret_keys`` (``authorization``, ``token``, ``password``, …)
   is always redacted, whatever any rule says.
2. Otherwise the most specific rule wins: a literal key or index counts 3, ``*``
   and ``[*]`` count 1, ``**`` counts 0.  ``contact.email`` (6) beats
   ``*.email`` (4), which beats ``**.email`` (3).
   A ``[type=company]`` condition counts 3 and a key-vocabulary class
   (``~email``) 2, so an exact key always beats the vocabulary:
   ``**.billing_email`` (3) beats ``**.~email`` (2), and ``**.name`` (3) loses
   to ``**[type=company].name`` (6).
3. On a tie, the rule listed later wins, so a user's rules override the default
   classification they extend.

A rule that selects a container (a dict, list or object) applies to everything
inside it, unless a more specific rule selects something deeper (a vocabulary
class is deeper: ``billing_email`` inside a kept container is still an e-mail).

The default classification reads keys by their words (:mod:`._vocabulary`):
``requester_name``, ``billingEmail``, ``home-address`` and ``dob`` are
classified wherever they appear.  A ``name`` is a person's unless the object's
``type`` (or the key it sits under) says it is a company, tag, segment, team,
plan, ticket type, data attribute or another workspace-defined thing, as in
Intercom's OpenAPI description.  Identifier keys (``id``, ``*_id``,
``order_number``) keep their values unless a value looks like personal data (an
e-mail used as an id), which is then scanned.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ._paths import PathSyntaxError, Segment, parse_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = [
    "ACTIONS",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_SECRET_KEYS",
    "ENTITY_TYPES",
    "VOCABULARY_TYPES",
    "Policy",
    "PolicyError",
    "Rule",
]

#: What a rule may do with the value it selects.  ``identifier``: keep the value
#: unless it looks like personal data (an e-mail, a ``+`` phone, words), then scan it.
#: ``name``: a value that reads as a name (words of letters) is the rule's type
#: (``PERSON`` by default), anything else is scanned; an object under it is walked.
ACTIONS = frozenset({"redact", "pseudonymize", "mask", "drop", "keep", "scan", "identifier", "name"})
#: What a type may do with the values of that type (fields and text findings).
TYPE_ACTIONS = frozenset({"redact", "pseudonymize", "mask", "keep"})

#: Entity types known to the engine and the scanner.  Custom types are allowed
#: in rules; these are the ones with built-in masking and normalization.
ENTITY_TYPES = frozenset({
    "EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON", "LOCATION", "STREET_ADDRESS", "POSTCODE",
    "IP_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "URL_CREDENTIALS", "BEARER_TOKEN",
    "SECRET", "AVATAR", "SOCIAL_PROFILE", "UNSCANNED", "DATE_OF_BIRTH", "NATIONAL_ID", "BANK_ACCOUNT",
    "FRAME_LOCAL",
})

#: The classes of the key vocabulary and the entity type each one is redacted as.
VOCABULARY_TYPES = MappingProxyType({
    "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "person": "PERSON", "address": "STREET_ADDRESS",
    "postcode": "POSTCODE", "location": "LOCATION", "ip": "IP_ADDRESS", "card": "CREDIT_CARD",
    "iban": "IBAN_CODE", "bank_account": "BANK_ACCOUNT", "ssn": "US_SSN", "national_id": "NATIONAL_ID",
    "dob": "DATE_OF_BIRTH", "secret": "SECRET", "avatar": "AVATAR",
})

# Objects of Intercom's OpenAPI description whose ``name`` the workspace gives
# (by their ``type``, and by the keys that hold them): not a person's name.
_NAMED_THINGS = ("company|tag|segment|team|plan|ticket_type|ticket_type_attribute|data_attribute|app|"
                 "newsfeed|collection|group_content|bot|help_center|subscription_type|ticket_state|"
                 "news_item|section|article|conversation_attribute|custom_object")
_THING_LISTS = ("companies", "teams", "ticket_types", "ticket_type_attributes", "data_attributes")
_THING_KEYS = ("company", "tag", "segment", "team", "plan", "ticket_type", "app")
# Files and attachments are named by whoever uploaded them: scanned, not kept.
_FILE_THINGS = "upload|file|url|attachment"

DEFAULT_SECRET_KEYS = frozenset({
    "authorization", "proxy-authorization", "cookie", "cookies", "set-cookie",
    "token", "access_token", "refresh_token", "id_token", "session_token",
    "password", "passwd", "secret", "client_secret", "api_key", "apikey", "x-api-key",
    "private_key", "hmac_key",
})

#: Days each kind of stored data is kept (see ``intercom_redact.compliance.retention``).
DEFAULT_RETENTION_DAYS = MappingProxyType({
    "contact_cache": 30,
    "conversation_cache": 90,
    "webhook_events": 30,
    "export_files": 7,
    "audit_log": 2555,
})

DEFAULT_PLACEHOLDER = "[REDACTED:{type}]"


class PolicyError(ValueError):
    """The policy is invalid.  The message names the offending rule or setting."""


@dataclass(frozen=True, slots=True)
class Rule:
    """Select values by ``path`` and say what happens to them.

    ``action`` is one of :data:`ACTIONS`; when omitted, the action configured for
    ``type`` is used (``redact`` unless the policy's ``types`` table says
    otherwise).  ``type`` names the kind of data (``EMAIL_ADDRESS``,
    ``PHONE_NUMBER``…) for placeholders, masking, pseudonyms and summaries.
    """

    path: str
    action: str | None = None
    type: str | None = None
    segments: tuple[Segment, ...] = field(default=(), compare=False, repr=False)

    @property
    def specificity(self) -> int:
        return sum(seg.weight for seg in self.segments)


def _classification() -> tuple[Rule, ...]:
    """The Intercom data classification (DESIGN.md §2), in precedence order."""
    pii = [
        ("**.email", "EMAIL_ADDRESS"),
        ("**.name", "PERSON"),
        ("**.first_name", "PERSON"),
        ("**.last_name", "PERSON"),
        ("**.phone", "PHONE_NUMBER"),
        ("**.location", "LOCATION"),
        ("**.ip_address", "IP_ADDRESS"),
        ("**.avatar", "AVATAR"),
        ("**.social_profiles", "SOCIAL_PROFILE"),
        ("**.custom_attributes.address", "STREET_ADDRESS"),
        ("**.custom_attributes.ssn", "US_SSN"),
        # Intercom visitors: a generated pseudonym and where they browse from.
        ("**.pseudonym", "PERSON"),
        ("**.location_data", "LOCATION"),
        # structlog's dict_tracebacks: a frame's locals are values of any kind,
        # typed by their names where the vocabulary knows them.
        ("**.frames[*].locals.*", "FRAME_LOCAL"),
        *((f"**.frames[*].locals.~{name}", type_) for name, type_ in VOCABULARY_TYPES.items()),
    ]
    # Keys classified by their words; exact keys above and below win.
    vocabulary = [(f"**.~{name}", type_) for name, type_ in VOCABULARY_TYPES.items()]
    # Ids are kept unless one looks like personal data: ids the workspace
    # supplies (external_id, user_id) are often the customer's email.
    identifiers = ["**.~id", "**.id", "**.intercom_user_id", "**.contact_ids", "**.external_id", "**.user_id",
                   "**.frames[*].locals.~id"]
    content = ["**.body", "**.subject", "**.title", "**.custom_attributes",
               f"**[type={_FILE_THINGS}].name", "**.attachments[*].name", "**.attachment_files[*].name",
               # Companies, tags, segments, teams... are named by the workspace: no person's
               # name by the schema, but free text all the same ("call back +44 20 7946 0958").
               f"**[type={_NAMED_THINGS}].name", "**.tags.**.name", "**.segments.**.name",
               *(f"**.{key}[*].name" for key in _THING_LISTS), *(f"**.{key}.name" for key in _THING_KEYS)]
    metadata = [
        "**.created_at", "**.updated_at", "**.role", "**.type", "**.state",
        # structlog's dict_tracebacks: a frame's function name, not a person's.
        "**.frames[*].name", "**.exc_type",
        # Fields that structlog and the stdlib add to every event.
        "level", "timestamp", "logger", "logger_name",
    ]
    return (
        *(Rule(path, type=type_) for path, type_ in vocabulary),
        *(Rule(path, type=type_) for path, type_ in pii),
        # A party's key alone ("requester", "author"): a bare name is a person, an object is walked.
        Rule("**.~party", "name", type="PERSON"),
        *(Rule(path, "identifier") for path in identifiers),
        *(Rule(path, "scan") for path in content),
        *(Rule(path, "keep") for path in metadata),
    )


@dataclass(frozen=True, slots=True)
class Policy:
    """An immutable data policy.

    Build one with :meth:`default`, :meth:`from_dict` or :meth:`from_toml`;
    ``Policy()`` is the default Intercom classification.
    """

    rules: tuple[Rule, ...] = ()
    placeholder: str = DEFAULT_PLACEHOLDER
    #: Per entity type: ``{"action": ..., "placeholder": ...}``.
    types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    secret_keys: frozenset[str] = DEFAULT_SECRET_KEYS
    #: Values never reported by the scanner (exact strings) and company domains.
    allow: tuple[str, ...] = ()
    allow_domains: tuple[str, ...] = ()
    retention: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RETENTION_DAYS))
    max_depth: int = 64
    max_nodes: int = 50_000
    time_budget: float = 0.25

    def __post_init__(self) -> None:
        if not self.rules:
            object.__setattr__(self, "rules", _classification())
        object.__setattr__(self, "rules", tuple(_checked_rule(i, r) for i, r in enumerate(self.rules)))
        object.__setattr__(self, "secret_keys", frozenset(k.lower() for k in self.secret_keys))
        _check_template(self.placeholder, "placeholder")
        for name, settings in self.types.items():
            _check_type_settings(name, settings)
        _check_retention(self.retention)
        for attr in ("max_depth", "max_nodes"):
            value = getattr(self, attr)
            if not isinstance(value, int) or value < 1:
                raise PolicyError(f"{attr} must be a positive integer, got {value!r}")
        if not isinstance(self.time_budget, (int, float)) or self.time_budget <= 0:
            raise PolicyError(f"time_budget must be a positive number of seconds, got {self.time_budget!r}")

    # -- construction -------------------------------------------------------------

    @classmethod
    def default(cls) -> Policy:
        """The Intercom data classification of DESIGN.md §2."""
        return cls()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build a policy from a mapping shaped like the TOML file.

        ``rules`` extend the default classification (and override it on ties)
        unless ``inherit_defaults = false``.
        """
        if not isinstance(data, Mapping):
            raise PolicyError(f"a policy must be a mapping, got {type(data).__name__}")
        known = {"inherit_defaults", "rules", "placeholder", "types", "secret_keys", "allow",
                 "allow_domains", "retention", "limits"}
        unknown = set(data) - known
        if unknown:
            raise PolicyError(f"unknown policy setting(s): {', '.join(sorted(map(str, unknown)))}")
        inherit = data.get("inherit_defaults", True)
        if not isinstance(inherit, bool):
            raise PolicyError("inherit_defaults must be true or false")
        raw_rules = data.get("rules", [])
        if not isinstance(raw_rules, list):
            raise PolicyError("rules must be a list of tables like {path = '**.email', action = 'redact'}")
        rules = [_rule_from_mapping(i, raw) for i, raw in enumerate(raw_rules)]
        if inherit:
            rules = [*_classification(), *rules]
        elif not rules:
            raise PolicyError("inherit_defaults = false needs at least one rule")
        kwargs: dict[str, Any] = {"rules": tuple(rules)}
        if "placeholder" in data:
            kwargs["placeholder"] = data["placeholder"]
        if "types" in data:
            types = data["types"]
            if not isinstance(types, Mapping):
                raise PolicyError("types must be a table of entity types")
            kwargs["types"] = {str(k).upper(): dict(v) if isinstance(v, Mapping) else v
                               for k, v in types.items()}
        if "secret_keys" in data:
            extra = _string_list(data["secret_keys"], "secret_keys")
            # Secrets can be added to, never removed: they are always redacted.
            kwargs["secret_keys"] = DEFAULT_SECRET_KEYS | frozenset(extra)
        for name in ("allow", "allow_domains"):
            if name in data:
                kwargs[name] = tuple(_string_list(data[name], name))
        if "retention" in data:
            retention = data["retention"]
            if not isinstance(retention, Mapping):
                raise PolicyError("retention must be a table of category = days")
            kwargs["retention"] = {**DEFAULT_RETENTION_DAYS, **retention}
        limits = data.get("limits", {})
        if not isinstance(limits, Mapping):
            raise PolicyError("limits must be a table")
        for name, value in limits.items():
            if name not in ("max_depth", "max_nodes", "time_budget"):
                raise PolicyError(f"unknown limit {name!r}: expected max_depth, max_nodes or time_budget")
            kwargs[name] = value
        return cls(**kwargs)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Policy:
        """Load a policy file; errors name the file and the bad setting."""
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {os.fspath(path)!r}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"policy file {os.fspath(path)!r} is not valid TOML: {exc}") from None
        try:
            return cls.from_dict(data)
        except PolicyError as exc:
            raise PolicyError(f"policy file {os.fspath(path)!r}: {exc}") from None

    def with_rules(self, *rules: Rule) -> Policy:
        """A copy of this policy with ``rules`` added after the existing ones."""
        return replace(self, rules=(*self.rules, *rules))

    # -- queries used by the compiler --------------------------------------------------

    def type_action(self, entity_type: str) -> str:
        """The action for values of ``entity_type`` (``redact`` unless configured)."""
        if entity_type == "SECRET":
            return "redact"
        return self.types.get(entity_type, {}).get("action", "redact")

    def placeholder_for(self, entity_type: str) -> str:
        template = self.types.get(entity_type, {}).get("placeholder", self.placeholder)
        return template.replace("{type}", entity_type)


def _checked_rule(index: int, rule: Rule) -> Rule:
    if not isinstance(rule, Rule):
        raise PolicyError(f"rule {index}: expected a Rule, got {type(rule).__name__}")
    where = f"rule {index} ({rule.path!r})"
    if rule.segments:
        return rule  # already checked (a Policy built from another policy's rules)
    try:
        segments = parse_path(rule.path)
    except PathSyntaxError as exc:
        raise PolicyError(f"{where}: bad path: {exc}") from None
    if rule.action is not None and rule.action not in ACTIONS:
        raise PolicyError(f"{where}: unknown action {rule.action!r}; expected one of {', '.join(sorted(ACTIONS))}")
    if rule.type is not None and (not isinstance(rule.type, str) or not rule.type.strip()):
        raise PolicyError(f"{where}: type must be a non-empty string")
    if rule.action is None and rule.type is None:
        raise PolicyError(f"{where}: give an action, a type, or both")
    entity_type = rule.type.upper() if rule.type else None
    return replace(rule, type=entity_type, segments=segments)


def _rule_from_mapping(index: int, raw: Any) -> Rule:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"rule {index}: expected a table like {{path = '**.email', action = 'redact'}}")
    unknown = set(raw) - {"path", "action", "type"}
    if unknown:
        raise PolicyError(f"rule {index}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    if "path" not in raw:
        raise PolicyError(f"rule {index}: missing 'path'")
    return _checked_rule(index, Rule(path=raw["path"], action=raw.get("action"), type=raw.get("type")))


def _check_template(template: Any, name: str) -> None:
    if not isinstance(template, str) or not template:
        raise PolicyError(f"{name} must be a non-empty string")


def _check_type_settings(name: str, settings: Any) -> None:
    if not isinstance(settings, Mapping):
        raise PolicyError(f"types.{name} must be a table like {{action = 'mask'}}")
    unknown = set(settings) - {"action", "placeholder"}
    if unknown:
        raise PolicyError(f"types.{name}: unknown key(s) {', '.join(sorted(unknown))}")
    action = settings.get("action")
    if action is not None and action not in TYPE_ACTIONS:
        raise PolicyError(
            f"types.{name}: action {action!r} is not allowed for a type; "
            f"expected one of {', '.join(sorted(TYPE_ACTIONS))}"
        )
    if name == "SECRET" and action not in (None, "redact"):
        raise PolicyError("types.SECRET: secrets are always redacted")
    if "placeholder" in settings:
        _check_template(settings["placeholder"], f"types.{name}.placeholder")


def _check_retention(retention: Mapping[str, Any]) -> None:
    for category, days in retention.items():
        if category not in DEFAULT_RETENTION_DAYS:
            raise PolicyError(
                f"retention: unknown category {category!r}; expected one of "
                f"{', '.join(DEFAULT_RETENTION_DAYS)}"
            )
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise PolicyError(f"retention.{category} must be a positive number of days, got {days!r}")


def _string_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyError(f"{name} must be a list of strings")
    out = list(value)
    if not all(isinstance(v, str) and v for v in out):
        raise PolicyError(f"{name} must be a list of non-empty strings")
    return out
