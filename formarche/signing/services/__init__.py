"""Émargement: every write goes through these keyword-only functions, one module per entity.

- ``sessions``: :func:`schedule_create` plans half-day sessions between two dates;
  :func:`session_open`, :func:`links_issue` (one-time links, token shown once, stored hashed);
  :func:`session_confirm` writes the hours of the signed trainees through the attendance service
  (source « émargement ») and lists the unsigned ones as absences to justify;
- ``signatures``: :func:`signature_record_with_link` (public, the enrolment comes from the token
  only) and :func:`signature_record_on_device` (the trainer's device) both end in
  :func:`signature_record`, which appends the signature to the action's hash chain under a lock
  on the order;
- ``hours``: :func:`sync_apply`, the month's hours set to the confirmed sessions' (the difference
  is :func:`formarche.signing.selectors.sync_diff`).

A closed or archived action refuses every write here (``_common.require_open_order``). A refusal
raises :class:`SigningRefused` with a French message and changes nothing. The reads
(``expected_enrolments``, ``link_resolve``, ``confirmed_hours``, ``sync_diff``) are in
:mod:`formarche.signing.selectors`.
"""

from formarche.signing.errors import SigningRefused
from formarche.signing.services._common import SCHEDULE_REFUSED, SIGNING_REFUSED
from formarche.signing.services.hours import sync_apply
from formarche.signing.services.sessions import (
    MAX_SESSIONS_PER_SCHEDULE,
    ConfirmResult,
    HalfDaySpec,
    ScheduleResult,
    links_issue,
    schedule_create,
    session_confirm,
    session_open,
)
from formarche.signing.services.signatures import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_SIDE,
    MIN_INK_PIXELS,
    signature_image_check,
    signature_image_decode,
    signature_record,
    signature_record_on_device,
    signature_record_with_link,
)

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_SIDE",
    "MAX_SESSIONS_PER_SCHEDULE",
    "MIN_INK_PIXELS",
    "SCHEDULE_REFUSED",
    "SIGNING_REFUSED",
    "ConfirmResult",
    "HalfDaySpec",
    "ScheduleResult",
    "SigningRefused",
    "links_issue",
    "schedule_create",
    "session_confirm",
    "session_open",
    "signature_image_check",
    "signature_image_decode",
    "signature_record",
    "signature_record_on_device",
    "signature_record_with_link",
    "sync_apply",
]
