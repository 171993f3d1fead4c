"""Writes on a fiscal year and its BPF: create, manual figures, validate, mark filed, reopen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.bpf.errors import BpfError
from formarche.bpf.exports import to_json
from formarche.bpf.models import FiscalYear
from formarche.bpf.perms import can_edit_inputs
from formarche.bpf.report import BpfReport
from formarche.bpf.selectors import bpf_compute


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


def ensure_editable(*, fiscal_year: FiscalYear) -> None:
    """Refuse any change to the data of a fiscal year whose BPF is filed (`perms.can_edit_inputs`)."""
    if not can_edit_inputs(fiscal_year):
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
    ensure_editable(fiscal_year=fiscal_year)
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


def bpf_validate(*, fiscal_year: FiscalYear, user=None) -> BpfReport:
    """Freeze the BPF (edition and cells) once it passes every blocking check."""
    ensure_editable(fiscal_year=fiscal_year)
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
