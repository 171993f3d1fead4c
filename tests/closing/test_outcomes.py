"""Outcomes for the Région on a small world: counts and rates by dispositif, lot and OF."""

import datetime as dt
from decimal import Decimal

import pytest

from formarche.accounts.tenancy import Tenant
from formarche.closing import outcomes
from formarche.closing.models import AssessmentState, ExitAssessment, ExitOutcome, FollowUpQuestionnaire
from formarche.trainees.models import Enrolment

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2023, 5, 2, tzinfo=dt.UTC)


def tenant(world, key):
    return Tenant.from_membership(world.memberships[key])


def _fill(action):
    """DUBOIS: fin de formation, certified, CDI at exit, CDI at 6 months; LEROY: abandon, not
    presented, demandeur d'emploi at exit; MARTIN: still in training."""
    dubois, leroy, _ = action.enrolments
    Enrolment.objects.filter(pk=dubois.pk).update(exit_date=dt.date(2023, 4, 28), exit_reason="fin_formation")
    Enrolment.objects.filter(pk=leroy.pk).update(
        exit_date=dt.date(2023, 4, 3), exit_reason="abandon", exit_reason_detail="Santé"
    )
    ExitOutcome.objects.create(enrolment=dubois, certification_result="obtenue")
    ExitOutcome.objects.create(enrolment=leroy, certification_result="non_presentee")
    for enrolment, situation in [(dubois, "cdi"), (leroy, "demandeur_emploi")]:
        ExitAssessment.objects.create(
            enrolment=enrolment, state=AssessmentState.VALIDATED, situation=situation, validated_at=NOW
        )
    FollowUpQuestionnaire.objects.create(
        enrolment=dubois,
        due_date=dt.date(2023, 10, 28),
        state=AssessmentState.VALIDATED,
        situation="cdi",
        answered_by="stagiaire",
        answered_at=NOW,
    )


def test_rates_by_dispositif(world, action):
    _fill(action)
    rows = outcomes.outcome_rows(tenant(world, "region_a_officer"), "dispositif")
    row = next(r for r in rows if r.trainees == 3)
    assert (row.trainees, row.exits, row.dropouts, row.results, row.certified) == (3, 2, 1, 2, 1)
    assert row.dropout_rate == Decimal(50)
    assert row.certification_rate == Decimal(50)
    assert row.employment_rate_at_exit == Decimal(50)
    assert row.employment_rate_at_6_months == Decimal(100)
    # the world's other orders of Région A: nothing decided yet, rates not computable
    others = [r for r in rows if r is not row]
    assert all(r.dropout_rate is None for r in others if r.exits == 0)
    total = outcomes.total_row(rows)
    assert total.trainees == sum(r.trainees for r in rows)


def test_other_region_sees_nothing_of_region_a(world, action):
    _fill(action)
    for dimension in outcomes.DIMENSIONS:
        assert outcomes.outcome_rows(tenant(world, "region_b_officer"), dimension) == []


def test_page_csv_and_charts(login, world, action, django_assert_max_num_queries):
    _fill(action)
    client = login(world.users["region_a_manager"])
    with django_assert_max_num_queries(8):
        page = client.get("/resultats/?par=organisme")
    body = page.content.decode()
    assert (
        page.status_code == 200
        and "<svg" in body
        and "Taux d'emploi à 6 mois" in body
        and "<caption>" in body
    )
    csv = client.get("/resultats/export.csv?par=lot").content.decode("utf-8-sig")
    header, *lines = csv.strip().splitlines()
    assert header.startswith("Lot;Stagiaires;Sorties;Abandons;Taux d'abandon (%)")
    assert any(";3;2;1;50,00;2;1;50,00;2;1;50,00;1;1;100,00" in line for line in lines)
    assert lines[-1].startswith("Total;")
    assert login(world.users["of1_manager"]).get("/resultats/").status_code == 403
