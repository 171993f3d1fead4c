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


def test_other_region_and_other_of_see_nothing_of_region_a(world, action):
    _fill(action)
    for key in ("region_b_officer", "of2_manager"):
        rows = outcomes.outcome_rows(tenant(world, key), "action")
        assert action.order.pk not in {r.key for r in rows}
        assert sum(r.trainees for r in rows) == 0
        spread = outcomes.distributions(tenant(world, key))
        assert spread.exits == 0 and spread.followed == 0


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
    # the OF sees its own outcomes (issue #19.3): no longer a 403
    assert login(world.users["of1_manager"]).get("/resultats/").status_code == 200


# --- issue #19.3: the OF's outcomes, the charts, the filters, the exports ---------------------


def test_the_of_sees_its_own_actions_with_the_realisation(world, action):
    _fill(action)
    rows = outcomes.outcome_rows(tenant(world, "of1_staff"), "action")
    row = next(r for r in rows if r.key == action.order.pk)
    assert (row.trainees, row.exits, row.certified, row.followed) == (3, 2, 1, 1)
    # 3 trainees × 13 h; V = 57 820 / 11,80 = 4 900 h; r = 39 × 11,80 / 57 820 × 100 = 0,80 %
    assert row.realised_hours == Decimal("39.00") and row.contracted_hours == Decimal("4900.00")
    assert row.realisation_rate == Decimal("0.80") == action.order.realisation_rate
    assert all(
        r.key != action.order.pk for r in outcomes.outcome_rows(tenant(world, "of2_manager"), "action")
    )


def test_distributions_exits_certification_and_situation_at_6_months(world, action):
    _fill(action)
    spread = outcomes.distributions(tenant(world, "of1_manager"))
    assert dict(spread.exits_by_reason) == {
        "Fin de formation": 1,
        "Abandon": 1,
        "Exclusion": 0,
        "Embauche": 0,
        "Autre": 0,
    }
    assert dict(spread.certification) == {
        "Obtenue": 1,
        "Partielle": 0,
        "Non obtenue": 0,
        "Non présentée": 1,
        "Non renseignée (stagiaires sortis)": 0,
    }
    situations = {label: (count, employed) for label, count, employed in spread.situations_at_6_months}
    assert situations["CDI"] == (1, True) and situations["Demandeur d'emploi"] == (0, False)
    assert spread.followed == 1 and spread.employed_at_6_months == 1


def test_filters_year_action_dispositif_and_of(world, action):
    _fill(action)
    region = tenant(world, "region_a_officer")

    def keys(**params):
        filters = outcomes.OutcomeFilters.from_query({k: str(v) for k, v in params.items()}, region)
        return {r.key for r in outcomes.outcome_rows(region, "action", filters)}

    order = action.order
    assert order.pk not in keys(annee=2022)  # the action runs from March 2023 to August 2024
    assert order.pk in keys(annee=2023) and order.pk in keys(annee=2024)
    assert keys(action=order.pk) == {order.pk}
    assert keys(lot=order.lot_id, marche=order.lot.market_id, dispositif=order.dispositif_id) >= {order.pk}
    assert order.pk not in keys(organisme=world.of2.pk)
    assert keys(action=999999) == set()
    # bad input is ignored, not an error
    assert outcomes.OutcomeFilters.from_query({"annee": "deux-mille", "lot": "-3"}, region).is_empty
    # an OF cannot filter on another OF: the parameter is dropped
    of = tenant(world, "of1_manager")
    assert outcomes.OutcomeFilters.from_query({"organisme": str(world.of2.pk)}, of).provider is None
    choices = outcomes.filter_choices(of)
    assert (order.pk, f"{order.number} - {order.title}") in choices.orders and choices.providers == []
    assert 2023 in choices.years and 2024 in choices.years


def _more_actions(world, count):
    from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

    for index in range(count):
        order = OrderFactory(number=f"23Q9{index:05d}", region=world.region_a, provider=world.of1)
        for n in range(2):
            trainee = TraineeFactory(organisation=world.of1, last_name=f"NOM{index}{n}")
            enrolment = EnrolmentFactory(order=order, trainee=trainee)
            Enrolment.objects.filter(pk=enrolment.pk).update(
                exit_date=dt.date(2023, 4, 3), exit_reason="abandon"
            )
            ExitOutcome.objects.create(enrolment=enrolment, certification_result="partielle")


@pytest.mark.parametrize("user", ["of1_manager", "region_a_manager"])
def test_query_count_does_not_grow_with_the_rows(login, world, action, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(action)
    client = login(world.users[user])
    client.get("/resultats/?par=action")  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/resultats/?par=action")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode().count("<tr>")

    few, rows_few = count()
    _more_actions(world, 6)
    many, rows_many = count()
    assert rows_many > rows_few  # more rows shown…
    assert many == few, f"{few} requêtes pour {rows_few} lignes, {many} pour {rows_many}"  # …same queries


def test_of_page_has_accessible_charts_each_with_its_table(login, world, action):
    import re

    _fill(action)
    body = login(world.users["of1_staff"]).get("/resultats/?par=action").content.decode()
    for key in ("realisation", "sorties", "certification", "emploi-6-mois", "taux-emploi-6-mois"):
        assert f'data-chart="{key}"' in body
        assert f'aria-labelledby="titre-{key}" aria-describedby="desc-{key}"' in body
        assert f'<title id="titre-{key}">' in body and f'<desc id="desc-{key}">' in body
        figure = body[body.index(f'id="graphique-{key}"') :]
        figure = figure[: figure.index("</figure>")]
        assert "<table" in figure and "<caption>" in figure  # the table beside the chart
    # values in text beside the bars (nothing told by colour alone), the 100 % line labelled
    assert "contrat : 100 %" in body and "0,80\u202f% (39,00 h / 4\u202f900,00 h)" in body
    assert "Non présentée" in body and "CDI (emploi)" in body
    # the OF is not offered the OF filter nor the grouping by OF
    assert 'name="organisme"' not in body and 'value="organisme"' not in body
    assert re.search(r'<rect x="250" y="\d+" width="\d+" height="22" fill="#1f4e79">', body)


def test_exports_follow_the_filters_csv_and_xlsx(login, world, action):
    import io

    from openpyxl import load_workbook

    _fill(action)
    client = login(world.users["of1_manager"])
    query = f"par=action&action={action.order.pk}"
    csv = client.get(f"/resultats/export.csv?{query}")
    assert 'filename="resultats-par-action-filtre.csv"' in csv["Content-Disposition"]
    header, *lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert header.endswith("Heures réalisées (C);Heures contractées (V);Réalisation au regard du contrat (%)")
    assert (
        len(lines) == 2
        and lines[0].startswith(action.order.number)
        and lines[0].endswith(";39,00;4900,00;0,80")
    )
    xlsx = client.get(f"/resultats/export.xlsx?{query}")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Résultats" and book.sheetnames[-1] == "Filtres"
    assert "Sorties par motif" in book.sheetnames and "Certification à la sortie" in book.sheetnames
    results = list(book["Résultats"].iter_rows(values_only=True))
    assert results[1][0].startswith(action.order.number) and results[1][1] == 3 and results[-1][0] == "Total"
    exits = dict(row[:2] for row in book["Sorties par motif"].iter_rows(min_row=2, values_only=True))
    assert exits["Abandon"] == 1 and exits["Fin de formation"] == 1
    filters = list(book["Filtres"].iter_rows(min_row=2, values_only=True))
    assert filters[0][0] == "Action" and filters[0][1].startswith(action.order.number)
    # another OF exporting the same action gets nothing of it
    other = (
        login(world.users["of2_manager"]).get(f"/resultats/export.csv?{query}").content.decode("utf-8-sig")
    )
    assert action.order.number not in other
