"""The DSAR report in a real browser: headless Chromium over the DevTools protocol.

The contact's conversations and notes carry scripts, event handlers, ``javascript:`` links,
iframes, remote images, stylesheets and forms that point at a local HTTP server counting hits.
Opened from disk, the page must run nothing (the title and the console stay untouched), request
nothing (no hit, no network request but the file itself, no CSP violation even: the sanitizer
alone suffices), show every conversation of the JSON, fit a phone screen and print to PDF.
Screenshots and the PDF are written as test artifacts ($INTERCOM_REDACT_TEST_ARTIFACTS, else a
pytest temporary directory).  A control page without the CSP shows that the detectors work.

Skipped when Debian's ``chromium`` is absent (``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest

from browser import Chromium, find_chromium
from intercom_redact.cli import main
from intercom_redact.compliance import render_report
from intercom_redact.testing import FakeIntercom

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
pytest.importorskip("websocket", reason="websocket-client is not installed (pip install -e '.[test]')")

TITLE = "Personal data held in Intercom"


class _Counting(BaseHTTPRequestHandler):
    """Answers anything with a script and a tracking pixel's worth of content; counts every hit."""

    hits: ClassVar[list[str]] = []

    def _answer(self) -> None:
        type(self).hits.append(f"{self.command} {self.path}")
        body = b"document.title='PWNED-remote'"
        self.send_response(200)
        self.send_header("Content-Type", "application/javascript")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def counter() -> Iterator[tuple[int, list[str]]]:
    """A local server that counts requests: (port, hits)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _Counting.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _hostile(port: int) -> list[str]:
    origin = f"http://127.0.0.1:{port}"
    return [
        '<p>Script:</p><script>document.title="PWNED-script";console.log("PWNED-script")</script>',
        f'<p>Broken image:</p><img src="{origin}/img-onerror" onerror="document.title=\'PWNED-onerror\'">',
        '<p>Link: <a href="javascript:document.title=\'PWNED-link\'">click me</a></p>',
        f'<p>Pixel:</p><img src="{origin}/remote-image.png" alt="tracking pixel">',
        (f'<iframe src="{origin}/iframe"></iframe>'
         "<iframe srcdoc=\"<script>parent.document.title='PWNED-srcdoc'</script>\"></iframe><p>Frames</p>"),
        f'<svg><image href="{origin}/svg-image"/><script>document.title="PWNED-svg"</script></svg><p>Vector</p>',
        f'<p style="background:url({origin}/style-attr)">Styled</p><style>@import "{origin}/import.css";</style>',
        (f'<link rel="stylesheet" href="{origin}/link.css"><meta http-equiv="refresh" content="0;url={origin}/refresh">'
         "<p>Head things</p>"),
        (f'<form action="{origin}/form"><input autofocus onfocus="document.title=\'PWNED-focus\'">'
         "<button>Send</button></form>"),
        (f'<video poster="{origin}/poster" src="{origin}/video"></video><object data="{origin}/object"></object>'
         f'<script src="{origin}/remote.js"></script><p>Media</p>'),
        ("<details open ontoggle=\"document.title='PWNED-toggle'\">Details</details>"
         "<body onload=\"document.title='PWNED-body'\">"),
    ]


@pytest.fixture(scope="module")
def exported(counter: tuple[int, list[str]], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """The JSON and the page the CLI writes for a contact whose bodies are hostile."""
    port, _ = counter
    payloads = _hostile(port)
    home = tmp_path_factory.mktemp("home")
    with FakeIntercom(seed=5) as fake:
        ws = fake.workspace
        cid = ws.busiest_contact_id
        with ws.lock:
            for n, conversation in enumerate(ws.conversations_of(cid)):
                conversation["source"]["body"] = payloads[n % len(payloads)]
                for k, part in enumerate(conversation["conversation_parts"]["conversation_parts"]):
                    if part["body"] is not None and k % 3 == 0:
                        part["body"] = payloads[(n + k) % len(payloads)]
            ws.conversations_of(cid)[0]["title"] = "<script>document.title='PWNED-title'</script>Refund"
            ws.notes[cid][0]["body"] = payloads[0]
            ws.contacts[cid]["custom_attributes"]["plan"] = "<img src=x onerror=\"document.title='PWNED-attr'\">"
        out = home / "dsar.json"
        env = {"INTERCOM_REDACT_HOME": str(home), "INTERCOM_ACCESS_TOKEN": fake.token}
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            assert main(["-q", "--base-url", fake.url, "dsar", cid, "--out", str(out), "--html"]) == 0
    return orjson.loads(out.read_bytes()), home / "dsar.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-profile")) as chromium:
        for domain in ("Page", "Runtime", "Network", "Log"):
            chromium.call(f"{domain}.enable")
        yield chromium


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("INTERCOM_REDACT_TEST_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _settle(browser: Chromium) -> None:
    """Give timers, refreshes and late loads a moment to happen (they must not)."""
    browser.call("Runtime.evaluate", expression="new Promise(done => setTimeout(done, 500))", awaitPromise=True)


def _csp_violations(browser: Chromium) -> list[str]:
    return [entry["entry"]["text"] for entry in browser.named("Log.entryAdded")
            if "Content Security Policy" in entry["entry"].get("text", "")]


def _screenshot(browser: Chromium, path: Path, width: int, height: int) -> bytes:
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                 mobile=width < 600)
    png = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    path.write_bytes(png)
    return png


def test_hostile_bodies_run_nothing_and_load_nothing(
    browser: Chromium, exported: tuple[dict[str, Any], Path], counter: tuple[int, list[str]], artifacts: Path,
) -> None:
    document, page = exported
    _, hits = counter
    hits.clear()
    browser.call("Emulation.setDeviceMetricsOverride", width=1000, height=1400, deviceScaleFactor=1, mobile=False)
    url = page.as_uri()
    browser.open(url)
    _settle(browser)

    assert browser.evaluate("document.title") == TITLE
    assert browser.named("Runtime.consoleAPICalled") == [] and browser.named("Runtime.exceptionThrown") == []
    assert [r["request"]["url"] for r in browser.named("Network.requestWillBeSent")] == [url]
    assert hits == []
    assert _csp_violations(browser) == []  # nothing even tried: the sanitizer alone was enough
    assert browser.evaluate(
        "document.querySelectorAll('script,iframe,object,embed,form,input,button,link,base,video,svg,"
        "meta[http-equiv=refresh],[style]').length") == 0
    assert browser.evaluate(
        "[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on')))"
        ".length") == 0
    assert browser.evaluate("[...document.links].every(a => a.getAttribute('href').startsWith('#'))") is True
    assert browser.evaluate("[...document.images].every(i => i.src.startsWith('data:'))") is True

    # The hostile text is shown, inert: the link's target and the image's description as text.
    text = browser.evaluate("document.body.innerText")
    assert "click me" in text and "[image: tracking pixel not shown]" in text
    assert "Refund" in text and "<img src=x onerror=" in text  # title and attribute shown as typed

    # Every conversation of the JSON is in the page, each with all its entries.
    articles = browser.evaluate(
        "[...document.querySelectorAll('article.conversation')].map(a => "
        "[a.innerText, a.querySelectorAll('li.message').length])")
    conversations = document["conversations"]
    assert len(articles) == len(conversations) == 45
    for (article_text, messages), conversation in zip(articles, conversations):
        assert f"Reference: {conversation['id']}" in article_text
        assert messages == len(conversation["conversation_parts"]["conversation_parts"]) + 1

    png = _screenshot(browser, artifacts / "dsar-report.png", 1000, 1400)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_readable_on_a_phone_and_printable(
    browser: Chromium, exported: tuple[dict[str, Any], Path], artifacts: Path,
) -> None:
    _, page = exported
    browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
    browser.open(page.as_uri())
    assert browser.evaluate("window.innerWidth") == 390
    # No sideways scrolling, text at a readable size.
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    assert browser.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 14
    png = _screenshot(browser, artifacts / "dsar-report-phone.png", 390, 844)
    assert png.startswith(b"\x89PNG")

    browser.call("Emulation.setEmulatedMedia", media="print")
    assert browser.evaluate("getComputedStyle(document.getElementById('conversations')).breakBefore") == "page"
    browser.call("Emulation.setEmulatedMedia", media="")
    pdf = base64.b64decode(browser.call("Page.printToPDF", printBackground=False)["data"])
    (artifacts / "dsar-report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")


def _injected(page: str, port: int) -> str:
    """The page with raw HTML slipped in after <main>, as if the sanitizer had failed."""
    raw = (f'<script>document.title="PWNED";console.log("PWNED")</script>'
           f'<img src="http://127.0.0.1:{port}/csp-image"><link rel="stylesheet" href="http://127.0.0.1:{port}/csp.css">'
           f'<script src="http://127.0.0.1:{port}/csp.js"></script><style>body{{background:rgb(255, 0, 0)}}</style>')
    return page.replace("<main>", "<main>" + raw, 1)


def test_the_csp_stops_what_a_sanitizer_bug_would_let_through(
    browser: Chromium, exported: tuple[dict[str, Any], Path], counter: tuple[int, list[str]], tmp_path: Path,
) -> None:
    document, _ = exported
    port, hits = counter
    page = render_report(document)

    # Control: without the CSP the planted script runs and the server is hit, so the checks can fail.
    control = tmp_path / "control.html"
    control.write_text(_injected(page.replace('http-equiv="Content-Security-Policy"', 'name="no-csp"'), port),
                       encoding="utf-8")
    hits.clear()
    browser.open(control.as_uri())
    _settle(browser)
    assert browser.evaluate("document.title") in ("PWNED", "PWNED-remote")
    assert browser.named("Runtime.consoleAPICalled") and hits

    # With the CSP: nothing runs, nothing loads, the stray stylesheet is not applied.
    guarded = tmp_path / "guarded.html"
    guarded.write_text(_injected(page, port), encoding="utf-8")
    hits.clear()
    browser.open(guarded.as_uri())
    _settle(browser)
    assert browser.evaluate("document.title") == TITLE
    assert browser.named("Runtime.consoleAPICalled") == [] and hits == []
    assert browser.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert _csp_violations(browser)
