"""Séances: the schedule of half-days, opening a session, the one-time links, and confirming it
(the hours of the signed trainees are written through the attendance service)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from formarche.documents.workdays import is_working_day
from formarche.orders.models import Order
from formarche.signing import selectors
from formarche.signing.chain import verify_chain
from formarche.signing.errors import SigningRefused
from formarche.signing.models import HalfDay, Session, SessionStatus, Signature, SigningLink
from formarche.signing.services._common import SCHEDULE_REFUSED, require_open_order
from formarche.signing.services.hours import hours_rows, hours_write
from formarche.trainees.models import Enrolment
from formarche.utils.formatting import format_date
from formarche.utils.money import ZERO, has_places

MAX_SESSIONS_PER_SCHEDULE = 1000
MAX_HOURS_PER_HALF_DAY = Decimal("12")


@dataclass(frozen=True)
class HalfDaySpec:
    half_day: str
    start: time
    end: time
    hours: Decimal


@dataclass(frozen=True)
class ScheduleResult:
    created: int
    existing: int
    holidays: int


def _check_schedule(order, first: date, last: date, weekdays, half_days) -> None:
    if last < first:
        raise SigningRefused("La date de fin du planning précède sa date de début.")
    end = order.real_end or order.planned_end
    if first < order.planned_start or last > end:
        raise SigningRefused(
            f"Le planning doit rester dans les dates de l'action (du {format_date(order.planned_start)} "
            f"au {format_date(end)})."
        )
    if not weekdays:
        raise SigningRefused("Choisissez au moins un jour de la semaine.")
    if not half_days:
        raise SigningRefused("Choisissez au moins une demi-journée.")
    for spec in half_days:
        if spec.end <= spec.start:
            raise SigningRefused(
                f"{HalfDay(spec.half_day).label} : l'heure de fin doit suivre l'heure de début."
            )
        if not (ZERO < spec.hours <= MAX_HOURS_PER_HALF_DAY):
            raise SigningRefused(f"{HalfDay(spec.half_day).label} : indiquez entre 0 et 12 heures.")
        if not has_places(spec.hours, 2):
            raise SigningRefused("Les heures se saisissent avec 2 décimales au plus.")


def _wanted_half_days(first: date, last: date, weekdays, half_days, skip_holidays: bool):
    """([(day, spec)] to plan, number of public holidays skipped)."""
    wanted, holidays = [], 0
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            if skip_holidays and day.weekday() < 5 and not is_working_day(day):
                holidays += 1
            else:
                wanted.extend((day, spec) for spec in half_days)
        day += timedelta(days=1)
    if len(wanted) > MAX_SESSIONS_PER_SCHEDULE:
        raise SigningRefused(
            f"{len(wanted)} demi-journées : planifiez au plus {MAX_SESSIONS_PER_SCHEDULE} séances à la fois."
        )
    return wanted, holidays


def schedule_create(
    *,
    order: Order,
    first: date,
    last: date,
    weekdays: list[int],
    half_days: list[HalfDaySpec],
    trainer_name: str = "",
    skip_holidays: bool = True,
    by=None,
) -> ScheduleResult:
    """Create the sessions of every chosen weekday (0 = lundi) × half-day between ``first`` and ``last``.

    Existing half-days are left as they are (counted in ``existing``).
    """
    with transaction.atomic():
        require_open_order(order.pk, SCHEDULE_REFUSED)
    _check_schedule(order, first, last, weekdays, half_days)
    wanted, holidays = _wanted_half_days(first, last, weekdays, half_days, skip_holidays)
    with transaction.atomic():
        require_open_order(order.pk, SCHEDULE_REFUSED)
        existing = set(
            Session.objects.filter(order=order, date__gte=first, date__lte=last).values_list(
                "date", "half_day"
            )
        )
        to_create = [
            Session(
                order=order,
                date=d,
                half_day=spec.half_day,
                start_time=spec.start,
                end_time=spec.end,
                planned_hours=spec.hours,
                trainer_name=(trainer_name or "").strip()[:150],
            )
            for d, spec in wanted
            if (d, spec.half_day) not in existing
        ]
        bulk_create_with_history(to_create, Session, batch_size=500, default_user=by)
    return ScheduleResult(created=len(to_create), existing=len(wanted) - len(to_create), holidays=holidays)


def session_open(*, session: Session, by=None) -> Session:
    with transaction.atomic():
        require_open_order(session.order_id, "ses séances ne peuvent plus être ouvertes.")
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status == SessionStatus.CONFIRMED:
            raise SigningRefused("Cette séance est déjà confirmée : elle ne peut plus être rouverte.")
        if session.status == SessionStatus.OPEN:
            return session
        session.status = SessionStatus.OPEN
        session.opened_at = timezone.now()
        session.opened_by = by
        session._history_user = by
        session.save(update_fields=["status", "opened_at", "opened_by"])
    return session


def links_issue(*, session: Session, enrolments=None, by=None, now=None) -> list[tuple[Enrolment, str]]:
    """New one-time links (``(enrolment, token)``; the token is never stored, only its hash).

    Earlier unused links of the same trainees for this session are revoked. Trainees who already
    signed get no link.
    """
    now = now or timezone.now()
    with transaction.atomic():
        require_open_order(session.order_id, "aucun lien d'émargement ne peut plus être émis.")
    if not session.is_open:
        raise SigningRefused(
            "Ouvrez d'abord la séance : les liens ne servent que pendant une séance ouverte."
        )
    if now >= session.ends_at:
        raise SigningRefused(
            "La séance est terminée : les liens ne peuvent plus servir. Faites signer sur cet appareil "
            "ou confirmez la séance."
        )
    expected = list(selectors.expected_enrolments(session))
    if enrolments is not None:
        wanted = {e.pk for e in enrolments}
        expected = [e for e in expected if e.pk in wanted]
    signed = set(Signature.objects.filter(session=session).values_list("enrolment_id", flat=True))
    targets = [e for e in expected if e.pk not in signed]
    issued = []
    with transaction.atomic():
        require_open_order(session.order_id, "aucun lien d'émargement ne peut plus être émis.")
        SigningLink.objects.filter(
            session=session, enrolment__in=targets, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        links = []
        for enrolment in targets:
            token = secrets.token_urlsafe(32)
            links.append(
                SigningLink(
                    session=session,
                    enrolment=enrolment,
                    token_hash=selectors.token_digest(token),
                    created_by=by,
                    expires_at=session.ends_at,
                )
            )
            issued.append((enrolment, token))
        SigningLink.objects.bulk_create(links)
    return issued


@dataclass(frozen=True)
class ConfirmResult:
    signed: list
    absent: list


def session_confirm(*, session: Session, by=None) -> ConfirmResult:
    """Confirm an open session: each signed trainee's day gets the hours of the day's confirmed
    sessions they signed (source « émargement »); the unsigned are returned as absences to justify.
    Non réalisé comptabilisé already entered for that day is kept."""
    with transaction.atomic():
        require_open_order(session.order_id, "ses séances ne peuvent plus être confirmées.")
        session = Session.objects.select_for_update().select_related("order").get(pk=session.pk)
        if session.status != SessionStatus.OPEN:
            raise SigningRefused(
                "Seule une séance ouverte peut être confirmée."
                if session.status == SessionStatus.PLANNED
                else "Cette séance est déjà confirmée."
            )
        session.status = SessionStatus.CONFIRMED
        session.confirmed_at = timezone.now()
        session.confirmed_by = by
        session.confirmed_chain_head = verify_chain(session.order).head
        session._history_user = by
        session.save(update_fields=["status", "confirmed_at", "confirmed_by", "confirmed_chain_head"])
        SigningLink.objects.filter(session=session, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        expected = list(selectors.expected_enrolments(session))
        signed_ids = set(Signature.objects.filter(session=session).values_list("enrolment_id", flat=True))
        hours, _, _ = selectors.confirmed_hours(session.order, session.date, session.date)
        signed = [e for e in expected if e.pk in signed_ids]
        entries = [(e, session.date, hours[(e.pk, session.date)]) for e in signed]
        hours_write(rows=hours_rows(entries=entries, first=session.date, last=session.date), by=by)
    return ConfirmResult(signed=signed, absent=[e for e in expected if e.pk not in signed_ids])
