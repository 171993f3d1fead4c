"""Synthetic data of the benchmarks, deterministic from a seed (``random.Random(seed)``).

One interchange document per training organisation (the format carries one OF: a Région's data
is the documents of its OFs, imported one after the other through the same importer). Documents
are written as a stream — the attendance section row by row in chunks — never built in memory.

Each trainee attends one fixed weekday a week for ``rows_per_trainee`` weeks from an entry date
in the first quarter of 2023 (7 h, or 3.5 h; one day in twenty absent with 7 h counted
unrealised), so every month of the two-year actions has hours. The hours are tallied per
(action, month) while writing the attendance section.

The billing travels in the documents too, written after the attendance (the importer reads a
whole document, key order does not matter): each action's first ``invoices_per_action`` months
are validated periods whose frozen hours are that tally and whose statements are computed here
by the pure engine (``formarche.billing.engine``) with the action's terms — the importer
recomputes them and refuses any difference —, each with an invoice (top-level ``invoices``) and,
when paid, its payment: most invoices paid, one in ten signed and awaiting the Région, a few
issued (see :func:`_billing`). Only what the format does not carry is added after the import:
the users (:func:`add_users`; the format leaves who validated, issued or paid empty) and the
Région's legal identity (:func:`complete_parties`).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

# the statement's figures the format carries (docs/interchange.md, « Histoire de facturation »)
from formarche.interchange.figures import STATEMENT_FIGURES

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
# 100 weeks from an entry in the first 80 days of 2023 end in February 2025: the action must
# still run then (an hour after the planned end is refused since issue #17)
PLANNED_END = date(2025, 6, 30)
# the billing terms of the dispositif, written in the documents and given to the engine here
ADVANCE_RATE = Decimal("0.30")
VAT_RATE = Decimal(0)


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
    """Write one document per OF; return the paths and the billing they carry
    ``{"periods": n, "invoices": n, "payments": n}``."""
    rng = random.Random(seed)
    # the invoices' statuses are drawn first, for every invoice of the data set in order, then
    # their payment dates, one per paid invoice: two generators on the same seed, the second
    # advanced past the statuses, keep that sequence while the documents are written one by one
    status_rng = random.Random(seed + 1)
    pay_rng = random.Random(seed + 1)
    for _ in range(size.invoices):
        pay_rng.random()
    outdir.mkdir(parents=True, exist_ok=True)
    counts = {"periods": 0, "invoices": 0, "payments": 0}
    paths = []
    for of_index in range(size.ofs):
        path = outdir / f"{of_code(of_index)}.json"
        with path.open("w", encoding="utf-8") as out:
            written = _write_one(out, size, of_index, rng, (status_rng, pay_rng))
        for key, value in written.items():
            counts[key] += value
        paths.append(path)
    return paths, counts


def _write_one(out, size: Size, of_index: int, rng: random.Random, billing_rngs) -> dict:
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
                "dispositif": {
                    "code": "pq",
                    "name": "Parcours qualifiant",
                    "advance_rate": str(ADVANCE_RATE),
                    "vat_rate": str(VAT_RATE),
                },
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
    tally: dict = defaultdict(lambda: [0, 0])  # (order, month) -> [cents realised, cents counted]
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
    invoices, counts = _billing(size, orders, tally, *billing_rngs)
    out.write('],"orders":' + _dump(orders))
    out.write(',"invoices":' + _dump(invoices))
    out.write("}")
    return counts


def _hours(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _money(value: Decimal) -> str:
    return format(value, "f")


def _billing(
    size: Size, orders: list[dict], tally: dict, status_rng: random.Random, pay_rng: random.Random
) -> tuple[list[dict], dict]:
    """The billing history of the OF's actions, in the documents' terms: adds ``periods`` to each
    order of ``orders`` (the first ``invoices_per_action`` months validated, hours frozen from the
    tally, statements from the engine) and returns the invoices (one per period; the last two
    months: half signed, one in ten issued; otherwise 3 % validated, the rest paid, each paid one
    with a payment of its amount when not zero) and the counts."""
    from formarche.billing import engine

    months = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(size.invoices_per_action)]
    counters: dict = defaultdict(int)
    invoices = []
    payments = 0
    for order in orders:
        terms = engine.OrderTerms(
            amount=Decimal(order["amount"]),
            unit_price=Decimal(order["unit_price"]),
            duration_months=order["duration_months"],
            vat_rate=VAT_RATE,
            advance_rate=ADVANCE_RATE,
            cap_rate=None,
        )
        hours = [tally.get((order["number"], month), (0, 0)) for month in months]
        inputs = [
            engine.PeriodInput(
                period=month,
                realised_hours=Decimal(_hours(realised)),
                counted_unrealised_hours=Decimal(_hours(counted)),
            )
            for month, (realised, counted) in zip(months, hours, strict=True)
        ]
        statements = engine.compute_statements(terms, inputs)
        order["periods"] = []
        for month, (realised, counted), st in zip(months, hours, statements, strict=True):
            label = f"{month:%Y-%m}"
            validated = (month + timedelta(days=31)).replace(day=1)
            order["periods"].append(
                {
                    "month": label,
                    "is_final": False,
                    "validated_at": f"{validated.isoformat()}T12:00:00+00:00",
                    "realised_hours": _hours(realised),
                    "counted_unrealised_hours": _hours(counted),
                    "statement": {
                        "kind": str(st.kind),
                        **{name: _money(getattr(st, name)) for name in STATEMENT_FIGURES},
                    },
                }
            )
            issue = month + timedelta(days=40)
            counters[issue.year] += 1
            seq = counters[issue.year]
            draw = status_rng.random()
            last_months = month >= months[-2]
            if last_months and draw < 0.5:
                status = "signee"
            elif last_months and draw < 0.6:
                status = "emise"
            elif draw < 0.03:
                status = "validee"
            else:
                status = "payee"
            paid = []
            if status == "payee" and st.total_ttc > 0:
                day = issue + timedelta(days=pay_rng.randint(15, 45))
                paid.append({"date": day.isoformat(), "amount": _money(st.total_ttc)})
            payments += len(paid)
            invoices.append(
                {
                    "number": f"{issue.year}-{seq:05d}",
                    "order": order["number"],
                    "period": label,
                    "support": str(st.kind),
                    "issue_date": issue.isoformat(),
                    "status": status,
                    "received_on": None if status == "emise" else (issue + timedelta(days=3)).isoformat(),
                    "billed_ht": _money(st.billable),
                    "billed_ttc": _money(sum((line.ttc for line in st.providers), Decimal(0))),
                    "payable_ht": _money(st.total_ht),
                    "vat": _money(st.vat),
                    "payable_ttc": _money(st.total_ttc),
                    "payments": paid,
                }
            )
    counts = {"periods": len(orders) * len(months), "invoices": len(invoices), "payments": payments}
    return invoices, counts


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
