"""The records behind a cell: the report's source references → rows to show, scoped to the OF."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q, Sum

from formarche.attendance.models import Attendance
from formarche.bpf import inputs as bi
from formarche.bpf.aggregate.accrual import funding_product
from formarche.bpf.cerfa.cells_10443_12 import LINE_MAP
from formarche.bpf.loading import PAYER_TO_CLINE, received_orders
from formarche.bpf.models import AccountLine, FiscalYear, OtherProduct, Trainer, TrainerHours
from formarche.bpf.report import BpfReport
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment, EnrolmentFunding, Payer
from formarche.utils.money import round_cents

MAX_SHOWN = 300
ZERO = bi.ZERO


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
    fundings: list = field(default_factory=list)  # co-fundings (EnrolmentFunding) behind the cell

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
    if by_kind["enrolment"]:
        lines = funding_lines_of_cell(report.edition, key)
        if lines:
            count, out.fundings = _co_fundings(fiscal_year, set(by_kind["enrolment"]), lines)
            if count:
                out.total["funding"] = count
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


ALL_LINES = frozenset(line.value for line in bi.CLine)


def funding_lines_of_cell(edition: str, key: str) -> frozenset[str]:
    """The C lines (engine keys: "1", "a"…"h", "3"…"11") whose co-fundings explain a cell.

    A product cell: its own line(s), every line for a total. The *particulier* cell of F-1 (and
    its 10443*12 equivalent): line 9, the trainee's own share that made them one. Other cells:
    none.
    """
    if edition == "10443*12":
        if key == "p2.total":
            return ALL_LINES
        if key.startswith("p2.A1"):
            return frozenset({"1"})
        if key.startswith("p2."):
            part = key[3:]
            stem = part.removesuffix(".total")
            return frozenset(
                line
                for line, target in LINE_MAP.items()
                if target == part or (part.endswith(".total") and target.startswith(stem + "."))
            )
        return frozenset({"9"}) if key.startswith("p4.A.3.") else frozenset()
    if key in {"C.total", "C.pct"}:
        return ALL_LINES
    if key == "C.2":
        return frozenset(line.value for line in bi.OPCO_LINES)
    if key.startswith("C."):
        return frozenset({key[2:]}) & ALL_LINES
    return frozenset({"9"}) if key.startswith("F1.d.") else frozenset()


def _co_fundings(fiscal_year: FiscalYear, enrolment_ids: set, lines: frozenset[str]) -> tuple[int, list]:
    """The co-fundings of the cell's enrolments on ``lines`` (C-10 for an action received from
    another OF, as the selector does), each with ``fy_line`` and its product of the year
    ``fy_amount`` (rounded to the cent for display; the cell itself rounds the line's sum).

    Returns (how many, the first ``MAX_SHOWN``). A few queries whatever the volume: the
    organisation's co-fundings (few), the received actions, the hours of the shown ones.
    """
    org_id = fiscal_year.organisation_id
    candidates = [
        f
        for f in EnrolmentFunding.objects.filter(enrolment__order__provider_id=org_id)
        .select_related("enrolment__trainee", "enrolment__order")
        .order_by("enrolment__order__number", "enrolment__trainee__last_name", "pk")
        if f.enrolment_id in enrolment_ids
    ]
    _, received = received_orders(org_id, {f.enrolment.order_id for f in candidates})
    shown = []
    for f in candidates:
        line = "10" if f.enrolment.order_id in received else PAYER_TO_CLINE[f.payer].value
        if line in lines:
            f.fy_line = line
            # counted on C-10 because the action was received from another OF, whoever pays
            f.c10_as_received = line == "10" and f.payer != Payer.OTHER_OF
            shown.append(f)
    count, shown = len(shown), shown[:MAX_SHOWN]
    # billable hours of the year, and before it (a flat amount is accrued cumulatively): one query
    in_year, before = Q(day__gte=fiscal_year.start), Q(day__lt=fiscal_year.start)
    billable = {
        eid: ((r or ZERO) + (c or ZERO), (rb or ZERO) + (cb or ZERO))
        for eid, r, c, rb, cb in Attendance.objects.filter(
            enrolment_id__in={f.enrolment_id for f in shown}, day__lte=fiscal_year.end
        )
        .order_by()
        .values("enrolment_id")
        .annotate(
            r=Sum("realised_hours", filter=in_year),
            c=Sum("counted_unrealised_hours", filter=in_year),
            rb=Sum("realised_hours", filter=before),
            cb=Sum("counted_unrealised_hours", filter=before),
        )
        .values_list("enrolment_id", "r", "c", "rb", "cb")
    }
    for f in shown:
        of_year, before_year = billable.get(f.enrolment_id, (ZERO, ZERO))
        product = funding_product(
            bi.Funding(c_line=bi.CLine(f.fy_line), hourly_rate=f.hourly_rate, amount=f.amount),
            of_year,
            f.enrolment.planned_hours,
            before_year,
        )
        f.fy_amount = round_cents(product) if product is not None else None
    return count, shown


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
