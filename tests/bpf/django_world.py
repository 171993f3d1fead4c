"""A small hand-computed world for the BPF selector (Django): see test_selector.py for the figures."""

import datetime as dt
from decimal import Decimal as D

from formarche.attendance.models import Attendance
from formarche.bpf.models import (
    AccountLine,
    FiscalYear,
    OtherProduct,
    Subcontracting,
    Trainer,
    TrainerHours,
    TrainerStatusPeriod,
)
from formarche.trainees.models import EntryStatus
from tests.factories import EnrolmentFactory, OrderFactory, OrganisationFactory, TraineeFactory


def hours(enrolment, day, realised, counted="0", kind="jour"):
    return Attendance.objects.create(
        enrolment=enrolment,
        day=day,
        kind=kind,
        realised_hours=D(realised),
        counted_unrealised_hours=D(counted),
    )


def build(of=None):
    of = of or OrganisationFactory(
        name="Organisme du BPF",
        legal_form="SAS",
        address="1 rue de la Paix",
        postcode="31000",
        address_public=True,
        phone="0500000000",
        email="bpf@exemple.fr",
    )
    region = OrganisationFactory(region=True)
    a = OrderFactory(
        provider=of,
        region=region,
        unit_price=D("10.00"),
        certification_type="rncp",
        certification_level="4",
        nsf_code="314",
        title="Comptable",
    )
    b = OrderFactory(
        provider=of,
        region=region,
        unit_price=D("20.00"),
        training_kind="bilan",
        nsf_code="315",
        title="Bilan",
    )
    c = OrderFactory(
        provider=of,
        region=region,
        unit_price=D("15.00"),
        certification_type="rs",
        nsf_code="326",
        title="Reçue",
    )
    Subcontracting.objects.create(order=c, direction="recue", partner_name="Autre OF")
    t1 = TraineeFactory(organisation=of, last_name="Un", entry_status=EntryStatus.JOB_SEEKER)
    t2 = TraineeFactory(organisation=of, last_name="Deux", entry_status=EntryStatus.EMPLOYEE)
    t3 = TraineeFactory(organisation=of, last_name="Trois", entry_status=EntryStatus.JOB_SEEKER)
    t4 = TraineeFactory(organisation=of, last_name="Quatre", entry_status=EntryStatus.OTHER)
    # entered in December 2022: its hours of that month belong to the previous fiscal year
    e1a = EnrolmentFactory(order=a, trainee=t1, payer="c6", entry_date=dt.date(2022, 12, 1))
    e2a = EnrolmentFactory(order=a, trainee=t2, payer="c9")
    e3a = EnrolmentFactory(order=a, trainee=t3, payer="c6")
    e1b = EnrolmentFactory(order=b, trainee=t1, payer="c2h")
    e4c = EnrolmentFactory(order=c, trainee=t4, payer="c6")
    hours(e1a, dt.date(2022, 12, 15), "7")  # previous year
    hours(e1a, dt.date(2023, 3, 6), "7")
    hours(e1a, dt.date(2023, 3, 7), "3.5", "3.5")
    hours(e1a, dt.date(2023, 4, 1), "20", kind="mois")
    hours(e2a, dt.date(2023, 5, 2), "6")
    hours(e3a, dt.date(2023, 3, 6), "0", "7")
    hours(e1b, dt.date(2023, 6, 1), "4")
    hours(e4c, dt.date(2023, 7, 3), "10")
    hours(e4c, dt.date(2024, 1, 3), "10")  # next year
    OtherProduct.objects.create(
        organisation=of,
        on=dt.date(2023, 5, 1),
        label="Outils",
        kind="other",
        other_kind="teaching_tools",
        amount=D("100"),
    )
    OtherProduct.objects.create(
        organisation=of, on=dt.date(2023, 2, 1), label="Avance", kind="advance", amount=D("500")
    )
    tr1 = Trainer.objects.create(organisation=of, last_name="Formatrice")
    TrainerStatusPeriod.objects.create(trainer=tr1, start=dt.date(2020, 1, 1), status="cdi")
    TrainerHours.objects.create(trainer=tr1, day=dt.date(2023, 3, 6), hours=D("7"))
    TrainerHours.objects.create(trainer=tr1, day=dt.date(2023, 4, 1), hours=D("20"), kind="mois")
    tr2 = Trainer.objects.create(organisation=of, last_name="Externe")
    TrainerStatusPeriod.objects.create(trainer=tr2, start=dt.date(2023, 1, 1), status="external")
    TrainerHours.objects.create(trainer=tr2, day=dt.date(2023, 6, 1), hours=D("5.4"))
    fy = FiscalYear.objects.create(
        organisation=of, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31), allocation_rate=D("0.5")
    )
    for account, debit, credit, share in [
        ("6411", "1000", "0", None),
        ("604", "200", "0", "1"),
        ("6226", "100", "0", None),
        ("606", "300", "0", None),
        ("706", "0", "2000", None),
    ]:
        AccountLine.objects.create(
            fiscal_year=fy,
            account=account,
            debit=D(debit),
            credit=D(credit),
            training_share=D(share) if share else None,
            source="saisie",
        )
    return {
        "of": of,
        "fy": fy,
        "orders": (a, b, c),
        "enrolments": (e1a, e2a, e3a, e1b, e4c),
        "trainees": (t1, t2, t3, t4),
    }
