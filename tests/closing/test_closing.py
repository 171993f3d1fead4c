"""Closing an action: the seed's three conditions, each missing item listed, closing blocked then
allowed, the end-date change request, e-mails."""

import datetime as dt

import pytest
from django.core import mail

from formarche.closing import selectors, services
from formarche.closing.models import (
    AssessmentState,
    ChangeKind,
    ChangeRequest,
    ComponentExit,
    FollowUpQuestionnaire,
)
from formarche.orders.models import Order, OrderStatus
from formarche.trainees.models import Enrolment, ExitReason
from tests.closing.conftest import LAST_DAY

pytestmark = pytest.mark.django_db
EXIT = services.ExitEntry(LAST_DAY, ExitReason.COMPLETED)


def exit_all(action, user, entry=EXIT):
    for e in action.enrolments:
        services.exits_set_for_all_components(enrolment=e, entry=entry, by=user)


def validate_all(action, user):
    for e in action.enrolments:
        services.assessment_save(
            enrolment=e,
            action=services.VALIDATE,
            situation="cdi",
            job_title="Ouvrier agricole",
            employer_postcode="81000",
            by=user,
        )


def approve_end_date(action, staff, officer, end=LAST_DAY):
    cr = services.change_request_create(
        order=action.order,
        kind=ChangeKind.END_DATE,
        new_values={"end_date": end},
        reason="Le dernier stagiaire est sorti le 28/04/2023.",
        by=staff,
    )
    return services.change_request_approve(change_request=cr, by=officer, comment="D'accord.")


def test_each_missing_condition_is_listed_precisely(action):
    status = selectors.closing_status(action.order)
    assert status.missing == [
        "3 stagiaires sans date de sortie sur la composante C1 : DUBOIS Hugo, LEROY Chloé, MARTIN Léa",
        "3 stagiaires sans date de sortie sur la composante C2 : DUBOIS Hugo, LEROY Chloé, MARTIN Léa",
        "3 bilans non validés : DUBOIS Hugo (bilan à saisir), LEROY Chloé (bilan à saisir), MARTIN Léa (bilan à saisir)",
        "Date de fin réelle manquante",
    ]
    assert not status.can_close and status.last_exit is None and not status.is_closed


def test_partial_exits_name_who_is_missing_on_which_component(action, world):
    staff = world.users["of1_staff"]
    dubois, leroy, martin = action.enrolments
    services.component_exit_set(
        enrolment=dubois, component=action.c1, exit_date=LAST_DAY, reason="fin_formation", by=staff
    )
    services.exits_set_for_all_components(enrolment=leroy, entry=EXIT, by=staff)
    services.assessment_save(enrolment=leroy, action=services.DRAFT, situation="cdi", by=staff)
    status = selectors.closing_status(action.order)
    assert status.missing[:3] == [
        "1 stagiaire sans date de sortie sur la composante C1 : MARTIN Léa",
        "2 stagiaires sans date de sortie sur la composante C2 : DUBOIS Hugo, MARTIN Léa",
        "3 bilans non validés : DUBOIS Hugo (bilan à saisir), LEROY Chloé (bilan en brouillon), MARTIN Léa (bilan à saisir)",
    ]
    # the last exit is known; it precedes the planned end: the change request is announced
    assert status.last_exit == LAST_DAY
    assert status.missing[3:] == [
        "Date de fin réelle manquante",
        "La dernière sortie (28/04/2023) précède la date de fin prévue (31/08/2024) : "
        "déposez une demande de modification de la date de fin",
    ]
    # the enrolment's exit follows the components: set for LEROY (both), not for DUBOIS (C1 only)
    dubois.refresh_from_db()
    leroy.refresh_from_db()
    assert dubois.exit_date is None
    assert (leroy.exit_date, leroy.exit_reason) == (LAST_DAY, "fin_formation")
    assert FollowUpQuestionnaire.objects.get(enrolment=leroy).due_date == dt.date(2023, 10, 28)
    assert not FollowUpQuestionnaire.objects.filter(enrolment=dubois).exists()


def test_real_end_different_from_last_exit_asks_for_a_change_request(action, world):
    staff = world.users["of1_staff"]
    exit_all(action, staff)
    validate_all(action, staff)
    services.order_real_end_set(order=action.order, real_end=dt.date(2024, 9, 12), by=staff)
    status = selectors.closing_status(Order.objects.get(pk=action.order.pk))
    assert status.missing == [
        "La date de fin réelle (12/09/2024) diffère de la dernière sortie (28/04/2023) : déposez une demande de modification"
    ]
    with pytest.raises(services.ClosingError) as refused:
        services.order_close(order=action.order, by=staff)
    assert refused.value.errors == status.missing
    assert Order.objects.get(pk=action.order.pk).status == OrderStatus.OPEN
    assert mail.outbox == []


def test_closing_blocked_then_allowed_with_the_approved_end_date(
    action, world, django_capture_on_commit_callbacks
):
    staff, officer = world.users["of1_staff"], world.users["region_a_officer"]
    exit_all(action, staff)
    validate_all(action, staff)
    # the real end equals the last exit, but the planned end is later: a change request is needed
    with pytest.raises(services.ClosingError) as refused:
        services.order_close(order=action.order, by=staff, real_end=LAST_DAY)
    assert refused.value.errors == [
        "La date de fin réelle (28/04/2023) diffère de la date de fin prévue (31/08/2024) : "
        "déposez une demande de modification de la date de fin"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        cr = approve_end_date(action, staff, officer)
    order = Order.objects.get(pk=action.order.pk)
    assert (order.planned_end, order.real_end) == (LAST_DAY, LAST_DAY)
    # audited: the order's history names the request and the officer
    record = order.history.first()
    assert record.history_change_reason == f"Demande de modification n° {cr.pk} acceptée"
    assert record.history_user == officer
    assert cr.history.count() == 2
    status = selectors.closing_status(order)
    assert status.missing == [] and status.can_close
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_close(order=order, by=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert order.history.first().history_change_reason == "Fermeture de l'action"
    assert len(mail.outbox) == 1
    recipients = set(mail.outbox[0].to)
    assert officer.email in recipients  # the référent
    assert {world.users["of1_staff"].email, world.users["of1_manager"].email} <= recipients
    assert world.users["of2_manager"].email not in recipients
    assert "fermée" in mail.outbox[0].subject
    status = selectors.closing_status(order)
    assert status.is_closed and not status.can_close and status.missing == []
    # a closed action refuses exits, bilans and a second closing; it can be archived
    with pytest.raises(services.ClosingError, match="fermée"):
        services.exits_set_for_all_components(enrolment=action.enrolments[0], entry=EXIT, by=staff)
    with pytest.raises(services.ClosingError, match="fermée"):
        services.assessment_save(
            enrolment=action.enrolments[0], action=services.VALIDATE, situation="cdi", by=staff
        )
    with pytest.raises(services.ClosingError, match="déjà fermée"):
        services.order_close(order=order, by=staff)
    services.order_archive(order=order, by=officer)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ARCHIVED


def test_exit_before_recorded_hours_is_refused_and_changes_nothing(action, world):
    staff = world.users["of1_staff"]
    enrolment = action.enrolments[0]
    with pytest.raises(services.ClosingError) as refused:
        services.exits_set_for_all_components(
            enrolment=enrolment, entry=services.ExitEntry(dt.date(2023, 4, 27), "fin_formation"), by=staff
        )
    assert "des heures sont enregistrées après la sortie du 27/04/2023 (28/04/2023)" in refused.value.message
    assert not ComponentExit.objects.filter(enrolment=enrolment).exists()
    assert Enrolment.objects.get(pk=enrolment.pk).exit_date is None


@pytest.mark.parametrize(
    "entry, message",
    [
        (services.ExitEntry(LAST_DAY, "abandon"), "précisez la raison de l'abandon"),
        (services.ExitEntry(LAST_DAY, "autre", "  "), "précisez le motif « Autre »"),
        (services.ExitEntry(LAST_DAY, ""), "indiquez le motif de sortie"),
        (services.ExitEntry(dt.date(2023, 2, 1), "fin_formation"), "précède la date d'entrée"),
        (services.ExitEntry(dt.date(2999, 1, 1), "fin_formation"), "est dans le futur"),
    ],
)
def test_bad_exits_are_refused(action, world, entry, message):
    with pytest.raises(services.ClosingError, match=message):
        services.exits_set_for_all_components(
            enrolment=action.enrolments[0], entry=entry, by=world.users["of1_staff"]
        )
    assert not ComponentExit.objects.exists()


def test_abandon_with_its_reason_and_certification_result(action, world):
    enrolment = action.enrolments[0]
    services.exits_set_for_all_components(
        enrolment=enrolment,
        entry=services.ExitEntry(dt.date(2023, 4, 28), "abandon", "Raisons de santé"),
        certification_result="non_presentee",
        by=world.users["of1_staff"],
    )
    enrolment.refresh_from_db()
    assert (enrolment.exit_reason, enrolment.exit_reason_detail) == ("abandon", "Raisons de santé")
    assert enrolment.exit_outcome.certification_result == "non_presentee"
    # clearing one component's exit clears the enrolment's exit and its unanswered questionnaire
    services.component_exit_set(
        enrolment=enrolment, component=action.c2, exit_date=None, by=world.users["of1_staff"]
    )
    enrolment.refresh_from_db()
    assert enrolment.exit_date is None
    assert not FollowUpQuestionnaire.objects.filter(enrolment=enrolment).exists()


def test_bilan_draft_then_validated(action, world):
    staff = world.users["of1_staff"]
    enrolment = action.enrolments[0]
    draft = services.assessment_save(
        enrolment=enrolment, action=services.DRAFT, situation="interim", by=staff
    )
    assert draft.state == AssessmentState.DRAFT
    with pytest.raises(services.ClosingError, match="pas encore de date de sortie"):
        services.assessment_save(
            enrolment=enrolment, action=services.VALIDATE, situation="formation", by=staff
        )
    services.exits_set_for_all_components(enrolment=enrolment, entry=EXIT, by=staff)
    with pytest.raises(services.ClosingError, match="intitulé du poste et le code postal"):
        services.assessment_save(enrolment=enrolment, action=services.VALIDATE, situation="cdi", by=staff)
    with pytest.raises(services.ClosingError, match="5 chiffres"):
        services.assessment_save(
            enrolment=enrolment,
            action=services.VALIDATE,
            situation="cdi",
            job_title="X",
            employer_postcode="8100",
            by=staff,
        )
    with pytest.raises(services.ClosingError, match="Indiquez la situation"):
        services.assessment_save(enrolment=enrolment, action=services.VALIDATE, by=staff)
    done = services.assessment_save(
        enrolment=enrolment,
        action=services.VALIDATE,
        situation="demandeur_emploi",
        comment="Recherche active",
        by=staff,
    )
    assert done.state == AssessmentState.VALIDATED and done.validated_by == staff and done.validated_at
    with pytest.raises(services.ClosingError, match="est validé"):
        services.assessment_save(enrolment=enrolment, action=services.DRAFT, situation="cdi", by=staff)


def test_action_without_component_uses_the_enrolment_exit(world):
    from tests.factories import EnrolmentFactory, OrderFactory

    order = OrderFactory(region=world.region_a, provider=world.of1, planned_end=dt.date(2023, 4, 28))
    enrolment = EnrolmentFactory(order=order)
    assert (
        selectors.closing_status(order).missing[0] == f"1 stagiaire sans date de sortie : {enrolment.trainee}"
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(exit_date=LAST_DAY, exit_reason="fin_formation")
    services.assessment_save(enrolment=enrolment, action=services.VALIDATE, situation="formation", by=None)
    status = selectors.closing_status(order, real_end=LAST_DAY)
    assert status.missing == [] and status.last_exit == LAST_DAY


def test_closing_status_query_count_does_not_grow(action, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        selectors.closing_status(action.order)
    from tests.factories import EnrolmentFactory

    for _ in range(5):
        EnrolmentFactory(order=action.order)
    with django_assert_max_num_queries(6):
        selectors.closing_status(action.order)


def test_change_requests_refused_or_applied(action, world):
    staff, officer = world.users["of1_staff"], world.users["region_a_officer"]
    cr = services.change_request_create(
        order=action.order,
        kind=ChangeKind.UNIT_PRICE,
        new_values={"unit_price": "12.00"},
        reason="Avenant",
        by=staff,
    )
    assert cr.new_values == {"unit_price": "12.00", "amount": "58800.00"}  # 4 900 h × 12,00
    with pytest.raises(services.ClosingError, match="déjà en attente"):
        services.change_request_create(
            order=action.order,
            kind=ChangeKind.UNIT_PRICE,
            new_values={"unit_price": "13"},
            reason="Autre",
            by=staff,
        )
    with pytest.raises(services.ClosingError, match="Un refus est motivé"):
        services.change_request_refuse(change_request=cr, by=officer, comment=" ")
    services.change_request_refuse(change_request=cr, by=officer, comment="Pas d'avenant signé.")
    assert Order.objects.get(pk=action.order.pk).unit_price == action.order.unit_price
    with pytest.raises(services.ClosingError, match="déjà refusée"):
        services.change_request_approve(change_request=cr, by=officer)
    # a trainee's identity
    martin = action.enrolments[2]
    cr = services.change_request_create(
        order=action.order,
        kind=ChangeKind.TRAINEE_IDENTITY,
        enrolment=martin,
        new_values={"last_name": "MARTIN-DURAND", "first_name": "Léa", "birth_date": None},
        reason="Nom d'usage",
        by=staff,
    )
    assert cr.new_values == {"last_name": "MARTIN-DURAND"}
    services.change_request_approve(change_request=cr, by=officer)
    martin.trainee.refresh_from_db()
    assert martin.trainee.last_name == "MARTIN-DURAND"
    assert ChangeRequest.objects.approved().count() == 1
    # bad input changes nothing
    for kind, values, message in [
        (ChangeKind.END_DATE, {"end_date": None}, "nouvelle date de fin"),
        (ChangeKind.END_DATE, {"end_date": dt.date(2022, 1, 1)}, "précède le début"),
        (ChangeKind.VOLUME, {"volume_hours": "-3"}, "nombre positif"),
        (ChangeKind.VOLUME, {"volume_hours": "abc"}, "nombre attendu"),
        (ChangeKind.TRAINEE_IDENTITY, {"last_name": "X"}, "Choisissez un stagiaire"),
    ]:
        with pytest.raises(services.ClosingError, match=message):
            services.change_request_create(
                order=action.order, kind=kind, new_values=values, reason="r", by=staff
            )
    assert ChangeRequest.objects.filter(order=action.order).count() == 2
