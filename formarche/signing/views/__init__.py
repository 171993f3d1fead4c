"""Émargement pages. Trainer pages (OF users, logged in; the Région reads), and one public page
reached by a one-time token. One module per area: ``sessions`` (month, schedule, one session,
links, sign here, confirm, image), ``proofs`` (PDF proofs, audit, synchronisation), ``public``."""

from formarche.signing.views.proofs import audit, month_proof, session_proof, sync
from formarche.signing.views.public import public_sign
from formarche.signing.views.sessions import (
    schedule,
    session_confirm_view,
    session_detail,
    session_links,
    session_open_view,
    sessions,
    sign_here,
    signature_image,
)

__all__ = [
    "audit",
    "month_proof",
    "public_sign",
    "schedule",
    "session_confirm_view",
    "session_detail",
    "session_links",
    "session_open_view",
    "session_proof",
    "sessions",
    "sign_here",
    "signature_image",
    "sync",
]
