"""The trainer's pages: the month's sessions, the schedule form, one session (open, links and QR
codes, sign here, confirm) and a signature's image."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.site import absolute_reverse
from formarche.accounts.tenancy import of_required, tenant_required
from formarche.signing import perms, selectors, services
from formarche.signing.chain import verify_chain
from formarche.signing.forms import ScheduleForm
from formarche.signing.models import HalfDay
from formarche.signing.qr import qr_svg
from formarche.signing.services import HalfDaySpec, SigningRefused
from formarche.signing.views._common import action_context, default_month, signature_post
from formarche.utils.dates import add_months, months_between, parse_period, period_key
from formarche.utils.formatting import format_month


@tenant_required()
def sessions(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    closed = perms.signing_refusal(order)
    month = None
    if request.GET.get("mois"):
        try:
            month = parse_period(request.GET["mois"])
        except ValueError:
            month = None
    month = month or default_month(order)
    months = months_between(order.planned_start, order.real_end or order.planned_end)
    context = action_context(
        request,
        order,
        sessions=selectors.month_sessions(request.tenant, order, month),
        month=month,
        period=period_key(month),
        month_label=format_month(month),
        months=[(period_key(m), format_month(m)) for m in months],
        previous=period_key(add_months(month, -1)) if month > months[0] else "",
        next=period_key(add_months(month, 1)) if month < months[-1] else "",
        report=verify_chain(order),
        closed=closed,
        can_edit=perms.can_sign(request.tenant, order),
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


def _scheduled_message(result) -> str:
    return (
        f"{result.created} séance(s) planifiée(s)"
        + (f", {result.existing} déjà planifiée(s) laissée(s) telles quelles" if result.existing else "")
        + (f", {result.holidays} jour(s) férié(s) sauté(s)" if result.holidays else "")
        + "."
    )


@of_required
@require_http_methods(["GET", "POST"])
def schedule(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    refusal = perms.schedule_refusal(order)
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
                messages.success(request, _scheduled_message(result))
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
    context = action_context(request, order, form=None if refusal else form, refusal=refusal)
    return render(request, "signing/schedule.html", context, status=status)


@tenant_required()
def session_detail(request, order_id, session_id):
    order = selectors.order_for_page(request.tenant, order_id)
    session = selectors.session_for_page(request.tenant, order, session_id)
    signatures = selectors.session_signatures(session)
    rows = [
        {"enrolment": e, "signature": signatures.get(e.pk)} for e in selectors.expected_enrolments(session)
    ]
    context = action_context(
        request,
        order,
        session=session,
        rows=rows,
        signed_count=sum(1 for r in rows if r["signature"]),
        ended=timezone.now() >= session.ends_at,
        closed=perms.signing_refusal(order),
        can_edit=perms.can_sign(request.tenant, order),
    )
    return render(request, "signing/session.html", context)


@of_required
@require_POST
def session_open_view(request, order_id, session_id):
    order = selectors.order_for_page(request.tenant, order_id)
    session = selectors.session_for_page(request.tenant, order, session_id)
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
    order = selectors.order_for_page(request.tenant, order_id)
    session = selectors.session_for_page(request.tenant, order, session_id)
    enrolments = None
    if request.POST.get("enrolment"):
        enrolments = selectors.enrolments_chosen(request.tenant, order, request.POST.getlist("enrolment"))
    try:
        issued = services.links_issue(session=session, enrolments=enrolments, by=request.user)
    except SigningRefused as exc:
        messages.error(request, exc.message)
        return redirect("signing:session", order_id=order.pk, session_id=session.pk)
    links = []
    for enrolment, token in issued:
        url = absolute_reverse("signing:public_sign", token=token)
        links.append(
            {"enrolment": enrolment, "url": url, "svg": qr_svg(url, title=f"QR code de {enrolment.trainee}")}
        )
    return render(request, "signing/links.html", action_context(request, order, session=session, links=links))


@never_cache
@of_required
@require_http_methods(["GET", "POST"])
def sign_here(request, order_id, session_id, enrolment_id):
    """Full-screen signing pad on the trainer's device, for one trainee."""
    order = selectors.order_for_page(request.tenant, order_id)
    session = selectors.session_for_page(request.tenant, order, session_id)
    enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
    back = reverse("signing:session", kwargs={"order_id": order.pk, "session_id": session.pk})
    closed = perms.signing_refusal(order)
    if closed:
        messages.error(request, closed)
        return redirect(back)
    if not session.is_open:
        messages.error(request, "La séance n'est pas ouverte à la signature.")
        return redirect(back)
    error = ""
    if request.method == "POST":
        try:
            services.signature_record_on_device(
                session=session, enrolment=enrolment, **signature_post(request)
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
    order = selectors.order_for_page(request.tenant, order_id)
    session = selectors.session_for_page(request.tenant, order, session_id)
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
    order = selectors.order_for_page(request.tenant, order_id)
    signature = selectors.signature_for_image(request.tenant, order, signature_id)
    response = HttpResponse(bytes(signature.image), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
