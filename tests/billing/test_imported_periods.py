import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from formarche.billing.models import Period, PeriodStatus


@pytest.mark.django_db
def test_pages_of_a_period_without_stored_statement(world, client):
    """An invoice imported through the interchange format creates a validated period with no
    stored statement: the billing pages must still answer (never a server error)."""
    order = world.objects["order"]
    Period.objects.create(
        order=order, month=dt.date(2023, 4, 1), status=PeriodStatus.VALIDATED, validated_at=timezone.now()
    )
    client.force_login(world.users["of1_staff"])
    for name, kwargs in [
        ("billing:validations", {"order_id": order.pk}),
        ("billing:statement", {"order_id": order.pk, "period": "2023-04"}),
        ("billing:statement_pdf", {"order_id": order.pk, "period": "2023-04"}),
        ("billing:to_issue", {"order_id": order.pk}),
        ("billing:invoices_tab", {"order_id": order.pk}),
    ]:
        r = client.get(reverse(name, kwargs=kwargs))
        assert r.status_code < 500, name
