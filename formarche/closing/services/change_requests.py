"""Demandes de modification de données: the OF asks, the Région approves (the change is applied in
the same transaction, the order's history names the request) or refuses with a comment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from formarche.closing import notifications, selectors
from formarche.closing.errors import ClosingError
from formarche.closing.models import ChangeKind, ChangeRequest, ChangeStatus
from formarche.closing.services._common import as_author, require_not_archived, require_open
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment
from formarche.trainees.services import TraineeError, trainee_update
from formarche.utils.formatting import format_date
from formarche.utils.money import has_places, round_cents

VALIDATED_PERIODS = (
    "Des périodes sont déjà validées (facturées) : le volume et le prix ne sont plus modifiables "
    "par une demande en ligne. Contactez votre référent à la Région : il passe un avenant, qui "
    "s'appliquera aux relevés suivants (les relevés validés ne changent pas)."
)


def _decimal(value, what: str, places: int) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u202f", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ClosingError(f"{what} : nombre attendu.") from exc
    if not number.is_finite() or number <= 0:
        raise ClosingError(f"{what} : un nombre positif est attendu.")
    if not has_places(number, places):
        raise ClosingError(f"{what} : {places} décimales au plus.")
    return number


def _iso(value):
    return value.isoformat() if value else None


def _end_date_values(order, new_values: dict) -> tuple[dict, dict]:
    end = new_values.get("end_date")
    if isinstance(end, str):
        try:
            end = dt.date.fromisoformat(end)
        except ValueError as exc:
            raise ClosingError("Date de fin : date attendue.") from exc
    if not isinstance(end, dt.date):
        raise ClosingError("Indiquez la nouvelle date de fin.")
    if end < order.planned_start:
        raise ClosingError(
            f"La date de fin ({format_date(end)}) précède le début de l'action ({format_date(order.planned_start)})."
        )
    if end == order.planned_end and end == order.real_end:
        raise ClosingError("La date de fin de l'action est déjà celle-ci.")
    return {"planned_end": _iso(order.planned_end), "real_end": _iso(order.real_end)}, {"end_date": _iso(end)}


def _terms_values(order, kind, new_values: dict) -> tuple[dict, dict]:
    """Volume or unit price; the amount follows at the other current term."""
    if selectors.has_validated_periods(order):
        raise ClosingError(VALIDATED_PERIODS)
    volume = order.contracted_hours
    old = {"volume_hours": str(volume), "unit_price": str(order.unit_price), "amount": str(order.amount)}
    if kind == ChangeKind.VOLUME:
        new_volume = _decimal(new_values.get("volume_hours"), "Volume", 2)
        amount = round_cents(new_volume * order.unit_price)
        new = {"volume_hours": str(new_volume), "amount": str(amount)}
    else:
        price = _decimal(new_values.get("unit_price"), "Prix unitaire", 4)
        amount = round_cents(volume * price)
        new = {"unit_price": str(price), "amount": str(amount)}
    if Decimal(new["amount"]) == order.amount and kind == ChangeKind.VOLUME:
        raise ClosingError("Le volume demandé est celui de la commande.")
    if kind == ChangeKind.UNIT_PRICE and Decimal(new["unit_price"]) == order.unit_price:
        raise ClosingError("Le prix demandé est celui de la commande.")
    return old, new


def _identity_values(order, new_values: dict, enrolment) -> tuple[dict, dict]:
    if enrolment is None or enrolment.order_id != order.pk:
        raise ClosingError("Choisissez un stagiaire inscrit sur cette action.")
    trainee = enrolment.trainee
    old = {
        "last_name": trainee.last_name,
        "first_name": trainee.first_name,
        "birth_date": _iso(trainee.birth_date),
    }
    new = {}
    for key in ("last_name", "first_name"):
        value = (new_values.get(key) or "").strip()
        if value and value != old[key]:
            new[key] = value
    birth = new_values.get("birth_date")
    if isinstance(birth, str) and birth:
        try:
            birth = dt.date.fromisoformat(birth)
        except ValueError as exc:
            raise ClosingError("Date de naissance : date attendue.") from exc
    if isinstance(birth, dt.date) and birth.isoformat() != old["birth_date"]:
        new["birth_date"] = birth.isoformat()
    if not new:
        raise ClosingError("Indiquez au moins une donnée d'identité à corriger.")
    return old, new


def _change_values(order, kind, new_values: dict, enrolment) -> tuple[dict, dict]:
    """(old, new) for the request, checked and normalised (JSON-friendly strings)."""
    if kind == ChangeKind.END_DATE:
        return _end_date_values(order, new_values)
    if kind in (ChangeKind.VOLUME, ChangeKind.UNIT_PRICE):
        return _terms_values(order, kind, new_values)
    if kind == ChangeKind.TRAINEE_IDENTITY:
        return _identity_values(order, new_values, enrolment)
    raise ClosingError("Objet de demande inconnu.")


@transaction.atomic
def change_request_create(
    *,
    order: Order,
    kind: str,
    new_values: dict,
    reason: str,
    by=None,
    enrolment: Enrolment | None = None,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """The OF asks the Région to change contractual data, with a reason."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    if kind not in ChangeKind.values:
        raise ClosingError("Objet de demande inconnu.")
    # after the closing, only a trainee's identity may still be corrected
    refusal = order.write_refusal(
        "cette demande de modification n'est plus possible.",
        allow_closed=kind == ChangeKind.TRAINEE_IDENTITY,
    )
    if refusal:
        raise ClosingError(refusal)
    reason = (reason or "").strip()
    if not reason:
        raise ClosingError("Indiquez le motif de la demande.")
    if kind != ChangeKind.TRAINEE_IDENTITY:
        enrolment = None
    elif enrolment is not None:
        enrolment = Enrolment.objects.select_related("trainee").get(pk=enrolment.pk)
    old, new = _change_values(order, kind, new_values, enrolment)
    request = ChangeRequest(
        order=order,
        kind=kind,
        enrolment=enrolment,
        old_values=old,
        new_values=new,
        reason=reason,
        requested_at=now,
        requested_by=by,
    )
    try:
        with transaction.atomic():
            as_author(request, by).save()
    except IntegrityError as exc:
        raise ClosingError(
            "Une demande du même type est déjà en attente de décision pour cette action"
            + (" et ce stagiaire." if enrolment else ".")
        ) from exc
    transaction.on_commit(lambda: notifications.change_request_filed(request))
    return request


def _decide(change_request, status, by, comment, now) -> ChangeRequest:
    change_request.status = status
    change_request.decided_at = now
    change_request.decided_by = by
    change_request.decision_comment = comment
    as_author(change_request, by).save()
    transaction.on_commit(lambda: notifications.change_request_decided(change_request))
    return change_request


def _locked_pending(change_request) -> ChangeRequest:
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if not cr.is_pending:
        raise ClosingError(f"Cette demande est déjà {cr.get_status_display().lower()}.")
    return cr


def _apply_identity(order, cr) -> None:
    refusal = order.write_refusal("la demande ne peut plus être appliquée.", allow_closed=True)
    if refusal:
        raise ClosingError(refusal)
    new = cr.new_values
    trainee = Enrolment.objects.get(pk=cr.enrolment_id).trainee
    fields = {k: v for k, v in new.items() if k in ("last_name", "first_name")}
    if "birth_date" in new:
        fields["birth_date"] = dt.date.fromisoformat(new["birth_date"])
    try:
        trainee_update(trainee=trainee, allow_closed=True, **fields)
    except TraineeError as exc:
        raise ClosingError(exc.message) from exc


def _apply_to_order(order, cr, by) -> None:
    require_open(order, "la demande ne peut plus être appliquée.")
    reason = f"Demande de modification n° {cr.pk} acceptée"
    new = cr.new_values
    if cr.kind == ChangeKind.END_DATE:
        end = dt.date.fromisoformat(new["end_date"])
        if end < order.planned_start:
            raise ClosingError("La date de fin demandée précède le début de l'action.")
        order.planned_end = end
        order.real_end = end
        as_author(order, by, reason).save(update_fields=["planned_end", "real_end"])
        return
    if selectors.has_validated_periods(order):
        raise ClosingError(
            "Des périodes ont été validées depuis la demande : le volume et le prix ne sont plus modifiables."
        )
    if cr.kind == ChangeKind.UNIT_PRICE:
        order.unit_price = Decimal(new["unit_price"])
    order.amount = Decimal(new["amount"])
    as_author(order, by, reason).save(update_fields=["unit_price", "amount"])


@transaction.atomic
def change_request_approve(
    *, change_request: ChangeRequest, by=None, comment: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """The Région approves: the change is applied to the order (or trainee) in the same transaction,
    and the order's history names the request."""
    now = now or timezone.now()
    cr = _locked_pending(change_request)
    order = Order.objects.select_for_update().get(pk=cr.order_id)
    if cr.kind == ChangeKind.TRAINEE_IDENTITY:
        _apply_identity(order, cr)
    else:
        _apply_to_order(order, cr, by)
    return _decide(cr, ChangeStatus.APPROVED, by, (comment or "").strip(), now)


@transaction.atomic
def change_request_refuse(
    *, change_request: ChangeRequest, by=None, comment: str, now: dt.datetime | None = None
) -> ChangeRequest:
    """The Région refuses, saying why."""
    now = now or timezone.now()
    comment = (comment or "").strip()
    if not comment:
        raise ClosingError("Un refus est motivé : indiquez un commentaire.")
    cr = _locked_pending(change_request)
    require_not_archived(cr.order_id, "la demande ne peut plus être refusée.")
    return _decide(cr, ChangeStatus.REFUSED, by, comment, now)
