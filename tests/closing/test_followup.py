"""The questionnaire de suivi and its one-time link: only the hash is kept, one use, expiry."""

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.utils import timezone

from formarche.closing import selectors, services
from formarche.closing.models import AnsweredBy, AssessmentState, FollowUpLink, FollowUpQuestionnaire
from tests.closing.conftest import LAST_DAY
from tests.world import MARKER

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2023, 10, 30, 10, 0))


@pytest.fixture
def questionnaire(action, world):
    enrolment = action.enrolments[0]
    services.exits_set_for_all_components(
        enrolment=enrolment, entry=services.ExitEntry(LAST_DAY, "fin_formation"), by=world.users["of1_staff"]
    )
    return FollowUpQuestionnaire.objects.get(enrolment=enrolment)


def test_questionnaire_is_due_six_months_after_the_exit(questionnaire):
    assert questionnaire.due_date == dt.date(2023, 10, 28)
    assert questionnaire.is_overdue(dt.date(2023, 10, 29)) and not questionnaire.is_overdue(
        dt.date(2023, 10, 28)
    )
    assert selectors.followup_due_date(dt.date(2023, 8, 31)) == dt.date(2024, 2, 29)


def test_link_stores_only_the_hash_and_works_once(questionnaire, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        link, token = services.followup_link_create(
            questionnaire=questionnaire, by=world.users["of1_staff"], now=NOW, send_to="lea@ex.fr"
        )
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not FollowUpLink.objects.filter(token_hash=token).exists()
    assert link.expires_at == NOW + dt.timedelta(days=30)
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].to == ["lea@ex.fr"]
        and f"/suivi/{token}/" in mail.outbox[0].body
    )
    answered = services.followup_answer_by_token(
        token=token,
        situation="cdi",
        job_title="Maraîchère",
        employer_postcode="81000",
        now=NOW + dt.timedelta(days=1),
    )
    assert answered.state == AssessmentState.VALIDATED and answered.answered_by == AnsweredBy.TRAINEE
    assert FollowUpLink.objects.get(pk=link.pk).used_at == NOW + dt.timedelta(days=1)
    with pytest.raises(services.FollowUpLinkInvalid):
        services.followup_answer_by_token(token=token, situation="autre", now=NOW + dt.timedelta(days=2))
    assert FollowUpQuestionnaire.objects.get(pk=questionnaire.pk).situation == "cdi"
    # the OF cannot overwrite the trainee's answer, nor create another link
    with pytest.raises(services.ClosingError, match="déjà répondu"):
        services.followup_save(questionnaire=questionnaire, action=services.VALIDATE, situation="autre")
    with pytest.raises(services.ClosingError, match="déjà rempli"):
        services.followup_link_create(questionnaire=questionnaire, now=NOW)


def test_link_expires(questionnaire):
    link, token = services.followup_link_create(questionnaire=questionnaire, now=NOW, valid_days=3)
    assert selectors.followup_link_check(token, now=NOW + dt.timedelta(days=2, hours=23)) == link
    with pytest.raises(services.FollowUpLinkInvalid):
        services.followup_answer_by_token(token=token, situation="cdi", now=NOW + dt.timedelta(days=3))
    assert FollowUpQuestionnaire.objects.get(pk=questionnaire.pk).state == AssessmentState.TO_ENTER


def test_public_page(client, questionnaire, monkeypatch):
    link, token = services.followup_link_create(questionnaire=questionnaire)
    url = f"/suivi/{token}/"
    page = client.get(url)
    assert page.status_code == 200 and "Votre situation" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    bad = client.post(url, {"situation": "cdi", "job_title": "", "employer_postcode": ""})
    assert bad.status_code == 200 and "intitulé du poste" in bad.content.decode()
    done = client.post(url, {"situation": "formation", "comment": "BTSA"})
    assert done.status_code == 200 and "Merci" in done.content.decode()
    assert FollowUpQuestionnaire.objects.get(pk=questionnaire.pk).answered_by == AnsweredBy.TRAINEE
    for response in (
        client.get(url),
        client.post(url, {"situation": "cdi"}),
        client.get("/suivi/nimporte-quoi/"),
    ):
        body = response.content.decode()
        assert response.status_code == 403
        assert "n'est pas valide ou a expiré" in body
        assert MARKER not in body and "MARTIN" not in body and "DUBOIS" not in body


def test_of_enters_the_questionnaire_then_the_due_list(login, world, questionnaire):
    client = login(world.users["of1_staff"])
    url = f"/actions/{questionnaire.enrolment.order_id}/bilans/suivi/{questionnaire.enrolment_id}/"
    response = client.post(
        url, {"situation": "demandeur_emploi", "action": "brouillon"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "brouillon" in response.content.decode()
    due = client.get("/questionnaires/")
    assert due.status_code == 200 and url in due.content.decode()
    client.post(url, {"situation": "demandeur_emploi", "action": "valider"})
    assert FollowUpQuestionnaire.objects.get(pk=questionnaire.pk).answered_by == AnsweredBy.OF
    client.get("/questionnaires/")  # shows the success message once
    assert url not in client.get("/questionnaires/").content.decode()
    # a link is shown once, on the page answering the POST
    other = questionnaire.enrolment.order.enrolments.exclude(pk=questionnaire.enrolment_id).first()
    services.exits_set_for_all_components(
        enrolment=other, entry=services.ExitEntry(LAST_DAY, "fin_formation")
    )
    page = client.post(f"/actions/{other.order_id}/bilans/suivi/{other.pk}/lien/")
    assert page.status_code == 200 and "/suivi/" in page.content.decode()
    assert FollowUpLink.objects.filter(questionnaire__enrolment=other).count() == 1


def test_public_page_of_an_archived_action_says_the_questionnaire_is_closed(client, questionnaire):
    """Archived: no form shown (GET), and an answer sent anyway is refused (POST), with the same
    French page. Closed only: the questionnaire still follows the closing, the form is there."""
    from formarche.orders.models import Order, OrderStatus

    _, token = services.followup_link_create(questionnaire=questionnaire)
    url = f"/suivi/{token}/"
    order = Order.objects.filter(pk=questionnaire.enrolment.order_id)
    order.update(status=OrderStatus.CLOSED)
    assert 'name="situation"' in client.get(url).content.decode()
    order.update(status=OrderStatus.ARCHIVED)
    for response in (
        client.get(url),
        client.post(url, {"situation": "cdi", "job_title": "Maraîchère", "employer_postcode": "81000"}),
    ):
        body = response.content.decode()
        assert response.status_code == 410
        assert "Ce questionnaire est clos" in body and "n'accepte plus de réponse" in body
        assert "<form" not in body and 'name="situation"' not in body
        assert response["Cache-Control"] == "no-store"
        assert MARKER not in body and "DUBOIS" not in body
    assert FollowUpQuestionnaire.objects.get(pk=questionnaire.pk).state == AssessmentState.TO_ENTER
    assert FollowUpLink.objects.get(questionnaire=questionnaire).used_at is None


def test_the_link_e_mailed_is_absolute(questionnaire, world, django_capture_on_commit_callbacks, settings):
    """Issue #19.4: « Répondre : https://…/suivi/<token>/ », not a path."""
    from tests.accounts.test_site_url import SITE, assert_only_absolute_links

    settings.FORMARCHE_SITE_URL = SITE
    with django_capture_on_commit_callbacks(execute=True):
        _link, token = services.followup_link_create(
            questionnaire=questionnaire, by=world.users["of1_staff"], now=NOW, send_to="lea@ex.fr"
        )
    (message,) = mail.outbox
    assert f"{SITE}/suivi/{token}/" in message.body
    assert_only_absolute_links(message.body)
