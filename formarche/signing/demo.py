"""Demo: émargement of order 23Q05322133_1 (Aude) for December 2023.

The schedule covers every working day of December (morning 9:00–12:30 and afternoon
13:30–17:00, 3,5 h each); the sessions of 4 and 5 December are signed by the ten trainees (one
of them absent on the 5th afternoon) and confirmed, which writes their hours through the
attendance service; the 6th morning is open with three signatures. The chain is intact.
Idempotent: nothing is added once December has sessions. 23Q00030612_1 is not touched.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from formarche.orders.demo import AUDE_ORDER
from formarche.signing.models import HalfDay, Session, SignatureChannel
from formarche.signing.services import (
    HalfDaySpec,
    schedule_create,
    session_confirm,
    session_open,
    signature_record,
)
from formarche.trainees.models import Enrolment

DECEMBER = date(2023, 12, 1)


def _png(index: int) -> bytes:
    """A tiny generated 'signature': a different zigzag per trainee."""
    image = Image.new("RGBA", (240, 90), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(12 + i * 24, 20 + ((i * (index + 3)) % 5) * 12) for i in range(10)]
    draw.line(points, fill=(17, 24, 39, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def populate(world):
    order = world.orders.get(AUDE_ORDER)
    if order is None or Session.objects.filter(order=order, date__gte=DECEMBER).exists():
        return
    by = world.users.get("of1")
    schedule_create(
        order=order,
        first=DECEMBER,
        last=date(2023, 12, 29),
        weekdays=[0, 1, 2, 3, 4],
        half_days=[
            HalfDaySpec(HalfDay.MORNING, time(9, 0), time(12, 30), Decimal("3.50")),
            HalfDaySpec(HalfDay.AFTERNOON, time(13, 30), time(17, 0), Decimal("3.50")),
        ],
        trainer_name="Karim Benali",
        by=by,
    )
    enrolments = list(
        Enrolment.objects.filter(order=order).select_related("trainee").order_by("trainee__last_name", "pk")
    )
    plan = [
        (date(2023, 12, 4), HalfDay.MORNING, True),
        (date(2023, 12, 4), HalfDay.AFTERNOON, True),
        (date(2023, 12, 5), HalfDay.MORNING, True),
        (date(2023, 12, 5), HalfDay.AFTERNOON, True),
        (date(2023, 12, 6), HalfDay.MORNING, False),
    ]
    for day, half_day, confirm in plan:
        session = Session.objects.get(order=order, date=day, half_day=half_day)
        session_open(session=session, by=by)
        session.refresh_from_db()
        signers = enrolments if confirm else enrolments[:3]
        if day == date(2023, 12, 5) and half_day == HalfDay.AFTERNOON:
            signers = enrolments[1:]  # the first trainee left at noon: an absence to justify
        for index, enrolment in enumerate(signers):
            moment = timezone.make_aware(datetime.combine(day, session.start_time)) + timedelta(
                minutes=2 + index
            )
            with transaction.atomic():
                signature_record(
                    session=session,
                    enrolment=enrolment,
                    image=_png(index),
                    ip=f"192.168.1.{20 + index}",
                    user_agent="Mozilla/5.0 (Linux; Android 14) Démo formarche",
                    channel=SignatureChannel.LINK if index % 2 else SignatureChannel.DEVICE,
                    now=moment,
                )
        if confirm:
            session_confirm(session=session, by=by)
