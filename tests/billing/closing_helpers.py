"""Closing an order the way the closing area does (exits, validated bilans, approved end date,
closed), for the billing tests of the CRE final and the solde."""

from __future__ import annotations

import datetime as dt

from formarche.closing import services as closing
from formarche.closing.models import ChangeKind
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment, ExitReason

LAST_EXIT = dt.date(2023, 4, 28)


def close_order(order, *, of_user, region_user, last_exit: dt.date = LAST_EXIT) -> Order:
    """Every trainee leaves on ``last_exit`` (orders without components: the enrolment's exit),
    every bilan is validated, the Région approves the end date, the OF closes the action."""
    Enrolment.objects.filter(order=order, exit_date__isnull=True).update(
        exit_date=last_exit, exit_reason=ExitReason.COMPLETED
    )
    for enrolment in Enrolment.objects.filter(order=order):
        closing.assessment_save(
            enrolment=enrolment,
            action=closing.VALIDATE,
            situation="cdi",
            job_title="Ouvrier agricole",
            employer_postcode="81000",
            by=of_user,
        )
    order.refresh_from_db()
    if order.real_end != last_exit:
        request = closing.change_request_create(
            order=order,
            kind=ChangeKind.END_DATE,
            new_values={"end_date": last_exit},
            reason="Le dernier stagiaire est sorti le 28/04/2023.",
            by=of_user,
        )
        closing.change_request_approve(change_request=request, by=region_user, comment="D'accord.")
    closing.order_close(order=order, by=of_user)
    order.refresh_from_db()
    return order
