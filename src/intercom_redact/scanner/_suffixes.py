"""Is this a registrable domain?  tldextract's bundled public-suffix snapshot, read without tldextract.

The e-mail validator asks only one question of a domain: does it end in a
public (ICANN) suffix with a label before it -- tldextract's ``fqdn != ""``.
Importing tldextract for that pulls in ``requests`` and ``urllib3`` (about
150 ms and 10 MiB, a cold start's whole budget), so this module reads the
very file tldextract ships (``.tld_set_snapshot``; never a download) and walks
the same reversed-label trie as ``tldextract.TLDExtract.suffix_index``:
wildcards (``*.ck``), exceptions (``!www.ck``), labels lower-cased and
punycode decoded.  The private section of the list is ignored, as
tldextract does by default.  Built on the first e-mail candidate.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

__all__ = ["has_public_suffix"]

_SNAPSHOT = ".tld_set_snapshot"
_PRIVATE = "// ===BEGIN PRIVATE DOMAINS==="
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

_Trie = dict[str, "_Trie"]
_END = "\x00"  # a key no label can be: marks the end of a suffix


def _snapshot_text() -> str:
    spec = importlib.util.find_spec("tldextract")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tldextract is not installed: its bundled public suffix list is needed")
    return (Path(next(iter(spec.submodule_search_locations))) / _SNAPSHOT).read_text("utf-8")


@functools.cache
def _trie() -> _Trie:
    root: _Trie = {}
    public = _snapshot_text().partition(_PRIVATE)[0]
    for line in public.splitlines():
        words = line.split()
        if not words or words[0].startswith("//"):
            continue
        node = root
        for label in reversed(words[0].split(".")):
            node = node.setdefault(label, {})
        node[_END] = {}
    return root


def _decode(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        try:
            return lowered.encode("ascii").decode("idna")
        except (UnicodeError, ValueError):
            pass
    return lowered


def has_public_suffix(domain: str) -> bool:
    """Whether ``domain`` is a name under a public suffix (``example.co.uk`` yes, ``co.uk`` no)."""
    labels = domain.translate(_DOTS).split(".")
    node = _trie()
    suffix_at = count = len(labels)
    for label in reversed(labels):
        decoded = _decode(label)
        if decoded in node:
            count -= 1
            node = node[decoded]
            if _END in node:
                suffix_at = count
            continue
        if "*" in node:  # a wildcard rule: this label is part of the suffix, unless excepted
            suffix_at = count if "!" + decoded in node else count - 1
        break
    return 0 < suffix_at < len(labels) and labels[suffix_at - 1] != ""
