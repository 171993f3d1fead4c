"""The hash chain of an action's signatures: sealing and verification.

record_hash(n) = SHA-256( canonical JSON of {
    "v": 1, "action": order id, "sequence": n,
    "session": {"id", "date", "half_day"}, "enrolment": id,
    "signed_at": UTC ISO 8601 with microseconds, "ip", "user_agent",
    "image_sha256": SHA-256 of the PNG bytes, "previous_hash": record_hash(n - 1) } )

with record_hash(0) = GENESIS (64 zeros). Canonical JSON: keys sorted, no spaces, UTF-8, no ASCII
escaping. The action is named by its id, not its number, so that correcting a mistyped order
number does not break the chain. The verification recomputes the image's SHA-256 from the stored bytes: changing one byte
of an image, a timestamp, an IP, or deleting a record, is detected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from formarche.signing.models import Signature

GENESIS = "0" * 64
FORMAT_VERSION = 1


def image_digest(data) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


def canonical_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_payload(
    *,
    order_id: int,
    sequence: int,
    session_id: int,
    session_date,
    half_day: str,
    enrolment_id: int,
    signed_at: datetime,
    ip: str | None,
    user_agent: str,
    image_sha256: str,
    previous_hash: str,
) -> bytes:
    payload = {
        "v": FORMAT_VERSION,
        "action": order_id,
        "sequence": sequence,
        "session": {"id": session_id, "date": session_date.isoformat(), "half_day": half_day},
        "enrolment": enrolment_id,
        "signed_at": canonical_timestamp(signed_at),
        "ip": ip or "",
        "user_agent": user_agent or "",
        "image_sha256": image_sha256,
        "previous_hash": previous_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_digest(signature, *, image_sha256: str | None = None) -> str:
    """The hash a signature row should carry (the image's digest recomputed unless given)."""
    session = signature.session
    data = canonical_payload(
        order_id=signature.order_id,
        sequence=signature.sequence,
        session_id=session.pk,
        session_date=session.date,
        half_day=session.half_day,
        enrolment_id=signature.enrolment_id,
        signed_at=signature.signed_at,
        ip=signature.ip,
        user_agent=signature.user_agent,
        image_sha256=image_sha256 if image_sha256 is not None else image_digest(signature.image),
        previous_hash=signature.previous_hash,
    )
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """``ok`` when every record is intact and linked; else ``broken_at`` is the first bad sequence."""

    ok: bool
    broken_at: int | None = None
    reason: str = ""
    count: int = 0
    head: str = GENESIS


def verify_chain(order) -> ChainReport:
    """Recompute the whole chain of ``order``'s signatures (one query, in sequence order)."""
    previous = GENESIS
    expected_sequence = 1
    count = 0
    rows = Signature.objects.filter(order=order).select_related("session").order_by("sequence").iterator()
    for signature in rows:
        count += 1
        if signature.sequence != expected_sequence:
            return ChainReport(
                ok=False,
                broken_at=expected_sequence,
                reason=f"La signature n° {expected_sequence} manque (supprimée ?).",
                count=count,
                head=previous,
            )
        if signature.previous_hash != previous:
            return ChainReport(
                ok=False,
                broken_at=signature.sequence,
                reason=f"La signature n° {signature.sequence} n'est plus reliée à la précédente.",
                count=count,
                head=previous,
            )
        if signature.session.order_id != signature.order_id:
            return ChainReport(
                ok=False,
                broken_at=signature.sequence,
                reason=f"La signature n° {signature.sequence} a été déplacée vers une autre action.",
                count=count,
                head=previous,
            )
        actual_image = image_digest(signature.image)
        if actual_image != signature.image_sha256:
            return ChainReport(
                ok=False,
                broken_at=signature.sequence,
                reason=f"L'image de la signature n° {signature.sequence} a été modifiée.",
                count=count,
                head=previous,
            )
        if record_digest(signature, image_sha256=actual_image) != signature.record_hash:
            return ChainReport(
                ok=False,
                broken_at=signature.sequence,
                reason=f"La signature n° {signature.sequence} a été modifiée après son enregistrement.",
                count=count,
                head=previous,
            )
        previous = signature.record_hash
        expected_sequence += 1
    return ChainReport(ok=True, count=count, head=previous)
