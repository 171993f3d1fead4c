"""Export job « Factures du mois (ZIP) »: every invoice of a month, for an OF (its own) or a Région
(those of its orders), as issued — the stored Factur-X PDF of each invoice, the one document path
(``billing.services.invoice_issue`` builds it; nothing is rendered a second time). Registered in
the jobs registry from ``BillingConfig.ready()``."""

from __future__ import annotations

from django.db.models import Q

from formarche.accounts.tenancy import scoped
from formarche.billing.models import Invoice
from formarche.jobs.archive import job_tenant, month_label, zip_bytes
from formarche.jobs.registry import JobKind, JobRefused
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import parse_month

KIND = "factures_mois"


def month_invoices(tenant, month):
    """The invoices of ``month`` the tenant sees (rejected ones included: each was issued):
    the month's periods, and the soldes issued during the month."""
    first, last = month_bounds(month)
    return (
        scoped(Invoice, tenant)
        .filter(Q(period__month=first) | Q(period__isnull=True, issue_date__range=(first, last)))
        .select_related("order")
        .order_by("number", "pk")
    )


def run(job, progress) -> tuple[str, bytes]:
    tenant = job_tenant(job)
    month = parse_month(job.params["month"])
    invoices = [i for i in month_invoices(tenant, month) if i.document]
    if not invoices:
        raise JobRefused(f"Aucune facture émise pour {month_label(job.params['month'])}.")
    files = []
    for done, invoice in enumerate(invoices):
        progress(done, len(invoices), "Lecture des factures")
        with invoice.document.open("rb") as handle:
            files.append((f"Facture_{invoice.number}_{invoice.order.number}.pdf", handle.read()))
    progress(len(invoices), len(invoices), "Archive")
    return f"factures-{job.params['month']}.zip", zip_bytes(files)


def kind() -> JobKind:
    return JobKind(
        kind=KIND,
        label="Factures du mois (ZIP)",
        run=run,
        available=lambda tenant: tenant is not None and (tenant.is_of or tenant.is_region),
        title=lambda params: f"Factures de {month_label(params['month'])} (ZIP)",
    )
