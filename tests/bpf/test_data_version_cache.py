"""The computed BPF is cached per data version (ADR 0025): every write that changes a figure —
whatever its path: service, ORM save, queryset update, bulk insert, raw SQL, COPY — changes it on
the very next read; a write elsewhere (another organisation) keeps the cached BPF."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.attendance.models import Attendance
from formarche.attendance.services import attendance_bulk_upsert
from formarche.bpf.models import AccountLine, OtherProduct, TrainerHours
from formarche.bpf.selectors import BPF_MEMO, bpf_compute, bpf_compute_cached
from formarche.organisations.dataversion import data_version
from tests.bpf import django_world
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small():
    data = django_world.build()
    BPF_MEMO.clear()
    return data


def cached(fy, key):
    return bpf_compute_cached(fiscal_year=fy).report[key]


def test_second_read_is_served_from_the_memo_and_equals_the_computation(small):
    fy = small["fy"]
    first = bpf_compute_cached(fiscal_year=fy)
    again = bpf_compute_cached(fiscal_year=fy)
    assert again.report is first.report and BPF_MEMO.hits == 1
    assert again.report.cells == bpf_compute(fiscal_year=fy).report.cells


def test_hours_through_the_write_path_change_the_figure(small):
    fy, e1a = small["fy"], small["enrolments"][0]
    assert cached(fy, "F1.c.h") == D("34.50")
    attendance_bulk_upsert(
        rows=[{"enrolment": e1a, "day": dt.date(2023, 3, 8), "realised_hours": D("2")}], source="test"
    )
    assert cached(fy, "F1.c.h") == D("36.50")


def test_queryset_update_and_delete_change_the_figure(small):
    fy, e1a = small["fy"], small["enrolments"][0]
    assert cached(fy, "F1.c.h") == D("34.50")
    Attendance.objects.filter(enrolment=e1a, day=dt.date(2023, 3, 6)).update(realised_hours=D("1"))
    assert cached(fy, "F1.c.h") == D("28.50")
    Attendance.objects.filter(enrolment=e1a, day=dt.date(2023, 3, 6)).delete()
    assert cached(fy, "F1.c.h") == D("27.50")


def test_bulk_create_changes_the_figure(small):
    fy, e1a = small["fy"], small["enrolments"][0]
    assert cached(fy, "F1.c.h") == D("34.50")
    Attendance.objects.bulk_create(
        [Attendance(enrolment=e1a, day=dt.date(2023, 9, d), realised_hours=D("1")) for d in (4, 5, 6)]
    )
    assert cached(fy, "F1.c.h") == D("37.50")


def test_raw_sql_and_copy_change_the_figure(small):
    """The import's paths: rows written by SQL the ORM never sees (COPY on PostgreSQL)."""
    fy, e1a = small["fy"], small["enrolments"][0]
    assert cached(fy, "F1.c.h") == D("34.50")
    from django.utils import timezone

    table = Attendance._meta.db_table
    obj = Attendance(enrolment=e1a, day=dt.date(2023, 10, 2), realised_hours=D("5"))
    obj.updated_at = timezone.now()
    fields = [f for f in Attendance._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    row = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write_row(row)
        else:
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(row))})", row)
    assert cached(fy, "F1.c.h") == D("39.50")


def test_trainee_enrolment_order_and_accounts_writes_change_the_figures(small):
    fy = small["fy"]
    a, _b, _c = small["orders"]
    t1 = small["trainees"][0]
    assert cached(fy, "C.6") == 410
    a.unit_price = D("20.00")
    a.save()
    assert cached(fy, "C.6") == 820  # the same hours at twice the price
    assert cached(fy, "F1.c.n") == 2
    type(t1).objects.filter(pk=t1.pk).update(entry_status="salarie")
    assert cached(fy, "F1.c.n") != 2
    assert cached(fy, "C.11") == 100
    OtherProduct.objects.filter(organisation=small["of"], kind="other").update(amount=D("300"))
    assert cached(fy, "C.11") == 300
    assert cached(fy, "D.salaries") == 500
    AccountLine.objects.filter(fiscal_year=fy, account="6411").update(debit=D("3000"))
    assert cached(fy, "D.salaries") == 1500
    assert cached(fy, "E.1.h") == 27
    TrainerHours.objects.filter(kind="mois").update(hours=D("30"))
    assert cached(fy, "E.1.h") == 37
    fy.training_charges = D("1234.40")
    fy.save()
    assert cached(fy, "D.total") == 1234


def test_invoice_changes_the_inputs_of_the_checks(small):
    from formarche.billing.models import Invoice, Period

    fy = small["fy"]
    before = bpf_compute_cached(fiscal_year=fy)
    assert before.inputs.invoices == ()
    period = Period.objects.create(
        order=small["orders"][0],
        month=dt.date(2023, 6, 1),
        status="validee",
        validated_at=dt.datetime(2023, 7, 2, tzinfo=dt.UTC),
    )
    version = data_version(small["of"].pk)
    Invoice.objects.bulk_create(
        [
            Invoice(
                order=small["orders"][0],
                period=period,
                organisation=small["of"],
                year=2023,
                sequence=1,
                number="F-CACHE-1",
                support="CRE",
                status="emise",
                issue_date=dt.date(2023, 6, 30),
                billed_ht=D("100.00"),
                billed_ttc=D("120.00"),
                payable_ht=D("100.00"),
                vat=D("20.00"),
                payable_ttc=D("120.00"),
                seller={},
                buyer={},
            )
        ]
    )
    assert data_version(small["of"].pk) > version
    after = bpf_compute_cached(fiscal_year=fy)
    assert [i.number for i in after.inputs.invoices] == ["F-CACHE-1"]


def test_a_write_for_another_organisation_keeps_the_cached_bpf(small):
    fy = small["fy"]
    first = bpf_compute_cached(fiscal_year=fy)
    version = data_version(small["of"].pk)
    other = OrganisationFactory(name="Un autre OF")
    other.city = "Ailleurs"
    other.save()
    assert data_version(small["of"].pk) == version
    assert bpf_compute_cached(fiscal_year=fy).report is first.report


def test_page_json_and_cell_show_the_new_figure_right_after_the_write(small, client):
    from formarche.accounts.models import Membership, Role
    from tests.factories import UserFactory

    user = UserFactory()
    Membership.objects.create(user=user, organisation=small["of"], role=Role.OF_MANAGER)
    client.force_login(user)
    fy, e1a = small["fy"], small["enrolments"][0]
    base = f"/bpf/exercices/{fy.pk}/"
    assert client.get(f"{base}bpf.json").json()["cells"]["F1.c.h"] in ("34.50", 34.5, "34.5")
    assert client.get(f"{base}cases/F1.c.h/").status_code == 200
    attendance_bulk_upsert(
        rows=[{"enrolment": e1a, "day": dt.date(2023, 3, 8), "realised_hours": D("2")}], source="test"
    )
    assert client.get(f"{base}bpf.json").json()["cells"]["F1.c.h"] in ("36.50", 36.5, "36.5")
    cell = client.get(f"{base}cases/F1.c.h/").content.decode()
    assert "36,50" in cell or "36.50" in cell


def test_cell_records_follow_the_write_too(small, client):
    """The drill-down's records are kept with the computed BPF: a new enrolment's hours appear in
    the cell's list at the next request."""
    from formarche.accounts.models import Membership, Role
    from tests.factories import EnrolmentFactory, TraineeFactory, UserFactory

    user = UserFactory()
    Membership.objects.create(user=user, organisation=small["of"], role=Role.OF_MANAGER)
    client.force_login(user)
    fy = small["fy"]
    url = f"/bpf/exercices/{fy.pk}/cases/F1.total.h/"
    assert "NOUVELLE" not in client.get(url).content.decode()
    trainee = TraineeFactory(organisation=small["of"], last_name="Nouvelle")
    enrolment = EnrolmentFactory(order=small["orders"][0], trainee=trainee, payer="c6")
    attendance_bulk_upsert(
        rows=[{"enrolment": enrolment, "day": dt.date(2023, 3, 8), "realised_hours": D("3")}], source="test"
    )
    assert "NOUVELLE" in client.get(url).content.decode()


def test_every_tracked_table_has_its_three_triggers_after_migrate():
    """On SQLite the triggers are created after the whole migrate (a later migration rebuilding a
    table would drop them or break on them); on PostgreSQL by their migration. Either way each
    tracked table ends with its insert, update and delete trigger."""
    from django.db import connection

    from formarche.organisations.dataversion import TRACKED

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dv\\_%' ESCAPE '\\'"
            )
        else:
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE 'dv\\_%'"
            )
        tables = [row[0] for row in cursor.fetchall()]
    for tracked in TRACKED:
        assert tables.count(tracked.table) == 3, (tracked.table, tables.count(tracked.table))
