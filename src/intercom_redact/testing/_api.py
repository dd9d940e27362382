"""The fake Intercom API: requests in, Intercom-shaped responses out, no sockets involved."""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import math
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson

from intercom_redact.testing._faults import Fault
from intercom_redact.testing._workspace import ExportJob, Workspace

__all__ = ["FakeRequest", "FakeResponse", "IntercomApi"]

_VERSIONS = frozenset({"1.0", "1.1", "1.2", "1.3", "1.4", *(f"2.{n}" for n in range(15))})
_MAX_PER_PAGE = 150
_MAX_PARTS = 500  # Intercom returns the 500 most recent parts of a conversation
_RATE_WINDOW = 10  # seconds; Intercom spreads its per-minute limit over 10-second windows
_TAG = re.compile(r"<[^<>]+>")


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class FakeRequest:
    """A request as the fake API sees it; header names are lower-case."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The decoded JSON body (400 ``parameter_invalid`` when it is not JSON)."""
        try:
            return orjson.loads(self.body or b"null")
        except orjson.JSONDecodeError:
            raise _ApiError(400, "parameter_invalid", "Request body is not valid JSON") from None


@dataclass
class FakeResponse:
    """A response of the fake API."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> FakeResponse:
        """A JSON response."""
        return cls(status, orjson.dumps(payload), {"Content-Type": "application/json", **(headers or {})})


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> FakeResponse:
    """An Intercom ``error.list`` response."""
    body = {"type": "error.list", "request_id": str(uuid.uuid4()), "errors": [{"code": code, "message": message}]}
    return FakeResponse.json(status, body, headers)


def _bounded_per_page(raw: Any, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except (TypeError, ValueError):
        raise _ApiError(400, "parameter_invalid", "per_page must be an integer") from None
    if value < 1:
        raise _ApiError(400, "parameter_invalid", "per_page must be positive")
    return min(value, _MAX_PER_PAGE)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([offset])).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        (offset,) = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(offset)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise _ApiError(400, "parameter_invalid", "Invalid starting_after cursor") from None


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(actual: Any, operator: str, expected: Any) -> bool:
    values = [_norm(v) for v in (actual if isinstance(actual, list) else [actual])]
    exp = [_norm(v) for v in expected] if isinstance(expected, list) else _norm(expected)
    if operator == "=":
        return exp in values
    if operator == "!=":
        return exp not in values
    if operator in ("IN", "NIN"):
        if not isinstance(exp, list):
            raise _ApiError(400, "parameter_invalid", f"{operator} needs an array value")
        hit = any(v in exp for v in values)
        return hit if operator == "IN" else not hit
    if operator in ("<", ">", "<=", ">="):
        numbers = [v for v in values if isinstance(v, (int, float))]
        compare: Callable[[Any], bool] = {
            "<": lambda v: v < exp, ">": lambda v: v > exp, "<=": lambda v: v <= exp, ">=": lambda v: v >= exp,
        }[operator]
        return any(compare(v) for v in numbers)
    strings = [v for v in values if isinstance(v, str)]
    if operator == "~":
        return any(str(exp) in v for v in strings)
    if operator == "!~":
        return not any(str(exp) in v for v in strings)
    if operator == "^":
        return any(v.startswith(str(exp)) for v in strings)
    if operator == "$":
        return any(v.endswith(str(exp)) for v in strings)
    raise _ApiError(400, "parameter_invalid", f"Unsupported operator {operator!r}")


def _matches(lookup: Callable[[str], Any], query: Any) -> bool:
    if not isinstance(query, dict):
        raise _ApiError(400, "parameter_invalid", "query must be an object")
    if "field" in query:
        return _compare(lookup(str(query["field"])), str(query.get("operator")), query.get("value"))
    operator, clauses = query.get("operator"), query.get("value")
    if operator not in ("AND", "OR") or not isinstance(clauses, list):
        raise _ApiError(400, "parameter_invalid", "A nested query needs operator AND/OR and a list value")
    results = (_matches(lookup, clause) for clause in clauses)
    return all(results) if operator == "AND" else any(results)


def _dotted(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _plaintext(conversation: dict[str, Any]) -> None:
    def strip(body: str | None) -> str | None:
        return _TAG.sub("", body) if body else body

    conversation["source"]["body"] = strip(conversation["source"]["body"])
    for part in conversation["conversation_parts"]["conversation_parts"]:
        part["body"] = strip(part["body"])


class IntercomApi:
    """Routes fake requests to handlers over a :class:`Workspace`.

    :param workspace: The data served.
    :param token: The only bearer token accepted.
    """

    def __init__(self, workspace: Workspace, token: str) -> None:
        self.workspace = workspace
        self._token = token
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., FakeResponse]]] = [
            ("GET", re.compile(r"/contacts/find_by_external_id/(?P<external_id>[^/]+)"), self._contact_by_external_id),
            ("GET", re.compile(r"/contacts"), self._list_contacts),
            ("POST", re.compile(r"/contacts"), self._create_contact),
            ("POST", re.compile(r"/contacts/search"), self._search_contacts),
            ("GET", re.compile(r"/contacts/(?P<cid>[^/]+)"), self._get_contact),
            ("PUT", re.compile(r"/contacts/(?P<cid>[^/]+)"), self._update_contact),
            ("DELETE", re.compile(r"/contacts/(?P<cid>[^/]+)"), self._delete_contact),
            ("GET", re.compile(r"/contacts/(?P<cid>[^/]+)/tags"), self._contact_tags),
            ("POST", re.compile(r"/contacts/(?P<cid>[^/]+)/tags"), self._tag_contact),
            ("GET", re.compile(r"/contacts/(?P<cid>[^/]+)/segments"), self._contact_segments),
            ("GET", re.compile(r"/contacts/(?P<cid>[^/]+)/subscriptions"), self._contact_subscriptions),
            ("GET", re.compile(r"/contacts/(?P<cid>[^/]+)/notes"), self._contact_notes),
            ("GET", re.compile(r"/contacts/(?P<cid>[^/]+)/companies"), self._contact_companies),
            ("GET", re.compile(r"/events"), self._events),
            ("GET", re.compile(r"/conversations"), self._list_conversations),
            ("POST", re.compile(r"/conversations/search"), self._search_conversations),
            ("POST", re.compile(r"/conversations/redact"), self._redact),
            ("GET", re.compile(r"/conversations/(?P<conv_id>[^/]+)"), self._get_conversation),
            ("POST", re.compile(r"/conversations/(?P<conv_id>[^/]+)/reply"), self._reply),
            ("GET", re.compile(r"/admins"), self._list_admins),
            ("GET", re.compile(r"/admins/(?P<admin_id>[^/]+)"), self._get_admin),
            ("POST", re.compile(r"/export/content/data"), self._create_export),
            ("GET", re.compile(r"/export/content/data/(?P<job>[^/]+)"), self._find_export),
            ("POST", re.compile(r"/export/cancel/(?P<job>[^/]+)"), self._cancel_export),
            ("GET", re.compile(r"/download/content/data/(?P<job>[^/]+)"), self._download_export),
        ]

    # -- entry points --------------------------------------------------------------------------

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        """The 401 response for a request without the right bearer token, else ``None``."""
        if request.headers.get("authorization") != f"Bearer {self._token}":
            return error_response(401, "unauthorized", "Access Token Invalid")
        return None

    def fault_response(self, fault: Fault) -> FakeResponse:
        """The error response of an injected fault."""
        headers = self._rate_headers()
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.rate_limit_reset is not None:
            headers["X-RateLimit-Reset"] = str(math.ceil(time.time() + fault.rate_limit_reset))
        if fault.status == 429:
            headers["X-RateLimit-Remaining"] = "0"
        return error_response(fault.status or 500, fault.error_code, "Injected fault", headers)

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        """Answer an authorized request."""
        version = request.headers.get("intercom-version")
        try:
            if version is not None and version not in _VERSIONS:
                raise _ApiError(400, "intercom_version_invalid", "Intercom-Version is not valid")
            for method, pattern, handler in self._routes:
                match = pattern.fullmatch(request.path)
                if match and method == request.method:
                    response = handler(request, **match.groupdict())
                    break
            else:
                raise _ApiError(404, "not_found", "Resource Not Found")
        except _ApiError as exc:
            response = error_response(exc.status, exc.code, exc.message)
        response.headers.update(self._rate_headers())
        return response

    @staticmethod
    def _rate_headers() -> dict[str, str]:
        window_end = (int(time.time()) // _RATE_WINDOW + 1) * _RATE_WINDOW
        return {"X-RateLimit-Limit": "167", "X-RateLimit-Remaining": "166", "X-RateLimit-Reset": str(window_end)}

    # -- contacts ------------------------------------------------------------------------------

    def _contact(self, cid: str) -> dict[str, Any]:
        contact = self.workspace.contacts.get(cid)
        if contact is None:  # unknown, deleted, or merged away: 404 on API 2.14
            raise _ApiError(404, "not_found", "User Not Found")
        return contact

    def _get_contact(self, request: FakeRequest, cid: str) -> FakeResponse:
        with self.workspace.lock:
            return self._contact_response(self._contact(cid))

    def _contact_by_external_id(self, request: FakeRequest, external_id: str) -> FakeResponse:
        with self.workspace.lock:
            found = [c for c in self.workspace.contacts.values() if c["external_id"] == external_id]
            if not found:
                raise _ApiError(404, "not_found", "User Not Found")
            return self._contact_response(found[0])

    def _delete_contact(self, request: FakeRequest, cid: str) -> FakeResponse:
        deleted = self.workspace.delete_contact(cid)
        if deleted is None:
            raise _ApiError(404, "not_found", "User Not Found")
        return FakeResponse.json(200, deleted)

    @staticmethod
    def _cursor_page(hits: list[dict[str, Any]], key: str, list_type: str, per_page: int,
                     cursor: str | None) -> FakeResponse:
        """One page of *hits* and the ``pages`` object whose ``next.starting_after`` leads on."""
        offset = _decode_cursor(cursor) if cursor else 0
        page = hits[offset:offset + per_page]
        pages: dict[str, Any] = {
            "type": "pages", "page": offset // per_page + 1, "per_page": per_page,
            "total_pages": math.ceil(len(hits) / per_page),
        }
        if offset + per_page < len(hits):
            pages["next"] = {"per_page": per_page, "starting_after": _encode_cursor(offset + per_page)}
        return FakeResponse.json(200, {"type": list_type, key: page, "total_count": len(hits), "pages": pages})

    def _search(self, request: FakeRequest, items: list[dict[str, Any]], key: str, list_type: str,
                lookup: Callable[[dict[str, Any], str], Any], default_per_page: int) -> FakeResponse:
        body = request.json()
        if not isinstance(body, dict) or "query" not in body:
            raise _ApiError(400, "parameter_not_found", "query parameter is required")
        pagination = body.get("pagination") or {}
        per_page = _bounded_per_page(pagination.get("per_page"), default_per_page)
        hits = [item for item in items if _matches(functools.partial(lookup, item), body["query"])]
        return self._cursor_page(hits, key, list_type, per_page, pagination.get("starting_after"))

    def _list(self, request: FakeRequest, items: list[dict[str, Any]], key: str, list_type: str,
              default_per_page: int) -> FakeResponse:
        """A list endpoint: ``?per_page=&starting_after=`` cursor pagination."""
        per_page = _bounded_per_page(request.param("per_page"), default_per_page)
        return self._cursor_page(items, key, list_type, per_page, request.param("starting_after"))

    def _all_contacts(self) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return copy.deepcopy(list(self.workspace.contacts.values()))

    def _all_conversations(self) -> list[dict[str, Any]]:
        """Conversations as lists and searches return them: without their parts."""
        with self.workspace.lock:
            return [
                {k: copy.deepcopy(v) for k, v in c.items() if k != "conversation_parts"}
                for c in self.workspace.conversations.values()
            ]

    def _list_contacts(self, request: FakeRequest) -> FakeResponse:
        return self._list(request, self._all_contacts(), "data", "list", 50)

    def _list_conversations(self, request: FakeRequest) -> FakeResponse:
        return self._list(request, self._all_conversations(), "conversations", "conversation.list", 20)

    def _search_contacts(self, request: FakeRequest) -> FakeResponse:
        return self._search(request, self._all_contacts(), "data", "list", _dotted, 50)

    def _contact_response(self, contact: dict[str, Any]) -> FakeResponse:
        with self.workspace.lock:
            contact = copy.deepcopy(contact)
        contact["enabled_push_messaging"] = None
        return FakeResponse.json(200, contact)

    @staticmethod
    def _contact_fields(request: FakeRequest) -> dict[str, Any]:
        body = request.json()
        if not isinstance(body, dict):
            raise _ApiError(400, "parameter_invalid", "The request body must be an object")
        if "custom_attributes" in body and not isinstance(body["custom_attributes"], (dict, type(None))):
            raise _ApiError(400, "parameter_invalid", "custom_attributes must be an object")
        return body

    def _create_contact(self, request: FakeRequest) -> FakeResponse:
        fields = self._contact_fields(request)
        if not any(fields.get(k) for k in ("email", "external_id", "role")):
            raise _ApiError(400, "parameter_not_found", "email, external_id or role is required")
        ws = self.workspace
        with ws.lock:
            existing = ws.find_contact_by_identity(email=fields.get("email"), external_id=fields.get("external_id"))
            if existing is not None:
                raise _ApiError(409, "conflict", f"A contact matching those details already exists with id={existing}")
            contact = ws.create_contact(fields)
        return self._contact_response(contact)

    def _update_contact(self, request: FakeRequest, cid: str) -> FakeResponse:
        contact = self.workspace.update_contact(cid, self._contact_fields(request))
        if contact is None:
            raise _ApiError(404, "not_found", "User Not Found")
        return self._contact_response(contact)

    def _tag_contact(self, request: FakeRequest, cid: str) -> FakeResponse:
        body = request.json()
        tag_id = body.get("id") if isinstance(body, dict) else None
        if not tag_id:
            raise _ApiError(400, "parameter_not_found", "id is required")
        tag = self.workspace.tag_contact(cid, str(tag_id))
        if tag is None:
            raise _ApiError(404, "not_found", "Contact or tag not found")
        return FakeResponse.json(200, tag)

    def _list_admins(self, request: FakeRequest) -> FakeResponse:
        with self.workspace.lock:
            admins = copy.deepcopy(self.workspace.admins)
        return FakeResponse.json(200, {"type": "admin.list", "admins": admins})

    def _get_admin(self, request: FakeRequest, admin_id: str) -> FakeResponse:
        with self.workspace.lock:
            admin = next((copy.deepcopy(a) for a in self.workspace.admins if a["id"] == admin_id), None)
        if admin is None:
            raise _ApiError(404, "not_found", "Admin not found")
        return FakeResponse.json(200, admin)

    def _search_conversations(self, request: FakeRequest) -> FakeResponse:
        conversations = self._all_conversations()

        def lookup(conversation: dict[str, Any], field_name: str) -> Any:
            if field_name == "contact_ids":
                return Workspace.contact_ids(conversation)
            return _dotted(conversation, field_name)

        return self._search(request, conversations, "conversations", "conversation.list", lookup, 20)

    def _contact_tags(self, request: FakeRequest, cid: str) -> FakeResponse:
        ws = self.workspace
        with ws.lock:
            self._contact(cid)
            data = [{**ws.tags[t["id"]], "applied_at": t["applied_at"], "applied_by": t["applied_by"]}
                    for t in ws.contact_tags.get(cid, [])]
        return FakeResponse.json(200, {"type": "list", "data": data})

    def _contact_segments(self, request: FakeRequest, cid: str) -> FakeResponse:
        ws = self.workspace
        with ws.lock:
            self._contact(cid)
            data = [dict(ws.segments[s]) for s in ws.contact_segments.get(cid, [])]
        return FakeResponse.json(200, {"type": "list", "data": data})

    def _contact_subscriptions(self, request: FakeRequest, cid: str) -> FakeResponse:
        ws = self.workspace
        with ws.lock:
            self._contact(cid)
            data = [copy.deepcopy(ws.subscription_types[s]) for s in ws.contact_subscriptions.get(cid, [])]
        return FakeResponse.json(200, {"type": "list", "data": data})

    @staticmethod
    def _page_number(request: FakeRequest, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        per_page = _bounded_per_page(request.param("per_page"), 50)
        try:
            page = max(int(request.param("page", "1") or 1), 1)
        except ValueError:
            raise _ApiError(400, "parameter_invalid", "page must be an integer") from None
        total_pages = math.ceil(len(items) / per_page)
        pages = {"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages}
        return items[(page - 1) * per_page:page * per_page], pages

    def _contact_notes(self, request: FakeRequest, cid: str) -> FakeResponse:
        with self.workspace.lock:
            self._contact(cid)
            notes = copy.deepcopy(self.workspace.notes.get(cid, []))
        data, pages = self._page_number(request, notes)
        if pages["page"] >= pages["total_pages"]:
            pages["next"] = None
        return FakeResponse.json(200, {"type": "list", "data": data, "total_count": len(notes), "pages": pages})

    def _contact_companies(self, request: FakeRequest, cid: str) -> FakeResponse:
        ws = self.workspace
        with ws.lock:
            self._contact(cid)
            companies = [copy.deepcopy(ws.companies[c]) for c in ws.contact_companies.get(cid, [])]
        data, pages = self._page_number(request, companies)
        more = pages["page"] < pages["total_pages"]
        query = urlencode({"page": pages["page"] + 1, "per_page": pages["per_page"]})
        pages["next"] = f"{request.base_url}/contacts/{cid}/companies?{query}" if more else None
        return FakeResponse.json(200, {"type": "list", "data": data, "pages": pages, "total_count": len(companies)})

    # -- events --------------------------------------------------------------------------------

    def _events(self, request: FakeRequest) -> FakeResponse:
        ws = self.workspace
        if request.param("type") != "user":
            raise _ApiError(400, "parameter_invalid", "type must be user")
        with ws.lock:
            lookups = {
                "intercom_user_id": lambda c, v: c["id"] == v,
                "user_id": lambda c, v: c["external_id"] == v,
                "email": lambda c, v: c["email"].lower() == v.lower(),
            }
            given = [(name, request.param(name)) for name in lookups if request.param(name)]
            if len(given) != 1:
                raise _ApiError(400, "parameter_invalid", "Give exactly one of intercom_user_id, user_id, email")
            name, value = given[0]
            contact = next((c for c in ws.contacts.values() if lookups[name](c, value)), None)
            if contact is None:
                raise _ApiError(404, "not_found", "User Not Found")
            events = copy.deepcopy(ws.listable_events(contact["id"]))
        identity = {"email": contact["email"], "intercom_user_id": contact["id"], "user_id": contact["external_id"]}
        if request.param("summary") == "true":
            return FakeResponse.json(200, {"type": "event.summary", **identity, "events": self._summaries(events)})
        per_page = _bounded_per_page(request.param("per_page"), 50)
        before = request.param("before")
        offset = _decode_cursor(before) if before else 0
        pages: dict[str, Any] = {}
        if offset + per_page < len(events):
            cursor = _encode_cursor(offset + per_page)
            query = urlencode({"type": "user", name: value, "per_page": per_page, "before": cursor})
            pages["next"] = f"{request.base_url}/events?{query}"
        page = events[offset:offset + per_page]
        return FakeResponse.json(200, {"type": "event.list", "events": page, "pages": pages})

    @staticmethod
    def _summaries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        def iso(ts: int) -> str:
            return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat().replace("+00:00", "Z")

        by_name: dict[str, list[int]] = {}
        for event in events:
            by_name.setdefault(event["event_name"], []).append(event["created_at"])
        return [{"name": name, "first": iso(min(ts)), "last": iso(max(ts)), "count": len(ts), "description": ""}
                for name, ts in sorted(by_name.items())]

    # -- conversations -------------------------------------------------------------------------

    def _get_conversation(self, request: FakeRequest, conv_id: str) -> FakeResponse:
        with self.workspace.lock:
            conversation = self.workspace.conversations.get(conv_id)
            if conversation is None:
                raise _ApiError(404, "not_found", "Resource Not Found")
        return self._conversation_response(request, conversation)

    def _conversation_response(self, request: FakeRequest, conversation: dict[str, Any]) -> FakeResponse:
        """A whole conversation: its 500 most recent parts, plain text on ``?display_as=plaintext``."""
        with self.workspace.lock:
            conversation = copy.deepcopy(conversation)
        parts = conversation["conversation_parts"]
        parts["total_count"] = len(parts["conversation_parts"])
        parts["conversation_parts"] = parts["conversation_parts"][-_MAX_PARTS:]
        if request.param("display_as") == "plaintext":
            _plaintext(conversation)
        return FakeResponse.json(200, conversation)

    def _reply_author(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The part's author and type for a ``reply_conversation_request`` (admin or contact reply)."""
        ws = self.workspace
        with ws.lock:
            if body.get("type") == "admin":
                message_type = body.get("message_type")
                if message_type not in ("comment", "note", "quick_reply"):
                    raise _ApiError(400, "parameter_invalid", "message_type must be comment, note or quick_reply")
                admin = next((a for a in ws.admins if a["id"] == str(body.get("admin_id"))), None)
                if admin is None:
                    raise _ApiError(404, "admin_not_found", "Admin not found")
                return {"type": "admin", "id": admin["id"], "name": admin["name"], "email": admin["email"],
                        "from_ai_agent": False, "is_ai_answer": False}, str(message_type)
            if body.get("type") != "user" or body.get("message_type", "comment") != "comment":
                raise _ApiError(400, "parameter_invalid", "type must be admin or user (message_type comment)")
            cid = body.get("intercom_user_id")
            if cid is None:
                cid = ws.find_contact_by_identity(email=body.get("email"), external_id=body.get("user_id"))
            contact = ws.contacts.get(str(cid)) if cid is not None else None
            if contact is None:
                raise _ApiError(404, "not_found", "User Not Found")
            return {"type": "user", "id": contact["id"], "name": contact["name"], "email": contact["email"],
                    "from_ai_agent": False, "is_ai_answer": False}, "comment"

    def _reply(self, request: FakeRequest, conv_id: str) -> FakeResponse:
        body = request.json()
        if not isinstance(body, dict):
            raise _ApiError(400, "parameter_invalid", "The request body must be an object")
        author, part_type = self._reply_author(body)
        conversation = self.workspace.reply(conv_id, author, part_type, body.get("body"))
        if conversation is None:
            raise _ApiError(404, "not_found", "Resource Not Found")
        return self._conversation_response(request, conversation)

    def _redact(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        kind = body.get("type") if isinstance(body, dict) else None
        id_key = {"conversation_part": "conversation_part_id", "source": "source_id"}.get(str(kind))
        if id_key is None or not body.get("conversation_id") or not body.get(id_key):
            raise _ApiError(400, "parameter_invalid", "type, conversation_id and the part or source id are required")
        missing = _ApiError(404, "conversation_part_or_message_not_found", "Conversation part or message not found")
        with self.workspace.lock:
            conversation = self.workspace.conversations.get(str(body["conversation_id"]))
            if conversation is None:
                raise missing
            if kind == "source":
                targets = [conversation["source"]]
            else:
                targets = conversation["conversation_parts"]["conversation_parts"]
            target = next((t for t in targets if t["id"] == str(body[id_key])), None)
            if target is None:
                raise missing
            target.update(body="", attachments=[], redacted=True)
            conversation = copy.deepcopy(conversation)
        return FakeResponse.json(200, conversation)

    # -- content data export -------------------------------------------------------------------

    def _create_export(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        try:
            after, before = int(body["created_at_after"]), int(body["created_at_before"])
        except (TypeError, KeyError, ValueError):
            raise _ApiError(400, "parameter_invalid", "created_at_after and created_at_before are required") from None
        job = self.workspace.create_export_job(after, before)
        if job is None:
            raise _ApiError(429, "rate_limit_exceeded", "Exceeded rate limit of 1 pending message data export jobs")
        return FakeResponse.json(200, job.to_api(request.base_url, self.workspace.now))

    def _job_response(self, request: FakeRequest, job: ExportJob | None) -> FakeResponse:
        if job is None:
            raise _ApiError(404, "not_found", "The requested resource does not exist.")
        return FakeResponse.json(200, job.to_api(request.base_url, self.workspace.now))

    def _find_export(self, request: FakeRequest, job: str) -> FakeResponse:
        return self._job_response(request, self.workspace.poll_export_job(job))

    def _cancel_export(self, request: FakeRequest, job: str) -> FakeResponse:
        return self._job_response(request, self.workspace.cancel_export_job(job))

    def _download_export(self, request: FakeRequest, job: str) -> FakeResponse:
        if request.headers.get("accept") != "application/octet-stream":
            raise _ApiError(406, "not_acceptable", "Accept: application/octet-stream is required")
        with self.workspace.lock:
            found = self.workspace.export_jobs.get(job)
            if found is None or found.status != "completed":
                raise _ApiError(404, "not_found", "The requested resource does not exist.")
            payload = self.workspace.export_gzip(found)
        return FakeResponse(200, payload, {"Content-Type": "application/octet-stream"})
