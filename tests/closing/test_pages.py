"""The closing journey through the pages: told what is missing, then closed; Région decisions;
exits and bilans forms; query counts of the lists."""

import datetime as dt
import html

import pytest
from django.core import mail

from formarche.closing import services
from formarche.closing.models import (
    AssessmentState,
    ChangeRequest,
    ChangeStatus,
    ComponentExit,
    ExitAssessment,
)
from formarche.orders.models import Order, OrderStatus
from tests.closing.conftest import LAST_DAY
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def test_close_from_the_browser(client, world, action, django_capture_on_commit_callbacks):
    order = action.order
    client.force_login(world.users["of1_staff"])
    close_url = f"/actions/{order.pk}/fermeture/"
    page = text(client.get(close_url))
    assert (
        "3 stagiaires sans date de sortie sur la composante C1 : DUBOIS Hugo, LEROY Chloé, MARTIN Léa" in page
    )
    assert "3 bilans non validés" in page and "Date de fin réelle manquante" in page
    # exits: one trainee by components, the others with « même sortie pour toutes les composantes »
    dubois, leroy, martin = action.enrolments
    response = client.post(
        f"/actions/{order.pk}/sorties/{dubois.pk}/",
        {
            f"c{action.c1.pk}-exit_date": "2023-04-20",
            f"c{action.c1.pk}-reason": "fin_formation",
            f"c{action.c2.pk}-exit_date": "2023-04-28",
            f"c{action.c2.pk}-reason": "embauche",
            "toutes-certification_result": "obtenue",
        },
    )
    assert response.status_code == 302, text(response)
    for e in (leroy, martin):
        response = client.post(
            f"/actions/{order.pk}/sorties/{e.pk}/",
            {"toutes-same_for_all": "on", "toutes-exit_date": "2023-04-28", "toutes-reason": "fin_formation"},
        )
        assert response.status_code == 302
    assert ComponentExit.objects.filter(enrolment__order=order).count() == 6
    # an exit before the hours is refused with the days
    response = client.post(
        f"/actions/{order.pk}/sorties/{martin.pk}/",
        {"toutes-same_for_all": "on", "toutes-exit_date": "2023-04-27", "toutes-reason": "fin_formation"},
    )
    assert response.status_code == 200 and "28/04/2023" in text(response)
    # bilans: htmx draft then validate
    bilan_url = f"/actions/{order.pk}/bilans/{dubois.pk}/"
    partial = client.post(bilan_url, {"situation": "cdi", "action": "brouillon"}, HTTP_HX_REQUEST="true")
    assert "enregistré en brouillon" in text(partial) and "<html" not in text(partial)
    refused = client.post(bilan_url, {"situation": "cdi", "action": "valider"}, HTTP_HX_REQUEST="true")
    assert "intitulé du poste" in text(refused)
    for e in action.enrolments:
        client.post(
            f"/actions/{order.pk}/bilans/{e.pk}/",
            {"situation": "cdi", "job_title": "Maraîcher", "employer_postcode": "81000", "action": "valider"},
        )
    assert ExitAssessment.objects.filter(enrolment__order=order, state=AssessmentState.VALIDATED).count() == 3
    listing = text(client.get(f"/actions/{order.pk}/bilans/"))
    for words in (
        "Bilan à saisir",
        "Bilan en brouillon",
        "Bilan validé",
        "Bilan de situation",
        "Questionnaire de suivi",
    ):
        assert words in listing
    # the real end date differs from the planned end: told to file a request
    response = client.post(close_url, {"real_end": "2023-04-28"})
    assert response.status_code == 200
    assert "diffère de la date de fin prévue (31/08/2024)" in text(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/actions/{order.pk}/demandes/nouvelle/",
            {"kind": "end_date", "end_date": "2023-04-28", "reason": "Dernière sortie le 28/04/2023"},
        )
    cr = ChangeRequest.objects.get(order=order)
    assert response.status_code == 302
    assert mail.outbox and world.users["region_a_officer"].email in mail.outbox[-1].to
    # the Région approves
    client.force_login(world.users["region_a_officer"])
    assert client.post(close_url, {"real_end": "2023-04-28"}).status_code == 403
    response = client.post(f"/demandes/{cr.pk}/decision/", {"decision": "approve", "comment": "OK"})
    assert response.status_code == 302
    assert ChangeRequest.objects.get(pk=cr.pk).status == ChangeStatus.APPROVED
    detail = text(client.get(f"/demandes/{cr.pk}/"))
    assert f"Demande de modification n° {cr.pk} acceptée" in detail
    # the OF closes: confirmation, then the seed's message and the e-mail
    client.force_login(world.users["of1_staff"])
    response = client.post(close_url, {"real_end": "2023-04-28"})
    assert response.status_code == 302 and response["Location"].endswith("/fermeture/confirmer/")
    confirm = text(client.get(response["Location"]))
    assert (
        "Souhaitez-vous vraiment fermer l'action ?" in confirm
        and "Annuler" in confirm
        and "Poursuivre" in confirm
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/actions/{order.pk}/fermeture/confirmer/", follow=True)
    assert "L'action a été fermée. Un mail a été envoyé." in text(response)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CLOSED
    assert len(mail.outbox) == 1
    # archiving: the OF's staff may not, the Région may
    assert client.post(f"/actions/{order.pk}/fermeture/archiver/").status_code == 403
    client.force_login(world.users["region_a_manager"])
    client.post(f"/actions/{order.pk}/fermeture/archiver/")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ARCHIVED


def test_confirmation_is_refused_while_something_is_missing(client, world, action):
    client.force_login(world.users["of1_staff"])
    response = client.get(f"/actions/{action.order.pk}/fermeture/confirmer/")
    assert response.status_code == 302
    response = client.post(f"/actions/{action.order.pk}/fermeture/confirmer/", follow=True)
    assert "Date de fin réelle manquante" in text(response)
    assert Order.objects.get(pk=action.order.pk).status == OrderStatus.OPEN


def test_refusal_needs_a_comment_and_both_sides_see_the_history(client, world, action):
    cr = services.change_request_create(
        order=action.order, kind="volume", new_values={"volume_hours": "5000"}, reason="Plus de stagiaires"
    )
    client.force_login(world.users["region_a_officer"])
    client.post(f"/demandes/{cr.pk}/decision/", {"decision": "refuse", "comment": ""})
    assert ChangeRequest.objects.get(pk=cr.pk).is_pending
    client.post(f"/demandes/{cr.pk}/decision/", {"decision": "refuse", "comment": "Budget épuisé"})
    assert ChangeRequest.objects.get(pk=cr.pk).status == ChangeStatus.REFUSED
    client.force_login(world.users["of1_manager"])
    assert "Refusée" in text(client.get("/demandes/"))
    assert "Budget épuisé" in text(client.get(f"/demandes/{cr.pk}/"))
    # the OF cannot decide; another OF does not see it
    assert client.post(f"/demandes/{cr.pk}/decision/", {"decision": "approve"}).status_code == 403
    client.force_login(world.users["of2_manager"])
    assert client.get(f"/demandes/{cr.pk}/").status_code == 404
    assert "Plus de stagiaires" not in text(client.get("/demandes/"))


@pytest.mark.parametrize("page", ["sorties", "bilans", "bilans/suivi", "demandes", "fermeture"])
def test_list_pages_do_not_grow_with_trainees(client, world, action, page, django_assert_max_num_queries):
    client.force_login(world.users["of1_staff"])
    url = f"/actions/{action.order.pk}/{page}/"
    services.exits_set_for_all_components(
        enrolment=action.enrolments[0], entry=services.ExitEntry(LAST_DAY, "fin_formation")
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for _ in range(4):
        e = EnrolmentFactory(order=action.order, entry_date=dt.date(2023, 3, 1))
        services.exits_set_for_all_components(
            enrolment=e, entry=services.ExitEntry(LAST_DAY, "abandon", "Santé")
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(url).status_code == 200
