"""The month locks of billing, seen from attendance (a port: attendance never imports billing).

A month of an action is *validated* once billing has validated its period: hours changed in that
month become rectificatifs, the grid shows « Mois validé », the controls compare the hours to
the validation date and the follow-up page shows each month's period status. Billing owns the
periods, so billing provides these answers: :mod:`formarche.billing.month_locks` implements
:class:`MonthLockProvider` and registers it in ``BillingConfig.ready()`` with
:func:`register_period_provider`.

Without a registered provider every function raises :class:`MonthLocksUnavailable`: a missing
registration must never read as « nothing validated » (hours would be written in validated
months without being flagged as rectificatifs).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

__all__ = [
    "MonthLockProvider",
    "MonthLocksUnavailable",
    "is_month_validated",
    "month_status_labels",
    "register_period_provider",
    "validated_months",
    "validated_periods",
]


class MonthLockProvider(Protocol):
    def validated_months(self, order_ids) -> set[tuple[int, date]]:
        """``(order_id, month)`` of every validated period of these actions (month = day 1)."""

    def validated_periods(self, order) -> list[tuple[date, datetime]]:
        """``(month, validated_at)`` of the action's validated periods, by month."""

    def month_status_labels(self, order) -> dict[date, str]:
        """The French status label of each period of the action, by month (« Validée »…)."""

    def is_month_validated(self, order, month: date) -> bool:
        """Whether the period of that month (day 1) is validated."""


class MonthLocksUnavailable(RuntimeError):
    """No provider registered: the billing app is not installed or its ``ready()`` did not run."""


_provider: MonthLockProvider | None = None


def register_period_provider(provider: MonthLockProvider) -> None:
    """Install the provider (billing's ``ready()``); a second call replaces the first (tests)."""
    global _provider
    _provider = provider


def _get() -> MonthLockProvider:
    if _provider is None:
        raise MonthLocksUnavailable(
            "no month-lock provider registered: formarche.billing must be installed "
            "(BillingConfig.ready() registers formarche.billing.month_locks)"
        )
    return _provider


def validated_months(order_ids) -> set[tuple[int, date]]:
    return _get().validated_months(order_ids)


def validated_periods(order) -> list[tuple[date, datetime]]:
    return _get().validated_periods(order)


def month_status_labels(order) -> dict[date, str]:
    return _get().month_status_labels(order)


def is_month_validated(order, month: date) -> bool:
    return _get().is_month_validated(order, month)
