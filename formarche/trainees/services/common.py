"""Refusals and write guards shared by the trainees services."""

from __future__ import annotations

from formarche.orders.models import Order, OrderStatus, write_refusal
from formarche.trainees.models import Trainee


class TraineeError(Exception):
    """A refused write, with a French message."""

    def __init__(self, message: str, *, duplicates=None, days=None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.duplicates = list(duplicates or [])
        self.days = list(days or [])
        self.code = code


class DuplicateSuspected(TraineeError):
    """Same name and birth date already in the registry: confirm or enrol the existing trainee."""


class HeadcountExceeded(TraineeError):
    """Enrolling beyond the order's planned headcount needs an explicit confirmation."""


def _require_enrolment_writable(order_id: int, what: str) -> None:
    """Lock the enrolment's action and refuse when it is closed or archived (call inside atomic).

    The lock makes a closing of the action wait for the enrolment being written.
    """
    status = (
        Order.objects.select_for_update(no_key=True)
        .filter(pk=order_id)
        .values_list("status", flat=True)
        .get()
    )
    refusal = write_refusal(status, what)
    if refusal:
        raise TraineeError(refusal, code="action_fermee")


def _require_identity_writable(trainee: Trainee, *, allow_closed: bool) -> None:
    """A trainee's identity is editable while one of their actions is open (or none exists).

    When every action is closed or archived it is frozen: a closed action's identity goes through
    a demande de modification (``allow_closed``, the Région's approval); an archived one never.
    """
    statuses = set(
        Order.objects.filter(enrolments__trainee=trainee).values_list("status", flat=True).distinct()
    )
    if not statuses or OrderStatus.OPEN in statuses:
        return
    if OrderStatus.CLOSED in statuses:
        if allow_closed:
            return
        refusal = write_refusal(
            OrderStatus.CLOSED,
            "l'identité du stagiaire ne se corrige plus que par une demande de modification à la Région.",
        )
    else:
        refusal = write_refusal(OrderStatus.ARCHIVED, "l'identité du stagiaire n'est plus modifiable.")
    raise TraineeError(refusal, code="action_fermee")
