"""Home page block for OF users: the BPF to file, its deadline and its status."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from formarche.bpf.models import BpfStatus, FiscalYear
from formarche.bpf.perms import can_use_bpf
from formarche.bpf.selectors import last_closed_fiscal_year


def bpf_status(fiscal_year: FiscalYear | None) -> tuple[str, str]:
    """(code, French label) of the BPF of a fiscal year, without computing it."""
    if fiscal_year is None:
        return BpfStatus.TO_CREATE, "Exercice à enregistrer"
    if fiscal_year.is_filed:
        return BpfStatus.FILED, f"Déposé le {fiscal_year.filed_on:%d/%m/%Y}"
    if fiscal_year.is_validated:
        return BpfStatus.VALIDATED, "Validé, à déposer sur Mon Activité Formation"
    return BpfStatus.TO_PREPARE, "À préparer"


def bpf_block(request):
    tenant = getattr(request, "tenant", None)
    if not can_use_bpf(tenant):
        return None
    today = timezone.localdate()
    # the last closed fiscal year: the one the next BPF covers
    fiscal_year = last_closed_fiscal_year(tenant.organisation_id, today)
    if fiscal_year is None:
        legal = date(today.year, 4, 30)
        code, label = bpf_status(None)
        return {
            "template": "bpf/home_block.html",
            "fiscal_year": None,
            "status": code,
            "status_label": label,
            "filed": False,
            "legal_deadline": legal,
        }
    code, label = bpf_status(fiscal_year)
    late = code in {BpfStatus.TO_PREPARE, BpfStatus.VALIDATED} and today > fiscal_year.legal_deadline
    return {
        "template": "bpf/home_block.html",
        "fiscal_year": fiscal_year,
        "status": code,
        "status_label": label,
        "filed": code is BpfStatus.FILED,
        "legal_deadline": fiscal_year.legal_deadline,
        "campaign_end": fiscal_year.campaign_end,
        "late": late,
        "days_left": (fiscal_year.legal_deadline - today).days,
    }
