"""Issue #6 after the closing: the questionnaires de suivi (six months after the exit) and the
demandes de modification still work on a closed action — except what closing freezes (end date,
volume, price) — and nothing at all works on an archived one. Each refusal names the state and
changes nothing."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from formarche.closing import services
from formarche.closing.models import (
    AssessmentState,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    ExitAssessment,
    FollowUpLink,
    FollowUpQuestionnaire,
)
from formarche.orders.models import Order, OrderStatus
from formarche.trainees.models import Trainee
from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2023, 10, 30, 10, 0))
STATES = {OrderStatus.CLOSED: "L'action est fermée : ", OrderStatus.ARCHIVED: "L'action est archivée : "}


@dataclass
class Setup:
    order: object
    first: object
    second: object
    questionnaire: object
    token: str
    identity_request: object
    end_date_request: object


@pytest.fixture
def setup():
    order = OrderFactory(planned_start=dt.date(2023, 3, 1), planned_end=dt.date(2023, 4, 28))
    first, second = (
        EnrolmentFactory(order=order, trainee=TraineeFactory(organisation=order.provider, last_name=name))
        for name in ("MARTIN", "DUBOIS")
    )
    questionnaire = FollowUpQuestionnaire.objects.create(enrolment=first, due_date=dt.date(2023, 10, 28))
    _, token = services.followup_link_create(questionnaire=questionnaire, now=NOW)
    identity = services.change_request_create(
        order=order,
        kind=ChangeKind.TRAINEE_IDENTITY,
        enrolment=first,
        new_values={"first_name": "Léna"},
        reason="Faute de frappe",
        now=NOW,
    )
    end_date = services.change_request_create(
        order=order,
        kind=ChangeKind.END_DATE,
        new_values={"end_date": "2023-04-14"},
        reason="Dernière sortie",
        now=NOW,
    )
    return Setup(order, first, second, questionnaire, token, identity, end_date)


def _snapshot():
    return (
        list(Order.objects.order_by("pk").values()),
        list(Trainee.objects.order_by("pk").values()),
        list(FollowUpQuestionnaire.objects.order_by("pk").values()),
        list(FollowUpLink.objects.order_by("pk").values()),
        list(ChangeRequest.objects.order_by("pk").values()),
        list(ExitAssessment.objects.order_by("pk").values()),
        FollowUpQuestionnaire.history.count(),
        ChangeRequest.history.count(),
        Trainee.history.count(),
        Order.history.count(),
    )


# name: (write, what a closed action does: True = accepted, False = refused as « fermée »)
WRITES = {
    "followup_save": (
        lambda s: services.followup_save(
            questionnaire=s.questionnaire, action=services.DRAFT, situation="demandeur_emploi", now=NOW
        ),
        True,
    ),
    "followup_link_create": (
        lambda s: services.followup_link_create(questionnaire=s.questionnaire, now=NOW),
        True,
    ),
    "followup_answer_by_token": (
        lambda s: services.followup_answer_by_token(
            token=s.token, situation="cdi", job_title="Maraîchère", employer_postcode="81000", now=NOW
        ),
        True,
    ),
    "change_request_create (identité)": (
        lambda s: services.change_request_create(
            order=s.order,
            kind=ChangeKind.TRAINEE_IDENTITY,
            enrolment=s.second,
            new_values={"last_name": "DUBOIS-LEROY"},
            reason="Nom d'usage",
            now=NOW,
        ),
        True,
    ),
    "change_request_create (volume)": (
        lambda s: services.change_request_create(
            order=s.order,
            kind=ChangeKind.VOLUME,
            new_values={"volume_hours": "4000"},
            reason="Volume",
            now=NOW,
        ),
        False,
    ),
    "change_request_approve (identité)": (
        lambda s: services.change_request_approve(change_request=s.identity_request, now=NOW),
        True,
    ),
    "change_request_approve (date de fin)": (
        lambda s: services.change_request_approve(change_request=s.end_date_request, now=NOW),
        False,
    ),
    "change_request_refuse": (
        lambda s: services.change_request_refuse(
            change_request=s.end_date_request, comment="Pas de justificatif", now=NOW
        ),
        True,
    ),
    "assessment_save": (
        lambda s: services.assessment_save(enrolment=s.first, action=services.DRAFT, situation="cdi"),
        False,
    ),
    "order_real_end_set": (
        lambda s: services.order_real_end_set(order=s.order, real_end=dt.date(2023, 4, 28)),
        False,
    ),
}


@pytest.mark.parametrize("status", list(STATES))
@pytest.mark.parametrize("write", list(WRITES))
def test_writes_after_the_closing(setup, status, write):
    call, allowed_when_closed = WRITES[write]
    Order.objects.filter(pk=setup.order.pk).update(status=status)
    before = _snapshot()
    if status == OrderStatus.CLOSED and allowed_when_closed:
        call(setup)
        assert _snapshot() != before
        return
    with pytest.raises(services.ClosingError) as info:
        call(setup)
    assert info.value.message.startswith(STATES[status]), info.value.message
    assert _snapshot() == before


def test_an_approved_identity_request_corrects_the_trainee_of_a_closed_action(setup):
    Order.objects.filter(pk=setup.order.pk).update(status=OrderStatus.CLOSED)
    request = services.change_request_approve(change_request=setup.identity_request, now=NOW)
    assert request.status == ChangeStatus.APPROVED
    assert Trainee.objects.get(pk=setup.first.trainee_id).first_name == "Léna"


def test_the_questionnaire_answered_on_a_closed_action_is_validated(setup):
    Order.objects.filter(pk=setup.order.pk).update(status=OrderStatus.CLOSED)
    services.followup_answer_by_token(token=setup.token, situation="formation", now=NOW)
    assert FollowUpQuestionnaire.objects.get(pk=setup.questionnaire.pk).state == AssessmentState.VALIDATED
