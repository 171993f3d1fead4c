"""The month grid page offers the reasons of a « non réalisé comptabilisé » in each cell's select,
with the stored one selected (the page once had an empty select: only the htmx answer of a saved
cell carried the options, and saving such a cell again was refused for want of a reason)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.attendance.models import Attendance, UnrealisedReason
from tests.factories import EnrolmentFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_the_grid_page_lists_the_reasons_with_the_stored_one_selected(login, world):
    enrolment = EnrolmentFactory(
        order=OrderFactory(region=world.region_a, provider=world.of1),
        trainee__organisation=world.of1,
        entry_date=dt.date(2023, 3, 6),
    )
    Attendance.objects.create(
        enrolment=enrolment,
        day=dt.date(2023, 3, 14),
        realised_hours=Decimal("3"),
        counted_unrealised_hours=Decimal("4"),
        unrealised_reason=UnrealisedReason.ILLNESS,
    )
    url = reverse("attendance:grid_month", kwargs={"order_id": enrolment.order.pk, "period": "2023-03"})
    body = login(world.users["of1_staff"]).get(url).content.decode()
    select = body.split(f'class="form-select form-select-sm fm-reason k{enrolment.pk}-20230314"')[1]
    select = select.split("</select>")[0]
    for value in UnrealisedReason.values:
        assert f'<option value="{value}"' in select
    assert '<option value="maladie" selected>Maladie</option>' in select
    assert select.count(" selected") == 1
