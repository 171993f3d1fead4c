"""Reads of the émargement: who is expected, a link by its token, the hours the confirmed sessions
give and their difference with the month's attendance, and the queries of the pages (no
``.objects`` in ``views.py``)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils import timezone

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.attendance.models import Attendance, AttendanceKind
from formarche.billing.models import Period, PeriodStatus
from formarche.orders.models import Order
from formarche.signing.errors import SigningRefused
from formarche.signing.models import Session, SessionStatus, Signature, SigningLink
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_hours
from formarche.utils.money import ZERO

LINK_REFUSED = (
    "Ce lien d'émargement n'est pas valide : il a déjà servi, la séance est terminée ou il n'existe pas. "
    "Adressez-vous au formateur."
)


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


def link_resolve(token: str, *, now=None) -> SigningLink:
    """The usable link for ``token``, or :class:`SigningRefused` (same message for every failure)."""
    now = now or timezone.now()
    link = (
        SigningLink.objects.select_related("session", "session__order", "enrolment", "enrolment__trainee")
        .filter(token_hash=token_digest(token or ""))
        .first()
    )
    if link is None or not link.is_usable(now) or not link.session.is_open:
        raise SigningRefused(LINK_REFUSED)
    return link


# ---------------------------------------------------------------------------------------------
# Hours of the confirmed sessions
# ---------------------------------------------------------------------------------------------


def existing_days(enrolment_ids, first: date, last: date) -> dict[tuple[int, date], Attendance]:
    """The day rows of attendance between two dates, by (enrolment id, day)."""
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
    existing = existing_days(enrolments.keys(), first, last)
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


# ---------------------------------------------------------------------------------------------
# Reads of the pages
# ---------------------------------------------------------------------------------------------


def order_for_page(tenant, order_id) -> Order:
    return get_scoped_or_404(Order.objects.select_related("provider", "region", "lot"), tenant, pk=order_id)


def session_for_page(tenant, order, session_id) -> Session:
    return get_scoped_or_404(Session.objects.select_related("order"), tenant, pk=session_id, order=order)


def enrolment_for_page(tenant, order, enrolment_id) -> Enrolment:
    return get_scoped_or_404(
        Enrolment.objects.select_related("trainee"), tenant, pk=enrolment_id, order=order
    )


def enrolments_chosen(tenant, order, ids) -> list[Enrolment]:
    return list(scoped(Enrolment, tenant).filter(order=order, pk__in=ids))


def month_sessions(tenant, order, month: date) -> list[Session]:
    """The sessions of the month, with their number of signatures."""
    return list(
        scoped(Session, tenant)
        .filter(order=order)
        .in_month(month)
        .annotate(signature_count=Count("signatures"))
        .order_by("date", "start_time")
    )


def session_signatures(session) -> dict[int, Signature]:
    """{enrolment_id: signature} of the session (without the images)."""
    return {
        s.enrolment_id: s
        for s in Signature.objects.filter(session=session).only(
            "pk", "enrolment_id", "signed_at", "channel", "sequence", "record_hash", "session_id"
        )
    }


def signature_for_image(tenant, order, signature_id) -> Signature:
    return get_scoped_or_404(
        Signature.objects.only("image", "order_id"), tenant, pk=signature_id, order=order
    )


def proof_sessions(order, *, session=None, month: date | None = None) -> list[Session]:
    """One session, or the month's, with their signatures (and trainees), in order."""
    sessions = (
        Session.objects.filter(pk=session.pk)
        if session
        else Session.objects.filter(order=order).in_month(month)
    )
    return list(
        sessions.prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.select_related("enrolment__trainee"))
        ).order_by("date", "start_time")
    )


def audit_signatures(tenant, order):
    return (
        scoped(Signature, tenant)
        .filter(order=order)
        .select_related("session", "enrolment__trainee")
        .defer("image")
        .order_by("sequence")
    )


def month_is_validated(order, month: date) -> bool:
    """The month's billing period is validated (its hours are locked)."""
    return Period.objects.filter(order=order, month=month, status=PeriodStatus.VALIDATED).exists()


def month_session_counts(order, month: date) -> tuple[int, int]:
    """(confirmed, open) sessions of the month."""
    sessions = Session.objects.filter(order=order).in_month(month)
    return (
        sessions.filter(status=SessionStatus.CONFIRMED).count(),
        sessions.filter(status=SessionStatus.OPEN).count(),
    )
