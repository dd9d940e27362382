"""A DSAR answer a person can read: one self-contained HTML page beside the JSON export.

The JSON written by :func:`~intercom_redact.compliance.write_export` is the machine-readable copy
(GDPR Art. 20); this page is the "concise, intelligible" one (Art. 12, 15) that a support or legal
person forwards to the data subject.  Design notes:

* **The same data, reorganised.**  A summary comes first (what is held, how much, the period it
  spans, how long local copies are kept), then the profile, each conversation as a thread, notes,
  events, companies, tags, segments and subscriptions.  Nothing is added; Intercom's internal ids
  are left out except the two a person needs to refer to an item (the contact and each
  conversation).  Dates are shown readable and in ISO 8601, always in UTC.
* **Safe by construction.**  Every value is escaped.  Conversation and note bodies are HTML
  written by customers and teammates: they go through nh3 (the ammonia sanitizer) with an
  allow-list of formatting tags; links become text that names their target, remote images become
  a text placeholder, and a last nh3 pass without ``<a>`` guarantees that nothing clickable or
  loadable survives.  The page has no script and a Content-Security-Policy that allows only its
  one inline stylesheet (by hash) and ``data:`` images, so it works offline and cannot call home.
* **Written like the JSON**: atomically and readable by the owner only, through
  :func:`intercom_redact.files.open_output`.  A ``<meta>`` marker names the contact, so
  deleting the contact deletes the page too (:meth:`ExportDirectory.purge_contact`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nh3

from intercom_redact._log import get_logger
from intercom_redact.compliance.crypto import Keyring, export_keyring
from intercom_redact.compliance.dsar import dsar_subject
from intercom_redact.compliance.envelope import sealed_output
from intercom_redact.compliance.retention import retention_periods
from intercom_redact.files import open_output

__all__ = ["CONTENT_SECURITY_POLICY", "is_report_of", "render_report", "report_path", "sanitize_html",
           "write_report"]

log = get_logger(__name__)

_MARKER = "intercom-redact-dsar"

# -- sanitizing bodies -------------------------------------------------------------------------

_FORMATTING = frozenset({
    "p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "sub", "sup",
    "small", "mark", "code", "pre", "kbd", "samp", "blockquote", "q", "cite", "abbr", "ul", "ol", "li",
    "dl", "dt", "dd", "hr", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
})
# Removed with everything inside: their content is code or a foreign document, not text.
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "noscript", "template", "object", "embed", "applet",
    "svg", "math",
})
_ATTRIBUTES = {"*": {"title", "lang", "dir"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
# Raster images only: an SVG data URL is a document of its own.
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp)[;,]", re.IGNORECASE)
_LINK_TARGET = re.compile(r"(?:https?|mailto|tel):", re.IGNORECASE)
# nh3's output is canonical: attributes double-quoted, '"' and '>' escaped inside values.
_LINK = re.compile(r'<a(?: href="([^"]*)")?(?: [a-z]+="[^"]*")*>(.*?)</a>', re.DOTALL)
_IMAGE = re.compile(r'<img((?: [a-z]+="[^"]*")*)>')
_ATTRIBUTE = re.compile(r' ([a-z]+)="([^"]*)"')  # the leading space keeps it linear
_PREFIXES = ("mailto:", "tel:")


def _allowed_url(tag: str, attribute: str, value: str) -> str | None:
    """Images only from data: raster URLs; link targets only web, mail and phone addresses."""
    if tag == "img" and attribute == "src" and not _DATA_IMAGE.match(value):
        return None
    if tag == "a" and attribute == "href" and not _LINK_TARGET.match(value):
        return None
    return value


# Built once (the allow-lists compile into ammonia's builder).  The first pass keeps links and
# images so that they can be rewritten as text; the second knows no <a> and only data: URLs.
_FIRST_PASS = nh3.Cleaner(
    tags=set(_FORMATTING | {"a", "img"}),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes={**_ATTRIBUTES, "a": {"href"}, "img": {"src", "alt"}},
    attribute_filter=_allowed_url,
    url_schemes={"http", "https", "mailto", "tel", "data"},
    link_rel=None,
)
_LAST_PASS = nh3.Cleaner(
    tags=set(_FORMATTING | {"img"}),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes={**_ATTRIBUTES, "img": {"src", "alt"}},
    allowed_classes={"span": {"link", "url", "image"}},
    attribute_filter=_allowed_url,
    url_schemes={"data"},
    link_rel=None,
)


def _inert_link(match: re.Match[str]) -> str:
    href, text = html.unescape(match.group(1) or ""), match.group(2)
    shown = href
    for prefix in _PREFIXES:
        shown = shown.removeprefix(prefix)
    if not href or html.unescape(text).strip() == shown:
        return f'<span class="link">{text}</span>'
    return f'<span class="link">{text}</span> <span class="url">(link: {html.escape(href)})</span>'


def _image_text(match: re.Match[str]) -> str:
    attributes = {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(match.group(1))}
    if "src" in attributes:  # a data: raster image (the only kind the first pass kept)
        return match.group(0)
    alt = attributes.get("alt", "").strip()
    return f'<span class="image">[image{": " + html.escape(alt) if alt else ""} not shown]</span>'


def sanitize_html(body: str) -> str:
    """Sanitize a conversation or note body for the report.

    Formatting (paragraphs, emphasis, lists, quotes, code, tables) is kept.  Scripts, styles,
    event handlers, iframes, forms and every other tag off the allow-list are removed; a link
    becomes its text followed by its target as text; an image becomes ``[image: alt not shown]``
    unless it is an inline ``data:`` raster image.  The result contains no ``<a>``, no URL an
    element would load, and no attribute that runs code.
    """
    first = _FIRST_PASS.clean(body)
    # The guarantee: whatever this rewriting missed, the last pass removes.
    return _LAST_PASS.clean(_IMAGE.sub(_image_text, _LINK.sub(_inert_link, first)))


# -- values --------------------------------------------------------------------------------------

_e = html.escape

# Ids a person needs to refer to: the workspace's own references to the person and the company.
_MEANINGFUL_IDS = frozenset({"external_id", "user_id", "company_id"})
# Shown in their own sections, or API plumbing (list stubs with URLs).
_PROFILE_SKIP = frozenset({
    "tags", "notes", "companies", "opted_in_subscription_types", "opted_out_subscription_types",
})
_LIST_WRAPPER = frozenset({"type", "data", "total_count", "has_more", "url", "pages"})
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_WORDS = {"os": "Operating system", "ip": "IP", "url": "URL", "utm": "UTM", "ios": "iOS", "sdk": "SDK",
          "ssn": "SSN", "ai": "AI"}


def _hidden(key: str) -> bool:
    """Intercom's internal ids and object types: noise to a reader."""
    return key in ("id", "type", "ids") or (key.endswith(("_id", "_ids")) and key not in _MEANINGFUL_IDS)


def _mapping(value: Any) -> Mapping[str, Any]:
    """*value* if it is an object, else an empty one: the report renders odd documents too."""
    return value if isinstance(value, Mapping) else {}


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, dict)) and not value)


def _label(key: str) -> str:
    """``last_seen_at`` -> ``Last seen at``; ``os`` -> ``Operating system``."""
    words = [_WORDS.get(word, word) for word in str(key).replace("-", "_").split("_") if word]
    text = " ".join(words) or str(key)
    return text[:1].upper() + text[1:]


def _moment(value: Any) -> datetime.datetime | None:
    """A UTC datetime from Unix seconds or an ISO string; None for anything else."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
        if isinstance(value, str) and value:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            # Without a zone, UTC (Intercom's own strings carry one): dates must stay comparable.
            return parsed.astimezone(datetime.timezone.utc) if parsed.tzinfo else parsed.replace(
                tzinfo=datetime.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _iso(moment: datetime.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # always UTC here


def _readable(moment: datetime.datetime) -> str:
    # Built by hand: strftime's month names follow the process locale.
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"


def _date(value: Any) -> str:
    """``<time>`` with the readable date, followed by the ISO form."""
    moment = _moment(value)
    if moment is None:
        return _e(str(value))
    iso = _iso(moment)
    return f'<time datetime="{iso}">{_e(_readable(moment))}</time> <span class="iso">{iso}</span>'


def _day(moment: datetime.datetime) -> str:
    return f'<time datetime="{_iso(moment)}">{moment.day} {_MONTHS[moment.month - 1]} {moment.year}</time>'


def _is_date_key(key: str) -> bool:
    return key.endswith(("_at", "_until")) or key == "waiting_since"


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _is_date_key(key) and isinstance(value, (int, float, str)) and _moment(value) is not None:
        return _date(value)
    return _e(str(value))


def _fields(mapping: Mapping[str, Any], skip: Iterable[str] = ()) -> str:
    """A definition list of every non-empty, non-internal value; nested objects nest."""
    skipped = set(skip)
    shown = ((key, _value(key, value)) for key, value in mapping.items()
             if key not in skipped and not _hidden(key) and not _empty(value))
    rows = [f"<dt>{_e(_label(key))}</dt><dd>{text}</dd>" for key, text in shown if text]
    return f'<dl class="fields">{"".join(rows)}</dl>' if rows else ""


def _value(key: str, value: Any) -> str:
    if isinstance(value, Mapping):
        # Intercom's list wrapper ({"type": "list", "data": [...], "total_count": …}): show the items.
        if "data" in value and value.keys() <= _LIST_WRAPPER:
            return _value(key, value["data"])
        return _fields(value)
    if isinstance(value, list):
        items = [_value(key, item) for item in value if not _empty(item)]
        items = [item for item in items if item]
        return f'<ul class="values">{"".join(f"<li>{item}</li>" for item in items)}</ul>' if items else ""
    return _scalar(key, value)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


# -- the parts of the page ---------------------------------------------------------------------

_ROLES = {"user": "the contact", "lead": "the contact", "contact": "the contact", "admin": "support team",
          "team": "support team", "bot": "automated reply"}
_PART_KINDS = {"comment": "message", "note": "internal note", "assignment": "assigned the conversation",
               "close": "closed the conversation", "open": "reopened the conversation",
               "snoozed": "snoozed the conversation", "unsnoozed": "unsnoozed the conversation",
               "away_mode_assignment": "assigned the conversation", "quick_reply": "quick reply"}
_RETENTION_LABELS = {
    "contact_cache": "Copies of the contact record kept by our own systems",
    "conversation_cache": "Copies of conversations kept by our own systems",
    "webhook_events": "Notifications received from Intercom",
    "export_files": "Export files such as this report and its JSON copy",
    "audit_log": "Record of data requests and deletions (audit log)",
}


def _author(author: Any) -> str:
    if not isinstance(author, Mapping):
        return "Unknown author"
    name = author.get("name") or author.get("email") or "Unknown"
    role = _ROLES.get(str(author.get("type")), str(author.get("type") or "unknown"))
    return f'<span class="author">{_e(str(name))}</span> <span class="role">({_e(role)})</span>'


def _attachments(items: Any) -> str:
    if not isinstance(items, list) or not items:
        return ""
    rows: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            size = item.get("filesize")
            details = ", ".join(_e(str(v)) for v in (item.get("content_type"), f"{size} bytes" if size else None) if v)
            url = f' <span class="url">({_e(str(item["url"]))})</span>' if item.get("url") else ""
            rows.append(f"<li>{_e(str(item.get('name') or 'attachment'))}"
                        f"{f' — {details}' if details else ''}{url}</li>")
    return f'<p class="attachments-label">Attachments (not included in this page):</p><ul class="attachments">{"".join(rows)}</ul>'


def _message(author: Any, kind: str, when: Any, body: Any, attachments: Any = None, *, extra: str = "") -> str:
    css = "note" if kind == "internal note" else "event" if not body else (
        "from-contact" if isinstance(author, Mapping) and _ROLES.get(str(author.get("type"))) == "the contact"
        else "from-team")
    text = f'<div class="body">{sanitize_html(body)}</div>' if isinstance(body, str) and body.strip() else ""
    return (f'<li class="message {css}"><p class="meta">{_author(author)} · <span class="kind">{_e(kind)}</span>'
            f' · {_date(when)}</p>{extra}{text}{_attachments(attachments)}</li>')


def _parts(conversation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    parts = conversation.get("conversation_parts") or {}
    listed = parts.get("conversation_parts") if isinstance(parts, Mapping) else parts
    return [p for p in listed or [] if isinstance(p, Mapping)]


def _conversation_title(n: int, conversation: Mapping[str, Any]) -> str:
    title = conversation.get("title") or _mapping(conversation.get("source")).get("subject")
    return f"Conversation {n}: {title}" if title else f"Conversation {n}"


_CONVERSATION_SHOWN = frozenset({
    "title", "created_at", "updated_at", "state", "open", "source", "conversation_parts", "contacts",
    "teammates", "tags",
})


def _conversation(n: int, conversation: Mapping[str, Any]) -> str:
    source = _mapping(conversation.get("source"))
    parts = _parts(conversation)
    tags = [t.get("name") for t in _mapping(conversation.get("tags")).get("tags") or [] if isinstance(t, Mapping)]
    facts = [
        f"Reference: {_e(str(conversation.get('id', '')))}",
        f"started {_date(conversation.get('created_at'))}",
        f"last updated {_date(conversation.get('updated_at'))}",
        f"state: {_e(str(conversation.get('state', 'unknown')))}",
        _plural(len(parts) + 1, "entry", "entries"),
    ]
    if tags:
        facts.append("tags: " + ", ".join(_e(str(t)) for t in tags if t))
    subject = f'<p class="subject">Subject: {_e(str(source["subject"]))}</p>' if source.get("subject") else ""
    thread = [_message(source.get("author"), "started the conversation", conversation.get("created_at"),
                       source.get("body"), source.get("attachments"), extra=subject)]
    for part in parts:
        kind = _PART_KINDS.get(str(part.get("part_type")), _label(str(part.get("part_type") or "update")).lower())
        extra = '<p class="redacted">This entry was redacted in Intercom.</p>' if part.get("redacted") else ""
        thread.append(_message(part.get("author"), kind, part.get("created_at"), part.get("body"),
                               part.get("attachments"), extra=extra))
    details = _fields(conversation, skip=_CONVERSATION_SHOWN)
    return (f'<article class="conversation" id="conversation-{n}"><h3>{_e(_conversation_title(n, conversation))}</h3>'
            f'<p class="facts">{" · ".join(facts)}</p>'
            f'<ol class="thread">{"".join(thread)}</ol>'
            f'{f"<h4>Other details</h4>{details}" if details else ""}</article>')


def _times(values: Iterable[Any]) -> list[datetime.datetime]:
    return [m for m in map(_moment, values) if m is not None]


def _conversation_times(conversation: Mapping[str, Any]) -> list[datetime.datetime]:
    return _times([conversation.get("created_at"), conversation.get("updated_at"),
                   *(p.get("created_at") for p in _parts(conversation))])


def _items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    if key == "events" and isinstance(value, Mapping):
        value = value.get("data")
    return [item for item in value or [] if isinstance(item, Mapping)]


def _period(moments: list[datetime.datetime]) -> str:
    if not moments:
        return "<td>—</td><td>—</td>"
    return f"<td>{_day(min(moments))}</td><td>{_day(max(moments))}</td>"


def _profile_categories(contact: Mapping[str, Any]) -> list[str]:
    """Plain-language categories of the profile's non-empty fields."""
    groups = (
        ("identity (name, your user id)", ("name", "external_id")),
        ("contact details (email, phone)", ("email", "phone")),
        ("location", ("location",)),
        ("device and browser", ("browser", "browser_version", "browser_language", "os", "android_device",
                                "ios_device", "android_app_name", "ios_app_name")),
        ("activity dates (sign-up, last seen, last contacted)", ("signed_up_at", "last_seen_at",
                                                                 "last_replied_at", "last_contacted_at")),
        ("email preferences", ("unsubscribed_from_emails", "has_hard_bounced", "marked_email_as_spam")),
        ("social profiles", ("social_profiles",)),
        ("picture (avatar)", ("avatar",)),
        ("where you came from (referrer, campaign)", ("referrer", "utm_source", "utm_campaign", "utm_medium")),
    )
    found = [label for label, keys in groups if any(not _empty(contact.get(k)) for k in keys)]
    custom = contact.get("custom_attributes")
    if isinstance(custom, Mapping) and any(not _empty(v) for v in custom.values()):
        names = ", ".join(_label(k) for k, v in custom.items() if not _empty(v))
        found.append(f"other attributes recorded by the company ({names})")
    return found


def _summary(data: Mapping[str, Any], retention: Mapping[str, int]) -> str:
    contact = _mapping(data.get("contact"))
    conversations = _items(data, "conversations")
    notes, events = _items(data, "notes"), _items(data, "events")
    messages = sum(len(_parts(c)) + 1 for c in conversations)
    contact_times = _times(v for k, v in contact.items() if _is_date_key(k))
    conversation_times = [m for c in conversations for m in _conversation_times(c)]
    note_times = _times(n.get("created_at") for n in notes)
    event_times = _times(e.get("created_at") for e in events)
    tag_times = _times(t.get("applied_at") for t in _items(data, "tags"))
    rows: tuple[tuple[str, str, str, list[datetime.datetime]], ...] = (
        ("Profile", "#profile", "1 record", contact_times),
        ("Conversations", "#conversations", f"{len(conversations)} ({_plural(messages, 'entry', 'entries')})",
         conversation_times),
        ("Notes by the support team", "#notes", str(len(notes)), note_times),
        ("Events (things you did in the product)", "#events", str(len(events)), event_times),
        ("Companies", "#companies", str(len(_items(data, "companies"))), []),
        ("Tags", "#tags", str(len(_items(data, "tags"))), tag_times),
        ("Segments", "#segments", str(len(_items(data, "segments"))), []),
        ("Subscriptions", "#subscriptions", str(len(_items(data, "subscriptions"))), []),
    )
    table = "".join(f'<tr><th scope="row"><a href="{anchor}">{_e(name)}</a></th><td>{_e(count)}</td>{_period(times)}</tr>'
                    for name, anchor, count, times in rows)
    everything = contact_times + conversation_times + note_times + event_times + tag_times
    span = (f"<p>The data spans <strong>{_day(min(everything))}</strong> to "
            f"<strong>{_day(max(everything))}</strong>.</p>" if everything else "")
    if data.get("limitations"):
        span += ('<p>Some data could not be obtained from Intercom: see '
                 '<a href="#limitations">what this report cannot include</a>.</p>')
    categories = "".join(f"<li>{_e(c)}</li>" for c in _profile_categories(contact))
    kept = "".join(
        f"<tr><th scope=\"row\">{_e(_RETENTION_LABELS.get(category, _label(category)))}</th>"
        f"<td>{_plural(days, 'day')}{f' (about {round(days / 365)} years)' if days >= 730 else ''}</td></tr>"
        for category, days in retention.items()
    )
    return (
        '<section id="summary"><h2>Summary</h2>'
        "<h3>What we hold</h3>"
        '<div class="scroll"><table><thead><tr><th scope="col">Category</th><th scope="col">How many</th>'
        f'<th scope="col">Earliest</th><th scope="col">Latest</th></tr></thead><tbody>{table}</tbody></table></div>'
        f"{span}"
        f"<h3>Kinds of information in the profile</h3><ul>{categories or '<li>none</li>'}</ul>"
        "<h3>How long copies are kept</h3>"
        "<p>Retention periods from our data protection policy, for the copies we keep outside Intercom:</p>"
        f'<div class="scroll"><table><tbody>{kept}</tbody></table></div>'
        "</section>"
    )


def _profile(contact: Mapping[str, Any]) -> str:
    reference = f"<p>Intercom contact reference: <code>{_e(str(contact['id']))}</code></p>" if contact.get("id") else ""
    return f'<section id="profile"><h2>Profile</h2>{reference}{_fields(contact, skip=_PROFILE_SKIP)}</section>'


def _conversations(conversations: list[Mapping[str, Any]]) -> str:
    if not conversations:
        return '<section id="conversations"><h2>Conversations</h2><p>None.</p></section>'
    index = "".join(f'<li><a href="#conversation-{n}">{_e(_conversation_title(n, c))}</a></li>'
                    for n, c in enumerate(conversations, 1))
    threads = "".join(_conversation(n, c) for n, c in enumerate(conversations, 1))
    return (f'<section id="conversations"><h2>Conversations</h2>'
            f'<nav aria-label="Conversations"><ol class="index">{index}</ol></nav>{threads}</section>')


def _notes(notes: list[Mapping[str, Any]]) -> str:
    if not notes:
        return '<section id="notes"><h2>Notes by the support team</h2><p>None.</p></section>'
    items = "".join(_message(n.get("author"), "note", n.get("created_at"), n.get("body")) for n in notes)
    return f'<section id="notes"><h2>Notes by the support team</h2><ol class="thread">{items}</ol></section>'


def _events(data: Mapping[str, Any]) -> str:
    events = _items(data, "events")
    block = data.get("events")
    note = f"<p>{_e(str(block['note']))}</p>" if isinstance(block, Mapping) and block.get("note") else ""
    rows = "".join(
        f"<tr><td>{_e(str(e.get('event_name', '')))}</td><td>{_date(e.get('created_at'))}</td>"
        f"<td>{_fields(e, skip=('event_name', 'created_at'))}</td></tr>"
        for e in events
    )
    table = (f'<div class="scroll"><table><thead><tr><th scope="col">Event</th><th scope="col">When</th>'
             f'<th scope="col">Details</th></tr></thead><tbody>{rows}</tbody></table></div>' if rows else "<p>None.</p>")
    return f'<section id="events"><h2>Events</h2>{note}{table}</section>'


def _companies(companies: list[Mapping[str, Any]]) -> str:
    body = "".join(f"<article><h3>{_e(str(c.get('name') or 'Company'))}</h3>{_fields(c, skip=('name',))}</article>"
                   for c in companies) or "<p>None.</p>"
    return f'<section id="companies"><h2>Companies</h2>{body}</section>'


def _listing(anchor: str, title: str, items: list[str]) -> str:
    body = f'<ul>{"".join(f"<li>{item}</li>" for item in items)}</ul>' if items else "<p>None.</p>"
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{body}</section>'


def _tag(tag: Mapping[str, Any]) -> str:
    applied = f" (added {_date(tag['applied_at'])})" if tag.get("applied_at") else ""
    return f"{_e(str(tag.get('name', '')))}{applied}"


def _subscription(subscription: Mapping[str, Any]) -> str:
    translation = _mapping(subscription.get("default_translation"))
    name = translation.get("name") or subscription.get("name") or "Subscription"
    consent = {"opt_in": "sent only to people who opted in", "opt_out": "sent unless you opt out"}.get(
        str(subscription.get("consent_type")), "")
    channels = ", ".join(_label(str(c)).lower() for c in subscription.get("content_types") or [])
    details = "; ".join(_e(str(d)) for d in (translation.get("description"), consent,
                                             f"by {channels}" if channels else "") if d)
    return f"{_e(str(name))}{f' — {details}' if details else ''}"


def _contents() -> str:
    entries = (("summary", "Summary"), ("profile", "Profile"), ("conversations", "Conversations"),
               ("notes", "Notes by the support team"), ("events", "Events"), ("companies", "Companies"),
               ("tags", "Tags"), ("segments", "Segments"), ("subscriptions", "Subscriptions"),
               ("about", "About this report"))
    items = "".join(f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title in entries)
    return f'<nav id="contents" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'


def _about(data: Mapping[str, Any]) -> str:
    items = "".join(f"<li>{_e(str(text))}</li>" for text in data.get("limitations") or [])
    limitations = (f'<h3 id="limitations">What this report cannot include</h3><ul>{items}</ul>' if items else "")
    return (
        '<section id="about"><h2>About this report</h2>'
        f"<p>Generated {_date(data.get('generated_at'))} from Intercom (API version "
        f"{_e(str(data.get('intercom_version', 'unknown')))}). The same data is provided as a machine-readable "
        "JSON file (document format "
        f"<code>{_e(str(data.get('format', 'unknown')))}</code>).</p>"
        f"{limitations}"
        "<p>This page is self-contained: it runs no scripts and loads nothing from the internet. "
        "Links and images in messages are shown as text.</p></section>"
    )


_CSS = """
:root{color-scheme:light;--ink:#1b1f23;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.3rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
h4{font-size:1rem;margin:1rem 0 .25rem}
a{color:var(--accent)}
p,li,dd{overflow-wrap:anywhere}
td,th{overflow-wrap:break-word}
.lead,.facts,.meta,.iso,.role{color:var(--muted)}
.iso{font-size:.8em;white-space:nowrap}
.facts{font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--soft)}
.scroll{overflow-x:auto}
dl.fields{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:.2rem 1rem;margin:.5rem 0}
dl.fields dt{font-weight:600}
dl.fields dd{margin:0}
dl.fields dl.fields{grid-template-columns:minmax(6rem,12rem) 1fr;margin:0}
td dl.fields,td dl.fields dl.fields{grid-template-columns:max-content 1fr;font-size:.9rem}
ul.values{margin:0;padding-left:1.2rem}
article.conversation{border-top:1px solid var(--line);margin-top:1.5rem}
ol.thread{list-style:none;padding:0;margin:.5rem 0}
.message{border:1px solid var(--line);border-left:4px solid var(--line);border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}
.message.from-contact{border-left-color:#2da44e}
.message.from-team{border-left-color:var(--accent)}
.message.note{border-left-color:#bf8700;background:#fff8c5}
.message.event{background:var(--soft);padding:.25rem .75rem}
.meta{margin:0;font-size:.9rem}
.author{color:var(--ink);font-weight:600}
.body{margin-top:.25rem}
.body p{margin:.3rem 0}
.body blockquote{margin:.3rem 0;padding-left:.75rem;border-left:3px solid var(--line);color:var(--muted)}
.body pre{white-space:pre-wrap;background:var(--soft);padding:.5rem}
.body img{max-width:100%;height:auto}
.url,.image,.redacted,.attachments-label{color:var(--muted);font-size:.9em}
#contents ol{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;list-style:none;padding:0}
ol.index{columns:2 18rem;column-gap:3rem;font-size:.95rem}
ol.index li{break-inside:avoid}
@media (max-width:40rem){
 body{font-size:15px}
 main{padding:.75rem}
 dl.fields,dl.fields dl.fields{grid-template-columns:1fr}
 dl.fields dd{margin-bottom:.4rem}
 table{font-size:.85rem}
 th,td{padding:.25rem .35rem}
 ol.index{columns:1}
}
@media print{
 @page{margin:15mm}
 body{font-size:10.5pt;color:#000}
 main{max-width:none;padding:0}
 a{color:inherit;text-decoration:none}
 ol.index{columns:2}
 h2{break-after:avoid}
 h3,h4,.meta{break-after:avoid}
 #profile,#conversations,#notes,#events,#companies{break-before:page}
 .message,tr,dl.fields>dt{break-inside:avoid}
 .message{border-color:#999}
 .message.note{background:none}
 .scroll{overflow:visible}
}
""".strip()
_CSS_HASH = base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode("ascii")
#: No scripts, no fetches, no forms, no base URL; only the inline stylesheet (by hash) and data: images.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def render_report(data: Mapping[str, Any], *, retention: Mapping[str, int] | None = None) -> str:
    """The report page for one DSAR document (the dict :func:`export_contact_data` returns).

    :param retention: Days per category, shaped like the policy's ``[retention]`` table
        (default: the policy defaults); shown in the summary.
    """
    periods = retention_periods(retention)
    contact = _mapping(data.get("contact"))
    name = str(contact.get("name") or contact.get("email") or "this contact")
    conversations = _items(data, "conversations")
    sections = "".join((
        _contents(),
        _summary(data, periods),
        _profile(contact),
        _conversations(conversations),
        _notes(_items(data, "notes")),
        _events(data),
        _companies(_items(data, "companies")),
        _listing("tags", "Tags", [_tag(t) for t in _items(data, "tags")]),
        _listing("segments", "Segments", [_e(str(s.get("name", ""))) for s in _items(data, "segments")]),
        _listing("subscriptions", "Subscriptions", [_subscription(s) for s in _items(data, "subscriptions")]),
        _about(data),
    ))
    generated = _moment(data.get("generated_at"))
    generated_text = f" on {_day(generated)}" if generated else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CONTENT_SECURITY_POLICY)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="robots" content="noindex, nofollow">'
        f'<meta name="{_MARKER}" content="{_e(str(contact.get("id", "")))}">'
        "<title>Personal data held in Intercom</title>"
        f"<style>{_CSS}</style></head><body><main>"
        f"<header><h1>Personal data held in Intercom about {_e(name)}</h1>"
        f'<p class="lead">A readable copy of everything our Intercom workspace holds about you, '
        f"prepared in answer to your data access request{generated_text}. Entries marked “internal note” "
        "were written by our support team for internal use.</p></header>"
        f"{sections}</main></body></html>\n"
    )


#: The ``purpose`` in the header of an encrypted report.
REPORT_PURPOSE = "dsar_report"


def report_path(json_path: str | os.PathLike[str]) -> Path:
    """Where the report of a JSON export goes: ``x.json`` -> ``x.html``, ``x.json.enc`` ->
    ``x.html.enc`` (other names get ``.html`` added)."""
    path = Path(json_path)
    sealed = path.suffix.lower() == ".enc"
    if sealed:
        path = path.with_suffix("")
    page = path.with_suffix(".html") if path.suffix.lower() == ".json" else path.with_name(path.name + ".html")
    return page.with_name(page.name + ".enc") if sealed else page


def write_report(data: Mapping[str, Any], path: str | os.PathLike[str], *,
                 retention: Mapping[str, int] | None = None, encrypt: bool | None = None,
                 data_key: str | Keyring | None = None) -> Path:
    """Write the report page, atomically and readable by the owner only (mode 0600).

    *data* is the DSAR document (:func:`~intercom_redact.compliance.export_contact_data`);
    *retention* as for :func:`render_report`.  Like the JSON it is written encrypted when a data
    key is configured (or ``encrypt=True``): it holds the same personal data.  Decrypt it for
    delivery with ``intercom-redact decrypt``.  Returns the path written.

    :raises DataKeyError: ``encrypt=True`` and no data key.
    """
    target = Path(path)
    keyring = export_keyring(encrypt, data_key, what="an encrypted DSAR report")
    payload = render_report(data, retention=retention).encode("utf-8")
    with open_output(target) as fh, sealed_output(fh, keyring, name=target.name, purpose=REPORT_PURPOSE,
                                                  subject=dsar_subject(data)) as sink:
        sink.write(payload)
    log.info("dsar report written", bytes=len(payload), encrypted=keyring is not None)
    return target


def is_report_of(path: str | os.PathLike[str], contact_id: str) -> bool:
    """Whether *path* is a report written by :func:`write_report` about *contact_id*."""
    marker = f'<meta name="{_MARKER}" content="{_e(str(contact_id))}">'
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return marker in head
