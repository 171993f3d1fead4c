"""The records behind a cell: the report's source references → rows to show, scoped to the OF."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q, Sum

from formarche.bpf.models import AccountLine, FiscalYear, OtherProduct, Trainer, TrainerHours
from formarche.bpf.report import BpfReport
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment

MAX_SHOWN = 300


@dataclass
class CellRecords:
    key: str
    total: dict[str, int] = field(default_factory=dict)  # kind → number of records
    enrolments: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    products: list = field(default_factory=list)
    trainers: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    invoices: list = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return any(n > MAX_SHOWN for n in self.total.values())


def cell_records(fiscal_year: FiscalYear, report: BpfReport, key: str) -> CellRecords:
    org_id = fiscal_year.organisation_id
    by_kind: dict[str, list] = defaultdict(list)
    for ref in report.sources(key):
        by_kind[ref.kind].append(ref.id)
    out = CellRecords(key=key, total={k: len(v) for k, v in by_kind.items()})
    in_year = Q(attendances__day__gte=fiscal_year.start, attendances__day__lte=fiscal_year.end)
    if by_kind["enrolment"]:
        ids = by_kind["enrolment"][:MAX_SHOWN]
        out.enrolments = list(
            Enrolment.objects.filter(pk__in=ids, order__provider_id=org_id)
            .select_related("trainee", "order")
            .annotate(
                fy_realised=Sum("attendances__realised_hours", filter=in_year),
                fy_counted=Sum("attendances__counted_unrealised_hours", filter=in_year),
            )
            .order_by("order__number", "trainee__last_name", "trainee__first_name")
        )
        action_ids = {e.order_id for e in out.enrolments}
        if key.startswith("C.") or key == "F4" or key.startswith("G"):
            out.invoices = _invoices(fiscal_year, action_ids)
    if by_kind["action"]:
        out.actions = list(Order.objects.filter(pk__in=by_kind["action"][:MAX_SHOWN], provider_id=org_id))
    if by_kind["product"]:
        out.products = list(
            OtherProduct.objects.filter(
                pk__in=by_kind["product"][:MAX_SHOWN], organisation_id=org_id
            ).select_related("order")
        )
    if by_kind["trainer"]:
        trainers = list(
            Trainer.objects.filter(
                pk__in=by_kind["trainer"][:MAX_SHOWN], organisation_id=org_id
            ).prefetch_related("status_periods")
        )
        hours = dict(
            TrainerHours.objects.filter(
                trainer__in=trainers, day__gte=fiscal_year.start.replace(day=1), day__lte=fiscal_year.end
            )
            .values("trainer_id")
            .annotate(h=Sum("hours"))
            .values_list("trainer_id", "h")
        )
        for t in trainers:
            t.fy_hours = hours.get(t.pk)
        out.trainers = trainers
    if by_kind["accounts"]:
        out.accounts = list(AccountLine.objects.filter(fiscal_year=fiscal_year))
    if by_kind["invoice"]:
        out.invoices = _invoices(fiscal_year, None, by_kind["invoice"][:MAX_SHOWN])
    return out


def _invoices(fiscal_year: FiscalYear, action_ids=None, ids=None) -> list:
    try:
        model = apps.get_model("billing", "Invoice")
    except LookupError:  # pragma: no cover
        return []
    qs = model.objects.filter(
        organisation_id=fiscal_year.organisation_id,
        issue_date__gte=fiscal_year.start,
        issue_date__lte=fiscal_year.end,
    )
    if action_ids is not None:
        qs = qs.filter(order_id__in=action_ids)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.select_related("order").order_by("issue_date")[:MAX_SHOWN])
