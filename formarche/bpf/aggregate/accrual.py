"""What one funding earns in a fiscal year (accrual basis, pure).

Hourly rate: billable hours × rate. Flat amount: pro rata of the planned hours, cumulatively over
the enrolment's fiscal years, each cumulative figure rounded to the cent half up
(`formarche.utils.money`). Advances are never products.
"""

from __future__ import annotations

from decimal import Decimal

from formarche.bpf.inputs import ZERO, ActionInput, CLine, EnrolmentInput, Funding
from formarche.utils.money import round_cents, round_cents_of_ratio


def pays_own_share(enrolment: EnrolmentInput) -> bool:
    return any(
        f.c_line is CLine.INDIVIDUAL and ((f.hourly_rate or ZERO) > 0 or (f.amount or ZERO) > 0)
        for f in enrolment.fundings
    )


def default_funding(action: ActionInput) -> Funding:
    return Funding(c_line=action.c_line, hourly_rate=action.hourly_rate)


def flat_accrual(amount: Decimal, hours: Decimal, planned: Decimal | None) -> Decimal:
    """What a flat ``amount`` has earned after ``hours`` cumulative billable hours of the enrolment:
    min(A, A × hours / planned), rounded to the cent half up (the exact quotient is rounded, never
    an intermediate one) — the whole amount as soon as there is an hour when there is no planned
    duration."""
    if hours <= 0:
        return ZERO
    if not planned or hours >= planned:
        return round_cents(amount)
    return round_cents_of_ratio(amount * hours, planned)


def funding_product(
    funding: Funding, billable: Decimal, planned: Decimal | None, before: Decimal = ZERO
) -> Decimal | None:
    """The product of one funding for ``billable`` hours of the year (accrual basis).

    Hourly rate: billable hours × rate. Flat amount, accrued cumulatively over the enrolment's
    years: ``flat_accrual`` at the end of the year (``before`` + ``billable`` hours) minus
    ``flat_accrual`` at its start (``before``: billable hours dated before the fiscal year). The
    years of an enrolment thus add up, to the cent, to min(A, A × all its hours / planned), and
    never to more than the amount; without a planned duration the whole amount goes to the first
    year with hours (the caller warns). None when the funding has no price.
    """
    if funding.hourly_rate is not None:
        return billable * funding.hourly_rate
    if funding.amount is not None:
        return flat_accrual(funding.amount, before + billable, planned) - flat_accrual(
            funding.amount, before, planned
        )
    return None
