"""Export job « Feuilles d'émargement du mois (ZIP) »: the attendance sheet of every action of a
month, for an OF (its actions) or a Région (the actions it ordered), each rendered by the one
sheet generator, :func:`formarche.documents.generated.attendance_sheet_pdf`. Registered in the
jobs registry from ``DocumentsConfig.ready()``."""

from __future__ import annotations

from django.db.models import Q

from formarche.accounts.tenancy import scoped
from formarche.documents.generated import attendance_sheet_pdf
from formarche.jobs.archive import job_tenant, month_label, zip_bytes
from formarche.jobs.registry import JobKind, JobRefused
from formarche.orders.models import Order
from formarche.utils.dates import month_bounds, period_key
from formarche.utils.formatting import parse_month

KIND = "emargements_mois"


def month_orders(tenant, month):
    """The actions the tenant sees that run during ``month`` (started, not ended before it)."""
    first, last = month_bounds(month)
    started = Q(actual_start__lte=last) | Q(actual_start__isnull=True, planned_start__lte=last)
    not_ended = Q(real_end__gte=first) | Q(real_end__isnull=True, planned_end__gte=first)
    return (
        scoped(Order, tenant)
        .filter(started, not_ended)
        .select_related("provider", "region", "lot")
        .order_by("number", "pk")
    )


def run(job, progress) -> tuple[str, bytes]:
    tenant = job_tenant(job)
    month = parse_month(job.params["month"])
    orders = list(month_orders(tenant, month))
    if not orders:
        raise JobRefused(f"Aucune action en cours en {month_label(job.params['month'])}.")
    files = []
    for done, order in enumerate(orders):
        progress(done, len(orders), f"Feuille de l'action {order.number}")
        files.append(
            (f"{order.number}_FEUILLE_EMARGEMENT_{period_key(month)}.pdf", attendance_sheet_pdf(order, month))
        )
    progress(len(orders), len(orders), "Archive")
    return f"emargements-{job.params['month']}.zip", zip_bytes(files)


def kind() -> JobKind:
    return JobKind(
        kind=KIND,
        label="Feuilles d'émargement du mois (ZIP)",
        run=run,
        available=lambda tenant: tenant is not None and (tenant.is_of or tenant.is_region),
        title=lambda params: f"Feuilles d'émargement de {month_label(params['month'])} (ZIP)",
    )
