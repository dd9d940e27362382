"""The readable DSAR report without a browser: the sanitizer's output, escaping, content, the file.

The browser tests (test_report_browser.py) open the same page in headless Chromium.
"""

from __future__ import annotations

import copy
import html
import os
import re
import stat
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from intercom_redact.cli import main
from intercom_redact.compliance import (
    ExportDirectory,
    export_contact_data,
    render_report,
    write_report,
)
from intercom_redact.compliance.report import (
    CONTENT_SECURITY_POLICY,
    is_report_of,
    report_path,
    sanitize_html,
)
from intercom_redact.testing import FakeIntercom


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    """The DSAR document of the fake workspace's busiest contact (45 conversations)."""
    with FakeIntercom(seed=0) as fake, fake.client() as client:
        yield export_contact_data(client, fake.workspace.busiest_contact_id)


class _TextOf(HTMLParser):
    """The text of an HTML fragment, a space at every tag boundary, stylesheets left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False
        self.chunks.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.chunks.append(data)


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.chunks).split())


# -- the sanitizer ---------------------------------------------------------------------------------

DANGEROUS = {
    "script": ('<p>hi</p><script>document.title="PWNED"</script>', "<script", "PWNED"),
    "event handler": ('<p onclick="steal()">hi</p><b onmouseover="steal()">x</b>', "onclick", "steal"),
    "onerror image": ('<img src="x" onerror="steal()">', "onerror", "steal"),
    "javascript link": ('<a href="javascript:steal()">click</a>', "javascript", "steal"),
    "iframe": ('<iframe src="https://evil.example/frame">inside</iframe>', "<iframe", "evil.example"),
    "style element": ("<style>body{background:url(https://evil.example/bg)}</style>", "<style", "evil.example"),
    "style attribute": ('<p style="background:url(https://evil.example/bg)">hi</p>', "style=", "evil.example"),
    "form": ('<form action="https://evil.example/post"><input name="card"><button>Pay</button></form>',
             "<form", "evil.example"),
    "object": ('<object data="https://evil.example/flash"></object>', "<object", "evil.example"),
    "embed": ('<embed src="https://evil.example/x">', "<embed", "evil.example"),
    "svg": ('<svg onload="steal()"><circle r="5"/></svg>', "<svg", "steal"),
    "link element": ('<link rel="stylesheet" href="https://evil.example/x.css">', "<link", "evil.example"),
    "meta refresh": ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "<meta", "evil.example"),
    "base": ('<base href="https://evil.example/">', "<base", "evil.example"),
    "video": ('<video src="https://evil.example/v.mp4" poster="https://evil.example/p.png"></video>', "<video",
              "evil.example"),
    "data link": ('<a href="data:text/html,<script>steal()</script>">x</a>', "<a", "steal"),
    "svg data image": ('<img src="data:image/svg+xml,<svg onload=steal()>">', "svg", "steal"),
    "comment": ("<!--[if IE]><script>steal()</script><![endif]-->ok", "<!--", "steal"),
    "unclosed tag trick": ('<p title="</p><script>steal()</script>">x</p>', "<script", None),
    "noscript mutation": ('<noscript><p title="</noscript><img src=x onerror=steal()>"></noscript>', "onerror", None),
}


@pytest.mark.parametrize("body, tag, payload", DANGEROUS.values(), ids=list(DANGEROUS))
def test_dangerous_constructs_are_removed(body: str, tag: str, payload: str | None) -> None:
    clean = sanitize_html(body)
    assert tag not in clean.lower()
    if payload is not None:
        assert payload not in clean
    # Whatever is left: no element that runs code, loads anything, or navigates.
    assert not re.search(r"<(script|iframe|object|embed|form|input|link|meta|base|a|video|audio|source|svg)\b", clean)
    assert not re.search(r"\son\w+=", clean)
    assert "href=" not in clean


def test_links_become_text_that_names_the_target() -> None:
    clean = sanitize_html('<p>See <a href="https://help.example/article?a=1&amp;b=2">the article</a>, '
                          '<a href="mailto:jane@example.com">jane@example.com</a> and '
                          '<a href="https://x.example/">https://x.example/</a></p>')
    assert "<a" not in clean and "href" not in clean
    assert _text(clean) == ("See the article (link: https://help.example/article?a=1&b=2) , "
                            "jane@example.com and https://x.example/")


def test_remote_images_become_a_placeholder_and_data_images_stay() -> None:
    remote = sanitize_html('<p>look <img src="https://cdn.example/pic.png" alt="my receipt"></p>')
    assert "<img" not in remote and "cdn.example" not in remote
    assert _text(remote) == "look [image: my receipt not shown]"
    inline = sanitize_html('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" onerror="x()">')
    assert inline == '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">'


def test_formatting_is_kept() -> None:
    body = ("<p>Hello <b>bold</b> <strong>strong</strong> <i>it</i> <em>em</em> <u>u</u><br>next</p>"
            "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quoted</blockquote>"
            "<pre><code>x = 1</code></pre><table><tr><td colspan=\"2\">cell</td></tr></table>")
    clean = sanitize_html(body)
    for element in ("<p>", "<b>bold</b>", "<strong>", "<i>it</i>", "<em>", "<u>", "<br>", "<ul><li>one</li></ul>",
                    "<ol>", "<blockquote>quoted</blockquote>", "<pre><code>x = 1</code></pre>", 'colspan="2"'):
        assert element in clean
    assert _text(clean) == _text(body)
    # The report's own classes cannot be borrowed by a body (to pass text off as a link target).
    assert sanitize_html('<span class="url image">x</span>') == "<span>x</span>"


def test_text_stays_text() -> None:
    # A customer writing about HTML: the entities stay entities, the text reads as written.
    clean = sanitize_html("if a < b &amp;&amp; c > d: print('&lt;script&gt;')")
    assert "<script" not in clean and "&lt;script&gt;" in clean
    assert _text(clean) == "if a < b && c > d: print('<script>')"


# -- the page --------------------------------------------------------------------------------------


def test_page_is_self_contained_and_scriptless(document: dict[str, Any]) -> None:
    page = render_report(document)
    assert page.startswith("<!DOCTYPE html>")
    assert f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">' in page
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "img-src data:" in CONTENT_SECURITY_POLICY
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media print" in page and "@media (max-width" in page
    assert not re.search(r"<(script|iframe|object|embed|form|link|base)\b", page)
    assert not re.search(r"\son\w+=", page)
    # The only links are the page's own anchors; nothing points outside it.
    assert set(re.findall(r'href="([^"]*)"', page)) <= {f"#{a}" for a in re.findall(r'id="([^"]+)"', page)}
    assert not re.search(r'src="(?!data:)', page)


def test_the_csp_hash_matches_the_stylesheet(document: dict[str, Any]) -> None:
    import base64
    import hashlib

    page = render_report(document)
    (css,) = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY


def test_sections_come_in_order_with_a_summary_first(document: dict[str, Any]) -> None:
    page = render_report(document)
    order = ["contents", "summary", "profile", "conversations", "notes", "events", "companies", "tags", "segments",
             "subscriptions", "about"]
    positions = [page.index(f'id="{anchor}"') for anchor in order]
    assert positions == sorted(positions)
    summary = _text(page[page.index('id="summary"'):page.index('id="profile"')])
    counts = document["summary"]
    entries = counts["conversations"] + counts["conversation_parts"]
    assert f"Conversations {counts['conversations']} ({entries} entries)" in summary
    for label, key in (("Notes by the support team", "notes"), ("Companies", "companies"), ("Tags", "tags"),
                       ("Segments", "segments"), ("Subscriptions", "subscriptions")):
        assert f"{label} {counts[key]}" in summary
    assert f"Events (things you did in the product) {counts['events']}" in summary
    assert "The data spans" in summary
    assert "Export files such as this report and its JSON copy 7 days" in summary
    assert "Record of data requests and deletions (audit log) 2555 days (about 7 years)" in summary
    assert "contact details (email, phone)" in summary and "location" in summary


def test_retention_periods_come_from_the_policy(document: dict[str, Any]) -> None:
    page = render_report(document, retention={"export_files": 3, "contact_cache": 1})
    text = _text(page)
    assert "Export files such as this report and its JSON copy 3 days" in text
    assert "Copies of the contact record kept by our own systems 1 day " in text


def test_every_conversation_is_a_readable_thread(document: dict[str, Any]) -> None:
    page = render_report(document)
    articles = re.findall(r'<article class="conversation" id="conversation-(\d+)">(.*?)</article>', page, re.DOTALL)
    assert len(articles) == len(document["conversations"]) == 45
    for (number, article), conversation in zip(articles, document["conversations"]):
        parts = conversation["conversation_parts"]["conversation_parts"]
        assert f'href="#conversation-{number}"' in page  # in the conversation index
        assert article.count('<li class="message') == len(parts) + 1
        text = _text(article)
        assert f"Reference: {conversation['id']}" in text
        assert _text(sanitize_html(conversation["source"]["body"])) in text
        for part in parts:
            assert part["author"]["name"] in text
            if part["body"]:
                assert _text(sanitize_html(part["body"])) in text


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return _text(page[start:page.index("</section>", start)])


def test_every_item_of_every_list_is_shown(document: dict[str, Any]) -> None:
    page = render_report(document)
    notes = _section(page, "notes")
    for note in document["notes"]:
        assert _text(sanitize_html(note["body"])) in notes and note["author"]["name"] in notes
    events = _section(page, "events")
    assert document["events"]["note"] in events
    for event in document["events"]["data"]:
        assert event["event_name"] in events and event["metadata"]["order_number"] in events
    assert events.count(" UTC ") == len(document["events"]["data"])
    companies = _section(page, "companies")
    for company in document["companies"]:
        assert company["name"] in companies and company["company_id"] in companies
    for anchor, names in (("tags", [t["name"] for t in document["tags"]]),
                          ("segments", [s["name"] for s in document["segments"]]),
                          ("subscriptions", [s["default_translation"]["name"] for s in document["subscriptions"]])):
        assert all(name in _section(page, anchor) for name in names) and names
    about = _section(page, "about")
    assert all(text in about for text in document["limitations"])
    assert 'href="#limitations"' in page


def test_dates_are_readable_and_iso(document: dict[str, Any]) -> None:
    page = render_report({**document, "conversations": [
        {**document["conversations"][0], "created_at": 1767225600}]})  # 2026-01-01T00:00:00Z
    assert ('<time datetime="2026-01-01T00:00:00Z">1 January 2026, 00:00 UTC</time> '
            '<span class="iso">2026-01-01T00:00:00Z</span>') in page


def test_internal_ids_are_left_out(document: dict[str, Any]) -> None:
    page = render_report(document)
    text = _text(page)
    contact = document["contact"]
    assert contact["workspace_id"] not in text
    assert f"Intercom contact reference: {contact['id']}" in text and text.count(contact["id"]) == 1
    for item in document["companies"] + document["segments"]:
        assert item["id"] not in text
    for conversation in document["conversations"]:
        for part in conversation["conversation_parts"]["conversation_parts"]:
            assert part["id"] not in text
    assert contact["external_id"] in text  # the company's own reference to the person stays


def test_api_plumbing_is_left_out(document: dict[str, Any]) -> None:
    page = render_report(document)
    profile = _text(page[page.index('id="profile"'):page.index('id="conversations"')])
    social = document["contact"]["social_profiles"]["data"][0]
    assert f"Name Twitter URL {social['url']}" in profile and " Data " not in profile
    assert "Linked objects" not in page and "Total count" not in page
    assert "/contacts/" not in page  # the list stubs' API URLs


def test_attachments_are_listed_as_text(document: dict[str, Any]) -> None:
    changed = copy.deepcopy(document)
    part = changed["conversations"][0]["conversation_parts"]["conversation_parts"][0]
    part["attachments"] = [{"type": "upload", "name": "receipt.pdf", "url": "https://files.example/r.pdf",
                            "content_type": "application/pdf", "filesize": 2048}]
    article = render_report(changed).split('id="conversation-1"')[1].split("</article>")[0]
    assert ("Attachments (not included in this page): receipt.pdf — application/pdf, 2048 bytes "
            "(https://files.example/r.pdf)") in _text(article)
    assert "<a " not in article and "<img" not in article


def test_every_value_is_escaped(document: dict[str, Any]) -> None:
    hostile = copy.deepcopy(document)
    evil = '<script>steal()</script><img src=x onerror=steal()>"\'&'
    hostile["contact"]["name"] = evil
    hostile["contact"]["custom_attributes"]["plan"] = evil
    hostile["conversations"][0]["title"] = evil
    hostile["conversations"][0]["conversation_parts"]["conversation_parts"][0]["author"]["name"] = evil
    hostile["notes"][0]["author"]["name"] = evil
    hostile["events"]["data"][0]["event_name"] = evil
    hostile["events"]["data"][0]["metadata"][evil] = evil
    hostile["companies"][0]["name"] = evil
    hostile["tags"][0]["name"] = evil
    hostile["segments"][0]["name"] = evil
    hostile["subscriptions"][0]["default_translation"]["name"] = evil
    hostile["limitations"].append(evil)
    page = render_report(hostile)
    assert "<script" not in page and "<img" not in page and "steal()" in page
    # 13 planted values (one as a key), all shown as text; the contact's name also heads the page.
    assert _text(page).count("<script>steal()</script>") >= 13


def test_odd_documents_still_render() -> None:
    page = render_report({
        "contact": {"id": "c1", "created_at": 1767225600, "last_seen_at": "2026-02-01T10:00:00",
                    "updated_at": 10**20, "signed_up_at": True},
        "conversations": [{"id": "9", "conversation_parts": None, "created_at": "not a date"}],
        "events": {"data": [], "note": "n"},
    })
    assert "Conversation 1" in page and "not a date" in page and "None." in page
    # A zoneless ISO string counts as UTC, next to Unix seconds; an impossible date is shown as given.
    assert '<time datetime="2026-02-01T10:00:00Z">1 February 2026, 10:00 UTC</time>' in page
    assert "The data spans" in _text(page) and "1 January 2026 to 1 February 2026" in _text(page)
    assert str(10**20) in page


# -- the file --------------------------------------------------------------------------------------


def test_write_report_is_private_and_atomic(document: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "dsar.html"
    target.write_text("old")
    os.chmod(target, 0o644)
    assert write_report(document, target) == target
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_text(encoding="utf-8") == render_report(document)
    assert os.listdir(tmp_path) == ["dsar.html"]  # no temporary file left behind


def test_a_failed_write_leaves_the_old_file(document: dict[str, Any], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "dsar.html"
    target.write_text("old")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        write_report(document, target)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["dsar.html"]


def test_report_path() -> None:
    assert report_path("/x/dsar-1.json") == Path("/x/dsar-1.html")
    assert report_path("/x/dsar-1.JSON") == Path("/x/dsar-1.html")
    assert report_path("/x/answer") == Path("/x/answer.html")
    assert report_path("/x/answer.html") == Path("/x/answer.html.html")  # never the JSON's own name


def test_deleting_the_contact_deletes_the_report(document: dict[str, Any], tmp_path: Path) -> None:
    cid = document["contact"]["id"]
    mine, other, unrelated = tmp_path / "a.html", tmp_path / "sub" / "b.html", tmp_path / "c.html"
    other.parent.mkdir()
    write_report(document, mine)
    write_report({**document, "contact": {**document["contact"], "id": "someone-else"}}, other)
    unrelated.write_text(f"<html>{cid}</html>")
    assert is_report_of(mine, cid) and not is_report_of(other, cid) and not is_report_of(unrelated, cid)
    assert ExportDirectory(tmp_path).purge_contact(cid) == 1
    assert not mine.exists() and other.exists() and unrelated.exists()


# -- the command line ------------------------------------------------------------------------------


def test_cli_writes_the_report_beside_the_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INTERCOM_REDACT_HOME", str(tmp_path / "home"))
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\nexport_files = 2\n")
    with FakeIntercom(seed=3) as fake:
        monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", fake.token)
        cid = fake.workspace.busiest_contact_id
        out = tmp_path / "answer.json"
        assert main(["--base-url", fake.url, "--policy", str(policy), "dsar", cid, "--out", str(out), "--html"]) == 0
        page = (tmp_path / "answer.html").read_text(encoding="utf-8")
        assert stat.S_IMODE(os.stat(tmp_path / "answer.html").st_mode) == 0o600
        assert page.count('<article class="conversation"') == len(fake.workspace.conversations_of(cid))
        assert "this report and its JSON copy 2 days" in _text(page)
        err = capsys.readouterr().err
        assert "readable report written to" in err and not [v for v in fake.workspace.pii_values() if v in err]

        # Without --html no page; the default location (the export dir) gets one beside the JSON.
        assert main(["--base-url", fake.url, "dsar", cid, "--out", str(tmp_path / "plain.json")]) == 0
        assert not (tmp_path / "plain.html").exists()
        assert main(["--base-url", fake.url, "dsar", cid, "--html"]) == 0
        exports = sorted(os.listdir(tmp_path / "home" / "exports"))
        assert [Path(name).suffix for name in exports] == [".html", ".json"]
        assert Path(exports[0]).stem == Path(exports[1]).stem

        # Deleting the contact deletes both.
        monkeypatch.setenv("INTERCOM_REDACT_HMAC_KEY", "test-key-0123456789")
        assert main(["--base-url", fake.url, "delete", cid]) == 0
        assert os.listdir(tmp_path / "home" / "exports") == []


def test_cli_bad_policy_fails_before_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\nexport_files = -1\n")
    with FakeIntercom(seed=3) as fake:
        monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", fake.token)
        out = tmp_path / "answer.json"
        code = main(["--base-url", fake.url, "--policy", str(policy), "dsar", fake.workspace.busiest_contact_id,
                     "--out", str(out), "--html"])
        assert code == 3 and "export_files" in capsys.readouterr().err
        assert fake.count("/contacts/*") == 0 and not out.exists()
