"""Trainee and enrolment rules: duplicates, double enrolment, headcount, exit."""

import datetime as dt
from decimal import Decimal

import pytest

from formarche.trainees import selectors, services
from formarche.trainees.models import EntryStatus, ExitReason, Payer, Trainee, normalize_name
from tests.factories import AttendanceFactory, EnrolmentFactory, OrderFactory, TraineeFactory

pytestmark = pytest.mark.django_db


def _create(organisation, **kw):
    values = {
        "organisation": organisation,
        "civility": "mme",
        "last_name": "Hélène-Dupré",
        "first_name": "Léa",
        "birth_date": dt.date(1990, 5, 17),
        "entry_status": EntryStatus.JOB_SEEKER,
    }
    values.update(kw)
    return services.trainee_create(**values)


@pytest.mark.parametrize(
    ("raw", "key"),
    [("Hélène-Dupré", "helene dupre"), ("  D'ARC  ", "d arc"), ("Çà  et   là", "ca et la"), ("", "")],
)
def test_names_compare_without_accents_case_or_hyphens(raw, key):
    assert normalize_name(raw) == key


def test_same_name_and_birth_date_is_flagged_before_saving(world):
    first = _create(world.of1)
    with pytest.raises(services.DuplicateSuspected) as refused:
        _create(world.of1, last_name="HELENE dupre", first_name="lea")
    assert "Il s'agit peut-être d'un doublon" in refused.value.message
    assert refused.value.duplicates == [first]
    assert (
        Trainee.objects.filter(
            organisation=world.of1, birth_date=dt.date(1990, 5, 17), last_name__startswith="H"
        ).count()
        == 1
    )


def test_duplicate_saved_when_confirmed(world):
    _create(world.of1)
    _create(world.of1, confirm_duplicate=True)
    assert (
        Trainee.objects.filter(
            organisation=world.of1, birth_date=dt.date(1990, 5, 17), last_name="Hélène-Dupré"
        ).count()
        == 2
    )


def test_other_birth_date_or_other_of_is_no_duplicate(world):
    _create(world.of1)
    _create(world.of1, birth_date=dt.date(1991, 5, 17))
    _create(world.of2)


def test_double_enrolment_refused_in_french(world):
    enrolment = world.objects["enrolment"]
    with pytest.raises(services.TraineeError, match="déjà inscrit"):
        services.enrolment_create(
            order=enrolment.order, trainee=enrolment.trainee, planned_hours=Decimal("10")
        )


def test_another_ofs_trainee_cannot_be_enrolled(world):
    stranger = TraineeFactory(organisation=world.of2)
    with pytest.raises(services.TraineeError, match="n'appartient pas"):
        services.enrolment_create(order=world.objects["order"], trainee=stranger, planned_hours=Decimal("10"))


def test_beyond_planned_headcount_needs_confirmation(db):
    order = OrderFactory(planned_headcount=1)
    EnrolmentFactory(order=order)
    extra = TraineeFactory(organisation=order.provider)
    with pytest.raises(services.HeadcountExceeded, match=r"effectif prévu de l'action \(1\)"):
        services.enrolment_create(order=order, trainee=extra, planned_hours=Decimal("10"))
    assert order.enrolments.count() == 1
    enrolment = services.enrolment_create(
        order=order, trainee=extra, planned_hours=Decimal("10"), confirm_over_headcount=True
    )
    assert enrolment.entry_date == order.planned_start
    assert enrolment.payer == Payer.REGION
    assert (
        selectors.headcount_confirmation_label(order)
        == "Je confirme l'inscription au-delà de l'effectif prévu (1)"
    )


def test_several_trainees_all_or_nothing(db):
    order = OrderFactory(planned_headcount=0)
    already = EnrolmentFactory(order=order)
    fresh = TraineeFactory(organisation=order.provider)
    with pytest.raises(services.TraineeError):
        services.enrolment_create_many(
            order=order, trainees=[fresh, already.trainee], planned_hours=Decimal("5")
        )
    assert not fresh.enrolments.exists()


def test_entry_date_outside_the_action_refused(db):
    order = OrderFactory()
    trainee = TraineeFactory(organisation=order.provider)
    with pytest.raises(services.TraineeError, match="date d'entrée"):
        services.enrolment_create(
            order=order, trainee=trainee, planned_hours=Decimal("1"), entry_date=dt.date(2020, 1, 1)
        )


@pytest.mark.parametrize(
    ("exit_date", "reason", "message"),
    [
        (dt.date(2023, 2, 1), ExitReason.COMPLETED, "précède la date d'entrée"),
        (dt.date(2023, 6, 30), "", "Indiquez le motif de sortie"),
        (dt.date(2023, 6, 30), ExitReason.OTHER, "Précisez le motif"),
    ],
)
def test_exit_constraints(world, exit_date, reason, message):
    enrolment = world.objects["enrolment"]
    with pytest.raises(services.TraineeError, match=message):
        services.enrolment_update_exit(enrolment=enrolment, exit_date=exit_date, exit_reason=reason)
    enrolment.refresh_from_db()
    assert enrolment.exit_date is None


def test_no_hours_after_the_exit_date(world):
    enrolment = world.objects["enrolment"]  # 7 h on 06/03/2023
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 9))
    with pytest.raises(services.TraineeError) as refused:
        services.enrolment_update_exit(
            enrolment=enrolment, exit_date=dt.date(2023, 3, 5), exit_reason=ExitReason.DROPOUT
        )
    assert "06/03/2023, 09/03/2023" in refused.value.message
    assert refused.value.days == [dt.date(2023, 3, 6), dt.date(2023, 3, 9)]
    done = services.enrolment_update_exit(
        enrolment=enrolment, exit_date=dt.date(2023, 3, 9), exit_reason=ExitReason.DROPOUT
    )
    assert done.exit_date == dt.date(2023, 3, 9)
    cleared = services.enrolment_update_exit(enrolment=enrolment, exit_date=None)
    assert cleared.exit_date is None and cleared.exit_reason == ""


def test_entry_date_cannot_move_after_recorded_hours(world):
    enrolment = world.objects["enrolment"]
    with pytest.raises(services.TraineeError, match="avant cette date d'entrée"):
        services.enrolment_change(
            enrolment=enrolment,
            entry_date=dt.date(2023, 3, 10),
            planned_hours=Decimal("300"),
            payer=Payer.REGION,
        )
