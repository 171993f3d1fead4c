"""A small world for access tests: two Régions, two OFs, one user per role.

Everything that belongs to OF 1 (and to Région A's orders) carries MARKER in a text field, so that
a test can assert that another organisation's responses never contain it.
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from formarche.accounts.models import Membership, Role, User
from tests.factories import MembershipFactory, OrganisationFactory

MARKER = "ZQXALPHA"
PASSWORD = "mot-de-passe-de-test"


@dataclass
class World:
    region_a: object
    region_b: object
    of1: object
    of2: object
    users: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


ROLES = {
    # key: (organisation attribute, role)
    "of1_staff": ("of1", Role.OF_STAFF),
    "of1_manager": ("of1", Role.OF_MANAGER),
    "of2_manager": ("of2", Role.OF_MANAGER),
    "region_a_officer": ("region_a", Role.REGION_OFFICER),
    "region_a_manager": ("region_a", Role.REGION_MANAGER),
    "region_b_officer": ("region_b", Role.REGION_OFFICER),
}

# Who must never see OF 1's data.
FOREIGN_TO_OF1 = ("of2_manager", "region_b_officer")


def build_world() -> World:
    region_a = OrganisationFactory(region=True, name="Région Alpha")
    region_b = OrganisationFactory(region=True, name="Région Bêta")
    of1 = OrganisationFactory(name=f"Organisme {MARKER}", director_name=f"Dirigeant {MARKER}")
    of2 = OrganisationFactory(name="Organisme Deux")
    world = World(region_a=region_a, region_b=region_b, of1=of1, of2=of2)
    hashed = make_password(PASSWORD, hasher="md5")
    for key, (org_attr, role) in ROLES.items():
        user = User.objects.create(
            email=f"{key}@exemple.fr", password=hashed, first_name="Test", last_name=key
        )
        world.users[key] = user
        world.memberships[key] = MembershipFactory(
            user=user, organisation=getattr(world, org_attr), role=role
        )
    # a member of OF 1 with a marked name: OF 2 must never see them
    marked = User.objects.create(email="marque@exemple.fr", password=hashed, last_name=MARKER)
    world.objects["of1_marked_membership"] = Membership.objects.create(
        user=marked, organisation=of1, role=Role.OF_STAFF
    )
    for extend in EXTENSIONS:
        extend(world)
    return world


# Later apps append functions that add their objects to the world (orders, trainees, invoices…).
EXTENSIONS = []


def _orders_and_hours(world):
    """OF 1 has a marked order from Région A, with a component, a trainee, an enrolment and hours;
    OF 2 has an order of its own from Région A; Région B orders nothing from OF 1."""
    import datetime as dt
    from decimal import Decimal

    from tests.factories import (
        AttendanceFactory,
        ComponentFactory,
        EnrolmentFactory,
        OrderFactory,
        TraineeFactory,
    )

    order = OrderFactory(region=world.region_a, provider=world.of1, title=f"Action {MARKER}")
    world.objects["order"] = order
    world.objects["component"] = ComponentFactory(order=order, label=f"Composante {MARKER}")
    trainee = TraineeFactory(organisation=world.of1, last_name=f"Stagiaire{MARKER}")
    world.objects["trainee"] = trainee
    enrolment = EnrolmentFactory(order=order, trainee=trainee)
    world.objects["enrolment"] = enrolment
    world.objects["attendance"] = AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6))
    world.objects["of2_order"] = OrderFactory(region=world.region_a, provider=world.of2, title="Action Deux")
    world.objects["region_b_order"] = OrderFactory(
        region=world.region_b, provider=world.of2, amount=Decimal("1000")
    )


EXTENSIONS.append(_orders_and_hours)


def _import_job(world):
    """OF 1 has an import job (its file name carries the marker)."""
    from formarche.imports.models import ImportJob, ImportKind, ImportStatus

    world.objects["import_job"] = ImportJob.objects.create(
        organisation=world.of1,
        kind=ImportKind.HOURS_DAILY,
        file_name=f"heures-{MARKER}.csv",
        file_hash="0" * 64,
        status=ImportStatus.DONE,
        total_rows=1,
        processed_rows=1,
        report={"summary": f"Import {MARKER}", "errors": [], "error_count": 0},
    )


EXTENSIONS.append(_import_job)


def _export_job(world):
    """OF 1 has a finished export job with its file (its title carries the marker)."""
    from django.core.files.base import ContentFile

    from formarche.jobs.models import Job, JobStatus

    job = Job.objects.create(
        organisation=world.of1,
        kind="factures_mois",
        params={"month": "2023-03", "tenant_role": "of_manager"},
        title=f"Factures {MARKER}",
        status=JobStatus.DONE,
        attempts=1,
        total=1,
        done=1,
        result_name="factures-2023-03.zip",
    )
    job.result.save("factures-2023-03.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=True)
    world.objects["export_job"] = job


EXTENSIONS.append(_export_job)


def _bpf(world):
    """BPF: OF 1's fiscal year 2023 (with a marked account and product) and a marked trainer."""
    import datetime as dt
    from decimal import Decimal

    from formarche.bpf.models import (
        AccountLine,
        FiscalYear,
        OtherProduct,
        Trainer,
        TrainerHours,
        TrainerStatusPeriod,
    )

    fy = FiscalYear.objects.create(
        organisation=world.of1, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31)
    )
    world.objects["fiscal_year"] = fy
    AccountLine.objects.create(
        fiscal_year=fy, account="6411", label=f"Salaires {MARKER}", debit=Decimal("1000"), source="saisie"
    )
    OtherProduct.objects.create(
        organisation=world.of1,
        on=dt.date(2023, 5, 1),
        label=f"Outils {MARKER}",
        kind="other",
        other_kind="teaching_tools",
        amount=Decimal("100"),
    )
    trainer = Trainer.objects.create(organisation=world.of1, last_name=f"Formateur{MARKER}")
    TrainerStatusPeriod.objects.create(trainer=trainer, start=dt.date(2020, 1, 1), status="cdi")
    TrainerHours.objects.create(trainer=trainer, day=dt.date(2023, 3, 6), hours=Decimal("7"))
    world.objects["trainer"] = trainer


EXTENSIONS.append(_bpf)


def _invoice(world):
    """Billing: March 2023 of OF 1's order validated and its invoice issued (the invoice freezes
    OF 1's name, which carries MARKER, as its seller)."""
    import datetime as dt

    from formarche.billing import services

    user = world.users["of1_manager"]
    period = services.period_validate(order=world.objects["order"], month=dt.date(2023, 3, 1), user=user)
    world.objects["period"] = period
    world.objects["invoice"] = services.invoice_issue(period=period, user=user, today=dt.date(2023, 4, 5))


EXTENSIONS.append(_invoice)


def _documents_and_signing(world):
    """OF 1 has a stored document (its original name carries the marker) and an open émargement
    session (its trainer's name carries the marker) with one sealed signature."""
    import datetime as dt

    from django.utils import timezone

    from formarche.documents.models import DocumentType
    from formarche.documents.services import document_upload
    from formarche.signing.services import session_open, signature_record_on_device
    from tests.factories import SessionFactory, signature_data_url

    order = world.objects["order"]
    world.objects["document"] = document_upload(
        order=order,
        uploaded=b"%PDF-1.4\n% test\n",
        name=f"convention-{MARKER}.pdf",
        doc_type=DocumentType.AGREEMENT,
    )
    session = SessionFactory(order=order, date=dt.date(2023, 3, 6), trainer_name=f"Formateur {MARKER}")
    session = session_open(session=session)
    world.objects["session"] = session
    world.objects["signature"] = signature_record_on_device(
        session=session,
        enrolment=world.objects["enrolment"],
        data_url=signature_data_url(),
        ip="127.0.0.1",
        user_agent="pytest",
        now=timezone.make_aware(dt.datetime(2023, 3, 6, 9, 5)),
    )


EXTENSIONS.append(_documents_and_signing)


def _closing(world):
    """OF 1's order has a pending change request (its reason carries the marker), a draft bilan and
    a follow-up questionnaire for its enrolment."""
    import datetime as dt

    from django.utils import timezone

    from formarche.closing.models import (
        AssessmentState,
        ChangeKind,
        ChangeRequest,
        ExitAssessment,
        FollowUpQuestionnaire,
    )

    order = world.objects["order"]
    enrolment = world.objects["enrolment"]
    world.objects["change_request"] = ChangeRequest.objects.create(
        order=order,
        kind=ChangeKind.END_DATE,
        old_values={"planned_end": order.planned_end.isoformat(), "real_end": None},
        new_values={"end_date": "2023-04-28"},
        reason=f"Dernière sortie {MARKER}",
        requested_at=timezone.now(),
    )
    ExitAssessment.objects.create(enrolment=enrolment, state=AssessmentState.DRAFT, comment=f"Bilan {MARKER}")
    FollowUpQuestionnaire.objects.create(
        enrolment=enrolment, due_date=dt.date(2023, 10, 28), comment=f"Suivi {MARKER}"
    )


EXTENSIONS.append(_closing)


def _penalty(world):
    """Région A entered a penalty on OF 1's order (its label and reason carry the marker)."""
    from decimal import Decimal

    from formarche.billing import services

    world.objects["penalty"] = services.adjustment_add(
        order=world.objects["order"],
        user=world.users["region_a_officer"],
        kind="penalite",
        label=f"Retard {MARKER}",
        amount=Decimal("150.00"),
        reason=f"Bilans remis en retard {MARKER}",
    )


EXTENSIONS.append(_penalty)


def _co_funding(world):
    """Issue #7: OF 1's enrolment has a co-funding, the trainee's own share (its label carries the
    marker)."""
    from decimal import Decimal

    from formarche.trainees.models import EnrolmentFunding, Payer

    world.objects["funding"] = EnrolmentFunding.objects.create(
        enrolment=world.objects["enrolment"],
        payer=Payer.INDIVIDUAL,
        amount=Decimal("300.00"),
        label=f"Reste à charge {MARKER}",
    )


EXTENSIONS.append(_co_funding)


def _transfer_job(world):
    """Issue #19.5: OF 1 has a finished interchange export (its title carries the marker)."""
    from django.core.files.base import ContentFile

    from formarche.jobs.models import Job, JobStatus

    job = Job.objects.create(
        organisation=world.of1,
        kind="echange_export",
        params={"start": "2023-01-01", "end": "2023-12-31", "tenant_role": "of_manager"},
        title=f"Export d'échange {MARKER}",
        status=JobStatus.DONE,
        attempts=1,
        total=2,
        done=2,
        result_name="echange.json",
    )
    job.result.save("echange.json", ContentFile(f'{{"marker": "{MARKER}"}}'.encode()), save=True)
    world.objects["transfer_job"] = job


EXTENSIONS.append(_transfer_job)


def add_of2_objects(world):
    """Issue #17: OF 2's own document, co-funding and penalty (and the enrolment they hang on), so
    the routes of those objects are walked from both sides. Not in EXTENSIONS: only the URL walk
    asks for them (other tests count OF 1's enrolments and trainees in the shared world)."""
    from decimal import Decimal

    from formarche.billing import services as billing_services
    from formarche.documents.models import DocumentType
    from formarche.documents.services import document_upload
    from formarche.trainees.models import EnrolmentFunding, Payer
    from tests.factories import EnrolmentFactory, TraineeFactory

    order = world.objects["of2_order"]
    trainee = TraineeFactory(organisation=world.of2, last_name="StagiaireDeux")
    world.objects["of2_trainee"] = trainee
    enrolment = EnrolmentFactory(order=order, trainee=trainee)
    world.objects["of2_enrolment"] = enrolment
    world.objects["of2_document"] = document_upload(
        order=order,
        uploaded=b"%PDF-1.4\n% deux\n",
        name="convention-deux.pdf",
        doc_type=DocumentType.AGREEMENT,
    )
    world.objects["of2_funding"] = EnrolmentFunding.objects.create(
        enrolment=enrolment, payer=Payer.INDIVIDUAL, amount=Decimal("200.00"), label="Reste à charge deux"
    )
    world.objects["of2_penalty"] = billing_services.adjustment_add(
        order=order,
        user=world.users["region_a_officer"],
        kind="penalite",
        label="Retard deux",
        amount=Decimal("50.00"),
        reason="Bilans remis en retard (organisme deux)",
    )


def _api_token(world):
    """Issue #19: OF 1's manager created an API token (its name carries the marker)."""
    import datetime as dt

    from formarche.api.services import api_token_create

    world.objects["api_token"], _key = api_token_create(
        membership=world.memberships["of1_manager"],
        name=f"Jeton {MARKER}",
        scopes=["hours:write"],
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )


EXTENSIONS.append(_api_token)
