"""The fake workspace's data: generated deterministically from a seed, PII in every PII field.

Everything personal that the generator plants is kept on :class:`Person` records, so tests can ask
:meth:`Workspace.pii_values` for the exact strings that must never show up in a log.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EVENT_LISTING_WINDOW", "EXPORT_CSV_COLUMNS", "ExportJob", "Person", "Workspace"]

#: Intercom lists only the data events of the last 90 days; the fake stores older ones too and hides them.
EVENT_LISTING_WINDOW = 90 * 86400

_DAY = 86400

#: Columns of the content data export CSV (OpenAPI ``data_export_csv``, in order).
EXPORT_CSV_COLUMNS = (
    "user_id", "user_external_id", "company_id", "email", "name", "ruleset_id", "content_id", "content_type",
    "content_title", "ruleset_version_id", "receipt_id", "received_at", "series_id", "series_title", "node_id",
    "first_reply", "first_completion", "first_series_completion", "first_series_disengagement",
    "first_series_exit", "first_goal_success", "first_open", "first_click", "first_dismisall",
    "first_unsubscribe", "first_hard_bounce",
)

# Uncommon names, so that a substring search for them in a log cannot hit an ordinary word.
_FIRST = (
    "Marisol", "Thaddeus", "Ingrid", "Oluwaseun", "Bartholomew", "Xiomara", "Leopold", "Annika",
    "Cornelius", "Yevgenia", "Percival", "Magdalena", "Ezekiel", "Rosalind", "Dashiell", "Seraphina",
    "Lysander", "Octavia", "Barnaby", "Philippa",
)
_LAST = (
    "Quintero", "Abernathy", "Lindqvist", "Adebayo", "Featherstonehaugh", "Castellanos", "Whitcombe",
    "Brannigan", "Okonkwo", "Thistlewood", "Kowalczyk", "Dunsmore", "Halvorsen", "Marchetti",
    "Rutherford", "Villanueva",
)
_STREETS = (
    "Juniper Hollow Road", "Tamarack Lane", "Wexford Crescent", "Larkspur Avenue", "Quarry Bank Street",
    "Obsidian Way", "Harrowgate Drive", "Cobblestone Row",
)
# (city, region, region code, country, country code, continent code, postcode prefix)
_PLACES = (
    ("Tallahassee", "Florida", "FL", "United States", "USA", "NA", "323"),
    ("Poughkeepsie", "New York", "NY", "United States", "USA", "NA", "126"),
    ("Kalamazoo", "Michigan", "MI", "United States", "USA", "NA", "490"),
    ("Chattanooga", "Tennessee", "TN", "United States", "USA", "NA", "374"),
    ("Walla Walla", "Washington", "WA", "United States", "USA", "NA", "993"),
)
_DOMAINS = ("example.com", "example.org", "mailbox.example.net")
# Luhn-valid test card numbers, written as people type them.
_CARDS = ("4111 1111 1111 1111", "5555 5555 5555 4444", "4012 8888 8888 1881", "3782 822463 10005")
_ADMINS = (("Wilhelmina", "Strickland"), ("Cosmo", "Pettigrew"), ("Ottoline", "Farquhar"))
_TAGS = ("VIP", "Billing", "Churn risk", "Beta tester", "Enterprise lead")
_SEGMENTS = ("Active users", "Trial", "Enterprise", "Dormant")
_COMPANIES = (
    ("Globex Fictional Ltd", "globex.example", "Manufacturing"),
    ("Initech Sample GmbH", "initech.example", "Software"),
    ("Umbrella Demo Co", "umbrella.example", "Pharma"),
    ("Hooli Placeholder Inc", "hooli.example", "Internet"),
    ("Vandelay Test Imports", "vandelay.example", "Logistics"),
    ("Soylent Mock Foods", "soylent.example", "Food"),
)
# What POST /contacts and PUT /contacts/{id} may set directly (``create_contact_request``).
_WRITABLE_CONTACT_FIELDS = frozenset({
    "role", "external_id", "email", "phone", "name", "signed_up_at", "last_seen_at", "owner_id",
    "unsubscribed_from_emails",
})
_EVENT_NAMES = ("ordered-item", "updated-shipping-address", "invited-friend", "viewed-invoice")

_USER_BODIES = (
    '<p>Hi there, this is {full}. My email is <a href="mailto:{email}">{email}</a> and my phone is '
    "{phone_display}.</p><p>Please ship to {street}, {city}, {region_code} {postcode}.</p>",
    "<p>I was charged twice on card {card}. Call me back on {phone_display}, or write to {email}.</p>",
    "<p>My SSN is {ssn} if you need it to verify me. Thanks, {first}</p>",
    "<p>Can you change my address to <b>{street}</b>, {city} {postcode}? My old one was wrong.</p>",
    '<p>Reach me at <a href="tel:{phone_e164}">{phone_display}</a> after 5pm. Regards, {full}</p>',
)
_ADMIN_BODIES = (
    "<p>Hi {first},</p><p>Thanks for reaching out! I've updated the account for {email}.</p>"
    "<p>Best,<br>{admin_first}</p>",
    "<p>Hello {first}, could you confirm the card ending in {card_last4}? We have {street} on file.</p>",
    "<p>Dear {full}, we will call you on {phone_display} tomorrow.</p>",
)
_NOTE_BODIES = (
    "<p>Customer {full} called from {phone_display}; verified the address {street}, {city}.</p>",
    "<p>Refund approved for {email}, card {card}.</p>",
    "<p>{first} asked us not to email {email} any more.</p>",
)
_TITLES = (None, "Billing question from {full}", "Shipping to {city}", None)
_CONTENT_TITLES = ("Welcome aboard, {first}!", "Your invoice is ready", "Shipping update for {street}")


@dataclass(frozen=True)
class Person:
    """The personal data planted for one contact (or admin): the values a leak test looks for."""

    first: str
    last: str
    email: str
    phone_e164: str = ""
    phone_display: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    region_code: str = ""
    postcode: str = ""
    card: str = ""
    ssn: str = ""
    ip_address: str = ""
    avatar_url: str = ""
    social_url: str = ""

    @property
    def full(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"

    @property
    def address(self) -> str:
        """The postal address as one line."""
        return f"{self.street}, {self.city}, {self.region_code} {self.postcode}"

    def values(self) -> dict[str, str]:
        """Every planted PII string, keyed by kind (only the non-empty ones)."""
        values = {
            "name": self.full,
            "first_name": self.first,
            "last_name": self.last,
            "email": self.email,
            "phone": self.phone_e164,
            "phone_display": self.phone_display,
            "street": self.street,
            "address": self.address if self.street else "",
            "city": self.city,
            "region": self.region,
            "card": self.card,
            "ssn": self.ssn,
            "ip_address": self.ip_address,
            "avatar_url": self.avatar_url,
            "social_url": self.social_url,
        }
        return {k: v for k, v in values.items() if v}

    def fields(self, **extra: str) -> dict[str, str]:
        """Template fields for message bodies."""
        return {
            "first": self.first, "full": self.full, "email": self.email, "phone_e164": self.phone_e164,
            "phone_display": self.phone_display, "street": self.street, "city": self.city,
            "region_code": self.region_code, "postcode": self.postcode, "card": self.card,
            "card_last4": self.card.replace(" ", "")[-4:], "ssn": self.ssn, **extra,
        }


def _hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


@dataclass
class ExportJob:
    """A content data export job of the fake workspace."""

    job_identifier: str
    created_at_after: int
    created_at_before: int
    status: str = "pending"
    polls: int = 0

    @property
    def active(self) -> bool:
        """Intercom allows one pending or running job per workspace."""
        return self.status in ("pending", "in_progress")

    def to_api(self, base_url: str, now: int) -> dict[str, Any]:
        """The ``data_export`` object."""
        done = self.status == "completed"
        return {
            "job_identifier": self.job_identifier,
            "status": self.status,
            "download_url": f"{base_url}/download/content/data/{self.job_identifier}" if done else "",
            "download_expires_at": str(now + 2 * _DAY) if done else "",
        }


@dataclass
class Workspace:
    """In-memory Intercom workspace served by :class:`~intercom_redact.testing.FakeIntercom`.

    Build one with :meth:`generate`. All state is plain dicts shaped like the Intercom API 2.14
    objects; the server reads and mutates it under :attr:`lock`.
    """

    now: int
    app_id: str = "fake0001"
    people: dict[str, Person] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    admins: list[dict[str, Any]] = field(default_factory=list)
    admin_people: list[Person] = field(default_factory=list)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscription_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    contact_tags: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    contact_segments: dict[str, list[str]] = field(default_factory=dict)
    contact_companies: dict[str, list[str]] = field(default_factory=dict)
    contact_subscriptions: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    export_jobs: dict[str, ExportJob] = field(default_factory=dict)
    deleted_contacts: list[str] = field(default_factory=list)
    #: Polls a job spends ``in_progress`` before it finishes.
    export_polls: int = 1
    #: Force how the next export jobs end (``"failed"``, ``"no_data"``, …); ``None`` = by the data.
    export_outcome: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    # -- generation ----------------------------------------------------------------------------

    @classmethod
    def generate(
        cls, seed: int = 0, *, contacts: int = 12, conversations: int = 45, now: int | None = None
    ) -> Workspace:
        """Generate a workspace; the same *seed* and *now* always give the same data.

        Contact 0 is the busiest (*conversations* conversations, the first with 60 parts, 12 notes,
        5 companies, 35 events of which 28 are listable) so that every paginated endpoint has several
        pages at small page sizes; the last contact is a lead that was merged into contact 1 (404 on
        2.14). *now* (Unix seconds, default: the current time) anchors all timestamps, because
        Intercom lists data events of the last 90 days only. :attr:`people` keeps the planted PII of
        deleted contacts too, so leak checks still cover them.
        """
        if contacts < 3:
            raise ValueError("a workspace needs at least 3 contacts")
        ws = cls(now=int(time.time()) if now is None else now, _rng=random.Random(seed))
        rng = ws._rng
        ws._seed_catalogue(rng)
        for index in range(contacts):
            ws._seed_contact(rng, index, busiest=index == 0, conversations=conversations)
        merged_id = list(ws.contacts)[-1]
        ws.contacts[merged_id]["role"] = "lead"
        ws.merge_contact(merged_id, list(ws.contacts)[1])
        return ws

    def _seed_catalogue(self, rng: random.Random) -> None:
        for n, (first, last) in enumerate(_ADMINS):
            person = Person(first=first, last=last, email=f"{first.lower()}.{last.lower()}@support.example.com")
            self.admin_people.append(person)
            self.admins.append({
                "type": "admin", "id": str(991200 + n), "name": person.full, "email": person.email,
                "job_title": "Support engineer", "away_mode_enabled": False, "away_mode_reassign": False,
                "away_status_reason_id": None, "has_inbox_seat": True, "team_ids": [5017691], "avatar": None,
            })
        for n, name in enumerate(_TAGS):
            self.tags[str(80 + n)] = {"type": "tag", "id": str(80 + n), "name": name}
        for n, name in enumerate(_SEGMENTS):
            sid = _hex_id(rng)
            self.segments[sid] = {
                "type": "segment", "id": sid, "name": name, "created_at": self.now - 400 * _DAY,
                "updated_at": self.now - 30 * _DAY, "person_type": "user", "count": 10 + n,
            }
        for n, (name, domain, industry) in enumerate(_COMPANIES):
            cid = _hex_id(rng)
            self.companies[cid] = {
                "type": "company", "company_id": f"co-{n + 1}", "id": cid, "app_id": self.app_id, "name": name,
                "remote_created_at": self.now - 700 * _DAY, "created_at": self.now - 700 * _DAY,
                "updated_at": self.now - 3 * _DAY, "last_request_at": self.now - 2 * _DAY, "monthly_spend": 100 * n,
                "session_count": 40 + n, "user_count": 3 + n, "size": 50 * (n + 1), "website": f"https://{domain}",
                "industry": industry, "tags": {"type": "tag.list", "tags": []},
                "segments": {"type": "segment.list", "segments": []}, "plan": {}, "custom_attributes": {},
            }
        subscriptions = (("91", "Newsletters", "opt_out", "email"), ("93", "Product SMS", "opt_in", "sms_message"))
        for sid, name, consent, content in subscriptions:
            translation = {"name": name, "description": f"{name} from the fake workspace", "locale": "en"}
            self.subscription_types[sid] = {
                "type": "subscription", "id": sid, "state": "live", "consent_type": consent,
                "default_translation": translation, "translations": [translation], "content_types": [content],
            }

    def _seed_contact(self, rng: random.Random, index: int, *, busiest: bool, conversations: int) -> None:
        first = _FIRST[index % len(_FIRST)]
        last = _LAST[(index * 7 + 3) % len(_LAST)]
        city, region, region_code, country, country_code, continent, zip_prefix = _PLACES[index % len(_PLACES)]
        local = rng.randint(100, 999)
        uk = index % 3 == 2
        line = rng.randint(100, 199)
        person = Person(
            first=first,
            last=last,
            email=f"{first}.{last}{index}@{_DOMAINS[index % len(_DOMAINS)]}".lower(),
            phone_e164=f"+44207946{line:04d}" if uk else f"+1415555{line:04d}",
            phone_display=f"020 7946 {line:04d}" if uk else f"(415) 555-{line:04d}",
            street=f"{rng.randint(1000, 9899)} {_STREETS[index % len(_STREETS)]}",
            city=city,
            region=region,
            region_code=region_code,
            postcode=f"{zip_prefix}{local % 100:02d}",
            card=_CARDS[index % len(_CARDS)],
            ssn=f"{rng.randint(101, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
            ip_address=f"203.0.113.{index + 10}",
            avatar_url=f"https://static.intercomassets.example/avatars/{index}/{first.lower()}-{last.lower()}.jpg",
            social_url=f"https://twitter.example/{first.lower()}{last.lower()}{index}",
        )
        cid = _hex_id(rng)
        self.people[cid] = person
        created = self.now - rng.randint(200, 900) * _DAY
        self.contacts[cid] = self._contact_object(cid, index, person, created, country, country_code, continent)

        tag_ids = rng.sample(sorted(self.tags), 3 if busiest else rng.randint(0, 2))
        self.contact_tags[cid] = [
            {"id": t, "applied_at": created + _DAY, "applied_by": {"type": "admin", "id": self.admins[0]["id"]}}
            for t in tag_ids
        ]
        self.contact_segments[cid] = rng.sample(sorted(self.segments), 2 if busiest else 1)
        companies = sorted(self.companies)
        self.contact_companies[cid] = companies[:5] if busiest else rng.sample(companies, rng.randint(1, 2))
        self.contact_subscriptions[cid] = sorted(self.subscription_types) if busiest else ["91"]
        self.notes[cid] = [
            self._note(rng, cid, person, n, created) for n in range(12 if busiest else rng.randint(1, 3))
        ]
        self.events[cid] = sorted(
            (self._event(rng, cid, index, person, n) for n in range(35 if busiest else rng.randint(3, 8))),
            key=lambda e: -e["created_at"],
        )
        for n in range(3):
            self.receipts.append(self._receipt(rng, cid, index, person, n))
        for _ in range(conversations if busiest else rng.randint(1, 4)):
            self._seed_conversation(rng, cid, index, person, many_parts=busiest and not self.conversations)
        self._refresh_stubs(cid)

    def _contact_skeleton(self, cid: str, created: int) -> dict[str, Any]:
        """A contact object with every documented property and nothing known about the person yet."""
        return {
            "type": "contact", "id": cid, "workspace_id": self.app_id, "external_id": None,
            "role": "user", "email": None, "email_domain": None, "phone": None, "name": None, "owner_id": None,
            "has_hard_bounced": False, "marked_email_as_spam": False, "unsubscribed_from_emails": False,
            "created_at": created, "updated_at": created, "signed_up_at": None,
            "last_seen_at": None, "last_replied_at": None,
            "last_contacted_at": None, "last_email_opened_at": None, "last_email_clicked_at": None,
            "language_override": None, "browser": None, "browser_version": None, "browser_language": None,
            "os": None, "android_app_name": None, "android_app_version": None, "android_device": None,
            "android_os_version": None, "android_sdk_version": None, "android_last_seen_at": None,
            "ios_app_name": None, "ios_app_version": None, "ios_device": None, "ios_os_version": None,
            "ios_sdk_version": None, "ios_last_seen_at": None, "custom_attributes": {},
            "avatar": {"type": "avatar", "image_url": None},
            "tags": {}, "notes": {}, "companies": {},
            "opted_out_subscription_types": {}, "opted_in_subscription_types": {},
            "location": {"type": "location", "country": None, "region": None, "city": None,
                         "country_code": None, "continent_code": None},
            "social_profiles": {"type": "list", "data": []},
            "utm_campaign": None, "utm_content": None, "utm_medium": None, "utm_source": None, "utm_term": None,
            "referrer": None,
        }

    def _contact_object(
        self, cid: str, index: int, person: Person, created: int, country: str, country_code: str, continent: str
    ) -> dict[str, Any]:
        contact = self._contact_skeleton(cid, created)
        contact.update({
            "external_id": f"usr_{1000 + index}",
            "email": person.email, "email_domain": person.email.split("@")[1],
            "phone": person.phone_e164, "name": person.full, "unsubscribed_from_emails": index % 4 == 0,
            "updated_at": self.now - index * _DAY, "signed_up_at": created,
            "last_seen_at": self.now - index * 3600, "last_replied_at": self.now - 2 * _DAY,
            "last_contacted_at": self.now - 3 * _DAY, "browser": "chrome", "browser_version": "131.0",
            "browser_language": "en", "os": ("macOS", "Windows", "iOS")[index % 3],
            "custom_attributes": {
                "plan": ("free", "pro", "team")[index % 3],
                "address": person.address,
                "ssn": person.ssn,
                "last_ip": person.ip_address,
                "account_notes": f"Prefers calls on {person.phone_display}; billing contact {person.email}",
            },
            "avatar": {"type": "avatar", "image_url": person.avatar_url},
            "location": {
                "type": "location", "country": country, "region": person.region, "city": person.city,
                "country_code": country_code, "continent_code": continent,
            },
            "social_profiles": {
                "type": "list", "data": [{"type": "social_profile", "name": "Twitter", "url": person.social_url}],
            },
            "referrer": f"https://www.example.com/signup?ref={index}",
        })
        return contact

    def _note(self, rng: random.Random, cid: str, person: Person, n: int, created: int) -> dict[str, Any]:
        admin = self.admins[n % len(self.admins)]
        return {
            "type": "note", "id": str(rng.randint(10**6, 10**7)), "created_at": created + (n + 1) * _DAY,
            "contact": {"type": "contact", "id": cid}, "author": dict(admin),
            "body": _NOTE_BODIES[n % len(_NOTE_BODIES)].format(**person.fields()),
        }

    def _event(self, rng: random.Random, cid: str, index: int, person: Person, n: int) -> dict[str, Any]:
        # About one event in five is older than the 90-day listing window.
        age = rng.randint(91, 150) if n % 5 == 4 else rng.randint(0, 89)
        return {
            "type": "event", "id": f"ev_{rng.getrandbits(48):012x}", "event_name": _EVENT_NAMES[n % len(_EVENT_NAMES)],
            "created_at": self.now - age * _DAY - n, "user_id": f"usr_{1000 + index}", "intercom_user_id": cid,
            "email": person.email,
            "metadata": {"order_number": f"ORD-{rng.randint(10000, 99999)}", "shipping_address": person.address,
                         "contact_phone": person.phone_display},
        }

    def _receipt(self, rng: random.Random, cid: str, index: int, person: Person, n: int) -> dict[str, Any]:
        return {
            "user_id": cid, "user_external_id": f"usr_{1000 + index}", "company_id": "-1", "email": person.email,
            "name": person.full, "ruleset_id": str(5000 + n), "content_id": str(7000 + n), "content_type": "email",
            "content_title": _CONTENT_TITLES[n].format(**person.fields()), "ruleset_version_id": str(9000 + n),
            "receipt_id": str(rng.randint(10**8, 10**9)), "received_at": self.now - rng.randint(1, 60) * _DAY,
            "series_id": "-1", "series_title": "", "node_id": "-1", "first_reply": "", "first_completion": "",
            "first_series_completion": "", "first_series_disengagement": "", "first_series_exit": "",
            "first_goal_success": "", "first_open": str(self.now - _DAY) if n % 2 else "", "first_click": "",
            "first_dismisall": "", "first_unsubscribe": "", "first_hard_bounce": "",
        }

    def _seed_conversation(self, rng: random.Random, cid: str, index: int, person: Person, *, many_parts: bool) -> None:
        conv_id = str(1000 + len(self.conversations))
        created = self.now - rng.randint(1, 120) * _DAY
        admin_index = rng.randrange(len(self.admins))
        admin = self.admins[admin_index]
        fields = person.fields(admin_first=self.admin_people[admin_index].first)
        user_author = {"type": "user", "id": cid, "name": person.full, "email": person.email,
                       "from_ai_agent": False, "is_ai_answer": False}
        admin_author = {"type": "admin", "id": admin["id"], "name": admin["name"], "email": admin["email"],
                        "from_ai_agent": False, "is_ai_answer": False}
        parts: list[dict[str, Any]] = []
        for n in range(60 if many_parts else rng.randint(2, 6)):
            kind = ("comment", "comment", "note", "assignment", "comment")[n % 5]
            from_user = kind == "comment" and n % 2 == 1
            if kind == "assignment":
                body = None
            elif kind == "note":
                body = _NOTE_BODIES[n % len(_NOTE_BODIES)].format(**fields)
            else:
                templates = _USER_BODIES if from_user else _ADMIN_BODIES
                body = templates[(n + index) % len(templates)].format(**fields)
            parts.append({
                "type": "conversation_part", "id": str(rng.randint(10**9, 10**10)), "part_type": kind, "body": body,
                "created_at": created + (n + 1) * 600, "updated_at": created + (n + 1) * 600,
                "notified_at": created + (n + 1) * 600,
                "assigned_to": {"type": "admin", "id": admin["id"]} if kind == "assignment" else None,
                "author": user_author if from_user else admin_author, "attachments": [], "external_id": None,
                "redacted": False, "state": "open", "tags": [], "event_details": None, "app_package_code": None,
                "email_message_metadata": None, "metadata": None,
            })
        title = _TITLES[int(conv_id) % len(_TITLES)]
        state = ("open", "closed")[int(conv_id) % 2]
        self.conversations[conv_id] = {
            "type": "conversation", "id": conv_id, "title": title.format(**fields) if title else None,
            "created_at": created, "updated_at": created + (len(parts) + 1) * 600, "waiting_since": None,
            "snoozed_until": None, "open": state == "open", "state": state, "read": True, "priority": "not_priority",
            "admin_assignee_id": int(admin["id"]), "team_assignee_id": None,
            "tags": {"type": "tag.list", "tags": []}, "conversation_rating": None,
            "source": {
                "type": "conversation", "id": str(rng.randint(10**8, 10**9)), "delivered_as": "customer_initiated",
                "subject": "",
                "body": _USER_BODIES[(index + int(conv_id)) % len(_USER_BODIES)].format(**fields),
                "author": user_author, "attachments": [], "url": None, "redacted": False,
            },
            "contacts": {
                "type": "contact.list",
                "contacts": [{"type": "contact", "id": cid, "external_id": f"usr_{1000 + index}"}],
            },
            "teammates": {"type": "admin.list", "teammates": [{"type": "admin", "id": admin["id"]}]},
            "custom_attributes": {},
            "first_contact_reply": {"created_at": created, "type": "conversation", "url": None},
            "sla_applied": None, "statistics": None,
            "conversation_parts": {
                "type": "conversation_part.list", "conversation_parts": parts, "total_count": len(parts),
            },
            "linked_objects": {"type": "list", "total_count": 0, "has_more": False, "data": []},
            "ai_agent_participated": False, "ai_agent": None,
        }

    # -- state changes -------------------------------------------------------------------------

    def _refresh_stubs(self, cid: str) -> None:
        """Rebuild the list stubs of a contact object (at most 10 items each, like Intercom)."""
        contact = self.contacts[cid]

        def stub(kind: str, ids: list[str], url: str, path: str) -> dict[str, Any]:
            return {"type": "list", "data": [{"type": kind, "id": i, "url": f"{path}/{i}"} for i in ids[:10]],
                    "url": url, "total_count": len(ids), "has_more": len(ids) > 10}

        base = f"/contacts/{cid}"
        subs = self.contact_subscriptions.get(cid, [])
        contact["tags"] = stub("tag", [t["id"] for t in self.contact_tags.get(cid, [])], f"{base}/tags", "/tags")
        contact["notes"] = stub("note", [n["id"] for n in self.notes.get(cid, [])], f"{base}/notes", "/notes")
        contact["companies"] = stub("company", self.contact_companies.get(cid, []), f"{base}/companies", "/companies")
        opted_in = [s for s in subs if self.subscription_types[s]["consent_type"] == "opt_in"]
        subs_url = f"{base}/subscriptions"
        contact["opted_in_subscription_types"] = stub("subscription", opted_in, subs_url, "/subscriptions")
        contact["opted_out_subscription_types"] = stub("subscription", [], subs_url, "/subscriptions")

    def merge_contact(self, from_id: str, into_id: str) -> None:
        """Merge contact *from_id* into *into_id*: the source disappears (404 on API 2.14), its conversations move."""
        with self.lock:
            self.contacts.pop(from_id)
            self.merged[from_id] = into_id
            target = self.contacts[into_id]
            for conversation in self.conversations.values():
                for ref in conversation["contacts"]["contacts"]:
                    if ref["id"] == from_id:
                        ref.update(id=into_id, external_id=target["external_id"])

    def create_contact(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Add a contact (``POST /contacts``) with the ``create_contact_request`` *attributes*."""
        with self.lock:
            cid = _hex_id(self._rng)
            self.contacts[cid] = self._contact_skeleton(cid, int(time.time()))
            self.contact_tags[cid], self.notes[cid] = [], []
            self.update_contact(cid, attributes)
            return self.contacts[cid]

    def update_contact(self, cid: str, attributes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change a contact (``PUT /contacts/{id}``); custom attributes are merged.  ``None`` if it does not exist."""
        with self.lock:
            contact = self.contacts.get(cid)
            if contact is None:
                return None
            for key, value in attributes.items():
                if key == "custom_attributes":
                    contact["custom_attributes"].update(value or {})
                elif key == "avatar":
                    contact["avatar"] = {"type": "avatar", "image_url": value}
                elif key in _WRITABLE_CONTACT_FIELDS:
                    contact[key] = value
            email = contact["email"]
            contact["email_domain"] = (email.partition("@")[2] or None) if email else None
            contact["updated_at"] = int(time.time())
            self._refresh_stubs(cid)
            return contact

    def find_contact_by_identity(self, *, email: str | None = None, external_id: str | None = None) -> str | None:
        """The id of the contact with this email (any case) or external id, if there is one."""
        with self.lock:
            for cid, contact in self.contacts.items():
                if email and (contact["email"] or "").lower() == email.lower():
                    return cid
                if external_id and contact["external_id"] == external_id:
                    return cid
            return None

    def tag_contact(self, cid: str, tag_id: str, admin_id: str | None = None) -> dict[str, Any] | None:
        """Attach a tag (``POST /contacts/{id}/tags``); ``None`` if the contact or the tag does not exist."""
        with self.lock:
            if cid not in self.contacts or tag_id not in self.tags:
                return None
            applied = self.contact_tags.setdefault(cid, [])
            if all(t["id"] != tag_id for t in applied):
                by = {"type": "admin", "id": admin_id or self.admins[0]["id"]}
                applied.append({"id": tag_id, "applied_at": int(time.time()), "applied_by": by})
                self._refresh_stubs(cid)
            return dict(self.tags[tag_id])

    def reply(self, conv_id: str, author: dict[str, Any], part_type: str, body: str | None) -> dict[str, Any] | None:
        """Append a part to a conversation (``POST /conversations/{id}/reply``); ``None`` if it does not exist."""
        with self.lock:
            conversation = self.conversations.get(conv_id)
            if conversation is None:
                return None
            now = int(time.time())
            conversation["conversation_parts"]["conversation_parts"].append({
                "type": "conversation_part", "id": str(self._rng.randint(10**9, 10**10)), "part_type": part_type,
                "body": body, "created_at": now, "updated_at": now, "notified_at": now, "assigned_to": None,
                "author": author, "attachments": [], "external_id": None, "redacted": False,
                "state": conversation["state"], "tags": [], "event_details": None, "app_package_code": None,
                "email_message_metadata": None, "metadata": None,
            })
            conversation["conversation_parts"]["total_count"] += 1
            conversation["updated_at"] = now
            return conversation

    def delete_contact(self, cid: str) -> dict[str, Any] | None:
        """Delete a contact and everything only it owns; ``None`` if it does not exist."""
        with self.lock:
            contact = self.contacts.pop(cid, None)
            if contact is None:
                return None
            for table in (self.contact_tags, self.contact_segments, self.contact_companies,
                          self.contact_subscriptions, self.notes, self.events):
                table.pop(cid, None)
            # Intercom removes a deleted person's conversations as well.
            for conv_id in [c["id"] for c in self.conversations.values() if self.contact_ids(c) == [cid]]:
                del self.conversations[conv_id]
            self.receipts = [r for r in self.receipts if r["user_id"] != cid]
            self.deleted_contacts.append(cid)
            return {"type": "contact", "id": cid, "external_id": contact["external_id"], "deleted": True}

    def create_export_job(self, created_at_after: int, created_at_before: int) -> ExportJob | None:
        """Start a content export job; ``None`` while another job is still active (Intercom answers 429)."""
        with self.lock:
            if any(job.active for job in self.export_jobs.values()):
                return None
            job = ExportJob(f"{self._rng.getrandbits(80):020x}"[:16], created_at_after, created_at_before)
            self.export_jobs[job.job_identifier] = job
            return job

    def poll_export_job(self, job_identifier: str) -> ExportJob | None:
        """Return a job, moving it one step along pending -> in_progress -> finished on each poll."""
        with self.lock:
            job = self.export_jobs.get(job_identifier)
            if job is None or not job.active:
                return job
            job.polls += 1
            if job.status == "pending":
                job.status = "in_progress"
            elif job.polls > self.export_polls:
                job.status = self.export_outcome or ("completed" if self.export_rows(job) else "no_data")
            return job

    def cancel_export_job(self, job_identifier: str) -> ExportJob | None:
        """Cancel an active job (a finished one is returned unchanged)."""
        with self.lock:
            job = self.export_jobs.get(job_identifier)
            if job is not None and job.active:
                job.status = "canceled"
            return job

    def export_rows(self, job: ExportJob) -> list[dict[str, Any]]:
        """The receipts whose ``received_at`` falls in the job's range."""
        with self.lock:
            return [r for r in self.receipts if job.created_at_after <= r["received_at"] <= job.created_at_before]

    def export_gzip(self, job: ExportJob) -> bytes:
        """The job's download: a gzip-compressed CSV with the ``data_export_csv`` columns."""
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=EXPORT_CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.export_rows(job))
        return gzip.compress(text.getvalue().encode(), mtime=0)

    # -- queries -------------------------------------------------------------------------------

    @staticmethod
    def contact_ids(conversation: dict[str, Any]) -> list[str]:
        """Ids of the contacts taking part in a conversation."""
        return [ref["id"] for ref in conversation["contacts"]["contacts"]]

    def conversations_of(self, cid: str) -> list[dict[str, Any]]:
        """Conversations a contact takes part in, in id order."""
        with self.lock:
            return [c for c in self.conversations.values() if cid in self.contact_ids(c)]

    @property
    def busiest_contact_id(self) -> str:
        """The contact with the most conversations (several pages at small page sizes)."""
        with self.lock:
            return max(self.contacts, key=lambda cid: len(self.conversations_of(cid)))

    def listable_events(self, cid: str) -> list[dict[str, Any]]:
        """The contact's events Intercom would list (last 90 days), newest first."""
        with self.lock:
            return [e for e in self.events.get(cid, []) if e["created_at"] >= self.now - EVENT_LISTING_WINDOW]

    def pii_values(self, contact_id: str | None = None) -> set[str]:
        """Every PII string planted in the workspace (or for one contact), admins included.

        Country names are left out: they are part of ``location`` but too common to identify anyone.
        """
        return set().union(*self.pii_by_kind(contact_id).values())

    def pii_by_kind(self, contact_id: str | None = None) -> dict[str, set[str]]:
        """Like :meth:`pii_values`, grouped by kind (``email``, ``phone``, ``card``, ``ssn``, ``street``, …)."""
        people = [*self.people.values(), *self.admin_people] if contact_id is None else [self.people[contact_id]]
        grouped: dict[str, set[str]] = {}
        for person in people:
            for kind, value in person.values().items():
                grouped.setdefault(kind, set()).add(value)
        return grouped
