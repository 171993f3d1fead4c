"""Billing's answers to :mod:`formarche.attendance.locks` (which months of an action are validated).

Registered in ``BillingConfig.ready()``; attendance never imports billing.
"""

from __future__ import annotations

from datetime import date, datetime

from formarche.billing.models import Period, PeriodStatus


class PeriodMonthLocks:
    """The validated periods of ``billing.Period``, as plain data for attendance."""

    def validated_months(self, order_ids) -> set[tuple[int, date]]:
        return set(
            Period.objects.filter(order_id__in=list(order_ids), status=PeriodStatus.VALIDATED).values_list(
                "order_id", "month"
            )
        )

    def validated_periods(self, order) -> list[tuple[date, datetime]]:
        return list(
            Period.objects.filter(order=order, status=PeriodStatus.VALIDATED)
            .order_by("month")
            .values_list("month", "validated_at")
        )

    def month_status_labels(self, order) -> dict[date, str]:
        labels = dict(PeriodStatus.choices)
        return {
            month: labels[status]
            for month, status in Period.objects.filter(order=order).values_list("month", "status")
        }

    def is_month_validated(self, order, month: date) -> bool:
        return Period.objects.filter(order=order, month=month, status=PeriodStatus.VALIDATED).exists()
