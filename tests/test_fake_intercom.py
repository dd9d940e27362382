"""FakeIntercom itself: seeded PII-rich data, Intercom's response shapes (checked against the OpenAPI
description), the bearer-token check, pagination, merged contacts, the export job and fault injection.

Requests here go through plain httpx, not IntercomClient, so the fake is checked on its own.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intercom_redact.testing import EXPORT_CSV_COLUMNS, FakeIntercom, Workspace

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "intercom-openapi-2.14.yaml"


@pytest.fixture
def http(fake_intercom: FakeIntercom) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fake_intercom.token}", "Intercom-Version": "2.14"}
    with httpx.Client(base_url=fake_intercom.url, headers=headers) as client:
        yield client


@pytest.fixture
def cid(fake_intercom: FakeIntercom) -> str:
    return fake_intercom.workspace.busiest_contact_id


# -- OpenAPI schemas -------------------------------------------------------------------------

_ANNOTATIONS = frozenset({"nullable", "example", "examples", "description", "title", "x-tags"})


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` becomes an explicit null alternative."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: ({name: _json_schema(s) for name, s in value.items()} if key == "properties" else _json_schema(value))
        for key, value in node.items()
        if key not in _ANNOTATIONS
    }
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str) and not {"$ref", "allOf", "oneOf", "anyOf"} & out.keys():
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    with SPEC.open() as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    return {"schemas": _json_schema(_spec()["components"]["schemas"])}


@pytest.fixture
def validate():
    """validate(method, path_template, response): check a response against the spec's schema for it."""
    if not SPEC.exists():
        pytest.skip(f"the OpenAPI description is not at {SPEC} (expected next to the repository, in ../shared)")
    jsonschema = pytest.importorskip("jsonschema")
    spec, components = _spec(), _components()

    def check(method: str, template: str, response: httpx.Response) -> dict[str, Any]:
        declared = spec["paths"][template][method.lower()]["responses"][str(response.status_code)]
        schema = _json_schema(declared["content"]["application/json"]["schema"])
        body = response.json()
        jsonschema.Draft202012Validator({**schema, "components": components}).validate(body)
        return body

    return check


@pytest.fixture
def shape(request):
    """Like ``validate`` where the OpenAPI description is available; elsewhere only the body (the
    behaviour is checked either way)."""
    if SPEC.exists() and importlib.util.find_spec("jsonschema") and importlib.util.find_spec("yaml"):
        return request.getfixturevalue("validate")

    def body_only(method: str, template: str, response: httpx.Response) -> dict[str, Any]:
        return response.json()

    return body_only


def _first_part(conversation: dict[str, Any]) -> dict[str, Any]:
    return conversation["conversation_parts"]["conversation_parts"][0]


def _schema_properties(name: str) -> set[str]:
    return set(_spec()["components"]["schemas"][name]["properties"])


def test_contact_success_shapes(fake_intercom, http, validate, cid):
    ws = fake_intercom.workspace
    validate("GET", "/contacts/{contact_id}", http.get(f"/contacts/{cid}"))
    external_id = ws.contacts[cid]["external_id"]
    by_external_id = http.get(f"/contacts/find_by_external_id/{external_id}")
    validate("GET", "/contacts/find_by_external_id/{external_id}", by_external_id)
    search = {"query": {"field": "role", "operator": "=", "value": "user"}, "pagination": {"per_page": 3}}
    body = validate("POST", "/contacts/search", http.post("/contacts/search", json=search))
    assert body["pages"]["next"]["starting_after"] and len(body["data"]) == 3
    for sub in ("tags", "segments", "subscriptions", "notes", "companies"):
        body = validate("GET", f"/contacts/{{contact_id}}/{sub}", http.get(f"/contacts/{cid}/{sub}"))
        assert body["data"], sub
    validate("DELETE", "/contacts/{contact_id}", http.delete(f"/contacts/{cid}"))


def test_conversation_shapes(fake_intercom, http, validate, cid):
    query = {"query": {"field": "contact_ids", "operator": "=", "value": cid}, "pagination": {"per_page": 5}}
    body = validate("POST", "/conversations/search", http.post("/conversations/search", json=query))
    assert body["total_count"] == 45 and "conversation_parts" not in body["conversations"][0]
    conv_id = body["conversations"][0]["id"]
    conversation = validate("GET", "/conversations/{conversation_id}", http.get(f"/conversations/{conv_id}"))
    part_id = conversation["conversation_parts"]["conversation_parts"][0]["id"]
    validate("POST", "/conversations/redact", http.post("/conversations/redact", json={
        "type": "conversation_part", "conversation_id": conv_id, "conversation_part_id": part_id,
    }))


def test_list_contacts_with_cursor_pagination(fake_intercom, http, shape):
    seen: list[str] = []
    params: dict[str, Any] = {"per_page": 4}
    while True:
        response = http.get("/contacts", params=params)
        assert response.status_code == 200
        body = shape("GET", "/contacts", response)
        assert body["type"] == "list" and body["total_count"] == len(fake_intercom.workspace.contacts)
        seen += [c["id"] for c in body["data"]]
        if not body["pages"].get("next"):
            break
        params = {"per_page": 4, "starting_after": body["pages"]["next"]["starting_after"]}
    assert seen == list(fake_intercom.workspace.contacts) and len(seen) > 8  # every contact once, three pages


def test_create_and_update_a_contact(fake_intercom, http, shape):
    created = http.post("/contacts", json={"email": "new.person@example.com", "name": "New Person",
                                           "custom_attributes": {"plan": "pro"}})
    assert created.status_code == 200
    contact = shape("POST", "/contacts", created)
    assert (contact["email"], contact["email_domain"], contact["name"]) == (
        "new.person@example.com", "example.com", "New Person")
    cid = contact["id"]
    assert http.get(f"/contacts/{cid}").json()["custom_attributes"] == {"plan": "pro"}
    updated = http.put(f"/contacts/{cid}", json={"phone": "+14155550100", "custom_attributes": {"team": "a"}})
    assert updated.status_code == 200
    contact = shape("PUT", "/contacts/{contact_id}", updated)
    assert contact["phone"] == "+14155550100" and contact["custom_attributes"] == {"plan": "pro", "team": "a"}
    assert contact["updated_at"] >= contact["created_at"]
    duplicate = http.post("/contacts", json={"email": "NEW.person@example.com"})
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["code"] == "conflict"
    assert http.post("/contacts", json={"name": "Nobody"}).status_code == 400
    assert http.put("/contacts/nope", json={"name": "x"}).status_code == 404


def test_list_conversations_and_reply(fake_intercom, http, shape, cid):
    ws = fake_intercom.workspace
    first = shape("GET", "/conversations", http.get("/conversations", params={"per_page": 10}))
    assert first["type"] == "conversation.list" and len(first["conversations"]) == 10
    assert first["total_count"] == len(ws.conversations) and "conversation_parts" not in first["conversations"][0]
    cursor = first["pages"]["next"]["starting_after"]
    second = http.get("/conversations", params={"per_page": 10, "starting_after": cursor}).json()
    assert {c["id"] for c in second["conversations"]}.isdisjoint(c["id"] for c in first["conversations"])

    conv_id = first["conversations"][0]["id"]
    before = len(_parts(ws, conv_id))
    admin_id = ws.admins[1]["id"]
    reply = http.post(f"/conversations/{conv_id}/reply",
                      json={"message_type": "note", "type": "admin", "admin_id": admin_id, "body": "<p>Noted</p>"})
    assert reply.status_code == 200
    conversation = shape("POST", "/conversations/{conversation_id}/reply", reply)
    last = conversation["conversation_parts"]["conversation_parts"][-1]
    assert (last["part_type"], last["body"], last["author"]["id"]) == ("note", "<p>Noted</p>", admin_id)
    owner = ws.contact_ids(ws.conversations[conv_id])[0]
    by_contact = http.post(f"/conversations/{conv_id}/reply", json={
        "message_type": "comment", "type": "user", "email": ws.contacts[owner]["email"], "body": "Thanks!"})
    assert by_contact.json()["conversation_parts"]["conversation_parts"][-1]["author"]["id"] == owner
    assert len(_parts(ws, conv_id)) == before + 2
    assert http.post("/conversations/nope/reply", json={
        "message_type": "comment", "type": "admin", "admin_id": admin_id}).status_code == 404
    assert http.post(f"/conversations/{conv_id}/reply", json={
        "message_type": "comment", "type": "admin", "admin_id": "0"}).status_code == 404


def _parts(ws: Workspace, conv_id: str) -> list[dict[str, Any]]:
    return ws.conversations[conv_id]["conversation_parts"]["conversation_parts"]


def test_tag_a_contact(fake_intercom, http, shape, cid):
    ws = fake_intercom.workspace
    untagged = next(t for t in ws.tags if all(a["id"] != t for a in ws.contact_tags[cid]))
    response = http.post(f"/contacts/{cid}/tags", json={"id": untagged})
    assert response.status_code == 200
    assert shape("POST", "/contacts/{contact_id}/tags", response)["name"] == ws.tags[untagged]["name"]
    assert untagged in [t["id"] for t in http.get(f"/contacts/{cid}/tags").json()["data"]]
    assert http.get(f"/contacts/{cid}").json()["tags"]["total_count"] == 4
    assert http.post(f"/contacts/{cid}/tags", json={"id": "999"}).status_code == 404
    assert http.post(f"/contacts/{cid}/tags", json={}).status_code == 400


def test_admins(fake_intercom, http, shape):
    admins = shape("GET", "/admins", http.get("/admins"))
    assert admins["type"] == "admin.list" and admins["admins"] == fake_intercom.workspace.admins
    admin_id = admins["admins"][0]["id"]
    assert shape("GET", "/admins/{admin_id}", http.get(f"/admins/{admin_id}"))["id"] == admin_id
    missing = http.get("/admins/0")
    assert missing.status_code == 404 and shape("GET", "/admins/{admin_id}", missing)["type"] == "error.list"


def test_export_and_event_summary_shapes(fake_intercom, http, validate, cid):
    job = validate("POST", "/export/content/data", http.post(
        "/export/content/data", json={"created_at_after": 0, "created_at_before": fake_intercom.workspace.now}
    ))
    validate("GET", "/export/content/data/{job_identifier}", http.get(f"/export/content/data/{job['job_identifier']}"))
    validate("POST", "/export/cancel/{job_identifier}", http.post(f"/export/cancel/{job['job_identifier']}"))
    params = {"type": "user", "intercom_user_id": cid, "summary": "true"}
    summary = validate("GET", "/events", http.get("/events", params=params))
    assert sum(e["count"] for e in summary["events"]) == len(fake_intercom.workspace.listable_events(cid))


def test_error_shapes(fake_intercom, http, validate):
    validate("GET", "/contacts/{contact_id}", httpx.get(f"{fake_intercom.url}/contacts/x"))  # 401, no token
    body = validate("GET", "/contacts/{contact_id}/tags", http.get("/contacts/unknown/tags"))  # 404
    assert body["errors"] == [{"code": "not_found", "message": "User Not Found"}]


@pytest.mark.parametrize(
    ("schema", "sample"),
    [
        ("contact", lambda ws, cid: ws.contacts[cid]),
        ("conversation", lambda ws, cid: ws.conversations_of(cid)[0]),
        ("conversation_source", lambda ws, cid: ws.conversations_of(cid)[0]["source"]),
        ("conversation_part", lambda ws, cid: _first_part(ws.conversations_of(cid)[0])),
        ("note", lambda ws, cid: ws.notes[cid][0]),
        ("company", lambda ws, cid: ws.companies[ws.contact_companies[cid][0]]),
        ("subscription_type", lambda ws, cid: ws.subscription_types[ws.contact_subscriptions[cid][0]]),
        ("segment", lambda ws, cid: ws.segments[ws.contact_segments[cid][0]]),
    ],
)
def test_objects_carry_every_documented_property(fake_intercom, validate, cid, schema, sample):
    assert _schema_properties(schema) <= set(sample(fake_intercom.workspace, cid))


def test_event_list_shape(fake_intercom, http, cid):
    # OAS 2.14 models only the summary; the list shape comes from the 2.4 and 2.11 docs.
    body = http.get("/events", params={"type": "user", "intercom_user_id": cid, "per_page": 5}).json()
    assert body["type"] == "event.list" and len(body["events"]) == 5
    keys = {"type", "event_name", "created_at", "user_id", "intercom_user_id", "email", "metadata"}
    assert set(body["events"][0]) >= keys
    assert body["pages"]["next"].startswith(f"{fake_intercom.url}/events?")


# -- data ------------------------------------------------------------------------------------


def test_generation_is_deterministic():
    first, second = Workspace.generate(3, now=1_800_000_000), Workspace.generate(3, now=1_800_000_000)
    assert first.contacts == second.contacts and first.conversations == second.conversations
    assert first.notes == second.notes and first.events == second.events and first.receipts == second.receipts
    assert first.pii_values() == second.pii_values()
    assert Workspace.generate(4, now=1_800_000_000).contacts != first.contacts


def test_every_pii_field_is_filled(fake_intercom):
    ws = fake_intercom.workspace
    pii = ws.pii_values()
    for cid, contact in ws.contacts.items():
        attrs = contact["custom_attributes"]
        planted = [contact["email"], contact["name"], contact["phone"], contact["location"]["city"],
                   contact["location"]["region"], attrs["address"], attrs["ssn"], attrs["last_ip"],
                   contact["avatar"]["image_url"], contact["social_profiles"]["data"][0]["url"]]
        assert all(value and value in pii for value in planted), cid
        assert ws.pii_values(cid) <= pii


def test_conversation_bodies_are_full_of_pii(fake_intercom, cid):
    ws = fake_intercom.workspace
    person = ws.people[cid]
    html = " ".join(
        body for c in ws.conversations_of(cid)
        for body in [c["source"]["body"], *(p["body"] for p in c["conversation_parts"]["conversation_parts"])]
        if body
    )
    assert re.search(r"<p>.*</p>", html)
    for value in (person.email, person.phone_display, person.phone_e164, person.card, person.ssn, person.street,
                  person.full, f"Hi {person.first},", f'href="mailto:{person.email}"'):
        assert value in html, value
    assert any(c["title"] and person.full in c["title"] for c in ws.conversations.values())
    assert any(person.email in n["body"] for n in ws.notes[cid])


def test_pii_by_kind(fake_intercom):
    kinds = fake_intercom.workspace.pii_by_kind()
    assert {"email", "name", "phone", "card", "ssn", "street", "address", "city", "ip_address"} <= set(kinds)
    assert all("@" in e for e in kinds["email"])


# -- protocol --------------------------------------------------------------------------------


def test_bearer_token_is_required(fake_intercom, cid):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": fake_intercom.token}):
        response = httpx.get(f"{fake_intercom.url}/contacts/{cid}", headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "unauthorized"
    assert [r.authorized for r in fake_intercom.requests] == [False, False, False]


def test_unknown_version_and_route(http):
    response = http.get("/contacts/x", headers={"Intercom-Version": "9.9"})
    assert (response.status_code, response.json()["errors"][0]["code"]) == (400, "intercom_version_invalid")
    assert http.get("/nowhere").status_code == 404


def test_search_operators(fake_intercom, http, cid):
    ws = fake_intercom.workspace

    def ids(query: dict[str, Any]) -> set[str]:
        body = http.post("/contacts/search", json={"query": query, "pagination": {"per_page": 150}}).json()
        return {c["id"] for c in body["data"]}

    email = ws.contacts[cid]["email"]
    assert ids({"field": "email", "operator": "=", "value": email.upper()}) == {cid}
    assert ids({"field": "email", "operator": "IN", "value": [email, "x@y.z"]}) == {cid}
    plan = ws.contacts[cid]["custom_attributes"]["plan"]
    same_plan = {c for c, v in ws.contacts.items() if v["custom_attributes"]["plan"] == plan}
    assert ids({"operator": "AND", "value": [
        {"field": "custom_attributes.plan", "operator": "=", "value": plan},
        {"field": "email", "operator": "~", "value": "@"},
    ]}) == same_plan
    assert ids({"operator": "OR", "value": [
        {"field": "id", "operator": "=", "value": cid}, {"field": "external_id", "operator": "^", "value": "usr_100"},
    ]}) >= {cid}
    bad = http.post("/contacts/search", json={"query": {"field": "email", "operator": "??", "value": "x"}})
    assert bad.status_code == 400


def test_merged_contact(fake_intercom, http):
    ws = fake_intercom.workspace
    merged_id, into_id = next(iter(ws.merged.items()))
    assert http.get(f"/contacts/{merged_id}").status_code == 404
    assert http.get(f"/contacts/{merged_id}/notes").status_code == 404
    body = http.post("/contacts/search", json={"query": {"field": "id", "operator": "=", "value": merged_id}}).json()
    assert body["data"] == [] and body["total_count"] == 0
    assert all(merged_id not in ws.contact_ids(c) for c in ws.conversations.values())
    assert ws.conversations_of(into_id)


def test_page_number_pages(http, cid):
    body = http.get(f"/contacts/{cid}/companies", params={"per_page": 2, "page": 2}).json()
    assert body["pages"]["page"] == 2 and body["pages"]["total_pages"] == 3 and len(body["data"]) == 2
    assert "page=3" in body["pages"]["next"]
    last = http.get(f"/contacts/{cid}/notes", params={"per_page": 5, "page": 3}).json()
    assert len(last["data"]) == 2 and last["pages"]["next"] is None


def test_conversation_plaintext_and_parts_limit(fake_intercom, http, cid):
    conversation = fake_intercom.workspace.conversations_of(cid)[0]
    parts = conversation["conversation_parts"]["conversation_parts"]
    parts.extend(dict(parts[0], id=f"extra{n}") for n in range(460))  # 520 in all
    body = http.get(f"/conversations/{conversation['id']}", params={"display_as": "plaintext"}).json()
    returned = body["conversation_parts"]["conversation_parts"]
    assert len(returned) == 500 and body["conversation_parts"]["total_count"] == 520
    assert returned[-1]["id"] == "extra459"  # the most recent ones
    assert "<" not in body["source"]["body"]


def test_delete_removes_the_contacts_data(fake_intercom, http, cid):
    assert http.delete(f"/contacts/{cid}").json()["deleted"] is True
    ws = fake_intercom.workspace
    assert cid not in ws.contacts and ws.deleted_contacts == [cid] and not ws.conversations_of(cid)
    assert http.delete(f"/contacts/{cid}").status_code == 404


def test_export_job_rules(fake_intercom, http):
    ws = fake_intercom.workspace
    create = {"created_at_after": 0, "created_at_before": ws.now}
    job = http.post("/export/content/data", json=create).json()["job_identifier"]
    second = http.post("/export/content/data", json=create)
    assert second.status_code == 429
    assert second.json()["errors"][0]["message"] == "Exceeded rate limit of 1 pending message data export jobs"
    assert http.get(f"/download/content/data/{job}", headers={"Accept": "application/octet-stream"}).status_code == 404
    while http.get(f"/export/content/data/{job}").json()["status"] != "completed":
        pass
    assert http.get(f"/download/content/data/{job}").status_code == 406  # Accept header required
    download = http.get(f"/download/content/data/{job}", headers={"Accept": "application/octet-stream"})
    assert download.headers["content-type"] == "application/octet-stream"
    rows = gzip.decompress(download.content).decode().splitlines()
    assert rows[0] == ",".join(EXPORT_CSV_COLUMNS)
    emails = {r["email"] for r in ws.receipts}
    assert all(any(e in row for e in emails) for row in rows[1:])
    assert http.post("/export/content/data", json=create).status_code == 200  # the finished job is not active


# -- faults and the request log --------------------------------------------------------------


def test_fault_injection(fake_intercom, http, cid):
    fault = fake_intercom.faults.add(
        "/contacts/*", status=429, retry_after=1, rate_limit_reset=30, times=2, method="GET"
    )
    search = {"query": {"field": "id", "operator": "=", "value": cid}}
    assert http.post("/contacts/search", json=search).status_code == 200
    first, second, third = (http.get(f"/contacts/{cid}") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["retry-after"] == "1" and first.headers["x-ratelimit-remaining"] == "0"
    assert int(first.headers["x-ratelimit-reset"]) >= int(third.headers["x-ratelimit-reset"])
    assert first.json()["errors"][0]["code"] == "rate_limit_exceeded" and fault.hits == 2
    fake_intercom.faults.add("/conversations/*", status=404, times=None)
    assert [http.get("/conversations/1000").status_code for _ in range(3)] == [404, 404, 404]
    fake_intercom.faults.clear()
    assert http.get("/conversations/1000").status_code == 200


def test_disconnect_and_delay_faults(fake_intercom, http, cid):
    fake_intercom.faults.add("/contacts/*", disconnect=True)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(f"/contacts/{cid}")
    fake_intercom.faults.add("/contacts/*", delay=0.5)
    with pytest.raises(httpx.ReadTimeout):
        http.get(f"/contacts/{cid}", timeout=0.1)
    with pytest.raises(ValueError, match="needs"):
        fake_intercom.faults.add("/x")


def test_request_log(fake_intercom, http, cid):
    http.get(f"/contacts/{cid}/notes", params={"page": 2})
    http.post("/contacts/search", json={"query": {"field": "id", "operator": "=", "value": cid}})
    notes, search = fake_intercom.requests
    assert (notes.method, notes.path, notes.query) == ("GET", f"/contacts/{cid}/notes", {"page": ["2"]})
    assert notes.status == 200
    assert search.json["query"]["value"] == cid and "authorization" not in search.headers and search.authorized
    assert fake_intercom.count("/contacts/*") == 2 and fake_intercom.count("/contacts/search", "POST") == 1
    fake_intercom.clear_requests()
    assert fake_intercom.requests == []


def test_lifecycle():
    fake = FakeIntercom(seed=1, token="tok")
    with pytest.raises(RuntimeError):
        fake.url  # noqa: B018 - not started yet
    with fake:
        assert fake.url.startswith("http://127.0.0.1:") and fake.token == "tok"
        assert httpx.get(f"{fake.url}/contacts/x", headers={"Authorization": "Bearer tok"}).status_code == 404
    assert repr(fake) == "FakeIntercom(url=None)"
