"""What 10443*16 and 10443*17 share: cadres B to G after the 2018 reform.

Labels are the form's own words (reference/cerfa_10443-16.txt); *17 changes
C-d, C-7, removes the F-1 "à distance" line and adds the distance question in B.
"""

from __future__ import annotations

from decimal import Decimal

from formarche.bpf.aggregate.facts import LINE_PENALTY, Facts, Unit
from formarche.bpf.cells import CellBook, accounts_amount, ranked_specialities, trainer_line
from formarche.bpf.cerfa._current_cells import F4_MAX
from formarche.bpf.cerfa.spec import AtMostRule, EqualRule, HoursGroup, SumRule
from formarche.bpf.inputs import ZERO, BpfInputs, Objective, OtherProductKind, TraineeStatus, TrainerStatus
from formarche.bpf.report import Cell, CheckLevel, CheckResult, Exclusion, SourceRef
from formarche.utils.money import round_places, round_units

C_LINES_1 = ("1",)
C_LINES_OPCO = tuple("abcdefgh")
C_LINES_AFTER = ("3", "4", "5", "6", "7", "8", "9", "10", "11")
C_SUMMED = C_LINES_1 + ("2",) + C_LINES_AFTER  # lines of the total

F1_LINES = {
    "a": TraineeStatus.EMPLOYEE,
    "b": TraineeStatus.APPRENTICE,
    "c": TraineeStatus.JOB_SEEKER,
    "d": TraineeStatus.INDIVIDUAL,
    "e": TraineeStatus.OTHER,
}
F3_LINES = {
    "a": (Objective.RNCP, Objective.RNCP_CQP),
    "b": (Objective.RS,),
    "c": (Objective.CQP,),
    "d": (Objective.OTHER,),
    "e": (Objective.BILAN,),
    "f": (Objective.VAE,),
}
F3_DONT = ("a6_8", "a5", "a4", "a3", "a2", "acqp")

#: other products kept on line 11 (penalties and exceptional products are not training products)
C11_KINDS = {
    None,
    OtherProductKind.ABROAD.value,
    OtherProductKind.TEACHING_TOOLS.value,
    OtherProductKind.ROYALTIES.value,
    OtherProductKind.FINANCIAL.value,
    OtherProductKind.BOARD_LODGING_TRANSPORT.value,
}


def _level_line(unit: Unit) -> str | None:
    action = unit.action
    level = action.rncp_level
    if level is None:
        return "acqp" if action.objective is Objective.RNCP_CQP else None
    if 6 <= level <= 8:
        return "a6_8"
    if 2 <= level <= 5:
        return f"a{level}"
    return None


def rules(*, edition17: bool):
    sum_rules = [
        SumRule("C2_SOMME", "C.2", tuple(f"C.{k}" for k in C_LINES_OPCO)),
        SumRule("C_TOTAL_SOMME", "C.total", tuple(f"C.{k}" for k in C_SUMMED)),
    ]
    for dim in ("n", "h"):
        sum_rules += [
            SumRule("F1_TOTAL_SOMME", f"F1.total.{dim}", tuple(f"F1.{k}.{dim}" for k in F1_LINES)),
            SumRule("F3_TOTAL_SOMME", f"F3.total.{dim}", tuple(f"F3.{k}.{dim}" for k in F3_LINES)),
            SumRule(
                "F4_TOTAL_SOMME",
                f"F4.total.{dim}",
                tuple(f"F4.{i}.{dim}" for i in range(1, F4_MAX + 1)) + (f"F4.other.{dim}",),
            ),
        ]
    at_most = [AtMostRule("D_DONT_SUPERIEURS_AU_TOTAL", ("D.salaries", "D.purchases"), "D.total")]
    for dim in ("n", "h"):
        at_most.append(AtMostRule("F2_SUPERIEUR_A_F1", (f"F2.{dim}",), f"F1.total.{dim}"))
        for dont in F3_DONT:
            at_most.append(AtMostRule("F3_NIVEAU_SUPERIEUR_A_A", (f"F3.{dont}.{dim}",), f"F3.a.{dim}"))
        at_most.append(
            AtMostRule("F3_NIVEAUX_SUPERIEURS_A_A", tuple(f"F3.{d}.{dim}" for d in F3_DONT), f"F3.a.{dim}")
        )
        if not edition17 and dim == "n":
            at_most.append(AtMostRule("F1_DISTANCE_SUPERIEUR_AU_TOTAL", ("F1.distance.n",), "F1.total.n"))
    equal = [
        EqualRule("F_TOTAUX_DIFFERENTS", (f"F1.total.{d}", f"F3.total.{d}", f"F4.total.{d}")) for d in "nh"
    ]
    hours_groups = (
        HoursGroup("F1.total.h", tuple(f"F1.{k}.h" for k in F1_LINES)),
        HoursGroup(
            "F3.total.h",
            tuple(f"F3.{k}.h" for k in F3_LINES),
            subsets=((tuple(f"F3.{d}.h" for d in F3_DONT), "F3.a.h"),),
        ),
        HoursGroup("F4.total.h", tuple(f"F4.{i}.h" for i in range(1, F4_MAX + 1)) + ("F4.other.h",)),
    )
    return tuple(sum_rules), tuple(at_most), tuple(equal), hours_groups


def build(facts: Facts, inputs: BpfInputs, *, edition17: bool):
    book = CellBook()
    checks: list[CheckResult] = []
    f_units = facts.f_units
    _cadre_b(book, facts, edition17)
    excluded = _cadre_c(book, facts)
    _cadre_d(book, facts, checks)
    _cadre_e(book, facts)
    _cadre_f1_f2(book, f_units, edition17)
    _cadre_f3_f4(book, f_units)
    book.units("G", facts.g_units)
    _hours_two_places(book)
    return book.cells, excluded, checks


def _cadre_b(book: CellBook, facts: Facts, edition17: bool) -> None:
    fy = facts.fiscal_year
    book.set("B.from", fy.start)
    book.set("B.to", fy.end)
    if edition17:
        distance = [u for u in facts.units if u.action.distance]
        book.set(
            "B.distance", bool(distance), [SourceRef("action", a) for a in {u.action.id: 0 for u in distance}]
        )


def _cadre_c(book: CellBook, facts: Facts) -> list[Exclusion]:
    """Products by line (rounded per line), their sums, the share of turnover; the buckets that
    are not training products are returned as exclusions."""
    excluded: list[Exclusion] = []
    for line in C_LINES_1 + C_LINES_OPCO + C_LINES_AFTER:
        if line == "11":
            buckets = [b for (ln, d), b in facts.products.items() if ln == "11" and d in C11_KINDS]
        else:
            buckets = [b for (ln, _), b in facts.products.items() if ln == line]
        book.amount(f"C.{line}", buckets)
    book.sum_of("C.2", (f"C.{k}" for k in C_LINES_OPCO))
    book.sum_of("C.total", (f"C.{k}" for k in C_SUMMED))
    for (line, detail), bucket in facts.products.items():
        if line == LINE_PENALTY:
            reason = "Dédit, pénalité ou dédommagement : ce n'est pas un produit de formation (cadre C)."
        elif line == "11" and detail not in C11_KINDS:
            reason = "Produit exceptionnel : ce n'est pas un produit de formation (cadre C)."
        else:
            continue
        excluded += [Exclusion(ref, reason) for ref in bucket.sources]

    pct, pct_refs = percent_of_turnover(book.value("C.total"), facts, facts.has_activity)
    book.set("C.pct", pct, pct_refs + book.refs("C.total"))
    return excluded


def _cadre_d(book: CellBook, facts: Facts, checks: list[CheckResult]) -> None:
    activity = facts.has_activity
    for key, name in (("D.total", "total"), ("D.salaries", "salaries"), ("D.purchases", "purchases")):
        value, refs = accounts_amount(facts, name, activity)
        book.set(key, value, refs)
    if activity and facts.charges.get("total") is None:
        checks.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "D_MANQUANT",
                "Le cadre D (charges) n'est pas renseigné alors que l'organisme a eu une activité : "
                "saisissez le total des charges liées à la formation, les salaires des formateurs (6411) "
                "et les achats de formation et honoraires (604 + 6226).",
                ("D.total", "D.salaries", "D.purchases"),
            )
        )


def _cadre_e(book: CellBook, facts: Facts) -> None:
    internal = [s for s in TrainerStatus if s.internal]
    for key, statuses in (("E.1", internal), ("E.2", [TrainerStatus.EXTERNAL])):
        n, h, refs = trainer_line(facts, statuses)
        book.set(f"{key}.n", n, refs)
        book.set(f"{key}.h", h, refs)


def _cadre_f1_f2(book: CellBook, f_units: list[Unit], edition17: bool) -> None:
    for key, status in F1_LINES.items():
        book.units(f"F1.{key}", [u for u in f_units if u.category is status])
    book.units("F1.total", f_units)
    if not edition17:
        distance_units = [u for u in f_units if u.action.distance]
        book.set("F1.distance.n", len(distance_units), [r for u in distance_units for r in u.refs])
    book.units("F2", f_units, hours=lambda u: u.f2_hours)


def _cadre_f3_f4(book: CellBook, f_units: list[Unit]) -> None:
    for key, objectives in F3_LINES.items():
        book.units(f"F3.{key}", [u for u in f_units if u.action.objective in objectives])
    rncp = [u for u in f_units if u.action.objective in F3_LINES["a"]]
    for dont in F3_DONT:
        book.units(f"F3.{dont}", [u for u in rncp if _level_line(u) == dont])
    book.units("F3.total", f_units)
    top, rest = ranked_specialities(f_units, lambda u: u.hours, F4_MAX)
    for i in range(1, F4_MAX + 1):
        if i <= len(top):
            code, units = top[i - 1]
            book.set(f"F4.{i}.code", code, [SourceRef("action", a) for a in {u.action.id: 0 for u in units}])
            book.units(f"F4.{i}", units)
        else:
            book.set(f"F4.{i}.code", None)
            book.set(f"F4.{i}.n", 0)
            book.set(f"F4.{i}.h", ZERO)
    book.units("F4.other", rest)
    book.units("F4.total", f_units)


def _hours_two_places(book: CellBook) -> None:
    for key, cell in book.cells.items():
        if isinstance(cell.value, Decimal) and (key.startswith("F") or key.startswith("G")):
            book.cells[key] = Cell(round_places(cell.value, 2), cell.sources)


def percent_of_turnover(
    training_total: int, facts: Facts, activity: bool
) -> tuple[int | None, list[SourceRef]]:
    """Training products / global turnover × 100, whole, half up; 1 when below 1 % with activity."""
    turnover = facts.charges.get("turnover")
    refs = [facts.accounts_ref] if facts.accounts_ref else []
    if not activity:
        return 0, refs
    if turnover is None or turnover <= 0:
        return None, refs
    pct = round_units(Decimal(training_total) * 100 / turnover)
    if pct < 1 and training_total > 0:
        pct = 1
    return pct, refs
