"""Ouverture de l'action, by the OF."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from formarche.orders.models import CertificationType, Order, TrainingKind
from formarche.orders.nsf import NSF_CODES
from formarche.orders.rules import OrderError, certification_error, with_history_user


def _checked_certification(certification_type: str, certification_code: str) -> str:
    """The certification code, normalised (upper case), once it fits the type."""
    if certification_type not in CertificationType.values:
        raise OrderError("Choisissez la certification visée.")
    certification_code = (certification_code or "").strip().upper()
    message = certification_error(certification_type, certification_code)
    if message:
        raise OrderError(message)
    return certification_code


@transaction.atomic
def order_open(
    *,
    order: Order,
    by=None,
    actual_start: date,
    place: str,
    certification_type: str,
    certification_code: str = "",
    certification_level: str = "",
    nsf_code: str = "",
    training_kind: str = TrainingKind.TRAINING,
    distance_part: bool = False,
) -> Order:
    """Ouverture de l'action by the OF: confirms the start, the place and the BPF's training data.

    May be repeated while the order is open (to correct); ``opened_at`` keeps the first opening.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    refusal = order.write_refusal("son ouverture ne peut plus être modifiée.")
    if refusal:
        raise OrderError(refusal)
    certification_code = _checked_certification(certification_type, certification_code)
    if certification_type not in (CertificationType.RNCP, CertificationType.RNCP_CQP):
        certification_level = ""
    if nsf_code and nsf_code not in NSF_CODES:
        raise OrderError("Code NSF inconnu (voir la nomenclature des spécialités de formation).")
    if training_kind not in TrainingKind.values:
        raise OrderError("Nature de l'action inconnue.")
    if not (place or "").strip():
        raise OrderError("Indiquez le lieu de formation.")
    order.actual_start = actual_start
    order.place = place.strip()
    order.certification_type = certification_type
    order.certification_code = certification_code
    order.certification_level = certification_level or ""
    order.nsf_code = nsf_code or ""
    order.training_kind = training_kind
    order.distance_part = bool(distance_part)
    if order.opened_at is None:
        order.opened_at = timezone.now()
    with_history_user(order, by).save()
    return order
