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


def _row(page: str, row_id: str) -> str:
    """The ``<tr id=row_id …>…</tr>`` of a page or fragment ("" when absent)."""
    start = page.find(f'<tr id="{row_id}"')
    return page[start : page.index("</tr>", start) + len("</tr>")] if start >= 0 else ""


def test_validating_a_bilan_in_the_panel_updates_its_row_in_the_list(client, world, action):
    """The htmx answer carries the list's row, out of band, with the new state (icon and text)."""
    order = action.order
    dubois = action.enrolments[0]
    services.exits_set_for_all_components(
        enrolment=dubois, entry=services.ExitEntry(LAST_DAY, "fin_formation")
    )
    client.force_login(world.users["of1_staff"])
    listing = text(client.get(f"/actions/{order.pk}/bilans/"))
    assert "Bilan à saisir" in _row(listing, f"bilan-{dubois.pk}")
    url = f"/actions/{order.pk}/bilans/{dubois.pk}/"
    draft = text(client.post(url, {"situation": "formation", "action": "brouillon"}, HTTP_HX_REQUEST="true"))
    row = _row(draft, f"bilan-{dubois.pk}")
    assert 'hx-swap-oob="true"' in row and "◐" in row and "Bilan en brouillon" in row
    validated = text(
        client.post(
            url,
            {"situation": "cdi", "job_title": "Maraîcher", "employer_postcode": "81000", "action": "valider"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "Le bilan de DUBOIS Hugo est validé." in validated
    row = _row(validated, f"bilan-{dubois.pk}")
    assert 'hx-swap-oob="true"' in row and "✔" in row and "Bilan validé" in row
    assert "CDI" in row and "Voir le bilan" in row and "Bilan à saisir" not in row
    # a <tr> outside a table is dropped by the HTML parser: the row travels inside a <template>
    assert f'<template><tr id="bilan-{dubois.pk}"' in validated.replace("\n", "")
    # the same row, as the reloaded list shows it
    assert _row(text(client.get(f"/actions/{order.pk}/bilans/")), f"bilan-{dubois.pk}") == row.replace(
        ' hx-swap-oob="true"', ""
    )
    # a refused validation changes nothing: no row sent
    leroy = action.enrolments[1]
    refused = text(
        client.post(
            f"/actions/{order.pk}/bilans/{leroy.pk}/",
            {"situation": "cdi", "action": "valider"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "hx-swap-oob" not in refused


def test_saving_a_questionnaire_in_the_panel_updates_its_row_in_the_list(client, world, action):
    order = action.order
    dubois = action.enrolments[0]
    services.exits_set_for_all_components(
        enrolment=dubois, entry=services.ExitEntry(LAST_DAY, "fin_formation")
    )
    client.force_login(world.users["of1_staff"])
    assert "Questionnaire à saisir" in _row(
        text(client.get(f"/actions/{order.pk}/bilans/suivi/")), f"suivi-{dubois.pk}"
    )
    response = text(
        client.post(
            f"/actions/{order.pk}/bilans/suivi/{dubois.pk}/",
            {"situation": "demandeur_emploi", "action": "valider"},
            HTTP_HX_REQUEST="true",
        )
    )
    row = _row(response, f"suivi-{dubois.pk}")
    assert 'hx-swap-oob="true"' in row and "✔" in row and "Questionnaire validé" in row
    assert "Demandeur d'emploi" in row


def _input(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


def test_date_inputs_carry_iso_values_initial_and_after_an_error(client, world, action):
    """<input type="date"> only shows an ISO value (AAAA-MM-JJ): never the French format."""
    order = action.order
    dubois = action.enrolments[0]
    services.exits_set_for_all_components(
        enrolment=dubois, entry=services.ExitEntry(dt.date(2023, 4, 28), "fin_formation")
    )
    Order.objects.filter(pk=order.pk).update(real_end=dt.date(2023, 12, 4))
    client.force_login(world.users["of1_staff"])
    exit_page = text(client.get(f"/actions/{order.pk}/sorties/{dubois.pk}/"))
    assert 'value="2023-04-28"' in _input(exit_page, f"c{action.c1.pk}-exit_date")
    assert 'type="date"' in _input(exit_page, "toutes-exit_date")
    close_page = text(client.get(f"/actions/{order.pk}/fermeture/"))
    assert 'value="2023-12-04"' in _input(close_page, "real_end")
    cr_page = text(client.get(f"/actions/{order.pk}/demandes/nouvelle/?objet=end_date"))
    assert 'value="2023-04-28"' in _input(cr_page, "end_date")
    assert "28/04/2023" not in _input(cr_page, "end_date")
    # re-displayed after an error (no reason given): the dates typed are still there
    bad = text(
        client.post(
            f"/actions/{order.pk}/demandes/nouvelle/",
            {"kind": "end_date", "end_date": "2023-12-04", "birth_date": "1990-02-01", "reason": ""},
        )
    )
    assert 'value="2023-12-04"' in _input(bad, "end_date")
    assert 'value="1990-02-01"' in _input(bad, "birth_date")


@pytest.mark.parametrize("status", [OrderStatus.CLOSED, OrderStatus.ARCHIVED])
def test_change_request_form_offers_only_what_the_action_still_accepts(client, world, action, status):
    """Closed: only a trainee's identity may still be corrected; archived: nothing (no form)."""
    order = action.order
    Order.objects.filter(pk=order.pk).update(status=status)
    client.force_login(world.users["of1_staff"])
    url = f"/actions/{order.pk}/demandes/nouvelle/"
    requests = ChangeRequest.objects.filter(order=order)
    page = text(client.get(url))
    if status == OrderStatus.ARCHIVED:
        assert "L'action est archivée : aucune demande de modification n'est plus possible." in page
        assert "Transmettre la demande" not in page and 'name="kind"' not in page
        response = client.post(url, {"kind": "trainee_identity", "reason": "x"})
        assert "L'action est archivée" in text(response) and 'name="kind"' not in text(response)
        assert not requests.exists()
        return
    assert "L'action est fermée : seule l'identité d'un stagiaire peut encore être corrigée." in page
    assert 'value="trainee_identity"' in page
    for frozen in ('value="end_date"', 'value="volume"', 'value="unit_price"', 'name="volume_hours"'):
        assert frozen not in page
    response = client.post(url, {"kind": "volume", "volume_hours": "5000", "reason": "Plus"})
    assert response.status_code == 200 and not requests.exists()
    dubois = action.enrolments[0]
    response = client.post(
        url, {"kind": "trainee_identity", "enrolment": dubois.pk, "first_name": "Hugues", "reason": "Faute"}
    )
    assert response.status_code == 302 and requests.get().new_values == {"first_name": "Hugues"}


def test_no_link_form_on_the_questionnaire_of_an_archived_action(client, world, action):
    order = action.order
    dubois = action.enrolments[0]
    services.exits_set_for_all_components(
        enrolment=dubois, entry=services.ExitEntry(LAST_DAY, "fin_formation")
    )
    client.force_login(world.users["of1_staff"])
    url = f"/actions/{order.pk}/bilans/suivi/{dubois.pk}/"
    assert "Créer un lien de réponse" in text(client.get(url))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED)
    assert "Créer un lien de réponse" in text(client.get(url))  # the questionnaire follows the closing
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ARCHIVED)
    page = text(client.get(url))
    assert "Créer un lien de réponse" not in page and "/lien/" not in page
