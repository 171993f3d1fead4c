"""Issue #6: the ouverture of a closed or archived action is refused, naming the state."""

import datetime as dt

import pytest

from formarche.orders import services
from formarche.orders.models import Order, OrderStatus, write_refusal
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

STATES = {OrderStatus.CLOSED: "L'action est fermée : ", OrderStatus.ARCHIVED: "L'action est archivée : "}


@pytest.mark.parametrize("status", list(STATES))
def test_order_open_refused_on_a_closed_or_archived_action(status):
    order = OrderFactory(status=status)
    before = list(Order.objects.filter(pk=order.pk).values())
    history = Order.history.count()
    with pytest.raises(services.OrderError) as info:
        services.order_open(
            order=order, actual_start=dt.date(2023, 3, 13), place="Albi", certification_type="cqp"
        )
    assert info.value.args[0] == STATES[status] + "son ouverture ne peut plus être modifiée."
    assert list(Order.objects.filter(pk=order.pk).values()) == before
    assert Order.history.count() == history


@pytest.mark.parametrize(
    "status, allow_closed, expected",
    [
        (OrderStatus.OPEN, False, None),
        (OrderStatus.OPEN, True, None),
        (OrderStatus.CLOSED, False, "L'action est fermée : x."),
        (OrderStatus.CLOSED, True, None),
        (OrderStatus.ARCHIVED, False, "L'action est archivée : x."),
        (OrderStatus.ARCHIVED, True, "L'action est archivée : x."),
    ],
)
def test_write_refusal(status, allow_closed, expected):
    assert write_refusal(status, "x.", allow_closed=allow_closed) == expected
    order = Order(status=status)
    assert order.write_refusal("x.", allow_closed=allow_closed) == expected
    assert order.is_archived == (status == OrderStatus.ARCHIVED)
