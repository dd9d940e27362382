"""intercom-redact: keep Intercom customer data out of logs and traces.

The public faces are :class:`Redactor` (the engine) and :class:`Policy` (what
to redact), :class:`Scanner` and :class:`Finding` (free text), and the
integration modules :mod:`intercom_redact.structlog`,
:mod:`intercom_redact.logging`, :mod:`intercom_redact.otel`, plus
:mod:`intercom_redact.compliance` and :mod:`intercom_redact.testing`.
"""

from __future__ import annotations

from .actions import HmacKey, MissingKeyError
from .engine import Redactor, Summary
from .policy import Policy, PolicyError, Rule
from .scanner import Finding, Scanner

__all__ = [
    "Finding",
    "HmacKey",
    "MissingKeyError",
    "Policy",
    "PolicyError",
    "Redactor",
    "Rule",
    "Scanner",
    "Summary",
]

__version__ = "0.1.0"
