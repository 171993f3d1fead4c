"""Émargement pages. Trainer pages (OF users, logged in; the Région reads), and one public page
reached by a one-time token (``emargement/<token>/``: no account, nothing but the session and
the trainee's name)."""

from __future__ import annotations

import base64
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.tenancy import get_scoped_or_404, of_required, scoped, tenant_required
from formarche.documents.generated import render_pdf
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Order
from formarche.signing import services
from formarche.signing.chain import verify_chain
from formarche.signing.forms import ScheduleForm
from formarche.signing.models import HalfDay, Session, SessionStatus, Signature
from formarche.signing.services import HalfDaySpec, SigningRefused
from formarche.trainees.models import Enrolment
from formarche.utils.dates import add_months, month_start, months_between, parse_period, period_key
from formarche.utils.formatting import format_month


def _order(request, order_id) -> Order:
    return get_scoped_or_404(
        Order.objects.select_related("provider", "region", "lot"), request.tenant, pk=order_id
    )


def _session(request, order, session_id) -> Session:
    return get_scoped_or_404(
        Session.objects.select_related("order"), request.tenant, pk=session_id, order=order
    )


def _month(period: str) -> date:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Mois introuvable.") from exc


def _context(request, order, **extra) -> dict:
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": "signing",
        **extra,
    }


def _signing_closed(order) -> str | None:
    """« L'action est fermée|archivée : l'émargement n'est plus possible. », or None on an open action.

    A closed or archived action refuses every émargement write (services.py): its pages then show
    this sentence instead of forms and buttons that would only be refused.
    """
    return order.write_refusal(services.SIGNING_REFUSED)


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:400]


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _default_month(order) -> date:
    first = month_start(order.planned_start)
    last = month_start(order.real_end or order.planned_end)
    return min(max(month_start(timezone.localdate()), first), last)


# ---------------------------------------------------------------------------------------------
# Schedule and sessions
# ---------------------------------------------------------------------------------------------


@tenant_required()
def sessions(request, order_id):
    order = _order(request, order_id)
    closed = _signing_closed(order)
    month = None
    if request.GET.get("mois"):
        try:
            month = parse_period(request.GET["mois"])
        except ValueError:
            month = None
    month = month or _default_month(order)
    rows = list(
        scoped(Session, request.tenant)
        .filter(order=order)
        .in_month(month)
        .annotate(signature_count=Count("signatures"))
        .order_by("date", "start_time")
    )
    months = months_between(order.planned_start, order.real_end or order.planned_end)
    report = verify_chain(order)
    context = _context(
        request,
        order,
        sessions=rows,
        month=month,
        period=period_key(month),
        month_label=format_month(month),
        months=[(period_key(m), format_month(m)) for m in months],
        previous=period_key(add_months(month, -1)) if month > months[0] else "",
        next=period_key(add_months(month, 1)) if month < months[-1] else "",
        report=report,
        closed=closed,
        can_edit=request.tenant.is_of and not closed,
    )
    return render(request, "signing/sessions.html", context)


def _schedule_specs(data) -> list[HalfDaySpec]:
    specs = []
    if HalfDay.MORNING in data["half_days"]:
        specs.append(
            HalfDaySpec(HalfDay.MORNING, data["morning_start"], data["morning_end"], data["morning_hours"])
        )
    if HalfDay.AFTERNOON in data["half_days"]:
        specs.append(
            HalfDaySpec(
                HalfDay.AFTERNOON, data["afternoon_start"], data["afternoon_end"], data["afternoon_hours"]
            )
        )
    return specs


@of_required
@require_http_methods(["GET", "POST"])
def schedule(request, order_id):
    order = _order(request, order_id)
    refusal = order.write_refusal(services.SCHEDULE_REFUSED)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.schedule_create(
                    order=order,
                    first=data["first"],
                    last=data["last"],
                    weekdays=data["weekdays"],
                    half_days=_schedule_specs(data),
                    trainer_name=data["trainer_name"],
                    skip_holidays=data["skip_holidays"],
                    by=request.user,
                )
            except SigningRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{result.created} séance(s) planifiée(s)"
                    + (
                        f", {result.existing} déjà planifiée(s) laissée(s) telles quelles"
                        if result.existing
                        else ""
                    )
                    + (f", {result.holidays} jour(s) férié(s) sauté(s)" if result.holidays else "")
                    + ".",
                )
                return redirect(
                    reverse("signing:sessions", kwargs={"order_id": order.pk})
                    + f"?mois={period_key(data['first'])}"
                )
        status = 422
    else:
        start = max(order.planned_start, timezone.localdate())
        form = ScheduleForm(initial={"first": start, "last": min(order.real_end or order.planned_end, start)})
        status = 200
    # a closed or archived action: the page says so, and shows no form (a POST is still refused)
    context = _context(request, order, form=None if refusal else form, refusal=refusal)
    return render(request, "signing/schedule.html", context, status=status)


@tenant_required()
def session_detail(request, order_id, session_id):
    order = _order(request, order_id)
    closed = _signing_closed(order)
    session = _session(request, order, session_id)
    signatures = {
        s.enrolment_id: s
        for s in Signature.objects.filter(session=session).only(
            "pk", "enrolment_id", "signed_at", "channel", "sequence", "record_hash", "session_id"
        )
    }
    expected = list(services.expected_enrolments(session))
    rows = [{"enrolment": e, "signature": signatures.get(e.pk)} for e in expected]
    context = _context(
        request,
        order,
        session=session,
        rows=rows,
        signed_count=sum(1 for r in rows if r["signature"]),
        ended=timezone.now() >= session.ends_at,
        closed=closed,
        can_edit=request.tenant.is_of and not closed,
    )
    return render(request, "signing/session.html", context)


@of_required
@require_POST
def session_open_view(request, order_id, session_id):
    order = _order(request, order_id)
    session = _session(request, order, session_id)
    try:
        services.session_open(session=session, by=request.user)
    except SigningRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Séance du {session} ouverte à la signature.")
    return redirect("signing:session", order_id=order.pk, session_id=session.pk)


@never_cache
@of_required
@require_POST
def session_links(request, order_id, session_id):
    """New one-time links (and their QR codes) for every trainee who has not signed yet; the earlier
    links of those trainees are revoked. Rendered directly: the tokens are never stored."""
    order = _order(request, order_id)
    session = _session(request, order, session_id)
    enrolments = None
    if request.POST.get("enrolment"):
        enrolments = list(
            scoped(Enrolment, request.tenant).filter(order=order, pk__in=request.POST.getlist("enrolment"))
        )
    try:
        issued = services.links_issue(session=session, enrolments=enrolments, by=request.user)
    except SigningRefused as exc:
        messages.error(request, exc.message)
        return redirect("signing:session", order_id=order.pk, session_id=session.pk)
    from formarche.signing.qr import qr_svg

    links = []
    for enrolment, token in issued:
        url = request.build_absolute_uri(reverse("signing:public_sign", kwargs={"token": token}))
        links.append(
            {"enrolment": enrolment, "url": url, "svg": qr_svg(url, title=f"QR code de {enrolment.trainee}")}
        )
    return render(request, "signing/links.html", _context(request, order, session=session, links=links))


@never_cache
@of_required
@require_http_methods(["GET", "POST"])
def sign_here(request, order_id, session_id, enrolment_id):
    """Full-screen signing pad on the trainer's device, for one trainee."""
    order = _order(request, order_id)
    session = _session(request, order, session_id)
    enrolment = get_scoped_or_404(
        Enrolment.objects.select_related("trainee"), request.tenant, pk=enrolment_id, order=order
    )
    back = reverse("signing:session", kwargs={"order_id": order.pk, "session_id": session.pk})
    closed = _signing_closed(order)
    if closed:
        messages.error(request, closed)
        return redirect(back)
    if not session.is_open:
        messages.error(request, "La séance n'est pas ouverte à la signature.")
        return redirect(back)
    error = ""
    if request.method == "POST":
        try:
            services.sign_on_device(
                session=session,
                enrolment=enrolment,
                data_url=request.POST.get("signature", ""),
                ip=_client_ip(request),
                user_agent=_user_agent(request),
            )
        except SigningRefused as exc:
            error = exc.message
        else:
            messages.success(request, f"Signature de {enrolment.trainee} enregistrée.")
            return redirect(back)
    context = {
        "session": session,
        "order": order,
        "trainee_name": str(enrolment.trainee),
        "error": error,
        "back_url": back,
    }
    return render(request, "signing/pad.html", context, status=422 if error else 200)


@of_required
@require_POST
def session_confirm_view(request, order_id, session_id):
    order = _order(request, order_id)
    session = _session(request, order, session_id)
    try:
        result = services.session_confirm(session=session, by=request.user)
    except SigningRefused as exc:
        messages.error(request, exc.message)
    else:
        text = f"Séance confirmée : heures enregistrées pour {len(result.signed)} stagiaire(s)."
        if result.absent:
            names = ", ".join(str(e.trainee) for e in result.absent)
            text += f" Absence(s) à justifier : {names}."
        messages.success(request, text)
    return redirect("signing:session", order_id=order.pk, session_id=session.pk)


@tenant_required()
def signature_image(request, order_id, signature_id):
    order = _order(request, order_id)
    signature = get_scoped_or_404(
        Signature.objects.only("image", "order_id"), request.tenant, pk=signature_id, order=order
    )
    response = HttpResponse(bytes(signature.image), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------
# Proofs and audit
# ---------------------------------------------------------------------------------------------


def _proof_sessions(order, sessions) -> list[dict]:
    sessions = list(
        sessions.prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.select_related("enrolment__trainee"))
        ).order_by("date", "start_time")
    )
    result = []
    for session in sessions:
        signed = {s.enrolment_id: s for s in session.signatures.all()}
        rows = []
        for enrolment in services.expected_enrolments(session):
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


@tenant_required()
def session_proof(request, order_id, session_id):
    order = _order(request, order_id)
    session = _session(request, order, session_id)
    context = {
        "order": order,
        "title": f"Preuve d'émargement — séance du {session}",
        "blocks": _proof_sessions(order, Session.objects.filter(pk=session.pk)),
        "report": verify_chain(order),
        "generated_at": timezone.now(),
    }
    pdf = render_pdf("signing/proof_pdf.html", context)
    return _pdf(pdf, f"{order.number}_EMARGEMENT_{session.date:%Y-%m-%d}_{session.half_day.upper()}.pdf")


@tenant_required()
def month_proof(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    context = {
        "order": order,
        "title": f"Preuve d'émargement — {format_month(month)}",
        "blocks": _proof_sessions(order, Session.objects.filter(order=order).in_month(month)),
        "report": verify_chain(order),
        "generated_at": timezone.now(),
    }
    pdf = render_pdf("signing/proof_pdf.html", context)
    return _pdf(pdf, f"{order.number}_EMARGEMENT_{period_key(month)}.pdf")


@tenant_required()
def audit(request, order_id):
    order = _order(request, order_id)
    report = verify_chain(order)
    signatures = (
        scoped(Signature, request.tenant)
        .filter(order=order)
        .select_related("session", "enrolment__trainee")
        .defer("image")
        .order_by("sequence")
    )
    return render(
        request, "signing/audit.html", _context(request, order, report=report, signatures=signatures)
    )


# ---------------------------------------------------------------------------------------------
# Synchronisation with the month's hours
# ---------------------------------------------------------------------------------------------


@tenant_required()
@require_http_methods(["GET", "POST"])
def sync(request, order_id, period):
    order = _order(request, order_id)
    closed = _signing_closed(order)
    month = _month(period)
    if request.method == "POST":
        if not request.tenant.is_of:
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
    from formarche.billing.models import Period

    period_row = Period.objects.filter(order=order, month=month).first()
    lines = services.sync_diff(order, month)
    confirmed = Session.objects.filter(order=order, status=SessionStatus.CONFIRMED).in_month(month).count()
    pending = Session.objects.filter(order=order, status=SessionStatus.OPEN).in_month(month).count()
    context = _context(
        request,
        order,
        month=month,
        period=period_key(month),
        month_label=format_month(month),
        lines=lines,
        confirmed=confirmed,
        pending=pending,
        validated=bool(period_row and period_row.status == "validee"),
        closed=closed,
        can_edit=request.tenant.is_of and not closed,
    )
    return render(request, "signing/sync.html", context)


# ---------------------------------------------------------------------------------------------
# Public page (one-time token)
# ---------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def public_sign(request, token):
    """No account: the token names the session and the trainee; it works once, until the session ends.
    Any invalid, used or expired token gets the same 403 page, which reveals nothing. A good link of
    a closed or archived action gets « Émargement clos » (410) instead of the pad, on GET as on POST
    (sign_with_link refuses it too)."""
    try:
        link = services.link_resolve(token)
    except SigningRefused as exc:
        return render(request, "signing/public_invalid.html", {"message": exc.message}, status=403)
    closed = _signing_closed(link.session.order)
    if closed:
        context = {"message": closed, "heading": "Émargement clos"}
        response = render(request, "signing/public_invalid.html", context, status=410)
        response["Referrer-Policy"] = "no-referrer"
        return response
    error = ""
    if request.method == "POST":
        try:
            services.sign_with_link(
                token=token,
                data_url=request.POST.get("signature", ""),
                ip=_client_ip(request),
                user_agent=_user_agent(request),
            )
        except SigningRefused as exc:
            error = exc.message
        else:
            return render(
                request,
                "signing/public_done.html",
                {"session": link.session, "trainee_name": str(link.enrolment.trainee)},
            )
    context = {
        "session": link.session,
        "order_title": link.session.order.title,
        "trainee_name": str(link.enrolment.trainee),
        "error": error,
        "public": True,
    }
    response = render(request, "signing/pad.html", context, status=422 if error else 200)
    response["Referrer-Policy"] = "no-referrer"
    return response
