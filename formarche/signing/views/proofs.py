"""Proofs (PDF with the signatures), the chain's audit, and the synchronisation of the month's
hours with the confirmed sessions."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from formarche.accounts.tenancy import tenant_required
from formarche.documents.generated import render_pdf
from formarche.signing import perms, selectors, services
from formarche.signing.chain import verify_chain
from formarche.signing.services import SigningRefused
from formarche.signing.views._common import action_context, month_of, pdf_response
from formarche.utils.dates import period_key
from formarche.utils.formatting import format_month


def _proof_blocks(sessions) -> list[dict]:
    result = []
    for session in sessions:
        signed = {s.enrolment_id: s for s in session.signatures.all()}
        rows = []
        for enrolment in selectors.expected_enrolments(session):
            signature = signed.get(enrolment.pk)
            rows.append(
                {
                    "trainee": enrolment.trainee,
                    "signature": signature,
                    "image": (
                        "data:image/png;base64," + base64.b64encode(bytes(signature.image)).decode("ascii")
                        if signature
                        else ""
                    ),
                }
            )
        result.append({"session": session, "rows": rows})
    return result


def _proof_pdf(order, title: str, sessions, filename: str):
    context = {
        "order": order,
        "title": title,
        "blocks": _proof_blocks(sessions),
        "report": verify_chain(order),
        "generated_at": timezone.now(),
    }
    return pdf_response(render_pdf("signing/proof_pdf.html", context), filename)


@tenant_required()
def session_proof(request, order_id, session_id):
    order = selectors.order_for_page(request.tenant, order_id)
    session = selectors.session_for_page(request.tenant, order, session_id)
    return _proof_pdf(
        order,
        f"Preuve d'émargement — séance du {session}",
        selectors.proof_sessions(order, session=session),
        f"{order.number}_EMARGEMENT_{session.date:%Y-%m-%d}_{session.half_day.upper()}.pdf",
    )


@tenant_required()
def month_proof(request, order_id, period):
    order = selectors.order_for_page(request.tenant, order_id)
    month = month_of(period)
    return _proof_pdf(
        order,
        f"Preuve d'émargement — {format_month(month)}",
        selectors.proof_sessions(order, month=month),
        f"{order.number}_EMARGEMENT_{period_key(month)}.pdf",
    )


@tenant_required()
def audit(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    context = action_context(
        request,
        order,
        report=verify_chain(order),
        signatures=selectors.audit_signatures(request.tenant, order),
    )
    return render(request, "signing/audit.html", context)


def _sync_apply(request, order, month):
    if not perms.can_sync(request.tenant):
        raise PermissionDenied("Seul l'organisme de formation synchronise les assiduités.")
    try:
        count = services.sync_apply(
            order=order, month=month, keys=request.POST.getlist("ligne"), by=request.user
        )
    except SigningRefused as exc:
        messages.error(request, exc.message)
    else:
        if count:
            messages.success(request, f"{count} journée(s) mise(s) à jour d'après les émargements.")
        else:
            messages.info(request, "Aucune ligne choisie : rien n'a été modifié.")
    return redirect("signing:sync", order_id=order.pk, period=period_key(month))


@tenant_required()
@require_http_methods(["GET", "POST"])
def sync(request, order_id, period):
    order = selectors.order_for_page(request.tenant, order_id)
    month = month_of(period)
    if request.method == "POST":
        return _sync_apply(request, order, month)
    validated = selectors.month_is_validated(order, month)
    lines = selectors.sync_diff(order, month)
    confirmed, pending = selectors.month_session_counts(order, month)
    context = action_context(
        request,
        order,
        month=month,
        period=period_key(month),
        month_label=format_month(month),
        lines=lines,
        confirmed=confirmed,
        pending=pending,
        validated=validated,
        closed=perms.signing_refusal(order),
        can_edit=perms.can_sign(request.tenant, order),
    )
    return render(request, "signing/sync.html", context)
