"""The write stage of the interchange import: everything the checked document holds, inside the
pipeline's transaction, by the pipeline's bulk writer (:mod:`formarche.imports.pipeline.bulk`):
``bulk_create`` in batches, the attendance by ``executemany`` (``COPY`` on PostgreSQL). No
change-history rows: the import is the trace (docs/interchange.md)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from formarche.billing.models import (
    SUPPORT_SOLDE,
    CreditNote,
    Invoice,
    InvoiceCounter,
    Payment,
    PaymentKind,
    Period,
    PeriodStatus,
    Rejection,
    Solde,
)
from formarche.billing.selectors import invoice_party_data
from formarche.bpf.models import (
    AccountLine,
    FiscalYear,
    OtherProduct,
    Subcontracting,
    Trainer,
    TrainerHours,
    TrainerStatusPeriod,
)
from formarche.imports.pipeline.bulk import bulk_insert, insert_attendance
from formarche.interchange import history
from formarche.interchange.amendments import write_amendments
from formarche.interchange.credit_notes import credit_note_objects
from formarche.orders.models import Dispositif, Lot, Market, Order
from formarche.organisations.models import Organisation, OrganisationKind
from formarche.trainees.models import Enrolment, EnrolmentFunding, Trainee, trainee_name_key

BATCH = 5000


def write_document(p: dict) -> dict:
    """Write the checked document ``p``; returns the counts per section."""
    org = p["existing_org"]
    if org is None:
        org = Organisation.objects.create(kind=OrganisationKind.OF, **p["organisation"])
    regions = _write_regions(p["regions"])
    orders = _write_orders(p["orders"], regions, org)
    write_amendments(orders, p["orders"])  # ADR 0020
    trainees, enrolment_ids, fundings = _write_people(p, org, orders)
    insert_attendance(p["attendance"], enrolment_ids, stamp=_validation_stamp(p))
    n_hours = _write_trainers(p["trainers"], org, orders)
    _write_bpf(p, org, orders)
    written = history.write_history(p["orders"], orders)
    n_invoices, n_payments = _write_invoices(
        p["invoices"], org, orders, written["soldes"], written["periods"]
    )
    counts = defaultdict(int)
    counts.update(
        {
            "organisation": org.provider_code,
            "orders": len(orders),
            "trainees": trainees,
            "enrolments": len(enrolment_ids),
            "attendance": len(p["attendance"]),
            "trainers": len(p["trainers"]),
            "trainer_hours": n_hours,
            "fiscal_years": len(p["fiscal_years"]),
            "other_products": len(p["products"]),
            "fundings": fundings,
            "invoices": n_invoices,
            "payments": n_payments,
            **written["counts"],
        }
    )
    return dict(counts)


def _validation_stamp(p: dict):
    """``(enrolment ref, day) → validated_at`` of the month's validated period in the document, or
    None: the hours of a validated month are the hours as validated, and are dated so (the month
    controls flag a non-rectificatif row changed after its month's validation)."""
    validated = {
        (number, period["month"]): history.period_validated_at(period)
        for number, entry in p["orders"].items()
        for period in entry["history"]["periods"]
    }
    if not validated:
        return None
    order_of = {ref: e["order"] for ref, e in p["enrolments"].items()}

    def stamp(ref, day):
        return validated.get((order_of[ref], day.replace(day=1)))

    return stamp


def _write_regions(parsed: dict) -> dict:
    regions = {}
    for code, name in parsed.items():
        region = Organisation.objects.filter(provider_code=code, kind=OrganisationKind.REGION).first()
        regions[code] = region or Organisation.objects.create(
            kind=OrganisationKind.REGION, provider_code=code, name=name
        )
    return regions


def _write_orders(parsed: dict, regions: dict, org) -> dict:
    """The orders (number → Order), each on its market, lot and dispositif — found, or created as
    the first order naming them describes them; each looked up once per document — inserted in
    batches with their history rows (as ``objects.create`` writes them), then their
    subcontracting."""
    markets, lots, dispositifs = {}, {}, {}
    objs = {}
    for number, o in parsed.items():
        region = regions[o["region"]]
        key = (region.pk, o["market"]["reference"])
        if key not in markets:
            markets[key], _ = Market.objects.get_or_create(
                region=region,
                reference=o["market"]["reference"],
                defaults={"title": o["market"]["title"], "year": o["market"]["year"]},
            )
        market = markets[key]
        key = (market.pk, o["lot"]["number"])
        if key not in lots:
            lots[key], _ = Lot.objects.get_or_create(
                market=market,
                number=o["lot"]["number"],
                defaults={k: v for k, v in o["lot"].items() if k != "number"},
            )
        key = (region.pk, o["dispositif"]["code"])
        if key not in dispositifs:
            dispositifs[key] = _dispositif(o["dispositif"], region)
        h = o["history"]
        objs[number] = Order(
            region=region,
            lot=lots[(market.pk, o["lot"]["number"])],
            dispositif=dispositifs[key],
            provider=org,
            status=h["status"],
            real_end=h["real_end"],
            advance_paid=h["advance_paid"],
            **o["fields"],
        )
    bulk_insert(Order, list(objs.values()), BATCH, history=True)
    subcontracting = [
        Subcontracting(order=objs[number], **o["subcontracting"])
        for number, o in parsed.items()
        if o["subcontracting"]
    ]
    bulk_insert(Subcontracting, subcontracting, BATCH, history=True)
    return objs


def _dispositif(d: dict, region) -> Dispositif:
    defaults = {"name": d["name"]}
    if d["advance_rate"] is not None:
        defaults["advance_rate"] = d["advance_rate"]
    defaults["cap_rate"] = d["cap_rate"]
    if d["vat_rate"] is not None:
        defaults["vat_rate"] = d["vat_rate"]
    defaults["resorption_bands"] = d["resorption_bands"] or []
    dispositif, created = Dispositif.objects.get_or_create(region=region, code=d["code"], defaults=defaults)
    if created and d.get("billing_history"):
        _dispositif_history(dispositif, d["billing_history"])
    return dispositif


def _dispositif_history(dispositif: Dispositif, billing_history: list) -> None:
    """The parameters in force since each date of the document (ADR 0021) become the dispositif's
    history rows, so that formarche's next export carries them again."""
    historical = Dispositif.history.model
    base = {f.attname: getattr(dispositif, f.attname) for f in Dispositif._meta.concrete_fields}
    rows = []
    for index, item in enumerate(billing_history):
        values = {**base, "resorption_bands": item["resorption_bands"] or []}
        for name in ("advance_rate", "vat_rate"):
            if item[name] is not None:
                values[name] = item[name]
        values["cap_rate"] = item["cap_rate"]
        rows.append(
            historical(
                **values,
                history_date=item["since"],
                history_type="+" if index == 0 else "~",
                history_change_reason="Paramètres de facturation en vigueur (import d'échange)",
            )
        )
    historical.objects.bulk_create(rows)


def _write_people(p: dict, org, orders: dict) -> tuple[int, dict, int]:
    """Trainees, enrolments, co-fundings; returns (trainees, {enrolment ref: id}, co-fundings)."""
    trainee_objs = []
    for t in p["trainees"].values():
        obj = Trainee(organisation=org, **t)
        obj.name_key = trainee_name_key(obj.last_name, obj.first_name)
        trainee_objs.append(obj)
    bulk_insert(Trainee, trainee_objs, BATCH)
    trainee_ids = {obj.external_ref: obj.pk for obj in trainee_objs}
    refs = list(p["enrolments"])
    enrolment_objs = [
        Enrolment(
            trainee_id=trainee_ids[e["trainee"]],
            order=orders[e["order"]],
            entry_date=e["entry_date"],
            planned_hours=e["planned_hours"],
            payer=e["payer"],
            scheme=e["scheme"] or "",
            exit_date=e["exit_date"],
            exit_reason=e["exit_reason"],
        )
        for e in p["enrolments"].values()
    ]
    bulk_insert(Enrolment, enrolment_objs, BATCH)
    enrolment_ids = {ref: obj.pk for ref, obj in zip(refs, enrolment_objs, strict=True)}
    funding_objs = [
        EnrolmentFunding(
            enrolment_id=enrolment_ids[ref],
            payer=f["payer"],
            amount=f["amount"],
            hourly_rate=f["hourly_rate"],
            label=f["label"],
        )
        for ref, e in p["enrolments"].items()
        for f in e["fundings"]
    ]
    bulk_insert(EnrolmentFunding, funding_objs, BATCH)
    return len(trainee_objs), enrolment_ids, len(funding_objs)


def _write_trainers(trainers: list, org, orders: dict) -> int:
    n_hours = 0
    for t in trainers:
        trainer = Trainer.objects.create(organisation=org, **{k: v or "" for k, v in t["fields"].items()})
        bulk_insert(
            TrainerStatusPeriod,
            [TrainerStatusPeriod(trainer=trainer, start=s, end=e, status=st) for s, e, st in t["statuses"]],
            BATCH,
        )
        bulk_insert(
            TrainerHours,
            [
                TrainerHours(trainer=trainer, day=d, kind=k, hours=h, order=orders.get(o) if o else None)
                for d, k, h, o in t["hours"]
            ],
            BATCH,
        )
        n_hours += len(t["hours"])
    return n_hours


def _write_bpf(p: dict, org, orders: dict) -> None:
    """Fiscal years with their account lines, and the other products."""
    for f in p["fiscal_years"]:
        fy = FiscalYear.objects.create(
            organisation=org,
            start=f["start"],
            end=f["end"],
            total_turnover=f["total_turnover"],
            training_charges=f["training_charges"],
            trainer_salaries=f["trainer_salaries"],
            training_purchases=f["training_purchases"],
            allocation_rate=f["allocation_rate"] if f["allocation_rate"] is not None else Decimal(1),
            accounts_source="import formarche" if f["accounts"] else "",
        )
        bulk_insert(
            AccountLine,
            [AccountLine(fiscal_year=fy, **{**a, "label": a["label"] or ""}) for a in f["accounts"]],
            BATCH,
        )
    products = [
        OtherProduct(
            organisation=org,
            on=pr["on"],
            label=pr["label"],
            kind=pr["kind"],
            other_kind=pr["other_kind"] or "",
            payer=pr["payer"],
            amount=pr["amount"],
            order=orders.get(pr["order"]) if pr["order"] else None,
        )
        for pr in p["products"]
    ]
    bulk_insert(OtherProduct, products, BATCH)


def _write_invoices(invoices: list, org, orders: dict, soldes: dict, periods: dict) -> tuple[int, int]:
    """Each invoice on its period (created validated, without a stored statement, when neither the
    document nor formarche has it) or on its solde, its payments and rejection, then the reissues
    linked to the invoices they replace, then every yearly counter raised to the highest number.

    Periods and soldes just written are reused (``periods``: (order number, month) → Period,
    ``soldes``: order number → Solde); those of orders already in formarche are read in one query
    each. Every kind is inserted by ``bulk_create`` in batches."""
    if not invoices:
        return 0, 0
    db_orders = {inv["db_order"].pk: inv["db_order"] for inv in invoices if inv["db_order"] is not None}
    periods, soldes = _invoice_supports(invoices, orders, db_orders, dict(periods), dict(soldes))
    all_orders = {**{o.number: o for o in db_orders.values()}, **orders}
    created, payments, rejections, highest = _invoice_objects(invoices, org, all_orders, periods, soldes)
    bulk_insert(Invoice, list(created.values()))
    bulk_insert(Payment, payments)
    bulk_insert(Rejection, [rejection for rejection, _ in rejections])
    if rejections:
        # « rejetée le » is set to now on insertion (auto_now_add): the document's date replaces it
        for rejection, when in rejections:
            rejection.rejected_at = when
        Rejection.objects.bulk_update([r for r, _ in rejections], ["rejected_at"], batch_size=1000)
    reissues = []
    for inv in invoices:
        if inv["replaces"]:
            invoice = created[inv["number"]]
            invoice.replaces = created[inv["replaces"]]
            reissues.append(invoice)
    if reissues:
        Invoice.objects.bulk_update(reissues, ["replaces"], batch_size=1000)
    credit_notes = bulk_insert(CreditNote, credit_note_objects(invoices, created))
    for note in credit_notes:  # the avoirs share the invoices' yearly sequence
        highest[note.year] = max(highest.get(note.year, 0), note.sequence)
    for year, last in highest.items():
        counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(organisation=org, year=year)
        if counter.last_number < last:
            counter.last_number = last
            counter.save(update_fields=["last_number"])
    return len(invoices), len(payments)


def _invoice_supports(invoices: list, orders: dict, db_orders: dict, periods: dict, soldes: dict):
    """The periods and soldes the invoices land on: those just written, those of orders already in
    formarche, and a period neither has, created validated as its first invoice describes it."""
    if db_orders:
        numbers = {pk: o.number for pk, o in db_orders.items()}
        for period in Period.objects.filter(order_id__in=db_orders):
            periods.setdefault((numbers[period.order_id], period.month), period)
        for solde in Solde.objects.filter(order_id__in=db_orders):
            soldes.setdefault(numbers[solde.order_id], solde)
    new_periods = []
    for inv in invoices:
        if inv["support"] == SUPPORT_SOLDE or (inv["order"], inv["month"]) in periods:
            continue
        period = Period(
            order=inv["db_order"] or orders[inv["order"]],
            month=inv["month"],
            status=PeriodStatus.VALIDATED,
            validated_at=history._noon(inv["issue_date"]),
            is_final=inv["support"] == "CRE final",
        )
        periods[inv["order"], inv["month"]] = period
        new_periods.append(period)
    bulk_insert(Period, new_periods)
    return periods, soldes


def _invoice_objects(invoices: list, org, all_orders: dict, periods: dict, soldes: dict):
    """The invoices (by number), their payments, their rejections (with the date to set), and the
    highest sequence of each year."""
    seller = invoice_party_data(org, seller=True)
    regions = Organisation.objects.in_bulk({all_orders[inv["order"]].region_id for inv in invoices})
    buyers = {pk: invoice_party_data(region, seller=False) for pk, region in regions.items()}
    created: dict[str, Invoice] = {}
    payments = []
    rejections = []
    highest: dict[int, int] = {}
    for inv in invoices:
        order = all_orders[inv["order"]]
        solde = inv["support"] == SUPPORT_SOLDE
        created[inv["number"]] = invoice = Invoice(
            order=order,
            period=None if solde else periods[inv["order"], inv["month"]],
            solde=soldes[inv["order"]] if solde else None,
            organisation=org,
            year=inv["year"],
            sequence=inv["sequence"],
            number=inv["number"],
            support=inv["support"],
            status=inv["status"],
            issue_date=inv["issue_date"],
            received_on=inv["received_on"],
            decided_at=inv["decided_at"],
            seller=seller,
            buyer=buyers[order.region_id],
            **inv["amounts"],
        )
        payments += [
            Payment(
                order=order, invoice=invoice, kind=PaymentKind.INVOICE, date=d, amount=a, reference=r or ""
            )
            for d, a, r in inv["payments"]
        ]
        if inv["rejection"]:
            rejection = Rejection(invoice=invoice, reason=inv["rejection"]["reason"])
            when = inv["rejection"]["rejected_at"] or inv["decided_at"] or history._noon(inv["issue_date"])
            rejections.append((rejection, when))
        highest[inv["year"]] = max(highest.get(inv["year"], 0), inv["sequence"])
    return created, payments, rejections, highest
