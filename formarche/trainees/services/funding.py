"""Writes on the co-fundings (cofinancements) of an enrolment."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from formarche.trainees.models import Enrolment, EnrolmentFunding, Payer
from formarche.trainees.services.common import (
    TraineeError,
    _require_enrolment_writable,
)
from formarche.utils.money import has_places

# --- co-fundings (cofinancements) ----------------------------------------------------------------

AMOUNT_PLACES = 2
RATE_PLACES = 4
AMOUNT_MAX = Decimal("9999999999.99")  # EnrolmentFunding.amount: 12 digits, 2 places
RATE_MAX = Decimal("999999.9999")  # EnrolmentFunding.hourly_rate: 10 digits, 4 places
LABEL_MAX = EnrolmentFunding._meta.get_field("label").max_length


def _payer_label(payer: str) -> str:
    return Payer(payer).label


def _check_principal_against_co_fundings(enrolment: Enrolment, *, payer: str, planned_hours: Decimal) -> None:
    """The principal payer cannot also be a co-funder; flat co-fundings need planned hours."""
    fundings = list(enrolment.fundings.values_list("payer", "amount"))
    if payer != enrolment.payer and any(p == payer for p, _ in fundings):
        raise TraineeError(
            f"« {_payer_label(payer)} » cofinance déjà cette inscription : supprimez d'abord ce "
            "cofinancement, ou choisissez un autre financeur principal.",
            code="cofinanceur_principal",
        )
    if not planned_hours and any(amount is not None for _, amount in fundings):
        raise TraineeError(
            "Cette inscription a un cofinancement forfaitaire, réparti au prorata des heures prévues : "
            "les heures prévues ne peuvent pas être nulles.",
            code="forfait_sans_heures",
        )


def enrolment_funding_check(
    *,
    payer: str,
    amount: Decimal | None,
    hourly_rate: Decimal | None,
    label: str = "",
    principal_payer: str,
    planned_hours: Decimal | None,
    other_payers=(),
) -> str | None:
    """The French refusal of a co-funding, or None when it may be recorded (no database access).

    Shared by :func:`enrolment_funding_add` and the enrolment import (one row at a time).
    """
    if not payer:
        return "Choisissez le cofinanceur."
    if payer not in Payer.values:
        return "Cofinanceur inconnu."
    if amount is None and hourly_rate is None:
        return "Indiquez le montant forfaitaire ou le tarif horaire du cofinancement."
    if amount is not None and hourly_rate is not None:
        return "Indiquez soit un montant forfaitaire, soit un tarif horaire, pas les deux."
    if amount is not None:
        if amount <= 0:
            return "Le montant du cofinancement doit être supérieur à zéro."
        if not has_places(amount, AMOUNT_PLACES) or amount > AMOUNT_MAX:
            return "Le montant du cofinancement s'écrit en euros et centimes (deux décimales au plus)."
        if not planned_hours:
            return (
                "Un montant forfaitaire est réparti au prorata des heures prévues : indiquez d'abord "
                "les heures prévues de l'inscription, ou donnez un tarif horaire."
            )
    if hourly_rate is not None:
        if hourly_rate <= 0:
            return "Le tarif horaire du cofinancement doit être supérieur à zéro."
        if not has_places(hourly_rate, RATE_PLACES) or hourly_rate > RATE_MAX:
            return "Le tarif horaire du cofinancement a au plus quatre décimales."
    if len(label) > LABEL_MAX:
        return f"Le libellé du cofinancement ne dépasse pas {LABEL_MAX} caractères."
    if payer == principal_payer:
        return (
            f"« {_payer_label(payer)} » est déjà le financeur principal de cette inscription : "
            "un cofinancement vient d'un autre financeur."
        )
    if payer in other_payers:
        return (
            f"« {_payer_label(payer)} » cofinance déjà cette inscription : supprimez ce cofinancement "
            "pour le remplacer."
        )
    return None


def enrolment_funding_add(
    *,
    enrolment: Enrolment,
    payer: str,
    amount: Decimal | None = None,
    hourly_rate: Decimal | None = None,
    label: str = "",
) -> EnrolmentFunding:
    """Add a co-funding to an enrolment: another payer (C line) besides the principal one.

    Exactly one of ``amount`` (€ HT for the whole enrolment) or ``hourly_rate`` (€ HT per billable
    hour), positive. Refused: a closed or archived action, the principal payer, a payer that already
    co-funds the enrolment (so a repeated POST adds nothing), a flat amount without planned hours.
    """
    label = (label or "").strip()
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les cofinancements ne sont plus modifiables.")
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        refusal = enrolment_funding_check(
            payer=payer,
            amount=amount,
            hourly_rate=hourly_rate,
            label=label,
            principal_payer=enrolment.payer,
            planned_hours=enrolment.planned_hours,
            other_payers=set(enrolment.fundings.values_list("payer", flat=True)),
        )
        if refusal:
            raise TraineeError(refusal, code="cofinancement")
        try:
            with transaction.atomic():
                return EnrolmentFunding.objects.create(
                    enrolment=enrolment, payer=payer, amount=amount, hourly_rate=hourly_rate, label=label
                )
        except IntegrityError as exc:  # the same payer added at the same time
            raise TraineeError(
                f"« {_payer_label(payer)} » cofinance déjà cette inscription.", code="cofinancement"
            ) from exc


def enrolment_funding_delete(*, funding: EnrolmentFunding) -> bool:
    """Remove a co-funding. Refused on a closed or archived action.

    Returns False when it was already gone (a repeated POST): nothing to do, nothing refused.
    """
    with transaction.atomic():
        _require_enrolment_writable(
            Enrolment.objects.filter(pk=funding.enrolment_id).values_list("order_id", flat=True).get(),
            "les cofinancements ne sont plus modifiables.",
        )
        current = EnrolmentFunding.objects.select_for_update().filter(pk=funding.pk).first()
        if current is None:
            return False
        current.delete()
        return True
