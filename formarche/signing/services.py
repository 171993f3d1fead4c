"""Émargement: every write goes through these keyword-only functions.

- :func:`schedule_create` plans half-day sessions between two dates;
- :func:`session_open`, :func:`links_issue` (one-time links, token shown once, stored hashed);
- :func:`sign_with_link` (public, the enrolment comes from the token only) and
  :func:`sign_on_device` (the trainer's device) both end in :func:`signature_record`, which
  appends the signature to the action's hash chain under a lock on the order;
- :func:`session_confirm` writes the hours of the signed trainees through the attendance service
  (source « émargement ») and lists the unsigned ones as absences to justify;
- :func:`sync_diff` / :func:`sync_apply`: the month's hours against the confirmed sessions.

A closed or archived action refuses every write here (:func:`_require_open_order`). A refusal
raises :class:`SigningRefused` with a French message and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from formarche.documents.workdays import is_working_day
from formarche.orders.models import Order, write_refusal
from formarche.signing.chain import GENESIS, image_digest, record_digest
from formarche.signing.models import (
    HalfDay,
    Session,
    SessionStatus,
    Signature,
    SignatureChannel,
    SigningLink,
)
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_date, format_hours

MAX_IMAGE_BYTES = 200 * 1024
MAX_IMAGE_SIDE = 2000
MIN_INK_PIXELS = 30
MAX_SESSIONS_PER_SCHEDULE = 1000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZERO = Decimal("0.00")
SCHEDULE_REFUSED = "aucune séance ne peut plus y être planifiée."
SIGNING_REFUSED = "l'émargement n'est plus possible."


class SigningRefused(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# ---------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------


def _require_open_order(order_id: int, what: str, *, lock_for_update: bool = False) -> None:
    """Lock the action (call inside ``transaction.atomic``) and refuse when it is closed or archived.

    ``lock_for_update``: the full row lock that serialises the signature chain of the action.
    """
    queryset = Order.objects.filter(pk=order_id)
    queryset = queryset.select_for_update() if lock_for_update else queryset.select_for_update(no_key=True)
    refusal = write_refusal(queryset.values_list("status", flat=True).get(), what)
    if refusal:
        raise SigningRefused(refusal)


def expected_enrolments(session: Session):
    """The trainees enrolled on the session's day (entry ≤ day ≤ exit)."""
    return (
        Enrolment.objects.filter(order_id=session.order_id)
        .active_on(session.date)
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Schedule
# ---------------------------------------------------------------------------------------------


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
        _require_open_order(order.pk, SCHEDULE_REFUSED)
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
        if not (ZERO < spec.hours <= Decimal("12")):
            raise SigningRefused(f"{HalfDay(spec.half_day).label} : indiquez entre 0 et 12 heures.")
        if spec.hours != spec.hours.quantize(Decimal("0.01")):
            raise SigningRefused("Les heures se saisissent avec 2 décimales au plus.")
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
    with transaction.atomic():
        _require_open_order(order.pk, SCHEDULE_REFUSED)
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
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(to_create, Session, batch_size=500, default_user=by)
    return ScheduleResult(created=len(to_create), existing=len(wanted) - len(to_create), holidays=holidays)


# ---------------------------------------------------------------------------------------------
# Opening, links
# ---------------------------------------------------------------------------------------------


def session_open(*, session: Session, by=None) -> Session:
    with transaction.atomic():
        _require_open_order(session.order_id, "ses séances ne peuvent plus être ouvertes.")
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
        _require_open_order(session.order_id, "aucun lien d'émargement ne peut plus être émis.")
    if not session.is_open:
        raise SigningRefused(
            "Ouvrez d'abord la séance : les liens ne servent que pendant une séance ouverte."
        )
    if now >= session.ends_at:
        raise SigningRefused(
            "La séance est terminée : les liens ne peuvent plus servir. Faites signer sur cet appareil "
            "ou confirmez la séance."
        )
    expected = list(expected_enrolments(session))
    if enrolments is not None:
        wanted = {e.pk for e in enrolments}
        expected = [e for e in expected if e.pk in wanted]
    signed = set(Signature.objects.filter(session=session).values_list("enrolment_id", flat=True))
    targets = [e for e in expected if e.pk not in signed]
    issued = []
    with transaction.atomic():
        _require_open_order(session.order_id, "aucun lien d'émargement ne peut plus être émis.")
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
                    token_hash=token_digest(token),
                    created_by=by,
                    expires_at=session.ends_at,
                )
            )
            issued.append((enrolment, token))
        SigningLink.objects.bulk_create(links)
    return issued


def link_resolve(token: str, *, now=None) -> SigningLink:
    """The usable link for ``token``, or :class:`SigningRefused` (same message for every failure)."""
    now = now or timezone.now()
    link = (
        SigningLink.objects.select_related("session", "session__order", "enrolment", "enrolment__trainee")
        .filter(token_hash=token_digest(token or ""))
        .first()
    )
    if link is None or not link.is_usable(now) or not link.session.is_open:
        raise SigningRefused(
            "Ce lien d'émargement n'est pas valide : il a déjà servi, la séance est terminée ou il n'existe pas. "
            "Adressez-vous au formateur."
        )
    return link


# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------


def decode_signature_image(data_url: str) -> bytes:
    """A ``data:image/png;base64,…`` URL from the canvas → PNG bytes, checked; else SigningRefused."""
    prefix = "data:image/png;base64,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise SigningRefused("Signez dans le cadre avant de valider.")
    encoded = data_url[len(prefix) :]
    if len(encoded) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise SigningRefused(
            "La signature est trop volumineuse (200 Ko au plus) : effacez et signez à nouveau."
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SigningRefused("La signature n'a pas pu être lue : effacez et signez à nouveau.") from None
    check_signature_image(data)
    return data


def check_signature_image(data: bytes) -> None:
    """PNG magic, ≤ 200 Ko, reasonable size, and a drawing that is not empty."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise SigningRefused(
            "La signature est trop volumineuse (200 Ko au plus) : effacez et signez à nouveau."
        )
    if not data.startswith(PNG_MAGIC):
        raise SigningRefused("La signature doit être une image PNG.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise SigningRefused("La signature doit être une image PNG.")
            width, height = image.size
            if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width < 10 or height < 10:
                raise SigningRefused("Les dimensions de la signature ne conviennent pas.")
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise SigningRefused("La signature n'a pas pu être lue : effacez et signez à nouveau.") from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(white, rgba).convert("L")
    ink = gray.point(lambda v: 255 if v < 160 else 0).histogram()[255]
    if ink < MIN_INK_PIXELS:
        raise SigningRefused("Le cadre de signature est vide : signez avant de valider.")


def _clean_ip(ip: str | None) -> str | None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_ipv46_address

    if not ip:
        return None
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return ip


def signature_record(
    *,
    session: Session,
    enrolment: Enrolment,
    image: bytes,
    ip: str | None,
    user_agent: str,
    channel: str,
    link: SigningLink | None = None,
    now: datetime | None = None,
) -> Signature:
    """Append one signature to the action's chain. Call inside ``transaction.atomic``."""
    check_signature_image(image)
    now = now or timezone.now()
    # one writer per action at a time: the chain's next link depends on the last one
    _require_open_order(session.order_id, SIGNING_REFUSED, lock_for_update=True)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if not session.is_open:
        raise SigningRefused("La séance n'est pas ouverte à la signature.")
    if enrolment.order_id != session.order_id or not enrolment.covers(session.date):
        raise SigningRefused(f"{enrolment.trainee} n'est pas inscrit(e) à cette date sur cette action.")
    if Signature.objects.filter(session=session, enrolment=enrolment).exists():
        raise SigningRefused(f"{enrolment.trainee} a déjà signé pour cette séance.")
    last = Signature.objects.filter(order_id=session.order_id).order_by("-sequence").first()
    signature = Signature(
        order_id=session.order_id,
        sequence=(last.sequence + 1) if last else 1,
        session=session,
        enrolment=enrolment,
        image=image,
        image_sha256=image_digest(image),
        signed_at=now,
        ip=_clean_ip(ip),
        user_agent=(user_agent or "")[:400],
        channel=channel,
        link=link,
        previous_hash=last.record_hash if last else GENESIS,
    )
    signature.record_hash = record_digest(signature, image_sha256=signature.image_sha256)
    try:
        with transaction.atomic():
            signature.save(force_insert=True)
    except IntegrityError:
        raise SigningRefused("La signature n'a pas pu être enregistrée : réessayez.") from None
    return signature


def sign_with_link(*, token: str, data_url: str, ip: str | None, user_agent: str, now=None) -> Signature:
    """The trainee's own signature through a one-time link: the enrolment comes from the token only."""
    now = now or timezone.now()
    image = decode_signature_image(data_url)
    with transaction.atomic():
        link = link_resolve(token, now=now)
        # the action first, then the link: the order of the locks of links_issue
        _require_open_order(link.session.order_id, SIGNING_REFUSED, lock_for_update=True)
        link = (
            SigningLink.objects.select_for_update()
            .select_related("session", "enrolment__trainee")
            .get(pk=link.pk)
        )
        if not link.is_usable(now):
            raise SigningRefused("Ce lien d'émargement a déjà servi.")
        signature = signature_record(
            session=link.session,
            enrolment=link.enrolment,
            image=image,
            ip=ip,
            user_agent=user_agent,
            channel=SignatureChannel.LINK,
            link=link,
            now=now,
        )
        link.used_at = now
        link.save(update_fields=["used_at"])
        # the other links of this trainee for this session die with this one
        SigningLink.objects.filter(
            session=link.session, enrolment=link.enrolment, used_at__isnull=True
        ).exclude(pk=link.pk).update(revoked_at=now)
    return signature


def sign_on_device(
    *, session: Session, enrolment: Enrolment, data_url: str, ip: str | None, user_agent: str, now=None
) -> Signature:
    """The trainee signs on the trainer's (logged-in) device."""
    image = decode_signature_image(data_url)
    with transaction.atomic():
        signature = signature_record(
            session=session,
            enrolment=enrolment,
            image=image,
            ip=ip,
            user_agent=user_agent,
            channel=SignatureChannel.DEVICE,
            now=now,
        )
        SigningLink.objects.filter(session=session, enrolment=enrolment, used_at__isnull=True).update(
            revoked_at=now or timezone.now()
        )
    return signature


# ---------------------------------------------------------------------------------------------
# Hours: confirmation and synchronisation
# ---------------------------------------------------------------------------------------------


def _write_hours(rows: list[dict], *, by) -> None:
    """Adapter to the attendance service (the only writer of Attendance rows)."""
    from formarche.attendance.models import AttendanceSource
    from formarche.attendance.services import AttendanceRefused, attendance_bulk_upsert

    if not rows:
        return
    try:
        attendance_bulk_upsert(rows=rows, by=by, source=AttendanceSource.SIGNING)
    except AttendanceRefused as exc:
        raise SigningRefused(f"Les heures n'ont pas pu être enregistrées : {exc.message}") from None


def _existing_days(enrolment_ids, first: date, last: date) -> dict[tuple[int, date], object]:
    from formarche.attendance.models import Attendance, AttendanceKind

    return {
        (a.enrolment_id, a.day): a
        for a in Attendance.objects.filter(
            enrolment_id__in=list(enrolment_ids), day__gte=first, day__lte=last, kind=AttendanceKind.DAY
        )
    }


def confirmed_hours(order: Order, first: date, last: date) -> tuple[dict, dict, dict]:
    """From the confirmed sessions between two dates:

    - ``hours[(enrolment_id, day)]`` = sum of the planned hours of the sessions that day the
      trainee signed (0 when expected but unsigned),
    - ``sessions_by_day[day]`` = the confirmed sessions of that day,
    - ``enrolments[id]`` = the enrolments considered.
    """
    sessions = list(
        Session.objects.filter(
            order=order, status=SessionStatus.CONFIRMED, date__gte=first, date__lte=last
        ).order_by("date", "start_time")
    )
    signed = set(Signature.objects.filter(session__in=sessions).values_list("session_id", "enrolment_id"))
    enrolments = list(Enrolment.objects.filter(order=order, entry_date__lte=last).select_related("trainee"))
    hours: dict[tuple[int, date], Decimal] = {}
    by_day: dict[date, list[Session]] = defaultdict(list)
    for session in sessions:
        by_day[session.date].append(session)
        for enrolment in enrolments:
            if not enrolment.covers(session.date):
                continue
            key = (enrolment.pk, session.date)
            hours.setdefault(key, ZERO)
            if (session.pk, enrolment.pk) in signed:
                hours[key] += session.planned_hours
    return hours, dict(by_day), {e.pk: e for e in enrolments}


@dataclass(frozen=True)
class ConfirmResult:
    signed: list
    absent: list


def session_confirm(*, session: Session, by=None) -> ConfirmResult:
    """Confirm an open session: each signed trainee's day gets the hours of the day's confirmed
    sessions they signed (source « émargement »); the unsigned are returned as absences to justify.
    Non réalisé comptabilisé already entered for that day is kept."""
    with transaction.atomic():
        _require_open_order(session.order_id, "ses séances ne peuvent plus être confirmées.")
        session = Session.objects.select_for_update().select_related("order").get(pk=session.pk)
        if session.status != SessionStatus.OPEN:
            raise SigningRefused(
                "Seule une séance ouverte peut être confirmée."
                if session.status == SessionStatus.PLANNED
                else "Cette séance est déjà confirmée."
            )
        from formarche.signing.chain import verify_chain

        session.status = SessionStatus.CONFIRMED
        session.confirmed_at = timezone.now()
        session.confirmed_by = by
        session.confirmed_chain_head = verify_chain(session.order).head
        session._history_user = by
        session.save(update_fields=["status", "confirmed_at", "confirmed_by", "confirmed_chain_head"])
        SigningLink.objects.filter(session=session, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        expected = list(expected_enrolments(session))
        signed_ids = set(Signature.objects.filter(session=session).values_list("enrolment_id", flat=True))
        hours, _, _ = confirmed_hours(session.order, session.date, session.date)
        existing = _existing_days(signed_ids, session.date, session.date)
        rows = []
        for enrolment in expected:
            if enrolment.pk not in signed_ids:
                continue
            current = existing.get((enrolment.pk, session.date))
            rows.append(
                {
                    "enrolment": enrolment,
                    "day": session.date,
                    "realised_hours": hours[(enrolment.pk, session.date)],
                    "counted_unrealised_hours": current.counted_unrealised_hours if current else ZERO,
                    "unrealised_reason": current.unrealised_reason if current else "",
                }
            )
        _write_hours(rows, by=by)
    return ConfirmResult(
        signed=[e for e in expected if e.pk in signed_ids],
        absent=[e for e in expected if e.pk not in signed_ids],
    )


@dataclass(frozen=True)
class DiffLine:
    key: str
    enrolment: Enrolment
    day: date
    current: Decimal
    from_sessions: Decimal
    counted: Decimal
    sessions_label: str
    signed_all: bool

    @property
    def delta(self) -> Decimal:
        return self.from_sessions - self.current


def sync_diff(order: Order, month: date) -> list[DiffLine]:
    """Per trainee and day of the month with confirmed sessions: current réalisé vs the sessions'.
    Only the lines that differ are returned."""
    first, last = month_bounds(month)
    hours, by_day, enrolments = confirmed_hours(order, first, last)
    existing = _existing_days(enrolments.keys(), first, last)
    lines = []
    for (enrolment_id, day), from_sessions in sorted(
        hours.items(), key=lambda item: (item[0][1], str(enrolments[item[0][0]].trainee))
    ):
        row = existing.get((enrolment_id, day))
        current = row.realised_hours if row else ZERO
        if current == from_sessions:
            continue
        planned = sum((s.planned_hours for s in by_day[day]), ZERO)
        lines.append(
            DiffLine(
                key=f"{enrolment_id}:{day.isoformat()}",
                enrolment=enrolments[enrolment_id],
                day=day,
                current=current,
                from_sessions=from_sessions,
                counted=row.counted_unrealised_hours if row else ZERO,
                sessions_label=", ".join(
                    f"{s.get_half_day_display().lower()} ({format_hours(s.planned_hours)} h)"
                    for s in by_day[day]
                ),
                signed_all=from_sessions == planned,
            )
        )
    return lines


def sync_apply(*, order: Order, month: date, keys, by=None) -> int:
    """Write the selected lines of :func:`sync_diff` (recomputed now) through the attendance service.
    Returns the number of lines written; non réalisé comptabilisé is kept as it is."""
    keys = set(keys or [])
    with transaction.atomic():
        lines = [line for line in sync_diff(order, month) if line.key in keys]
        first, last = month_bounds(month)
        existing = _existing_days({line.enrolment.pk for line in lines}, first, last)
        rows = []
        for line in lines:
            current = existing.get((line.enrolment.pk, line.day))
            rows.append(
                {
                    "enrolment": line.enrolment,
                    "day": line.day,
                    "realised_hours": line.from_sessions,
                    "counted_unrealised_hours": current.counted_unrealised_hours if current else ZERO,
                    "unrealised_reason": current.unrealised_reason if current else "",
                }
            )
        _write_hours(rows, by=by)
    return len(rows)
