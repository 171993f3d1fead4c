"""Write one organisation's data for a period as an interchange document (a dict): what is
exported is selected here (:func:`_select`), each row written by :mod:`.export_rows`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from formarche.attendance.models import Attendance
from formarche.billing.models import Invoice
from formarche.bpf.models import FiscalYear, OtherProduct, Subcontracting, Trainer, TrainerHours
from formarche.interchange import FORMAT, VERSION
from formarche.interchange.amendments import amendment_rows, with_amendments
from formarche.interchange.export_rows import (
    attendance_row,
    billing_history,
    enrolment_row,
    fiscal_year_row,
    fundings_of,
    invoice_row,
    order_row,
    organisation_row,
    product_row,
    region_code,
    trainee_row,
    trainer_row,
    with_dispositif_history,
)
from formarche.orders.models import Order, OrderMember
from formarche.trainees.models import Enrolment


@dataclass
class _Selection:
    rows: list
    enrolment_ids: set
    enrolments: list
    products: list
    trainer_hours: list
    order_ids: set
    orders: list


def export_document(*, organisation, start: date, end: date) -> dict:
    """Fiscal years overlapping [start, end]; attendance, trainer hours and other products dated
    inside it; the enrolments and trainees those hours belong to, plus enrolments entered in the
    period; their orders; the Régions that placed them."""
    org = organisation
    sel = _select(org, start, end)
    subs = {s.order_id: s for s in Subcontracting.objects.filter(order_id__in=sel.order_ids)}
    # an order's billing history travels whole: every invoice of the exported orders (those
    # issued in the period among them), its periods, statements, advance, adjustments and solde
    invoices = list(
        Invoice.objects.filter(organisation=org, order_id__in=sel.order_ids)
        .select_related("order", "period", "replaces", "credit_note")
        .prefetch_related("payments", "rejection")
        .order_by("year", "sequence")
    )
    history = billing_history(sel.order_ids)
    amendments = amendment_rows(sel.order_ids)  # ADR 0020, optional key
    regions = {region_code(o.region): o.region.name for o in sel.orders}
    trainees = {}
    for e in sel.enrolments:
        t = e.trainee
        trainees.setdefault(t.pk, t)
    hours_by_trainer: dict[int, list] = {}
    for h in sel.trainer_hours:
        hours_by_trainer.setdefault(h.trainer_id, []).append(h)
    trainers = list(
        Trainer.objects.filter(Q(pk__in=hours_by_trainer) | Q(organisation=org, hours__isnull=True))
        .filter(organisation=org)
        .prefetch_related("status_periods")
        .distinct()
        .order_by("pk")
    )
    years = list(
        FiscalYear.objects.filter(organisation=org, start__lte=end, end__gte=start)
        .prefetch_related("account_lines")
        .order_by("start")
    )
    # numbered in the order of the document (not by primary key): the import creates enrolments
    # in that order, so exporting the imported data gives the same references
    enrolment_ref = {e.pk: f"E{n}" for n, e in enumerate(sel.enrolments, start=1)}
    fundings = fundings_of(sel.enrolment_ids)
    return {
        "format": FORMAT,
        "version": VERSION,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "organisation": organisation_row(org),
        "regions": [{"code": code, "name": name} for code, name in sorted(regions.items())],
        "fiscal_years": [fiscal_year_row(fy) for fy in years],
        "trainers": [trainer_row(t, hours_by_trainer.get(t.pk, [])) for t in trainers],
        "orders": with_dispositif_history(
            [with_amendments(order_row(o, subs, history), amendments.get(o.pk)) for o in sel.orders],
            sel.orders,
        ),
        "trainees": [trainee_row(t) for t in trainees.values()],
        "enrolments": [enrolment_row(e, enrolment_ref[e.pk], fundings) for e in sel.enrolments],
        "attendance": [attendance_row(enrolment_ref[r[0]], *r[1:]) for r in sel.rows],
        "other_products": [product_row(p) for p in sel.products],
        "invoices": [invoice_row(i) for i in invoices],
    }


def _select(org, start: date, end: date) -> _Selection:
    """The attendance rows, enrolments, other products, trainer hours and orders to export."""
    # An OF exports its own trainees only (on a group order, never a co-traitant's: ADR 0018).
    attendance = Attendance.objects.filter(
        enrolment__order__provider=org,
        enrolment__trainee__organisation=org,
        day__gte=start.replace(day=1),
        day__lte=end,
    ).order_by("enrolment_id", "day", "kind")
    rows = list(
        attendance.values_list(
            "enrolment_id", "day", "kind", "realised_hours", "counted_unrealised_hours", "unrealised_reason"
        )
    )
    enrolment_ids = {r[0] for r in rows}
    enrolment_ids |= set(
        Enrolment.objects.filter(
            order__provider=org, trainee__organisation=org, entry_date__gte=start, entry_date__lte=end
        ).values_list("pk", flat=True)
    )
    enrolments = list(
        Enrolment.objects.filter(pk__in=enrolment_ids).select_related("trainee", "order").order_by("pk")
        if len(enrolment_ids) < 900
        else [
            e
            for e in Enrolment.objects.filter(order__provider=org)
            .select_related("trainee", "order")
            .order_by("pk")
            if e.pk in enrolment_ids
        ]
    )
    products = list(
        OtherProduct.objects.filter(organisation=org, on__gte=start, on__lte=end).order_by("on", "pk")
    )
    trainer_hours = list(
        TrainerHours.objects.filter(trainer__organisation=org, day__gte=start.replace(day=1), day__lte=end)
        .select_related("order")
        .order_by("trainer_id", "day")
    )
    order_ids = _order_ids(org, start, end, enrolments, products, trainer_hours)
    group = set(OrderMember.objects.filter(order_id__in=order_ids).values_list("order_id", flat=True))
    if group:  # group orders (ADR 0018) are not carried by the format yet: left out whole
        order_ids -= group
        enrolments = [e for e in enrolments if e.order_id not in group]
        enrolment_ids = {e.pk for e in enrolments}
        rows = [r for r in rows if r[0] in enrolment_ids]
        products = [p for p in products if p.order_id not in group]
        trainer_hours = [h for h in trainer_hours if h.order_id not in group]
    orders = list(
        Order.objects.filter(pk__in=order_ids)
        .select_related("region", "lot__market", "dispositif")
        .order_by("number")
    )
    return _Selection(rows, enrolment_ids, enrolments, products, trainer_hours, order_ids, orders)


def _order_ids(org, start: date, end: date, enrolments, products, trainer_hours) -> set:
    """Orders of the exported enrolments, products, invoices and trainer hours, and those running
    during the period."""
    order_ids = {e.order_id for e in enrolments} | {p.order_id for p in products if p.order_id}
    order_ids |= set(
        Invoice.objects.filter(organisation=org, issue_date__gte=start, issue_date__lte=end).values_list(
            "order_id", flat=True
        )
    )
    order_ids |= {h.order_id for h in trainer_hours if h.order_id}
    order_ids |= set(
        Order.objects.filter(provider=org, planned_start__lte=end, planned_end__gte=start).values_list(
            "pk", flat=True
        )
    )
    return order_ids
