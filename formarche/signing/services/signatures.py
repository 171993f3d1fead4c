"""Signatures: the drawn image checked, then appended to the action's hash chain under a lock on
the order — through a one-time link (the enrolment comes from the token only) or on the
trainer's device."""

from __future__ import annotations

import base64
import binascii
import io
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from formarche.signing import selectors
from formarche.signing.chain import GENESIS, image_digest, record_digest
from formarche.signing.errors import SigningRefused
from formarche.signing.models import Session, Signature, SignatureChannel, SigningLink
from formarche.signing.services._common import SIGNING_REFUSED, require_open_order
from formarche.trainees.models import Enrolment

MAX_IMAGE_BYTES = 200 * 1024
MAX_IMAGE_SIDE = 2000
MIN_INK_PIXELS = 30
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TOO_BIG = "La signature est trop volumineuse (200 Ko au plus) : effacez et signez à nouveau."
UNREADABLE = "La signature n'a pas pu être lue : effacez et signez à nouveau."
NOT_PNG = "La signature doit être une image PNG."


def signature_image_decode(*, data_url: str) -> bytes:
    """A ``data:image/png;base64,…`` URL from the canvas → PNG bytes, checked; else SigningRefused."""
    prefix = "data:image/png;base64,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise SigningRefused("Signez dans le cadre avant de valider.")
    encoded = data_url[len(prefix) :]
    if len(encoded) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise SigningRefused(TOO_BIG)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SigningRefused(UNREADABLE) from None
    signature_image_check(data=data)
    return data


def signature_image_check(*, data: bytes) -> None:
    """PNG magic, ≤ 200 Ko, reasonable size, and a drawing that is not empty."""
    if len(data) > MAX_IMAGE_BYTES:
        raise SigningRefused(TOO_BIG)
    if not data.startswith(PNG_MAGIC):
        raise SigningRefused(NOT_PNG)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise SigningRefused(NOT_PNG)
            width, height = image.size
            if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width < 10 or height < 10:
                raise SigningRefused("Les dimensions de la signature ne conviennent pas.")
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise SigningRefused(UNREADABLE) from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(white, rgba).convert("L")
    ink = gray.point(lambda v: 255 if v < 160 else 0).histogram()[255]
    if ink < MIN_INK_PIXELS:
        raise SigningRefused("Le cadre de signature est vide : signez avant de valider.")


def _clean_ip(ip: str | None) -> str | None:
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
    signature_image_check(data=image)
    now = now or timezone.now()
    # one writer per action at a time: the chain's next link depends on the last one
    require_open_order(session.order_id, SIGNING_REFUSED, lock_for_update=True)
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


def signature_record_with_link(
    *, token: str, data_url: str, ip: str | None, user_agent: str, now=None
) -> Signature:
    """The trainee's own signature through a one-time link: the enrolment comes from the token only."""
    now = now or timezone.now()
    image = signature_image_decode(data_url=data_url)
    with transaction.atomic():
        link = selectors.link_resolve(token, now=now)
        # the action first, then the link: the order of the locks of links_issue
        require_open_order(link.session.order_id, SIGNING_REFUSED, lock_for_update=True)
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


def signature_record_on_device(
    *, session: Session, enrolment: Enrolment, data_url: str, ip: str | None, user_agent: str, now=None
) -> Signature:
    """The trainee signs on the trainer's (logged-in) device."""
    image = signature_image_decode(data_url=data_url)
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
