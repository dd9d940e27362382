"""Retention enforcement: expire local copies of Intercom data after their period.

Periods are days per category (see :data:`~intercom_redact.policy.DEFAULT_RETENTION_DAYS`
and the ``[retention]`` table of the policy file).  The audit log has a period
too (2555 days, seven years), but it is only documented, never enforced: the
audit log is never deleted automatically.

Meant for cron; see the README for a crontab line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .._log import get_logger
from ..policy import Policy
from .audit import AuditLog
from .stores import RetentionStore

__all__ = ["AUDIT_LOG", "enforce_retention", "retention_periods"]

#: The category that is never deleted automatically.
AUDIT_LOG = "audit_log"

log = get_logger(__name__)


def retention_periods(periods: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Days per category: the defaults, overridden by *periods*.

    *periods* is shaped like the policy file's ``[retention]`` table, e.g.
    ``{"contact_cache": 14}``.

    :raises ~intercom_redact.PolicyError: an unknown category or a period that
        is not a positive whole number of days.
    """
    # One validation for the policy file and for direct callers.
    return dict(Policy.from_dict({"retention": dict(periods or {})}).retention)


def enforce_retention(
    stores: Iterable[RetentionStore],
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    audit: AuditLog | None = None,
    periods: Mapping[str, Any] | None = None,
    batch_size: int = 500,
) -> dict[str, int]:
    """Delete what has outlived its retention period in every store.

    Idempotent: a second run right after the first finds nothing to delete.

    :param stores: :class:`~intercom_redact.compliance.RetentionStore` objects,
        e.g. a :class:`~intercom_redact.compliance.SQLStore` and an
        :class:`~intercom_redact.compliance.ExportDirectory`.
    :param now: The moment periods are counted back from (timezone-aware; default: now).
    :param dry_run: Count what would be deleted, delete nothing.
    :param audit: When given, a ``retention.enforced`` record with the counts is appended.
    :param periods: Days per category overriding the defaults (see :func:`retention_periods`).
    :param batch_size: Items deleted per transaction.
    :returns: ``{category: count}`` for every category the stores hold.
    """
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    days = retention_periods(periods)
    stores = list(stores)
    # Check every store before deleting anything.
    for store in stores:
        if not isinstance(store, RetentionStore):
            raise TypeError(f"{store!r} is not a retention store (needs name, categories and expire())")
        for category in store.categories:
            if category == AUDIT_LOG:
                raise ValueError(f"{store.name}: the audit log is never deleted automatically")
            if category not in days:
                raise ValueError(f"{store.name}: unknown retention category {category!r}")
    counts: dict[str, int] = {}
    for store in stores:
        for category in store.categories:
            before = now - timedelta(days=days[category])
            count = store.expire(category, before, batch_size=batch_size, dry_run=dry_run)
            counts[category] = counts.get(category, 0) + count
            log.info("retention expired", store=store.name, category=category, count=count, dry_run=dry_run)
    if audit is not None:
        audit.append("retention.enforced", {
            "as_of": now.astimezone(timezone.utc).isoformat(),
            "counts": counts,
            "dry_run": dry_run,
            "periods_days": {category: days[category] for category in counts},
            "stores": [store.name for store in stores],
        })
    return counts
