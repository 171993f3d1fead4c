"""Writes of the BPF area (keyword-only, atomic, French errors) and the one way to compute a BPF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.bpf.engine import compute_bpf
from formarche.bpf.exports import to_json
from formarche.bpf.fec import FecError, read_accounts
from formarche.bpf.inputs import BpfInputs
from formarche.bpf.models import (
    AccountLine,
    AccountSource,
    FiscalYear,
    OtherProduct,
    Subcontracting,
    Trainer,
    TrainerHours,
    TrainerStatusPeriod,
)
from formarche.bpf.report import BpfReport
from formarche.bpf.selectors import bpf_inputs


class BpfError(ValueError):
    """A refusal, with a French message; nothing was written."""


@dataclass
class Computed:
    fiscal_year: FiscalYear
    inputs: BpfInputs
    report: BpfReport


def bpf_compute(*, fiscal_year: FiscalYear, edition: str | None = None) -> Computed:
    """Selector + engine: the BPF of a fiscal year, with the records behind every cell."""
    inputs = bpf_inputs(fiscal_year)
    try:
        report = compute_bpf(edition, inputs)
    except ValueError as exc:  # UnsupportedFiscalYear: a French message
        raise BpfError(str(exc)) from exc
    return Computed(fiscal_year, inputs, report)


# --------------------------------------------------------------------------------------------
# Fiscal years
# --------------------------------------------------------------------------------------------


def fiscal_year_create(*, organisation, start: date, end: date) -> FiscalYear:
    if end <= start:
        raise BpfError("La fin de l'exercice doit suivre son début.")
    if (end - start).days > 731:
        raise BpfError("Un exercice comptable ne dure pas plus de 24 mois.")
    with transaction.atomic():
        overlap = FiscalYear.objects.filter(organisation=organisation, start__lte=end, end__gte=start).first()
        if overlap:
            raise BpfError(f"Cet exercice chevauche l'exercice {overlap.label}.")
        return FiscalYear.objects.create(organisation=organisation, start=start, end=end)


def _not_frozen(fiscal_year: FiscalYear) -> None:
    if fiscal_year.is_filed:
        raise BpfError("Le BPF de cet exercice est déclaré déposé : ses données ne changent plus.")


def fiscal_year_set_manual(
    *,
    fiscal_year: FiscalYear,
    total_turnover: Decimal | None,
    training_charges: Decimal | None,
    trainer_salaries: Decimal | None,
    training_purchases: Decimal | None,
    allocation_rate: Decimal,
) -> FiscalYear:
    _not_frozen(fiscal_year)
    if not Decimal(0) <= allocation_rate <= Decimal(1):
        raise BpfError("La clé de répartition est comprise entre 0 et 1 (0,6 pour 60 %).")
    with transaction.atomic():
        fiscal_year.total_turnover = total_turnover
        fiscal_year.training_charges = training_charges
        fiscal_year.trainer_salaries = trainer_salaries
        fiscal_year.training_purchases = training_purchases
        fiscal_year.allocation_rate = allocation_rate
        fiscal_year.save()
    return fiscal_year


def accounts_import(*, fiscal_year: FiscalYear, raw: bytes, filename: str = "") -> int:
    """Replace the year's imported accounts by a FEC or a trial balance (classes 6 and 7).

    All-or-nothing: raises FecError (line by line) and writes nothing. Manual lines are kept.
    Returns the number of accounts stored.
    """
    _not_frozen(fiscal_year)
    totals, kind = read_accounts(raw, start=fiscal_year.start, end=fiscal_year.end)
    if not totals:
        raise FecError([(None, "Aucune écriture des classes 6 ou 7 dans ce fichier.")])
    source = AccountSource.FEC if kind == "fec" else AccountSource.BALANCE
    with transaction.atomic():
        shares = dict(
            fiscal_year.account_lines.exclude(training_share=None).values_list("account", "training_share")
        )
        manual = set(
            fiscal_year.account_lines.filter(source=AccountSource.MANUAL).values_list("account", flat=True)
        )
        fiscal_year.account_lines.exclude(source=AccountSource.MANUAL).delete()
        AccountLine.objects.bulk_create(
            [
                AccountLine(
                    fiscal_year=fiscal_year,
                    account=t.account,
                    label=t.label[:200],
                    debit=t.debit,
                    credit=t.credit,
                    training_share=shares.get(t.account),
                    source=source,
                )
                for t in totals.values()
                if t.account not in manual
            ]
        )
        label = "FEC" if kind == "fec" else "balance"
        fiscal_year.accounts_source = f"{label} {filename}".strip()[:120]
        fiscal_year.save(update_fields=["accounts_source"])
    return len(totals)


def account_line_save(
    *,
    fiscal_year: FiscalYear,
    account: str,
    label: str = "",
    debit: Decimal = Decimal(0),
    credit: Decimal = Decimal(0),
    training_share: Decimal | None = None,
) -> AccountLine:
    _not_frozen(fiscal_year)
    account = account.strip()
    if not account or not account.isdigit() or account[0] not in "67":
        raise BpfError("Seuls les comptes des classes 6 (charges) et 7 (produits) servent au BPF.")
    if training_share is not None and not Decimal(0) <= training_share <= Decimal(1):
        raise BpfError("La part formation est comprise entre 0 et 1.")
    with transaction.atomic():
        line, _ = AccountLine.objects.update_or_create(
            fiscal_year=fiscal_year,
            account=account,
            defaults={
                "label": label,
                "debit": debit,
                "credit": credit,
                "training_share": training_share,
                "source": AccountSource.MANUAL,
            },
        )
    return line


def bpf_validate(*, fiscal_year: FiscalYear, user=None) -> BpfReport:
    """Freeze the BPF (edition and cells) once it passes every blocking check."""
    _not_frozen(fiscal_year)
    computed = bpf_compute(fiscal_year=fiscal_year)
    report = computed.report
    if not report.is_valid:
        first = report.blocking[0].message_fr
        raise BpfError(
            f"Le BPF ne peut pas être validé : {len(report.blocking)} contrôle(s) bloquant(s), dont « {first} »"
        )
    with transaction.atomic():
        fiscal_year.validated_at = timezone.now()
        fiscal_year.validated_by = user
        fiscal_year.validated_edition = report.edition
        fiscal_year.validated_data = to_json(report)
        fiscal_year.save()
    return report


def bpf_mark_filed(*, fiscal_year: FiscalYear, filed_on: date) -> FiscalYear:
    if not fiscal_year.is_validated:
        raise BpfError("Validez le BPF avant de le déclarer déposé.")
    if filed_on < fiscal_year.end:
        raise BpfError("Le BPF ne peut pas être déposé avant la clôture de l'exercice.")
    with transaction.atomic():
        fiscal_year.filed_on = filed_on
        fiscal_year.save(update_fields=["filed_on"])
    return fiscal_year


def bpf_reopen(*, fiscal_year: FiscalYear) -> FiscalYear:
    with transaction.atomic():
        fiscal_year.filed_on = None
        fiscal_year.validated_at = None
        fiscal_year.validated_by = None
        fiscal_year.validated_edition = ""
        fiscal_year.validated_data = None
        fiscal_year.save()
    return fiscal_year


# --------------------------------------------------------------------------------------------
# Trainers, products, sub-contracting
# --------------------------------------------------------------------------------------------


def trainer_create(*, organisation, last_name: str, first_name: str = "", email: str = "") -> Trainer:
    if not last_name.strip():
        raise BpfError("Indiquez le nom du formateur.")
    with transaction.atomic():
        return Trainer.objects.create(
            organisation=organisation, last_name=last_name.strip(), first_name=first_name.strip(), email=email
        )


def trainer_status_add(
    *, trainer: Trainer, start: date, end: date | None, status: str
) -> TrainerStatusPeriod:
    if end is not None and end < start:
        raise BpfError("La fin de la période précède son début.")
    with transaction.atomic():
        for period in trainer.status_periods.select_for_update():
            if (period.end is None or period.end >= start) and (end is None or end >= period.start):
                raise BpfError(
                    f"Cette période chevauche le statut « {period.get_status_display()} » "
                    f"commencé le {period.start:%d/%m/%Y} : une date n'a qu'un statut."
                )
        return TrainerStatusPeriod.objects.create(trainer=trainer, start=start, end=end, status=status)


def trainer_hours_add(
    *, trainer: Trainer, day: date, hours: Decimal, kind: str = "jour", order=None
) -> TrainerHours:
    if hours < 0:
        raise BpfError("Un nombre d'heures ne peut pas être négatif.")
    if kind == "mois":
        day = day.replace(day=1)
    elif hours > 24:
        raise BpfError("Une journée ne compte pas plus de 24 heures.")
    if order is not None and order.provider_id != trainer.organisation_id:
        raise BpfError("Cette action n'est pas réalisée par votre organisme.")
    with transaction.atomic():
        return TrainerHours.objects.create(trainer=trainer, day=day, hours=hours, kind=kind, order=order)


def other_product_create(*, organisation, **fields) -> OtherProduct:
    order = fields.get("order")
    if order is not None and order.provider_id != organisation.pk:
        raise BpfError("Cette action n'est pas réalisée par votre organisme.")
    if fields.get("kind") == "training" and not fields.get("payer"):
        raise BpfError("Un produit de formation doit indiquer son financeur (ligne C).")
    with transaction.atomic():
        return OtherProduct.objects.create(organisation=organisation, **fields)


def subcontracting_set(
    *, order, direction: str, partner_name: str, partner_siret: str = ""
) -> Subcontracting:
    if not partner_name.strip():
        raise BpfError("Indiquez l'autre organisme de formation.")
    with transaction.atomic():
        sub, _ = Subcontracting.objects.update_or_create(
            order=order,
            defaults={
                "direction": direction,
                "partner_name": partner_name.strip(),
                "partner_siret": partner_siret,
            },
        )
    return sub
