"""The month-lock port: attendance asks billing through a registered provider, never directly."""

import pytest

from formarche.attendance import locks
from formarche.billing.month_locks import PeriodMonthLocks


def test_billing_registers_its_provider():
    assert isinstance(locks._provider, PeriodMonthLocks)


def test_without_a_provider_every_question_fails_loudly(monkeypatch):
    monkeypatch.setattr(locks, "_provider", None)
    with pytest.raises(locks.MonthLocksUnavailable):
        locks.validated_months([1])
    with pytest.raises(locks.MonthLocksUnavailable):
        locks.is_month_validated(None, None)
