"""Is this a registrable domain?  tldextract's bundled public-suffix snapshot, read without tldextract.

The e-mail validator asks only one question of a domain: does it end in a
public (ICANN) suffix with a label before it -- tldextract's ``fqdn != ""``.
Importing tldextract for that pulls in ``requests`` and ``urllib3`` (about
150 ms and 10 MiB, a cold start's whole budget), so this module reads the
very file tldextract ships (``.tld_set_snapshot``; never a download) and walks
the same reversed-label walk as ``tldextract.TLDExtract.suffix_index``:
wildcards (``*.ck``), exceptions (``!www.ck``), labels lower-cased and
punycode decoded.  The private section of the list is ignored, as
tldextract does by default.  Built on the first e-mail candidate.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

__all__ = ["has_public_suffix"]

_SNAPSHOT = ".tld_set_snapshot"
_PRIVATE = "// ===BEGIN PRIVATE DOMAINS==="
_RULE = re.compile(r"^([^/\s]\S*)", re.MULTILINE)  # a rule: the first word of a line
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})



def _snapshot_text() -> str:
    spec = importlib.util.find_spec("tldextract")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tldextract is not installed: its bundled public suffix list is needed")
    return (Path(next(iter(spec.submodule_search_locations))) / _SNAPSHOT).read_text("utf-8")


@functools.cache
def _rules() -> tuple[frozenset[str], frozenset[str]]:
    """The public rules (``co.uk``, ``*.ck``, ``!www.ck``), and every tail of them (the trie's nodes)."""
    rules = frozenset(_RULE.findall(_snapshot_text().partition(_PRIVATE)[0]))
    tails = {rule.split(".", depth)[-1] for rule in rules for depth in range(1, rule.count(".") + 1)}
    return rules, frozenset(tails.union(rules))


def _decode(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        try:
            return lowered.encode("ascii").decode("idna")
        except (UnicodeError, ValueError):
            pass
    return lowered


@functools.lru_cache(maxsize=4096)  # domains repeat: a stream of mail meets the same few hundred
def has_public_suffix(domain: str) -> bool:
    """Whether ``domain`` is a name under a public suffix (``example.co.uk`` yes, ``co.uk`` no)."""
    labels = domain.translate(_DOTS).removesuffix(".").split(".")
    rules, nodes = _rules()
    suffix_at = count = len(labels)
    path = ""  # the labels walked so far, right to left, as the trie node they reach
    for label in reversed(labels):
        decoded = _decode(label)
        step = f"{decoded}.{path}" if path else decoded
        if step in nodes:
            count -= 1
            path = step
            if step in rules:
                suffix_at = count
            continue
        wildcard = f"*.{path}" if path else "*"
        if wildcard in nodes:  # this label is part of the suffix, unless excepted
            exception = f"!{decoded}.{path}" if path else f"!{decoded}"
            suffix_at = count if exception in nodes else count - 1
        break
    return 0 < suffix_at < len(labels) and labels[suffix_at - 1] != ""
