"""IntercomClient against FakeIntercom over real HTTP: retries, typed errors, pagination, secrecy."""

from __future__ import annotations

import gzip
import logging
import pickle
import socket
import time
import traceback
from collections.abc import Iterator

import httpx
import pytest

from intercom_redact.compliance import (
    AmbiguousContactError,
    BadRequest,
    ClientConfigError,
    Conflict,
    Forbidden,
    IntercomClient,
    IntercomConnectionError,
    IntercomError,
    MissingTokenError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    Unprocessable,
)
from intercom_redact.testing import EXPORT_CSV_COLUMNS, FakeIntercom


class Waits(list):
    """An injected ``sleep`` that records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def client(fake_intercom: FakeIntercom, waits: Waits) -> Iterator[IntercomClient]:
    with fake_intercom.client(sleep=waits, backoff_base=0.2) as client:
        yield client


@pytest.fixture
def cid(fake_intercom: FakeIntercom) -> str:
    return fake_intercom.workspace.busiest_contact_id


# -- retries ---------------------------------------------------------------------------------


def test_429_retry_after_is_honoured(fake_intercom, client, waits, cid):
    fake_intercom.faults.add(f"/contacts/{cid}", status=429, retry_after=2, times=2)
    assert client.get_contact(cid)["id"] == cid
    assert waits == [2.0, 2.0]
    assert fake_intercom.count(f"/contacts/{cid}") == 3


def test_429_retry_after_really_waits(fake_intercom, cid):
    fake_intercom.faults.add(f"/contacts/{cid}", status=429, retry_after="0.3", times=1)
    with fake_intercom.client() as client:
        started = time.monotonic()
        client.get_contact(cid)
    assert time.monotonic() - started >= 0.3
    assert fake_intercom.count(f"/contacts/{cid}") == 2


def test_429_without_retry_after_waits_for_rate_limit_reset(fake_intercom, client, waits, cid):
    fake_intercom.faults.add("/contacts/*", status=429, rate_limit_reset=5, times=1)
    client.get_contact(cid)
    assert len(waits) == 1 and 4.0 <= waits[0] <= 6.0


def test_server_wait_is_capped(fake_intercom, waits, cid):
    fake_intercom.faults.add("/contacts/*", status=429, retry_after=3600, times=1)
    with fake_intercom.client(sleep=waits, max_retry_wait=7) as client:
        client.get_contact(cid)
    assert waits == [7]


def test_5xx_ignores_rate_limit_window_and_backs_off(fake_intercom, client, waits, cid):
    # Every fake response carries X-RateLimit-Reset (up to 10 s away); a 503 must not wait for it.
    fake_intercom.faults.add("/contacts/*", status=503, times=2)
    assert client.get_contact(cid)["id"] == cid
    assert len(waits) == 2
    assert 0.1 <= waits[0] <= 0.2 and 0.2 <= waits[1] <= 0.4  # jittered, doubling, bounded


def test_backoff_is_bounded(fake_intercom, waits, cid):
    fake_intercom.faults.add("/contacts/*", status=500, times=6)
    with fake_intercom.client(sleep=waits, max_retries=6, backoff_base=1, backoff_max=3) as client:
        client.get_contact(cid)
    assert len(waits) == 6 and all(0.5 <= w <= 3 for w in waits) and max(waits[3:]) >= 1.5


def test_gives_up_after_max_retries(fake_intercom, waits, cid):
    fake_intercom.faults.add("/contacts/*", status=503, times=None)
    with fake_intercom.client(sleep=waits, max_retries=3) as client, pytest.raises(ServerError) as info:
        client.get_contact(cid)
    err = info.value
    assert err.status == 503 and err.codes == ("service_unavailable",) and err.request_id
    assert "after 4 attempts" in str(err)
    assert fake_intercom.count("/contacts/*") == 4 and len(waits) == 3


def test_rate_limited_after_retries_carries_retry_after(fake_intercom, waits, cid):
    fake_intercom.faults.add("/contacts/*", status=429, retry_after=1, times=None)
    with fake_intercom.client(sleep=waits, max_retries=1) as client, pytest.raises(RateLimited) as info:
        client.get_contact(cid)
    assert info.value.retry_after == 1.0 and info.value.code == "rate_limit_exceeded"


def test_dropped_connection_is_retried(fake_intercom, client, waits, cid):
    fake_intercom.faults.add("/contacts/*", disconnect=True, times=1)
    assert client.get_contact(cid)["id"] == cid
    assert len(waits) == 1


def test_slow_response_past_timeout_is_retried(fake_intercom, waits, cid):
    fake_intercom.faults.add("/contacts/*", delay=1.0, times=1)
    with fake_intercom.client(sleep=waits, timeout=0.2) as client:
        assert client.get_contact(cid)["id"] == cid
    assert len(waits) == 1


def test_slow_response_within_timeout_is_not_retried(fake_intercom, client, waits, cid):
    fake_intercom.faults.add("/contacts/*", delay=0.2, times=1)
    assert client.get_contact(cid)["id"] == cid
    assert waits == [] and fake_intercom.count("/contacts/*") == 1


def test_unreachable_server_raises_connection_error(waits):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = IntercomClient(token="t", base_url=f"http://127.0.0.1:{port}", sleep=waits, max_retries=2)
    with client, pytest.raises(IntercomConnectionError) as info:
        client.get_contact("123")
    assert info.value.status is None and info.value.host == f"127.0.0.1:{port}"
    assert str(info.value) == f"could not reach 127.0.0.1:{port} (ConnectError) for GET /contacts/123 after 3 attempt(s)"
    assert len(waits) == 2


# -- typed errors ----------------------------------------------------------------------------


def test_unauthorized_is_typed_and_not_retried(fake_intercom, waits, cid):
    with IntercomClient(token="wrong-token", base_url=fake_intercom.url, sleep=waits) as client, \
            pytest.raises(Unauthorized) as info:
        client.get_contact(cid)
    assert info.value.status == 401 and info.value.code == "unauthorized"
    assert waits == [] and fake_intercom.count() == 1


def test_not_found_is_typed(client):
    with pytest.raises(NotFound) as info:
        client.get_contact("no-such-contact")
    err = info.value
    assert (err.status, err.code, err.method, err.path) == (404, "not_found", "GET", "/contacts/no-such-contact")
    assert err.errors[0]["message"] == "User Not Found"


def test_merged_contact_is_not_found(fake_intercom, client):
    merged_id = next(iter(fake_intercom.workspace.merged))
    with pytest.raises(NotFound):
        client.get_contact(merged_id)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequest), (403, Forbidden), (409, Conflict), (422, Unprocessable), (418, IntercomError)],
)
def test_error_classes_by_status(fake_intercom, client, waits, cid, status, cls):
    fake_intercom.faults.add("/contacts/*", status=status, times=1)
    with pytest.raises(cls) as info:
        client.get_contact(cid)
    assert info.value.status == status and waits == []


def test_lookups_keep_identifiers_out_of_urls(fake_intercom, client):
    # External ids are often emails; URLs end up in access logs and in httpx's INFO log line.
    client.find_contact_by_external_id("jane.doe@example.com")
    client.find_contact_by_email("jane.doe@example.com")
    assert [(r.method, r.path, r.query) for r in fake_intercom.requests] == [("POST", "/contacts/search", {})] * 2


def test_error_message_leaves_out_server_text(fake_intercom, client, cid):
    # Intercom's messages may echo submitted data; only codes go into str(exc).
    with pytest.raises(NotFound) as info:
        client.get_contact("no-such-contact")
    assert "User Not Found" not in str(info.value)


# -- the token -------------------------------------------------------------------------------


def test_token_never_in_repr_errors_or_logs(fake_intercom, caplog, waits, cid):
    secret = fake_intercom.token
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    fake_intercom.faults.add("/contacts/*", status=503, times=None)
    client = fake_intercom.client(sleep=waits, max_retries=1)
    errors: list[BaseException] = []
    with client:
        for call in (lambda: client.get_contact(cid), lambda: client.get_contact("nope")):
            try:
                call()
            except IntercomError as exc:
                errors.append(exc)
        fake_intercom.faults.clear()
        with pytest.raises(NotFound) as info:
            client.get_contact("nope")
        errors.append(info.value)
        with pytest.raises(TypeError):
            pickle.dumps(client._auth)
        texts = [repr(client), str(client), repr(client._auth), repr(vars(client))]
    with IntercomClient(token=secret, base_url="http://127.0.0.1:9", sleep=waits, max_retries=0) as dead:
        with pytest.raises(IntercomConnectionError) as conn:
            dead.get_contact(cid)
        errors.append(conn.value)
    texts += [t for e in errors for t in (str(e), repr(e), "".join(traceback.format_exception(e)))]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.__dict__) for r in caplog.records]
    assert len(errors) == 4 and caplog.records
    assert not [t for t in texts if secret in t]


def test_token_from_environment_read_at_construction(fake_intercom, monkeypatch, cid):
    monkeypatch.delenv("INTERCOM_ACCESS_TOKEN", raising=False)
    with pytest.raises(MissingTokenError):
        IntercomClient(base_url=fake_intercom.url)
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", fake_intercom.token)
    with IntercomClient(base_url=fake_intercom.url) as client:
        assert client.get_contact(cid)["id"] == cid


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "url"),
    [("us", "https://api.intercom.io"), ("eu", "https://api.eu.intercom.io"), ("au", "https://api.au.intercom.io")],
)
def test_regions(region, url):
    with IntercomClient(token="t", region=region) as client:
        assert client.base_url == url
    with IntercomClient(token="t", region=region, base_url="http://127.0.0.1:1/") as client:
        assert client.base_url == "http://127.0.0.1:1"


def test_unknown_region():
    with pytest.raises(ClientConfigError, match="region"):
        IntercomClient(token="t", region="mars")


@pytest.mark.parametrize("url", ["notaurl", "api.intercom.io", "ftp://api.intercom.io", "http://", "http://h:port"])
def test_malformed_base_url_is_a_configuration_error_before_any_request(url, waits):
    with pytest.raises(ClientConfigError, match="not an API base URL") as info:
        IntercomClient(token="t", base_url=url, sleep=waits)
    assert isinstance(info.value, ValueError) and waits == []


def test_headers_sent(fake_intercom, cid):
    with fake_intercom.client(version="2.13") as client:
        client.get_contact(cid)
    (request,) = fake_intercom.requests
    assert request.authorized and "authorization" not in request.headers
    assert request.headers["intercom-version"] == "2.13"
    assert request.headers["accept"] == "application/json"


def test_injected_http_client_is_used_and_left_open(fake_intercom, cid):
    with httpx.Client(headers={"X-Trace": "abc"}) as http:
        with fake_intercom.client(http_client=http) as client:
            client.get_contact(cid)
        assert not http.is_closed
    assert fake_intercom.requests[0].headers["x-trace"] == "abc"


def test_injected_transport(fake_intercom, cid):
    with fake_intercom.client(transport=httpx.HTTPTransport(retries=0)) as client:
        assert client.get_contact(cid)["id"] == cid


def test_absolute_links_to_other_hosts_are_refused(fake_intercom, client):
    with pytest.raises(IntercomError, match="another host"):
        client.request("GET", "http://attacker.example/events")
    assert fake_intercom.count() == 0


# -- pagination ------------------------------------------------------------------------------


def test_conversation_search_follows_cursor_over_many_pages(fake_intercom, client, cid):
    query = {"field": "contact_ids", "operator": "=", "value": cid}
    found = [c["id"] for c in client.search_conversations(query, per_page=4)]
    expected = [c["id"] for c in fake_intercom.workspace.conversations_of(cid)]
    assert found == expected and len(expected) == 45
    searches = [r for r in fake_intercom.requests if r.path == "/conversations/search"]
    assert len(searches) == 12  # ceil(45 / 4): no repeated and no extra page
    cursors = [r.json["pagination"].get("starting_after") for r in searches]
    assert cursors[0] is None and len(set(cursors[1:])) == 11


def test_contact_search_pagination(fake_intercom, client):
    found = list(client.search_contacts({"field": "role", "operator": "=", "value": "user"}, per_page=2))
    assert sorted(c["id"] for c in found) == sorted(fake_intercom.workspace.contacts)


def test_notes_and_companies_page_numbers(fake_intercom, client, cid):
    ws = fake_intercom.workspace
    assert [n["id"] for n in client.list_contact_notes(cid, per_page=5)] == [n["id"] for n in ws.notes[cid]]
    assert fake_intercom.count(f"/contacts/{cid}/notes") == 3  # 12 notes: pages 1-3, no empty 4th page
    assert [c["id"] for c in client.list_contact_companies(cid, per_page=2)] == ws.contact_companies[cid]
    assert fake_intercom.count(f"/contacts/{cid}/companies") == 3
    pages = [r.query["page"] for r in fake_intercom.requests if r.path.endswith("/companies")]
    assert pages == [["1"], ["2"], ["3"]]


def test_events_follow_next_links(fake_intercom, client, cid):
    listable = fake_intercom.workspace.listable_events(cid)
    events = list(client.list_contact_events(cid, per_page=10))
    assert [e["id"] for e in events] == [e["id"] for e in listable]
    assert len(fake_intercom.workspace.events[cid]) > len(listable) > 20  # old events are hidden
    assert fake_intercom.count("/events") == 3


def test_small_lists(fake_intercom, client, cid):
    ws = fake_intercom.workspace
    assert [t["id"] for t in client.list_contact_tags(cid)] == [t["id"] for t in ws.contact_tags[cid]]
    assert [s["id"] for s in client.list_contact_segments(cid)] == ws.contact_segments[cid]
    assert [s["id"] for s in client.list_contact_subscriptions(cid)] == ws.contact_subscriptions[cid]


# -- lookups and changes ---------------------------------------------------------------------


def test_find_contact_by_email_and_external_id(fake_intercom, client, cid):
    email = fake_intercom.workspace.contacts[cid]["email"]
    assert client.find_contact_by_email(email.upper())["id"] == cid
    assert client.find_contact_by_email("nobody@example.invalid") is None
    external_id = fake_intercom.workspace.contacts[cid]["external_id"]
    assert client.find_contact_by_external_id(external_id)["id"] == cid
    assert client.find_contact_by_external_id("usr_missing") is None


def test_find_contact_by_email_ambiguous(fake_intercom, client, cid):
    ws = fake_intercom.workspace
    email = ws.contacts[cid]["email"]
    ws.contacts["twin0000000000000000000"] = {**ws.contacts[cid], "id": "twin0000000000000000000"}
    with pytest.raises(AmbiguousContactError) as info:
        client.find_contact_by_email(email)
    assert set(info.value.contact_ids) == {cid, "twin0000000000000000000"}
    assert email not in str(info.value)


def test_delete_contact(fake_intercom, client, cid):
    assert client.delete_contact(cid) == {
        "type": "contact", "id": cid, "external_id": "usr_1000", "deleted": True,
    }
    with pytest.raises(NotFound):
        client.delete_contact(cid)
    assert fake_intercom.workspace.conversations_of(cid) == []


def test_redact_part_and_source(fake_intercom, client, cid):
    conversation = fake_intercom.workspace.conversations_of(cid)[0]
    conv_id, part_id = conversation["id"], conversation["conversation_parts"]["conversation_parts"][1]["id"]
    client.redact_conversation_part(conv_id, part_id)
    updated = client.redact_conversation_source(conv_id, conversation["source"]["id"])
    part = next(p for p in updated["conversation_parts"]["conversation_parts"] if p["id"] == part_id)
    assert part["redacted"] and part["body"] == ""
    assert updated["source"]["redacted"] and updated["source"]["body"] == ""
    with pytest.raises(NotFound) as info:
        client.redact_conversation_part(conv_id, "999")
    assert info.value.code == "conversation_part_or_message_not_found"


# -- content data export ---------------------------------------------------------------------


def test_content_export_lifecycle(fake_intercom, client, waits):
    ws = fake_intercom.workspace
    job = client.create_content_export(0, ws.now)
    assert job["status"] == "pending" and job["download_url"] == ""
    with pytest.raises(RateLimited):  # one active job per workspace, raised at once
        client.create_content_export(0, ws.now)
    assert waits == [] and fake_intercom.count("/export/content/data", "POST") == 2
    statuses = [client.find_content_export(job["job_identifier"])["status"] for _ in range(3)]
    assert statuses == ["in_progress", "completed", "completed"]
    with client.download_content_export(job["job_identifier"], chunk_size=256) as chunks:
        chunk_list = list(chunks)
    assert len(chunk_list) > 1
    lines = gzip.decompress(b"".join(chunk_list)).decode().splitlines()
    assert lines[0].split(",") == list(EXPORT_CSV_COLUMNS)
    assert len(lines) - 1 == len(ws.receipts)
    assert fake_intercom.requests[-1].headers["accept"] == "application/octet-stream"


def test_content_export_cancel_failed_and_no_data(fake_intercom, client):
    ws = fake_intercom.workspace
    job = client.create_content_export(0, ws.now)["job_identifier"]
    assert client.cancel_content_export(job)["status"] == "canceled"
    empty = client.create_content_export(0, 1)["job_identifier"]
    assert [client.find_content_export(empty)["status"] for _ in range(2)] == ["in_progress", "no_data"]
    ws.export_outcome = "failed"
    failing = client.create_content_export(0, ws.now)["job_identifier"]
    assert [client.find_content_export(failing)["status"] for _ in range(2)] == ["in_progress", "failed"]
    with pytest.raises(NotFound), client.download_content_export(failing):
        pass
