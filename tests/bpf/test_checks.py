"""Each check of docs/bpf.md fires on a case built for it, names its cells and its records."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from formarche.bpf.checks import run_checks
from formarche.bpf.engine import compute_bpf
from formarche.bpf.inputs import (
    CLine,
    Granularity,
    InvoiceInput,
    Objective,
    ProductInput,
    StatusPeriod,
    TraineeStatus,
    TrainerHours,
    TrainerInput,
    TrainerStatus,
)
from formarche.bpf.report import Cell, CheckLevel, SourceRef
from tests.bpf.builders import ORGANISATION, D, accounts, action, day, enrolment, hourly, inputs

S = TraineeStatus
ON = date(2024, 3, 1)


def simple(**overrides):
    data = dict(
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1, S.JOB_SEEKER)],
        attendance=[day(1, ON, 10)],
        accounts=accounts(turnover="200"),
    )
    data.update(overrides)
    return inputs(**data)


def codes(report):
    return {c.code: c for c in report.checks}


def test_simple_year_is_clean():
    assert compute_bpf(None, simple()).checks == []


CASES = {
    # 7. % of turnover
    "C_PCT_HORS_BORNES": (simple(accounts=accounts(turnover="50")), CheckLevel.BLOCKING, ("C.pct",)),
    "C_PCT_MANQUANT": (
        simple(accounts=replace(accounts(), total_turnover=None)),
        CheckLevel.BLOCKING,
        ("C.pct",),
    ),
    # D missing with activity
    "D_MANQUANT": (simple(accounts=None), CheckLevel.BLOCKING, ("D.total",)),
    # 5. G ⇔ C-10: G action whose products are on another line
    "G_PRODUITS_HORS_C10": (
        simple(actions=[action(1, received_from_other_of=True, c_line=CLine.REGION, hourly_rate=D(10))]),
        CheckLevel.BLOCKING,
        ("G.n", "C.10"),
    ),
    "C10_HORS_G": (
        simple(actions=[action(1, c_line=CLine.OTHER_TRAINING_ORGANISATION, hourly_rate=D(10))]),
        CheckLevel.BLOCKING,
        ("C.10",),
    ),
    # 8. warnings
    "APPRENTIS_SANS_C_A": (
        simple(enrolments=[enrolment(1, 1, S.APPRENTICE)]),
        CheckLevel.WARNING,
        ("F1.b.n", "C.a"),
    ),
    "PARTICULIERS_SANS_C9": (
        simple(enrolments=[enrolment(1, 1, S.INDIVIDUAL)]),
        CheckLevel.WARNING,
        ("F1.d.n", "C.9"),
    ),
    "SOUS_TRAITANCE_SANS_ACHATS": (
        simple(
            actions=[action(1, subcontracted_to_other=True, c_line=CLine.REGION, hourly_rate=D(10))],
            accounts=accounts(turnover="200", purchases="0"),
        ),
        CheckLevel.WARNING,
        ("F2.n", "D.purchases"),
    ),
    "FACTURE_SANS_LIGNE_C": (
        simple(invoices=[InvoiceInput("I1", "F1", ON, D(100), action_id=1)]),
        CheckLevel.WARNING,
        ("C.total",),
    ),
    "FACTURE_SANS_STAGIAIRES": (
        simple(invoices=[InvoiceInput("I1", "F1", ON, D(100), action_id=2, c_line=CLine.REGION)]),
        CheckLevel.WARNING,
        ("C.total",),
    ),
    "FACTURE_EN_DOUBLE": (
        simple(
            invoices=[
                InvoiceInput("I1", "F-7", ON, D(100), action_id=1, c_line=CLine.REGION),
                InvoiceInput("I2", "F-7", ON, D(100), action_id=1, c_line=CLine.REGION),
            ]
        ),
        CheckLevel.WARNING,
        ("C.total",),
    ),
    # data problems
    "F3_NIVEAU_MANQUANT": (
        simple(actions=[action(1, Objective.RNCP, c_line=CLine.REGION, hourly_rate=D(10))]),
        CheckLevel.BLOCKING,
        ("F3.a.n",),
    ),
    "F4_NSF_MANQUANT": (
        simple(actions=[action(1, nsf=None, c_line=CLine.REGION, hourly_rate=D(10))]),
        CheckLevel.BLOCKING,
        ("F4.other.n",),
    ),
    "F4_NSF_INCONNU": (
        simple(actions=[action(1, nsf="999", c_line=CLine.REGION, hourly_rate=D(10))]),
        CheckLevel.BLOCKING,
        ("F4.total.n",),
    ),
    "PRESENCE_INSCRIPTION_INCONNUE": (
        simple(attendance=[day(1, ON, 10), day(99, ON, 1)]),
        CheckLevel.BLOCKING,
        (),
    ),
    "INSCRIPTION_SANS_PRIX": (simple(actions=[action(1)]), CheckLevel.WARNING, ("C.total",)),
    "PRODUIT_SANS_LIGNE": (simple(products=[ProductInput("P", D(5), ON)]), CheckLevel.BLOCKING, ("C.total",)),
    "E_HEURES_SANS_STATUT": (
        simple(trainers=[TrainerInput("T", (), (TrainerHours(ON, D(3)),))]),
        CheckLevel.BLOCKING,
        ("E.1.h",),
    ),
    "A_SIRET_INVALIDE": (
        simple(organisation=replace(ORGANISATION, siret="12345678901234")),
        CheckLevel.BLOCKING,
        (),
    ),
    "A_NDA_INVALIDE": (simple(organisation=replace(ORGANISATION, nda="123")), CheckLevel.BLOCKING, ()),
    "A_INCOMPLET": (simple(organisation=replace(ORGANISATION, address="")), CheckLevel.BLOCKING, ()),
    # 9. no activity but charges
    "NEANT_AVEC_CHARGES": (inputs(accounts=accounts()), CheckLevel.BLOCKING, ("D.total",)),
}


@pytest.mark.parametrize("code", CASES)
def test_check_fires(code):
    data, level, cells = CASES[code]
    found = codes(compute_bpf("10443*17", data))
    assert code in found, sorted(found)
    check = found[code]
    assert check.level is level
    assert set(cells) <= set(check.cells)
    assert check.message_fr  # French, for people


def test_checks_point_to_records():
    report = compute_bpf(None, simple(enrolments=[enrolment(1, 1, S.APPRENTICE)]))
    assert SourceRef("enrolment", 1) in codes(report)["APPRENTIS_SANS_C_A"].sources


def test_trainer_status_change_in_a_monthly_total_warns():
    trainer = TrainerInput(
        "T",
        (
            StatusPeriod(date(2024, 1, 1), date(2024, 3, 15), TrainerStatus.CDD),
            StatusPeriod(date(2024, 3, 16), None, TrainerStatus.EXTERNAL),
        ),
        (TrainerHours(date(2024, 3, 1), D(10), granularity=Granularity.MONTH),),
    )
    report = compute_bpf(None, simple(trainers=[trainer]))
    assert "E_STATUT_CHANGE_EN_COURS_DE_MOIS" in codes(report)
    assert report["E.1.h"] == 10


# -- checks on the cells alone (a report loaded back or edited by hand) ----------------------


def tamper(report, **values):
    for key, value in values.items():
        report.cells[key.replace("__", ".")] = Cell(value)
    return run_checks(report)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"C__2": 999}, "C2_SOMME"),
        ({"C__total": 1}, "C_TOTAL_SOMME"),
        ({"C__1": Decimal("10.4")}, "MONTANTS_NON_ENTIERS"),
        ({"F1__total__n": 5}, "F1_TOTAL_SOMME"),
        ({"F3__d__n": 5}, "F3_TOTAL_SOMME"),
        ({"F4__other__h": Decimal("3.00")}, "F4_TOTAL_SOMME"),
        ({"F3__total__h": Decimal("1.00"), "F3__d__h": Decimal("1.00")}, "F_TOTAUX_DIFFERENTS"),
        ({"F2__n": 3}, "F2_SUPERIEUR_A_F1"),
        ({"F3__a5__n": 1}, "F3_NIVEAU_SUPERIEUR_A_A"),
        ({"D__salaries": 6000}, "D_DONT_SUPERIEURS_AU_TOTAL"),
        ({"G__n": 1}, "G_SANS_C10"),
        ({"C__10": 5, "C__total": 105}, "C10_SANS_G"),
    ],
)
def test_structural_checks(changes, code):
    report = compute_bpf(None, simple())
    found = {c.code for c in tamper(report, **changes) if c.level is CheckLevel.BLOCKING}
    assert code in found, sorted(found)


def test_c2_check_counts_every_opco_line():
    data = simple(
        enrolments=[enrolment(1, 1, fundings=[hourly("b", 1), hourly("h", 2)])], accounts=accounts("30")
    )
    report = compute_bpf(None, data)
    assert (report["C.b"], report["C.h"], report["C.2"]) == (10, 20, 30)
    assert report.checks == []
