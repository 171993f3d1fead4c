"""The report page's right-hand column: the previous year as validated (its frozen cells, read
without computing that year again: issue #8), or computed while it is not validated."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.accounts.models import Membership, Role
from formarche.attendance.models import Attendance
from formarche.bpf import selectors, services
from formarche.bpf.exports import to_json
from formarche.bpf.models import FiscalYear
from tests.bpf import django_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(client):
    data = django_world.build()
    user = UserFactory()
    Membership.objects.create(user=user, organisation=data["of"], role=Role.OF_MANAGER)
    client.force_login(user)
    data["client"] = client
    data["previous"] = FiscalYear.objects.create(
        organisation=data["of"], start=dt.date(2022, 1, 1), end=dt.date(2022, 12, 31)
    )
    return data


def freeze(fy):
    """What bpf_validate stores (the blocking checks of this small year aside)."""
    report = selectors.bpf_compute(fiscal_year=fy).report
    fy.validated_at = timezone.now()
    fy.validated_edition = report.edition
    fy.validated_data = to_json(report)
    fy.save()


def previous_column(body: str) -> list[str]:
    return [cell.split("</td>")[0] for cell in body.split('<td class="num text-body-secondary">')[1:]]


def page(small):
    client, fy = small["client"], small["fy"]
    url = f"/bpf/exercices/{fy.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    return body, len(queries)


def test_a_validated_previous_year_is_read_frozen_not_computed(small):
    computed_body, computed_queries = page(small)
    assert "exercice précédent (2022)." in computed_body
    freeze(small["previous"])
    frozen_body, frozen_queries = page(small)
    assert "exercice précédent (2022), tel que validé le" in frozen_body
    # the same figures, without the queries of a second computation
    assert previous_column(frozen_body) == previous_column(computed_body)
    assert "7,00" in "".join(previous_column(frozen_body))
    assert frozen_queries < computed_queries


def test_hours_changed_after_validation_do_not_change_the_declared_column(small):
    freeze(small["previous"])
    before, _ = page(small)
    e1a = small["enrolments"][0]
    Attendance.objects.create(enrolment=e1a, day=dt.date(2022, 12, 16), realised_hours=Decimal("5"))
    after, _ = page(small)
    assert previous_column(after) == previous_column(before)
    # reopened: computed again, with the new hours
    services.bpf_reopen(fiscal_year=small["previous"])
    reopened, _ = page(small)
    assert previous_column(reopened) != previous_column(before)
    assert "12,00" in "".join(previous_column(reopened))
