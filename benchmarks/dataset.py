"""Synthetic data of the benchmarks, deterministic from a seed (``random.Random(seed)``).

One interchange document per training organisation (the format carries one OF: a Région's data
is the documents of its OFs, imported one after the other through the same importer). Documents
are written as a stream — the attendance section row by row in chunks — never built in memory.

Each trainee attends one fixed weekday a week for ``rows_per_trainee`` weeks from an entry date
in the first quarter of 2023 (7 h, or 3.5 h; one day in twenty absent with 7 h counted
unrealised), so every month of the two-year actions has hours. The hours are tallied per
(action, month) while writing: the validated periods and their frozen statements are built from
that tally after the import.

Invoices are not in the interchange format yet (``invoices`` is reserved and must be empty), so
the validated periods, statements, invoices and payments are inserted with ``bulk_create`` after
the import (see :func:`add_billing`), their statements computed by the real engine.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REGION_CODE = "BENCH-R"


@dataclass(frozen=True)
class Size:
    ofs: int
    actions_per_of: int
    trainees_per_of: int
    rows_per_trainee: int
    invoices_per_action: int

    @property
    def actions(self) -> int:
        return self.ofs * self.actions_per_of

    @property
    def trainees(self) -> int:
        return self.ofs * self.trainees_per_of

    @property
    def rows(self) -> int:
        return self.trainees * self.rows_per_trainee

    @property
    def invoices(self) -> int:
        return self.actions * self.invoices_per_action

    @property
    def statement_month(self) -> date:
        """The month measured for the Région's statements: the first one not yet validated."""
        m = self.invoices_per_action
        return date(2023 + m // 12, m % 12 + 1, 1)

    def describe(self) -> dict:
        return {
            "ofs": self.ofs,
            "actions": self.actions,
            "trainees": self.trainees,
            "attendance_rows": self.rows,
            "invoices": self.invoices,
        }


SIZES = {
    # issue #8: an OF (5 000 trainees, 300 actions, 500 000 rows, 3 000 invoices)
    "of": Size(ofs=1, actions_per_of=300, trainees_per_of=5000, rows_per_trainee=100, invoices_per_action=10),
    # a Région (2 000 actions, 30 000 trainees, 3 000 000 rows, 40 000 invoices): 20 OFs of 100 actions
    "region": Size(
        ofs=20, actions_per_of=100, trainees_per_of=1500, rows_per_trainee=100, invoices_per_action=20
    ),
    # 1/20th of the Région, for a quick run
    "small": Size(
        ofs=2, actions_per_of=50, trainees_per_of=750, rows_per_trainee=100, invoices_per_action=20
    ),
}

NSF = ["314", "315", "326", "331", "332", "334", "221", "311", "312", "324"]
PAYERS = ["c6"] * 6 + ["c2h", "c9", "c1", "c7"]
STATUSES = ["demandeur_emploi"] * 6 + ["salarie", "apprenti", "particulier", "autre"]
FIRST = ["Léa", "Hugo", "Inès", "Lucas", "Chloé", "Nathan", "Manon", "Yanis", "Emma", "Karim"]
PLANNED_START = date(2023, 1, 2)
PLANNED_END = date(2024, 12, 31)


def of_code(index: int) -> str:
    return f"BENCH{index:03d}"


def bench_siret(index: int) -> str:
    """A valid SIRET (Luhn on the SIREN and on the whole number) for OF ``index`` (-1: the Région),
    so that invoices of the data set pass the Factur-X checks."""
    from stdnum import luhn

    siren = f"7{index + 1:07d}"
    siren += luhn.calc_check_digit(siren)
    siret = f"{siren}0001"
    return siret + luhn.calc_check_digit(siret)


def order_number(of_index: int, action: int) -> str:
    return f"B{of_index:03d}A{action:04d}_1"


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_documents(size: Size, seed: int, outdir: Path) -> tuple[list[Path], dict]:
    """Write one document per OF; return the paths and the tally ``{(order, month): [cents realised,
    cents counted]}``."""
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    tally: dict = defaultdict(lambda: [0, 0])
    paths = []
    for of_index in range(size.ofs):
        path = outdir / f"{of_code(of_index)}.json"
        with path.open("w", encoding="utf-8") as out:
            _write_one(out, size, of_index, rng, tally)
        paths.append(path)
    return paths, dict(tally)


def _write_one(out, size: Size, of_index: int, rng: random.Random, tally) -> None:
    code = of_code(of_index)
    head = {
        "format": "formarche-interchange",
        "version": 1,
        "period": {"from": "2023-01-01", "to": "2024-12-31"},
        "organisation": {
            "code": code,
            "name": f"Organisme de banc d'essai {of_index}",
            "nda": f"76{of_index:09d}",
            "siret": bench_siret(of_index),
            "naf_code": "8559A",
            "address": f"{of_index + 1} rue du Banc d'essai",
            "postcode": "31000",
            "city": "Toulouse",
            "address_public": True,
        },
        "regions": [{"code": REGION_CODE, "name": "Région de banc d'essai"}],
        "fiscal_years": [
            {
                "start": "2023-01-01",
                "end": "2023-12-31",
                "allocation_rate": "0.8",
                "accounts": [
                    {"account": "6411", "debit": "800000.00"},
                    {"account": "604", "debit": "50000.00"},
                    {"account": "606", "debit": "120000.00"},
                    {"account": "706", "credit": "9000000.00"},
                ],
            }
        ],
        "trainers": [
            {
                "ref": f"F{i}",
                "last_name": f"Formateur{i}",
                "statuses": [{"start": "2020-01-01", "status": "external" if i % 5 == 0 else "cdi"}],
                "hours": [
                    {"day": f"2023-{m:02d}-01", "kind": "mois", "hours": "120.00"} for m in range(1, 13)
                ],
            }
            for i in range(20)
        ],
        "other_products": [
            {
                "on": "2023-06-30",
                "label": "Outils",
                "kind": "other",
                "other_kind": "teaching_tools",
                "amount": "1200.00",
            }
        ],
        "invoices": [],
    }
    orders = []
    for a in range(size.actions_per_of):
        orders.append(
            {
                "number": order_number(of_index, a),
                "title": f"Action de banc d'essai {of_index}-{a}",
                "region": REGION_CODE,
                "market": {"reference": "M-BENCH", "title": "Marché de banc d'essai", "year": 2023},
                "lot": {
                    "number": a % 20 + 1,
                    "sector": "Secteur",
                    "trade_family": "Famille",
                    "territory": "Territoire",
                },
                "dispositif": {"code": "pq", "name": "Parcours qualifiant"},
                "unit_price": f"{rng.randint(1000, 1500) / 100:.2f}",
                "amount": "400000.00",
                "planned_headcount": 20,
                "planned_start": PLANNED_START.isoformat(),
                "planned_end": PLANNED_END.isoformat(),
                "duration_months": 24,
                "certification_type": rng.choice(["rncp", "rs", "aucune"]),
                "certification_level": "4",
                "nsf_code": NSF[a % len(NSF)],
                "training_kind": "formation",
                "distance_part": a % 7 == 0,
                "subcontracting": None,
            }
        )
    text = _dump(head)[:-1]  # without the closing brace
    out.write(text)
    out.write(',"orders":' + _dump(orders))
    n = size.trainees_per_of
    out.write(',"trainees":[')
    out.write(
        ",".join(
            _dump(
                {
                    "ref": f"T{t}",
                    "civility": "mme" if t % 2 else "m",
                    "last_name": f"Nom{of_index}x{t}",
                    "first_name": FIRST[t % len(FIRST)],
                    "birth_date": f"{1970 + t % 35}-{t % 12 + 1:02d}-{t % 28 + 1:02d}",
                    "entry_status": STATUSES[t % len(STATUSES)],
                }
            )
            for t in range(n)
        )
    )
    out.write('],"enrolments":[')
    entries = [PLANNED_START + timedelta(days=rng.randint(0, 80)) for _ in range(n)]
    out.write(
        ",".join(
            _dump(
                {
                    "ref": f"E{t}",
                    "trainee": f"T{t}",
                    "order": orders[t % len(orders)]["number"],
                    "entry_date": entries[t].isoformat(),
                    "planned_hours": "800.00",
                    "payer": PAYERS[t % len(PAYERS)],
                }
            )
            for t in range(n)
        )
    )
    out.write('],"attendance":[')
    first = True
    week = timedelta(days=7)
    for t in range(n):
        number = orders[t % len(orders)]["number"]
        day = entries[t]
        weekday = rng.randint(0, 4)
        day += timedelta(days=(weekday - day.weekday()) % 7)
        chunk = []
        for _ in range(size.rows_per_trainee):
            month = day.replace(day=1)
            cell = tally[(number, month)]
            if rng.random() < 0.05:
                chunk.append(
                    f'{{"enrolment":"E{t}","day":"{day.isoformat()}","realised":"0.00","counted_unrealised":"7.00"}}'
                )
                cell[1] += 700
            else:
                hours = 700 if rng.random() < 0.8 else 350
                chunk.append(
                    f'{{"enrolment":"E{t}","day":"{day.isoformat()}","realised":"{hours // 100}.{hours % 100:02d}"}}'
                )
                cell[0] += hours
            day += week
        out.write(("" if first else ",") + ",".join(chunk))
        first = False
    out.write("]}")


def add_users(size: Size) -> dict:
    """One Région officer and one manager for each OF (a fast hasher is not needed: no login form)."""
    from formarche.accounts.models import Membership, Role, User
    from formarche.organisations.models import Organisation

    region = Organisation.objects.get(provider_code=REGION_CODE)
    users = {}
    region_user = User.objects.create(
        email="region@banc.formarche.fr", first_name="Référente", last_name="Région"
    )
    Membership.objects.create(user=region_user, organisation=region, role=Role.REGION_OFFICER)
    users["region"] = region_user.pk
    for i in range(size.ofs):
        of = Organisation.objects.get(provider_code=of_code(i))
        user = User.objects.create(
            email=f"of{i}@banc.formarche.fr", first_name="Responsable", last_name=f"OF {i}"
        )
        Membership.objects.create(user=user, organisation=of, role=Role.OF_MANAGER)
        users[of_code(i)] = user.pk
    return users


def complete_parties() -> int:
    """The legal identity an invoice needs (SIRET, address; the NDA's region for an OF) on the
    organisations of the data set that lack it: the Région is not described by the interchange
    format, and databases loaded before these fields were generated have none. Idempotent;
    returns the number of organisations updated."""
    from formarche.organisations.models import Organisation

    updated = 0
    for org in Organisation.objects.filter(provider_code__startswith="BENCH").order_by("pk"):
        index = -1 if org.provider_code == REGION_CODE else int(org.provider_code[5:])
        changes = {
            "siret": org.siret or bench_siret(index),
            "address": org.address or f"{index + 2} rue du Banc d'essai",
            "postcode": org.postcode or "31000",
            "city": org.city or "Toulouse",
        }
        if index >= 0:
            changes["nda_region"] = org.nda_region or "Occitanie"
        if any(getattr(org, k) != v for k, v in changes.items()):
            Organisation.objects.filter(pk=org.pk).update(**changes)
            updated += 1
    return updated


def add_billing(size: Size, tally: dict, seed: int) -> int:
    """Validated periods (hours frozen from the tally), their statements (the real engine), an
    invoice for each and payments: most invoices paid, one in ten signed and awaiting the Région,
    a few issued. Returns the number of invoices."""
    from decimal import Decimal

    from django.utils import timezone

    from formarche.accounts.models import User
    from formarche.billing import engine
    from formarche.billing.models import (
        Invoice,
        InvoiceStatus,
        Payment,
        PaymentKind,
        Period,
        PeriodStatus,
        Statement,
    )
    from formarche.orders.models import Order
    from formarche.orders.terms import order_terms

    rng = random.Random(seed + 1)
    user = User.objects.get(email="region@banc.formarche.fr")
    now = timezone.now()
    orders = list(Order.objects.select_related("dispositif", "provider", "region").order_by("number"))
    months = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(size.invoices_per_action)]
    periods, statements = [], []
    for order in orders:
        inputs = []
        for month in months:
            realised, counted = tally.get((order.number, month), (0, 0))
            inputs.append(
                engine.PeriodInput(
                    period=month,
                    realised_hours=Decimal(realised) / 100,
                    counted_unrealised_hours=Decimal(counted) / 100,
                )
            )
        computed = engine.compute_statements(order_terms(order), inputs)
        for month, inp, st in zip(months, inputs, computed, strict=True):
            periods.append(
                Period(
                    order=order,
                    month=month,
                    status=PeriodStatus.VALIDATED,
                    validated_at=now,
                    validated_by=user,
                    realised_hours=inp.realised_hours,
                    counted_unrealised_hours=inp.counted_unrealised_hours,
                )
            )
            statements.append(st)
    Period.objects.bulk_create(periods, batch_size=2000)
    Statement.objects.bulk_create(
        [Statement.from_engine(p, st) for p, st in zip(periods, statements, strict=True)], batch_size=2000
    )
    counters: dict = defaultdict(int)
    invoices = []
    for period, st in zip(periods, statements, strict=True):
        order = period.order
        issue = period.month.replace(day=1) + timedelta(days=40)
        counters[(order.provider_id, issue.year)] += 1
        seq = counters[(order.provider_id, issue.year)]
        draw = rng.random()
        last_months = period.month >= months[-2]
        if last_months and draw < 0.5:
            status = InvoiceStatus.SIGNED
        elif last_months and draw < 0.6:
            status = InvoiceStatus.ISSUED
        elif draw < 0.03:
            status = InvoiceStatus.VALIDATED
        else:
            status = InvoiceStatus.PAID
        ht, vat = st.total_ht, st.vat
        invoices.append(
            Invoice(
                order=order,
                period=period,
                organisation_id=order.provider_id,
                year=issue.year,
                sequence=seq,
                number=f"{issue.year}-{seq:05d}",
                support=str(st.kind),
                status=status,
                issue_date=issue,
                billed_ht=st.billable,
                billed_ttc=st.billable + st.vat,
                payable_ht=ht,
                vat=vat,
                payable_ttc=ht + vat,
                seller={"name": order.provider.name, "provider_code": order.provider.provider_code},
                buyer={"name": order.region.name},
                received_on=None if status == InvoiceStatus.ISSUED else issue + timedelta(days=3),
                signed_filename="" if status == InvoiceStatus.ISSUED else f"{seq}.pdf",
            )
        )
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    payments = [
        Payment(
            order_id=inv.order_id,
            invoice=inv,
            kind=PaymentKind.INVOICE,
            date=inv.issue_date + timedelta(days=rng.randint(15, 45)),
            amount=inv.payable_ttc,
            recorded_by=user,
        )
        for inv in invoices
        if inv.status == InvoiceStatus.PAID and inv.payable_ttc > 0
    ]
    Payment.objects.bulk_create(payments, batch_size=2000)
    return len(invoices)
