"""Trainers' hours by status (cadre E) and the charges of the accounts (cadre D), from the inputs (pure)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from formarche.bpf.aggregate.facts import TrainerLine, in_fiscal_year
from formarche.bpf.aggregate.record_checks import CheckList, dedupe_refs
from formarche.bpf.inputs import ZERO, BpfInputs, FiscalYear, Granularity, Id, TrainerStatus
from formarche.bpf.report import SourceRef
from formarche.utils.dates import month_bounds


def trainer_lines(
    inputs: BpfInputs, fy: FiscalYear, checks: CheckList
) -> dict[TrainerStatus, dict[Id, TrainerLine]]:
    lines: dict[TrainerStatus, dict[Id, TrainerLine]] = defaultdict(dict)
    no_status: list[SourceRef] = []
    month_change: list[SourceRef] = []
    straddle: list[SourceRef] = []
    for trainer in inputs.trainers:
        ref = SourceRef("trainer", trainer.id)
        for row in trainer.hours:
            inside = in_fiscal_year(fy, row.on, row.granularity)
            if inside is None:
                straddle.append(ref)
                continue
            if not inside or row.hours == 0:
                continue
            status = _status_on(
                trainer.periods, row.on if row.granularity is Granularity.DAY else month_bounds(row.on)[0]
            )
            if row.granularity is Granularity.MONTH:
                first, last = month_bounds(row.on)
                status_last = _status_on(trainer.periods, last)
                if status is None:
                    status = status_last
                elif status_last is not None and status_last is not status:
                    month_change.append(ref)
            if status is None:
                no_status.append(ref)
                continue
            line = lines[status].get(trainer.id)
            if line is None:
                line = lines[status][trainer.id] = TrainerLine()
            line.hours += row.hours
            if row.granularity is Granularity.DAY:
                line.days.add(row.on)
            else:
                line.has_monthly = True
    if no_status:
        checks.block(
            "E_HEURES_SANS_STATUT",
            "Un formateur a des heures à une date où aucun statut (interne ou externe) n'est "
            "renseigné : ces heures ne sont pas comptées en E.",
            cells=("E.1.h", "E.2.h"),
            sources=dedupe_refs(no_status),
        )
    if month_change:
        checks.warn(
            "E_STATUT_CHANGE_EN_COURS_DE_MOIS",
            "Un formateur change de statut en cours de mois alors que ses heures sont saisies par "
            "mois : elles sont comptées au statut du 1er du mois. Saisissez ce mois jour par jour.",
            cells=("E.1.h", "E.2.h"),
            sources=dedupe_refs(month_change),
        )
    if straddle:
        checks.block(
            "E_MOIS_A_CHEVAL",
            "Un total mensuel d'heures de formateur couvre un mois à cheval sur la limite de "
            "l'exercice : saisissez ce mois jour par jour.",
            cells=("E.1.h", "E.2.h"),
            sources=dedupe_refs(straddle),
        )
    return dict(lines)


def _status_on(periods, day: date) -> TrainerStatus | None:
    for period in periods:
        if period.covers(day):
            return period.status
    return None


def account_charges(
    inputs: BpfInputs,
) -> tuple[dict[str, Decimal | None], dict[str, Decimal], SourceRef | None]:
    """Cadre D's figures (manual or from the accounts by number), the charges by account, their source."""
    accounts = inputs.accounts
    if accounts is None:
        return {"total": None, "salaries": None, "purchases": None, "turnover": None}, {}, None
    by_account = {str(k): v for k, v in accounts.charges_by_account.items()}
    total = accounts.training_charges
    if total is None and by_account:
        total = sum((v for k, v in by_account.items() if len(k) == 2 and "60" <= k <= "69"), ZERO)
    salaries = accounts.trainer_salaries
    if salaries is None and by_account:
        salaries = by_account.get("6411", ZERO)
    purchases = accounts.training_purchases
    if purchases is None and by_account:
        purchases = by_account.get("604", ZERO) + by_account.get("6226", ZERO)
    charges = {
        "total": total,
        "salaries": salaries,
        "purchases": purchases,
        "turnover": accounts.total_turnover,
    }
    return charges, by_account, SourceRef("accounts", accounts.id)
