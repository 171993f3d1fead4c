"""Cerfa n° 10443*12 / *13: the 4-page form of the seed (Centre Inffo's 2012 guide).

Fiscal years closed up to 2015. Keys are prefixed by the page (`p1.` … `p4.`)
because the form reuses the cadre letters on every page.

- p.1: C characteristics (start year, % of turnover, other activities); D people
  giving training hours: 1 a independent/non-salaried managers, b CDI, c CDD
  (with staff lent at no profit), d occasional trainers, e volunteers; 2
  sub-contractors; total; "dont" people with fewer than 30 days a year.
- p.2: products A1 companies (a their employees, dont professionalisation
  contracts; b job-seekers), A2 collecting bodies (a plan, b professionnalisation
  and DIF, c CIF, d non-salaried), A3 public authorities (a own agents,
  b Europe, c State, d Régions, e Pôle emploi, f other), A4 individuals (with
  trainees' co-payments), A5 other training organisations, A6 other products a–f.
- p.3: charges by accounts 60 to 69 with the sub-accounts the form isolates.
- p.4: A trainee types, B own / for another organisation / entrusted activity,
  C objective (RNCP levels I–II, III, IV, V; other; orientation dont bilans),
  D specialities (10 lines + others).

Differences with the current form that change numbers:
- cadres A, C, D of page 4 count the trainees trained *for another organisation*
  (B 2) and exclude those *entrusted to another organisation* (B 3), the
  opposite of today's F/G split (seed: "tous les stagiaires doivent être
  comptabilisés dans le cadre B … à l'inverse des cadres A, C et D");
- apprentices are counted with employees (line 1); products of apprenticeship
  contracts (C-a) have no line on this form.

Mapping of today's payer lines: 1 → A1 a (A1 b for a job-seeker; the "dont"
for a professionalisation contract); h → A2 a; b, c, e, f → A2 b (professionnalisation
funds, DIF's successor); d → A2 c; g → A2 d; 3…8 → A3 a…f; 9 → A4; 10 → A5;
other products → A6 by kind; dédits and penalties → A6 e (exceptional products,
as the seed allows).
"""

from __future__ import annotations

from decimal import Decimal

from formarche.bpf.aggregate.facts import DETAIL_JOB_SEEKER, DETAIL_PRO, LINE_PENALTY, Facts, Unit
from formarche.bpf.cells import CellBook, ranked_specialities
from formarche.bpf.cerfa._current import percent_of_turnover
from formarche.bpf.cerfa.cells_10443_12 import (
    A6_MAP,
    A_LINES,
    ACCOUNTS,
    C_DONT,
    C_LINES,
    D_MAX,
    LINE_MAP,
    MAIN_ACCOUNTS,
    SPECS,
    SUB_ACCOUNTS,
    TRAINER_LINES,
)
from formarche.bpf.cerfa.spec import AtMostRule, Edition, EqualRule, HoursGroup, SumRule
from formarche.bpf.inputs import ZERO, BpfInputs, Objective, TrainerStatus
from formarche.bpf.report import BpfReport, Cell, CheckLevel, CheckResult, SourceRef, cell_number, cell_refs
from formarche.utils.money import round_places, round_units


def _own_hours(unit: Unit) -> Decimal:
    """Hours trained by us (for ourselves or for another organisation)."""
    return unit.hours - unit.f2_hours


def _build(facts: Facts, inputs: BpfInputs):
    book = CellBook()
    checks: list[CheckResult] = []
    _page1(book, facts, inputs)
    _page2(book, facts, checks)
    _page3(book, facts, checks)
    _page4(book, facts)
    _hours_two_places_p4(book)
    return book.cells, [], checks


def _page1(book: CellBook, facts: Facts, inputs: BpfInputs) -> None:
    """Cadres B, C (characteristics) and D (people giving training hours); C's % comes with page 2."""
    fy = facts.fiscal_year
    org = inputs.organisation
    book.set("p1.B.from", fy.start)
    book.set("p1.B.to", fy.end)
    book.set(
        "p1.C.start_year", org.activity_start_year, [SourceRef("organisation", org.siret or "organisation")]
    )
    book.set("p1.C.other_activities", org.other_activities)

    # p.1 D: people giving training hours (each line's hours rounded to the whole hour)
    for key, (_, statuses) in TRAINER_LINES.items():
        _people(book, f"p1.D.1.{key}", facts, statuses)
    book.sum_of("p1.D.1.total.n", (f"p1.D.1.{k}.n" for k in TRAINER_LINES))
    book.sum_of("p1.D.1.total.h", (f"p1.D.1.{k}.h" for k in TRAINER_LINES))
    _people(book, "p1.D.2", facts, (TrainerStatus.EXTERNAL,))
    book.sum_of("p1.D.total.n", ("p1.D.1.total.n", "p1.D.2.n"))
    book.sum_of("p1.D.total.h", ("p1.D.1.total.h", "p1.D.2.h"))
    _under_30_days(book, facts)


def _page2(book: CellBook, facts: Facts, checks: list[CheckResult]) -> None:
    """Products by payer (the engine's lines mapped by LINE_MAP and A6_MAP), and page 1's % of turnover."""
    buckets: dict[str, list] = {}
    for (line, detail), bucket in facts.products.items():
        if line == "a":
            checks.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    "C_A_SANS_EQUIVALENT",
                    "Des produits sont rattachés aux contrats d'apprentissage (C-a), ligne qui n'existe pas "
                    "sur le formulaire 10443*12 : rattachez-les à leur financeur réel.",
                    ("p2.total",),
                    tuple(bucket.sources),
                )
            )
            continue
        if line == LINE_PENALTY:
            key = "A6.e"
        elif line == "11":
            key = A6_MAP.get(detail, "A6.f")
        elif line == "1" and detail == DETAIL_JOB_SEEKER:
            key = "A1.b"
        else:
            key = LINE_MAP[line]
        buckets.setdefault(key, []).append(bucket)
        if line == "1" and detail == DETAIL_PRO:
            buckets.setdefault("A1.a_pro", []).append(bucket)
    for spec in SPECS:
        if spec.key.startswith("p2.") and not spec.key.endswith("total"):
            book.amount(spec.key, buckets.get(spec.key[3:], []))
    book.sum_of("p2.A2.total", (f"p2.A2.{k}" for k in "abcd"))
    book.sum_of("p2.A3.total", (f"p2.A3.{k}" for k in "abcdef"))
    book.sum_of("p2.A6.total", (f"p2.A6.{k}" for k in "abcdef"))
    book.sum_of(
        "p2.total", ("p2.A1.a", "p2.A1.b", "p2.A2.total", "p2.A3.total", "p2.A4", "p2.A5", "p2.A6.total")
    )
    pct, refs = percent_of_turnover(book.value("p2.total"), facts, facts.has_activity)
    book.set("p1.C.pct", pct, refs + book.refs("p2.total"))


def _page3(book: CellBook, facts: Facts, checks: list[CheckResult]) -> None:
    """Charges by account, 60 to 69, with the sub-accounts the form isolates."""
    acc_refs = [facts.accounts_ref] if facts.accounts_ref else []
    for account, _ in ACCOUNTS:
        value = facts.charges_by_account.get(account, ZERO)
        book.set(f"p3.{account}", round_units(value), acc_refs if value else [])
    book.sum_of("p3.total", (f"p3.{k}" for k in MAIN_ACCOUNTS))
    if facts.has_activity and not facts.charges_by_account:
        checks.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "P3_MANQUANT",
                "La page 3 (charges par comptes 60 à 69) n'est pas renseignée alors que l'organisme a eu une "
                "activité.",
                ("p3.total",),
            )
        )


def _page4(book: CellBook, facts: Facts) -> None:
    """A, C, D count what we trained ourselves (own account and for another organisation)."""
    units = [u for u in facts.units if _own_hours(u) > 0]
    for key, statuses in A_LINES.items():
        book.units(f"p4.A.{key}", [u for u in units if u.category in statuses], _own_hours)
    book.units(
        "p4.A.1pro", [u for u in units if u.category in A_LINES["1"] and u.professionalisation], _own_hours
    )
    book.units("p4.A.total", units, _own_hours)
    book.units("p4.B.1", [u for u in units if not u.is_g], _own_hours)
    book.units("p4.B.2", [u for u in units if u.is_g], _own_hours)
    book.units("p4.B.total", units, _own_hours)
    book.units("p4.B.3", facts.f_units, lambda u: u.f2_hours)
    for key, objectives in C_LINES.items():
        book.units(f"p4.C.{key}", [u for u in units if u.action.objective in objectives], _own_hours)
    rncp = [u for u in units if u.action.objective in C_LINES["1"]]
    for key, levels in C_DONT.items():
        book.units(f"p4.C.{key}", [u for u in rncp if u.action.rncp_level in levels], _own_hours)
    book.units("p4.C.3_bilan", [u for u in units if u.action.objective is Objective.BILAN], _own_hours)
    book.units("p4.C.total", units, _own_hours)
    top, rest = ranked_specialities(units, _own_hours, D_MAX)
    for i in range(1, D_MAX + 1):
        if i <= len(top):
            code, us = top[i - 1]
            book.set(f"p4.D.{i}.code", code, [SourceRef("action", a) for a in {u.action.id: 0 for u in us}])
            book.units(f"p4.D.{i}", us, _own_hours)
        else:
            book.set(f"p4.D.{i}.code", None)
            book.set(f"p4.D.{i}.n", 0)
            book.set(f"p4.D.{i}.h", ZERO)
    book.units("p4.D.other", rest, _own_hours)
    book.units("p4.D.total", units, _own_hours)


def _hours_two_places_p4(book: CellBook) -> None:
    for key, cell in book.cells.items():
        if key.startswith("p4.") and isinstance(cell.value, Decimal):
            book.cells[key] = Cell(round_places(cell.value, 2), cell.sources)


def _people(book: CellBook, prefix: str, facts: Facts, statuses) -> None:
    people: dict = {}
    for status in statuses:
        for trainer_id, line in facts.trainers.get(status, {}).items():
            if line.hours > 0:
                people[trainer_id] = people.get(trainer_id, ZERO) + line.hours
    refs = [SourceRef("trainer", t) for t in sorted(people, key=str)]
    book.set(f"{prefix}.n", len(people), refs)
    book.set(f"{prefix}.h", round_units(sum(people.values(), ZERO)), refs)


def _under_30_days(book: CellBook, facts: Facts) -> None:
    """People who gave training on fewer than 30 days in the year (days known from daily hours;
    with monthly hours, the occasional-trainer status stands for it)."""
    days: dict = {}
    hours: dict = {}
    monthly: set = set()
    occasional: set = set()
    for status, lines in facts.trainers.items():
        for trainer_id, line in lines.items():
            if line.hours <= 0:
                continue
            days.setdefault(trainer_id, set()).update(line.days)
            hours[trainer_id] = hours.get(trainer_id, ZERO) + line.hours
            if line.has_monthly:
                monthly.add(trainer_id)
            if status is TrainerStatus.OCCASIONAL:
                occasional.add(trainer_id)
    chosen = [t for t in hours if (t in occasional if t in monthly else len(days[t]) < 30)]
    refs = [SourceRef("trainer", t) for t in sorted(chosen, key=str)]
    book.set("p1.D.lt30.n", len(chosen), refs)
    book.set("p1.D.lt30.h", round_units(sum((hours[t] for t in chosen), ZERO)), refs)


def _domain_checks(report: BpfReport) -> list[CheckResult]:
    out: list[CheckResult] = []
    n = lambda k: cell_number(report, k)  # noqa: E731
    activity = n("p4.B.total.n") > 0 or n("p4.B.3.n") > 0 or n("p2.total") > 0
    if (n("p4.B.2.n") > 0) != (n("p2.A5") > 0):
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "B2_A5",
                "Les stagiaires formés pour le compte d'un autre organisme (page 4, B 2) et les produits "
                "provenant d'autres prestataires de formation (page 2, A5) vont ensemble.",
                ("p4.B.2.n", "p2.A5"),
                cell_refs(report, ("p4.B.2.n", "p2.A5")),
            )
        )
    pct = report.cells["p1.C.pct"].value
    if activity and not (isinstance(pct, int) and 1 <= pct <= 100):
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "C_PCT_HORS_BORNES",
                "La part du chiffre d'affaires réalisée en formation doit être un entier de 1 à 100 : "
                "vérifiez le chiffre d'affaires global.",
                ("p1.C.pct", "p2.total"),
                cell_refs(report, ("p1.C.pct", "p2.total")),
            )
        )
    if not activity and n("p3.total"):
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "NEANT_AVEC_CHARGES",
                "Sans activité de formation, les pages 2 et 3 portent la mention « néant ».",
                ("p3.total",),
                cell_refs(report, ("p3.total",)),
            )
        )
    if (n("p4.B.3.n") > 0 or n("p1.D.2.n") > 0) and n("p3.604") + n("p3.6226") == 0:
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "SOUS_TRAITANCE_SANS_ACHATS",
                "Des stagiaires confiés à un autre organisme ou des formateurs sous-traitants figurent au "
                "bilan, mais les comptes 604 et 6226 sont nuls.",
                ("p4.B.3.n", "p1.D.2.n", "p3.604", "p3.6226"),
                cell_refs(report, ("p4.B.3.n", "p1.D.2.n")),
            )
        )
    if n("p4.A.3.n") > 0 and n("p2.A4") == 0:
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "PARTICULIERS_SANS_A4",
                "Des particuliers sont comptés (page 4, A 3) mais la ligne A4 des produits est nulle.",
                ("p4.A.3.n", "p2.A4"),
                cell_refs(report, ("p4.A.3.n",)),
            )
        )
    return out


def _rules():
    sums = [
        SumRule("A2_SOMME", "p2.A2.total", tuple(f"p2.A2.{k}" for k in "abcd")),
        SumRule("A3_SOMME", "p2.A3.total", tuple(f"p2.A3.{k}" for k in "abcdef")),
        SumRule("A6_SOMME", "p2.A6.total", tuple(f"p2.A6.{k}" for k in "abcdef")),
        SumRule(
            "PRODUITS_TOTAL_SOMME",
            "p2.total",
            ("p2.A1.a", "p2.A1.b", "p2.A2.total", "p2.A3.total", "p2.A4", "p2.A5", "p2.A6.total"),
        ),
        SumRule("CHARGES_TOTAL_SOMME", "p3.total", tuple(f"p3.{k}" for k in MAIN_ACCOUNTS)),
    ]
    at_most = [AtMostRule("A1_DONT_PRO", ("p2.A1.a_pro",), "p2.A1.a")]
    at_most += [AtMostRule("P3_SOUS_COMPTE", (f"p3.{sub}",), f"p3.{parent}") for sub, parent in SUB_ACCOUNTS]
    equal = []
    for d in ("n", "h"):
        sums += [
            SumRule("P1_D1_SOMME", f"p1.D.1.total.{d}", tuple(f"p1.D.1.{k}.{d}" for k in TRAINER_LINES)),
            SumRule("P1_D_SOMME", f"p1.D.total.{d}", (f"p1.D.1.total.{d}", f"p1.D.2.{d}")),
            SumRule("P4_A_SOMME", f"p4.A.total.{d}", tuple(f"p4.A.{k}.{d}" for k in A_LINES)),
            SumRule("P4_B_SOMME", f"p4.B.total.{d}", (f"p4.B.1.{d}", f"p4.B.2.{d}")),
            SumRule("P4_C_SOMME", f"p4.C.total.{d}", tuple(f"p4.C.{k}.{d}" for k in C_LINES)),
            SumRule(
                "P4_D_SOMME",
                f"p4.D.total.{d}",
                tuple(f"p4.D.{i}.{d}" for i in range(1, D_MAX + 1)) + (f"p4.D.other.{d}",),
            ),
        ]
        at_most += [
            AtMostRule("P1_MOINS_30_JOURS", (f"p1.D.lt30.{d}",), f"p1.D.total.{d}"),
            AtMostRule("P4_A_DONT_PRO", (f"p4.A.1pro.{d}",), f"p4.A.1.{d}"),
            AtMostRule("P4_C_NIVEAUX", tuple(f"p4.C.{k}.{d}" for k in C_DONT), f"p4.C.1.{d}"),
            AtMostRule("P4_C_BILANS", (f"p4.C.3_bilan.{d}",), f"p4.C.3.{d}"),
        ]
        equal.append(EqualRule("P4_TOTAUX_DIFFERENTS", tuple(f"p4.{c}.total.{d}" for c in "ABCD")))
    hours = (
        HoursGroup(
            "p4.A.total.h", tuple(f"p4.A.{k}.h" for k in A_LINES), subsets=((("p4.A.1pro.h",), "p4.A.1.h"),)
        ),
        HoursGroup("p4.B.total.h", ("p4.B.1.h", "p4.B.2.h")),
        HoursGroup(
            "p4.C.total.h",
            tuple(f"p4.C.{k}.h" for k in C_LINES),
            subsets=((tuple(f"p4.C.{k}.h" for k in C_DONT), "p4.C.1.h"), (("p4.C.3_bilan.h",), "p4.C.3.h")),
        ),
        HoursGroup("p4.D.total.h", tuple(f"p4.D.{i}.h" for i in range(1, D_MAX + 1)) + ("p4.D.other.h",)),
    )
    return tuple(sums), tuple(at_most), tuple(equal), hours


_sums, _at_most, _equal, _hours = _rules()

EDITION = Edition(
    code="10443*12",
    title="Bilan pédagogique et financier — Cerfa n° 10443*12 / 10443*13 (formulaire de 4 pages)",
    first_year=None,
    last_year=2015,
    cells=SPECS,
    build=_build,
    sum_rules=_sums,
    at_most_rules=_at_most,
    equal_rules=_equal,
    hours_groups=_hours,
    aliases={
        "F1.total.h": "p4.A.total.h",
        "F1.total.n": "p4.A.total.n",
        "F1.b.n": "p4.A.1.n",
        "F2.n": "p4.B.3.n",
        "F3.a.n": "p4.C.1.n",
        "F4.other.n": "p4.D.other.n",
        "F4.total.n": "p4.D.total.n",
        "C.total": "p2.total",
        "C.9": "p2.A4",
        "C.10": "p2.A5",
        "G.n": "p4.B.2.n",
        "E.1.h": "p1.D.1.total.h",
        "E.2.h": "p1.D.2.h",
        "D.total": "p3.total",
    },
    domain_checks=_domain_checks,
)
