"""Writes on trainees and enrolments: keyword-only, atomic, French refusals.

Every function raises :class:`TraineeError` (a French message, and ``duplicates`` or ``days`` when
the caller should show them) and changes nothing when it refuses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from formarche.orders.models import Order, OrderStatus, write_refusal
from formarche.organisations.models import Organisation
from formarche.trainees.models import Enrolment, EnrolmentFunding, ExitReason, Payer, Trainee
from formarche.utils.formatting import format_date

TRAINEE_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "email",
    "phone",
    "city",
    "entry_status",
    "external_ref",
)


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


def headcount_confirmation_label(order: Order) -> str:
    return f"Je confirme l'inscription au-delà de l'effectif prévu ({order.planned_headcount})"


def trainee_create(
    *,
    organisation: Organisation,
    civility: str,
    last_name: str,
    first_name: str,
    birth_date: date,
    entry_status: str,
    email: str = "",
    phone: str = "",
    city: str = "",
    external_ref: str = "",
    confirm_duplicate: bool = False,
) -> Trainee:
    """Add a trainee to the OF's registry.

    Refused with :class:`DuplicateSuspected` (carrying the possible duplicates) when someone with the
    same name (accents and case ignored) and birth date exists, unless ``confirm_duplicate``.
    """
    if not organisation.is_of:
        raise TraineeError("Seul un organisme de formation tient un registre de stagiaires.")
    last_name, first_name = last_name.strip(), first_name.strip()
    if not last_name or not first_name:
        raise TraineeError("Le nom et le prénom sont obligatoires.")
    with transaction.atomic():
        duplicates = list(
            Trainee.objects.same_person(
                organisation_id=organisation.pk,
                last_name=last_name,
                first_name=first_name,
                birth_date=birth_date,
            )
        )
        if duplicates and not confirm_duplicate:
            raise DuplicateSuspected(
                "Il s'agit peut-être d'un doublon : un stagiaire de même nom, même prénom et même date de "
                "naissance existe déjà. Inscrivez le stagiaire existant, ou cochez « Enregistrer quand même ».",
                duplicates=duplicates,
                code="doublon",
            )
        external_ref = external_ref.strip()
        if (
            external_ref
            and Trainee.objects.filter(organisation=organisation, external_ref=external_ref).exists()
        ):
            raise TraineeError("Cet identifiant externe est déjà utilisé par un autre stagiaire.")
        return Trainee.objects.create(
            organisation=organisation,
            civility=civility,
            last_name=last_name,
            first_name=first_name,
            birth_date=birth_date,
            entry_status=entry_status,
            email=email.strip(),
            phone=phone.strip(),
            city=city.strip(),
            external_ref=external_ref,
        )


def trainee_update(*, trainee: Trainee, allow_closed: bool = False, **fields) -> Trainee:
    """Change a trainee's identity (only the fields of :data:`TRAINEE_FIELDS`).

    Refused when every action of the trainee is closed or archived; ``allow_closed`` (an approved
    demande de modification) lets a closed action's trainee be corrected, never an archived one's.
    """
    unknown = set(fields) - set(TRAINEE_FIELDS)
    if unknown:
        raise TypeError(f"champs inconnus : {sorted(unknown)}")
    with transaction.atomic():
        trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
        _require_identity_writable(trainee, allow_closed=allow_closed)
        for name, value in fields.items():
            setattr(trainee, name, value.strip() if isinstance(value, str) else value)
        if not trainee.last_name or not trainee.first_name:
            raise TraineeError("Le nom et le prénom sont obligatoires.")
        if (
            trainee.external_ref
            and Trainee.objects.filter(
                organisation_id=trainee.organisation_id, external_ref=trainee.external_ref
            )
            .exclude(pk=trainee.pk)
            .exists()
        ):
            raise TraineeError("Cet identifiant externe est déjà utilisé par un autre stagiaire.")
        trainee.save()
        return trainee


def enrolment_create(
    *,
    order: Order,
    trainee: Trainee,
    entry_date: date | None = None,
    planned_hours: Decimal,
    payer: str = Payer.REGION,
    scheme: str = "",
    confirm_over_headcount: bool = False,
) -> Enrolment:
    """Enrol a trainee on an action.

    Refused: another OF's trainee, a closed action, a double enrolment, an entry date outside the
    action, negative hours; beyond the planned headcount without ``confirm_over_headcount``
    (:class:`HeadcountExceeded`).
    """
    entry_date = entry_date or order.actual_start or order.planned_start
    if trainee.organisation_id != order.provider_id:
        raise TraineeError("Ce stagiaire n'appartient pas au registre de l'organisme qui réalise l'action.")
    refusal = order.write_refusal("on ne peut plus y inscrire de stagiaire.")
    if refusal:
        raise TraineeError(refusal, code="action_fermee")
    if planned_hours is None or planned_hours < 0:
        raise TraineeError("Les heures prévues ne peuvent pas être négatives.")
    if payer not in Payer.values:
        raise TraineeError("Financeur inconnu.")
    end = order.real_end or order.planned_end
    if entry_date < order.planned_start or entry_date > end:
        raise TraineeError(
            f"La date d'entrée doit être comprise entre le début ({format_date(order.planned_start)}) "
            f"et la fin ({format_date(end)}) de l'action."
        )
    with transaction.atomic():
        # Lock the order so that two enrolments at once cannot both pass the headcount check.
        order = Order.objects.select_for_update().get(pk=order.pk)
        if Enrolment.objects.filter(order=order, trainee=trainee).exists():
            raise TraineeError(f"{trainee} est déjà inscrit(e) sur cette action.", code="deja_inscrit")
        count = Enrolment.objects.filter(order=order).count()
        if order.planned_headcount and count >= order.planned_headcount and not confirm_over_headcount:
            raise HeadcountExceeded(
                f"L'effectif prévu de l'action ({order.planned_headcount}) est atteint ({count} inscrits). "
                f"Cochez « {headcount_confirmation_label(order)} » pour inscrire quand même.",
                code="effectif",
            )
        try:
            with transaction.atomic():
                return Enrolment.objects.create(
                    order=order,
                    trainee=trainee,
                    entry_date=entry_date,
                    planned_hours=planned_hours,
                    payer=payer,
                    scheme=scheme.strip(),
                )
        except IntegrityError as exc:  # a concurrent enrolment of the same trainee
            raise TraineeError(
                f"{trainee} est déjà inscrit(e) sur cette action.", code="deja_inscrit"
            ) from exc


def enrolments_create(
    *,
    order: Order,
    trainees: list[Trainee],
    entry_date: date | None = None,
    planned_hours: Decimal,
    payer: str = Payer.REGION,
    scheme: str = "",
    confirm_over_headcount: bool = False,
) -> list[Enrolment]:
    """Enrol several trainees at once: all of them, or none (the first refusal is raised)."""
    if not trainees:
        raise TraineeError("Choisissez au moins un stagiaire.")
    with transaction.atomic():
        return [
            enrolment_create(
                order=order,
                trainee=trainee,
                entry_date=entry_date,
                planned_hours=planned_hours,
                payer=payer,
                scheme=scheme,
                confirm_over_headcount=confirm_over_headcount,
            )
            for trainee in trainees
        ]


def enrolment_update(
    *,
    enrolment: Enrolment,
    entry_date: date,
    planned_hours: Decimal,
    payer: str,
    scheme: str = "",
) -> Enrolment:
    """Change the entry date, planned hours or payer. No hours may fall before the new entry date.

    Refused on a closed or archived action."""
    if planned_hours is None or planned_hours < 0:
        raise TraineeError("Les heures prévues ne peuvent pas être négatives.")
    if payer not in Payer.values:
        raise TraineeError("Financeur inconnu.")
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les inscriptions ne sont plus modifiables.")
        enrolment = Enrolment.objects.select_for_update().select_related("order").get(pk=enrolment.pk)
        _check_principal_against_co_fundings(enrolment, payer=payer, planned_hours=planned_hours)
        if enrolment.exit_date and entry_date > enrolment.exit_date:
            raise TraineeError("La date d'entrée ne peut pas suivre la date de sortie.")
        early = _days_with_hours(enrolment, before=entry_date)
        if early:
            raise TraineeError(
                "Des heures sont enregistrées avant cette date d'entrée : "
                + ", ".join(format_date(d) for d in early)
                + ".",
                days=early,
            )
        enrolment.entry_date = entry_date
        enrolment.planned_hours = planned_hours
        enrolment.payer = payer
        enrolment.scheme = scheme.strip()
        enrolment.save()
        return enrolment


def _days_with_hours(
    enrolment: Enrolment, *, before: date | None = None, after: date | None = None
) -> list[date]:
    """Days (or months, for monthly totals) carrying hours outside the given bound."""
    rows = enrolment.attendances.exclude(realised_hours=0, counted_unrealised_hours=0)  # reverse relation
    days = []
    for row in rows.only("day", "kind").order_by("day"):
        first, last = row.span  # the day, or the month of a month total
        if after is not None and first > after:
            days.append(row.day)
        elif before is not None and last < before:
            days.append(row.day)
    return days


def enrolment_update_exit(
    *,
    enrolment: Enrolment,
    exit_date: date | None,
    exit_reason: str = "",
    exit_reason_detail: str = "",
) -> Enrolment:
    """Record (or clear) the exit of a trainee.

    Refused: a closed or archived action, exit before entry, an exit date without a reason, a
    reason "Autre" without detail, and hours recorded after the exit date (the message lists the days).
    """
    exit_reason = exit_reason or ""
    if exit_reason and exit_reason not in ExitReason.values:
        raise TraineeError("Motif de sortie inconnu.")
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les sorties ne sont plus modifiables.")
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if exit_date is None:
            enrolment.exit_date = None
            enrolment.exit_reason = ""
            enrolment.exit_reason_detail = ""
            enrolment.save()
            return enrolment
        if exit_date < enrolment.entry_date:
            raise TraineeError(
                f"La date de sortie ({format_date(exit_date)}) précède la date d'entrée "
                f"({format_date(enrolment.entry_date)})."
            )
        if not exit_reason:
            raise TraineeError("Indiquez le motif de sortie.")
        if exit_reason == ExitReason.OTHER and not exit_reason_detail.strip():
            raise TraineeError("Précisez le motif de sortie « Autre ».")
        late = _days_with_hours(enrolment, after=exit_date)
        if late:
            raise TraineeError(
                f"Des heures sont enregistrées après le {format_date(exit_date)} : "
                + ", ".join(format_date(d) for d in late)
                + ". Supprimez-les ou choisissez une date de sortie plus tardive.",
                days=late,
            )
        enrolment.exit_date = exit_date
        enrolment.exit_reason = exit_reason
        enrolment.exit_reason_detail = exit_reason_detail.strip()
        enrolment.save()
        return enrolment


def enrolment_change(
    *,
    enrolment: Enrolment,
    entry_date: date,
    planned_hours: Decimal,
    payer: str,
    scheme: str = "",
    exit_date: date | None = None,
    exit_reason: str = "",
    exit_reason_detail: str = "",
) -> Enrolment:
    """The enrolment page's one form: entry, planned hours, payer and exit, all or nothing.

    Refused on a closed or archived action (before any other check)."""
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les inscriptions ne sont plus modifiables.")
        if exit_date is not None and exit_date < entry_date:
            raise TraineeError(
                f"La date de sortie ({format_date(exit_date)}) précède la date d'entrée ({format_date(entry_date)})."
            )
        if enrolment.exit_date is not None and entry_date > enrolment.exit_date:
            # the new entry date follows the old exit: record the new exit first
            enrolment = enrolment_update_exit(
                enrolment=enrolment,
                exit_date=exit_date,
                exit_reason=exit_reason,
                exit_reason_detail=exit_reason_detail,
            )
            return enrolment_update(
                enrolment=enrolment,
                entry_date=entry_date,
                planned_hours=planned_hours,
                payer=payer,
                scheme=scheme,
            )
        enrolment = enrolment_update(
            enrolment=enrolment,
            entry_date=entry_date,
            planned_hours=planned_hours,
            payer=payer,
            scheme=scheme,
        )
        return enrolment_update_exit(
            enrolment=enrolment,
            exit_date=exit_date,
            exit_reason=exit_reason if exit_date else "",
            exit_reason_detail=exit_reason_detail if exit_date else "",
        )


# --- co-fundings (cofinancements) ----------------------------------------------------------------

AMOUNT_QUANTUM = Decimal("0.01")
RATE_QUANTUM = Decimal("0.0001")
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
        if amount != amount.quantize(AMOUNT_QUANTUM) or amount > AMOUNT_MAX:
            return "Le montant du cofinancement s'écrit en euros et centimes (deux décimales au plus)."
        if not planned_hours:
            return (
                "Un montant forfaitaire est réparti au prorata des heures prévues : indiquez d'abord "
                "les heures prévues de l'inscription, ou donnez un tarif horaire."
            )
    if hourly_rate is not None:
        if hourly_rate <= 0:
            return "Le tarif horaire du cofinancement doit être supérieur à zéro."
        if hourly_rate != hourly_rate.quantize(RATE_QUANTUM) or hourly_rate > RATE_MAX:
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
