"""The statement engine's periods (input) and results: a month's hours, the statement of a
period with its provider lines, the solde.

Pure Python (see :mod:`formarche.billing.engine`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from formarche.billing.engine.terms import (
    _MAX_HOURS,
    EngineInputError,
    StatementKind,
    _check_decimal,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodInput:
    """One period (a calendar month) of an order.

    ``period`` is the ``date`` of the first day of the month.  Hours have at most 2 decimals, as
    the statement shows them.  ``provider_hours`` (provider code → hours) splits the period's
    hours between the members of a group; when given it must add up to the period's hours.
    Hours include corrections of earlier months ("Sur la PERIODE y compris rectificatif" [seed]).
    """

    period: date
    realised_hours: Decimal
    counted_unrealised_hours: Decimal = Decimal("0.00")
    final: bool = False
    provider_hours: Mapping[str, Decimal] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.period, date) or self.period.day != 1:
            raise EngineInputError("period", "la période est la date du premier jour du mois")
        for name in ("realised_hours", "counted_unrealised_hours"):
            hours = _check_decimal(name, getattr(self, name), places=2)
            if hours < 0:
                raise EngineInputError(name, "un nombre d'heures ne peut pas être négatif")
            if hours >= _MAX_HOURS:
                raise EngineInputError(name, "nombre d'heures hors limites (10 milliards au plus)")
        if self.provider_hours is not None:
            total = Decimal(0)
            for code, hours in self.provider_hours.items():
                field = f"provider_hours[{code}]"
                if not isinstance(code, str) or not code:
                    raise EngineInputError("provider_hours", "chaque prestataire doit avoir un code")
                _check_decimal(field, hours, places=2)
                if hours < 0:
                    raise EngineInputError(field, "un nombre d'heures ne peut pas être négatif")
                total += hours
            if not self.provider_hours:
                raise EngineInputError("provider_hours", "au moins un prestataire")
            if total != self.realised_hours + self.counted_unrealised_hours:
                raise EngineInputError(
                    "provider_hours",
                    "la somme des heures par prestataire doit égaler les heures de la période "
                    "(réalisé + non réalisé comptabilisé)",
                )


@dataclass(slots=True)
class ProviderLine:
    """One provider's line of "Détails des montants facturés sur la période et par prestataire".

    ``ht``/``vat``/``ttc`` split the period's facturable (the seed's table: 35 400,00 for IN1331);
    ``billed_rate`` is ``ht`` as a percentage of the order amount [seed: 61,22 %].
    ``payable_*`` split the period's *total à verser* the same way, for per-provider invoices
    [design].  ``provider`` is ``None`` when the period has no split (the holder alone).
    """

    provider: str | None
    hours: Decimal
    billed_rate: Decimal
    ht: Decimal
    vat: Decimal
    ttc: Decimal
    payable_ht: Decimal
    payable_vat: Decimal
    payable_ttc: Decimal


@dataclass(slots=True)
class Statement:
    """Every line of one CRE / CREF, amounts in € (cents), hours with 2 places, rates in percent.

    A result: never mutate it.  (It is not ``frozen`` only because a frozen dataclass of this
    size costs 3 µs to build, a third of the engine's budget per period.)
    """

    period: date
    kind: StatementKind
    # Récapitulatif des volumes des réalisations [seed]
    previous_realised_hours: Decimal
    previous_counted_unrealised_hours: Decimal
    realised_hours: Decimal
    counted_unrealised_hours: Decimal
    period_hours: Decimal  # H_k
    cumulative_hours: Decimal  # C_k
    realisation_rate: Decimal  # r_k, percent, display
    # Montant facturé sur la période [seed]
    unit_price: Decimal
    billable: Decimal  # round(H_k × p)
    billable_rate: Decimal  # billable / A, percent
    cumulative_billable: Decimal  # B_k = Σ billable_i
    cap_amount: Decimal  # plafond = round(c × A), c = 1 without a cap
    cap_regulation: Decimal  # −(excess_k − excess_{k−1}), ≤ 0
    cap_regulation_rate: Decimal  # |cap_regulation| / A, percent
    cumulative_cap_regulation: Decimal  # −excess_k, ≤ 0
    # Remboursement avance sur la période [seed lines, derived rules]
    advance: Decimal  # round(α × base), base = A, or A × 12 / D when D > 12
    advance_due: Decimal  # S_k = round(advance × f(r_k))
    advance_due_rate: Decimal  # S_k / base, percent
    advance_already_resorbed: Decimal  # S_{k−1}
    advance_already_resorbed_rate: Decimal
    advance_repayment: Decimal  # −(S_k − S_{k−1}), ≤ 0
    advance_repayment_rate: Decimal
    repayment_carried_in: Decimal  # ≤ 0, the previous period's carried-out repayment [design]
    # Totals
    total_ht: Decimal  # max(0, billable + cap_regulation + advance_repayment + carried_in)
    vat_rate: Decimal  # percent, display
    vat: Decimal  # round(total_ht × t)
    total_ttc: Decimal
    already_paid: Decimal  # advance + Σ_{i<k} total_ht_i ("Total déjà versé")
    repayment_carried_out: Decimal  # ≥ 0, repayment not recovered, carried to k+1 [design]
    providers: tuple[ProviderLine, ...]


@dataclass(frozen=True, slots=True)
class Solde:
    """The balance (VSF / solde) after the last statement [design, see docs/calculs.md]."""

    amount_due: Decimal  # min(B_n, plafond): billing net of the cap regulation
    bonus: Decimal
    penalties: Decimal
    advance: Decimal
    instalments_paid: Decimal  # Σ total_ht of the statements
    total_paid: Decimal  # advance + instalments
    balance_ht: Decimal  # amount_due + bonus − penalties − total_paid (< 0: ordre de reversement)
    vat: Decimal
    balance_ttc: Decimal
    is_repayment_order: bool
    # Rectificatif after the CRE final (an action reopened by the Région, ADR 0021): the hours
    # corrected since the last validated period (signed: < 0 when hours were removed) and their
    # amount round(hours × p), which enters the amount due.
    correction_hours: Decimal = Decimal(0)
    correction_billable: Decimal = Decimal(0)
