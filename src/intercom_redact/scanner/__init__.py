"""Free-text scanning: find personal data in log messages and Intercom bodies.

::

    from intercom_redact.scanner import Scanner, apply_findings

    scanner = Scanner()                     # pattern recognizers; Scanner(ner_model=...) adds NER
    body = "<p>Hi <b>Jane</b> Doe,</p><p>call me on +44 20 7946 0958</p>"
    findings = scanner.scan(body, html=True)
    apply_findings(body, findings, lambda f: f"[REDACTED:{f.entity_type}]", html=True)

See :class:`Scanner` for the gate, the offline Presidio set-up, known values,
the cache and the fail-closed budget.
"""

from __future__ import annotations

from ._findings import UNSCANNED, Finding, apply_findings
from ._presidio import ModelNotInstalledError
from ._scanner import Scanner

__all__ = ["UNSCANNED", "Finding", "ModelNotInstalledError", "Scanner", "apply_findings"]
