"""Pages of the closing area (issue #6): exits, bilans and follow-up questionnaires, change
requests, closing and archiving, the Région's outcomes, and the trainee's public follow-up page.

Every order, enrolment or request named by the URL is fetched through ``get_scoped_or_404``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.models import Role
from formarche.accounts.tenancy import get_scoped_or_404, region_required, scoped, tenant_required
from formarche.closing import outcomes, selectors, services
from formarche.closing.forms import (
    ChangeRequestForm,
    DecisionForm,
    ExitRowForm,
    PublicSituationForm,
    RealEndForm,
    SameExitForm,
    SituationForm,
)
from formarche.closing.models import (
    QUESTIONNAIRE_STATE_LABELS,
    AssessmentState,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    ExitAssessment,
    ExitOutcome,
    FollowUpQuestionnaire,
)
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Component, Order, OrderStatus
from formarche.trainees.models import Enrolment

of_writer_required = tenant_required(Role.OF_STAFF, Role.OF_MANAGER)
archiver_required = tenant_required(Role.OF_MANAGER, Role.REGION_OFFICER, Role.REGION_MANAGER)

STATE_ICONS = {
    AssessmentState.TO_ENTER: "○",
    AssessmentState.DRAFT: "◐",
    AssessmentState.VALIDATED: "✔",
}
STATE_CLASSES = {
    AssessmentState.TO_ENTER: "text-bg-light border",
    AssessmentState.DRAFT: "text-bg-warning",
    AssessmentState.VALIDATED: "text-bg-success",
}


def _order(request, order_id):
    return get_scoped_or_404(Order.objects.with_labels(), request.tenant, pk=order_id)


def _enrolment(request, order, enrolment_id):
    return get_scoped_or_404(
        Enrolment.objects.select_related("trainee").filter(order=order), request.tenant, pk=enrolment_id
    )


def _ctx(request, order, nav, **extra):
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": nav,
        "nav": "actions",
        "tenant": request.tenant,
        "can_edit": request.tenant.is_of and order.status == OrderStatus.OPEN,
        **extra,
    }


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _state_badge(state: str, label: str) -> dict:
    return {"icon": STATE_ICONS[state], "css": STATE_CLASSES[state], "label": label, "state": state}


def _assessment_row(enrolment, assessment) -> dict:
    """One row of the bilans list (``closing/_assessment_row.html``)."""
    state = assessment.state if assessment else AssessmentState.TO_ENTER
    return {
        "enrolment": enrolment,
        "assessment": assessment,
        "badge": _state_badge(state, AssessmentState(state).label),
    }


def _followup_row(enrolment, questionnaire, today: dt.date) -> dict:
    """One row of the questionnaires list (``closing/_followup_row.html``)."""
    state = questionnaire.state if questionnaire else AssessmentState.TO_ENTER
    return {
        "enrolment": enrolment,
        "questionnaire": questionnaire,
        "overdue": bool(questionnaire and questionnaire.is_overdue(today)),
        "badge": _state_badge(state, QUESTIONNAIRE_STATE_LABELS[state]),
    }


# --------------------------------------------------------------------------------------------
# 1. Sortie des stagiaires
# --------------------------------------------------------------------------------------------


@tenant_required()
def exits(request, order_id):
    """Each trainee × component: exit date and reason, and the certification result."""
    order = _order(request, order_id)
    enrolments, components, exit_map = selectors.order_exit_table(order)
    results = dict(
        ExitOutcome.objects.filter(enrolment__order=order).values_list("enrolment_id", "certification_result")
    )
    from formarche.closing.models import CertificationResult

    labels = dict(CertificationResult.choices)
    rows = []
    for e in enrolments:
        cells = [exit_map.get((e.pk, c.pk)) for c in components]
        rows.append(
            {
                "enrolment": e,
                "cells": cells,
                "certification": labels.get(results.get(e.pk, ""), "Non renseigné"),
                "complete": all(cells) if components else e.exit_date is not None,
            }
        )
    context = _ctx(request, order, "exits", rows=rows, components=components)
    return render(request, "closing/exits.html", context)


@tenant_required()
@require_http_methods(["GET", "POST"])
def exit_edit(request, order_id, enrolment_id):
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    components = list(Component.objects.filter(order=order).order_by("code"))
    current = {x.component_id: x for x in enrolment.component_exits.all()}
    outcome = ExitOutcome.objects.filter(enrolment=enrolment).first()
    error = None
    if request.method == "POST":
        if not (request.tenant.is_of and order.status == OrderStatus.OPEN):
            raise PermissionDenied("Seul l'organisme de formation saisit les sorties d'une action ouverte.")
        same = SameExitForm(request.POST, prefix="toutes")
        rows = [(c, ExitRowForm(request.POST, prefix=f"c{c.pk}")) for c in components]
        if same.is_valid() and (same.cleaned_data["same_for_all"] or all(f.is_valid() for _, f in rows)):
            data = same.cleaned_data
            try:
                if data["same_for_all"]:
                    services.exits_set_for_all_components(
                        enrolment=enrolment,
                        entry=services.ExitEntry(data["exit_date"], data["reason"], data["reason_detail"]),
                        certification_result=data["certification_result"],
                        by=request.user,
                    )
                else:
                    services.trainee_exits_set(
                        enrolment=enrolment,
                        exits={
                            c: services.ExitEntry(
                                f.cleaned_data["exit_date"],
                                f.cleaned_data["reason"],
                                f.cleaned_data["reason_detail"],
                            )
                            for c, f in rows
                        },
                        certification_result=data["certification_result"],
                        by=request.user,
                    )
            except services.ClosingError as exc:
                error = exc.message
            else:
                messages.success(request, f"La sortie de {enrolment.trainee} est enregistrée.")
                return redirect("closing:exits", order_id=order.pk)
    else:
        same = SameExitForm(
            prefix="toutes",
            initial={"certification_result": outcome.certification_result if outcome else ""},
        )
        rows = []
        for c in components:
            x = current.get(c.pk)
            initial = (
                {"exit_date": x.exit_date, "reason": x.reason, "reason_detail": x.reason_detail}
                if x
                else {
                    # the enrolment page may already carry an exit: offer it
                    "exit_date": enrolment.exit_date,
                    "reason": enrolment.exit_reason,
                    "reason_detail": enrolment.exit_reason_detail,
                }
            )
            rows.append((c, ExitRowForm(prefix=f"c{c.pk}", initial=initial)))
    context = _ctx(
        request,
        order,
        "closing",
        enrolment=enrolment,
        same=same,
        rows=rows,
        error=error,
        components=components,
    )
    return render(request, "closing/exit_edit.html", context)


# --------------------------------------------------------------------------------------------
# 2. Bilans et questionnaires de suivi
# --------------------------------------------------------------------------------------------


@tenant_required()
def assessments(request, order_id):
    """Déclaration des bilans — tab « Bilan de situation »."""
    order = _order(request, order_id)
    enrolments = list(
        Enrolment.objects.filter(order=order)
        .select_related("trainee", "exit_assessment")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    rows = [_assessment_row(e, getattr(e, "exit_assessment", None)) for e in enrolments]
    legend = [_state_badge(s, s.label) for s in AssessmentState]
    context = _ctx(request, order, "assessments", rows=rows, legend=legend, tab="bilans")
    return render(request, "closing/assessments.html", context)


@tenant_required()
@require_http_methods(["GET", "POST"])
def assessment_edit(request, order_id, enrolment_id):
    """The bilan de situation of one trainee: saved as a draft, then validated (htmx or plain).

    Saved through htmx (the side panel of the list), the answer also carries the list's row with
    the new state, swapped out of band: the list never says « à saisir » for a validated bilan.
    """
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    assessment = ExitAssessment.objects.filter(enrolment=enrolment).first()
    can_edit = request.tenant.is_of and order.status == OrderStatus.OPEN
    saved = None
    list_row = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Seul l'organisme de formation saisit les bilans d'une action ouverte.")
        form = SituationForm(request.POST)
        action = services.VALIDATE if request.POST.get("action") == "valider" else services.DRAFT
        if form.is_valid():
            try:
                assessment = services.assessment_save(
                    enrolment=enrolment, action=action, by=request.user, **form.cleaned_data
                )
            except services.ClosingError as exc:
                form.add_error(None, exc.message)
            else:
                saved = (
                    f"Le bilan de {enrolment.trainee} est validé."
                    if assessment.is_validated
                    else f"Le bilan de {enrolment.trainee} est enregistré en brouillon."
                )
                if not _is_htmx(request):
                    messages.success(request, saved)
                    return redirect("closing:assessments", order_id=order.pk)
                list_row = _assessment_row(enrolment, assessment)
    else:
        initial = {}
        if assessment:
            initial = {
                k: getattr(assessment, k) for k in ("situation", "job_title", "employer_postcode", "comment")
            }
        form = SituationForm(initial=initial)
    state = assessment.state if assessment else AssessmentState.TO_ENTER
    context = _ctx(
        request,
        order,
        "assessments",
        enrolment=enrolment,
        form=form,
        can_edit=can_edit,
        saved=saved,
        badge=_state_badge(state, AssessmentState(state).label),
        record=assessment,
        kind="bilan",
        list_row=list_row,
        list_row_template="closing/_assessment_row.html",
        post_url=reverse(
            "closing:assessment_edit", kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk}
        ),
        back_url=reverse("closing:assessments", kwargs={"order_id": order.pk}),
    )
    template = "closing/_situation_form.html" if _is_htmx(request) else "closing/situation_page.html"
    return render(request, template, context)


@tenant_required()
def followups(request, order_id):
    """Déclaration des bilans — tab « Questionnaire de suivi » (six months after the exit)."""
    order = _order(request, order_id)
    today = timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(order=order)
        .select_related("trainee", "followup")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    rows = [_followup_row(e, getattr(e, "followup", None), today) for e in enrolments]
    legend = [_state_badge(s, QUESTIONNAIRE_STATE_LABELS[s]) for s in AssessmentState]
    context = _ctx(request, order, "assessments", rows=rows, legend=legend, tab="suivi", today=today)
    context["can_edit"] = request.tenant.is_of and order.status != OrderStatus.ARCHIVED
    return render(request, "closing/followups.html", context)


def _questionnaire(request, order, enrolment_id):
    enrolment = _enrolment(request, order, enrolment_id)
    questionnaire = FollowUpQuestionnaire.objects.filter(enrolment=enrolment).first()
    if questionnaire is None:
        raise Http404("Ce stagiaire n'a pas encore de questionnaire de suivi (pas de sortie).")
    return enrolment, questionnaire


@tenant_required()
@require_http_methods(["GET", "POST"])
def followup_edit(request, order_id, enrolment_id):
    order = _order(request, order_id)
    enrolment, questionnaire = _questionnaire(request, order, enrolment_id)
    can_edit = request.tenant.is_of and order.status != OrderStatus.ARCHIVED
    saved = None
    list_row = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Seul l'organisme de formation saisit les questionnaires de suivi.")
        form = SituationForm(request.POST)
        action = services.VALIDATE if request.POST.get("action") == "valider" else services.DRAFT
        if form.is_valid():
            try:
                questionnaire = services.followup_save(
                    questionnaire=questionnaire, action=action, by=request.user, **form.cleaned_data
                )
            except services.ClosingError as exc:
                form.add_error(None, exc.message)
            else:
                saved = f"Le questionnaire de suivi de {enrolment.trainee} est enregistré."
                if not _is_htmx(request):
                    messages.success(request, saved)
                    return redirect("closing:followups", order_id=order.pk)
                list_row = _followup_row(enrolment, questionnaire, timezone.localdate())
    else:
        form = SituationForm(
            initial={
                k: getattr(questionnaire, k)
                for k in ("situation", "job_title", "employer_postcode", "comment")
            }
        )
    links = list(questionnaire.links.all()[:5])
    context = _ctx(
        request,
        order,
        "assessments",
        enrolment=enrolment,
        questionnaire=questionnaire,
        form=form,
        can_edit=can_edit and not (questionnaire.is_validated and questionnaire.answered_by == "stagiaire"),
        saved=saved,
        links=links,
        now=timezone.now(),
        badge=_state_badge(questionnaire.state, questionnaire.state_label),
        record=questionnaire,
        kind="suivi",
        list_row=list_row,
        list_row_template="closing/_followup_row.html",
        post_url=reverse(
            "closing:followup_edit", kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk}
        ),
        back_url=reverse("closing:followups", kwargs={"order_id": order.pk}),
    )
    template = "closing/_situation_form.html" if _is_htmx(request) else "closing/situation_page.html"
    return render(request, template, context)


@of_writer_required
@require_POST
def followup_link(request, order_id, enrolment_id):
    """Create a one-time link; the page shows it once (only its hash is kept)."""
    order = _order(request, order_id)
    enrolment, questionnaire = _questionnaire(request, order, enrolment_id)
    send = request.POST.get("envoyer") == "1" and bool(enrolment.trainee.email)
    try:
        link, token = services.followup_link_create(
            questionnaire=questionnaire, by=request.user, send_to=enrolment.trainee.email if send else ""
        )
    except services.ClosingError as exc:
        messages.error(request, exc.message)
        return redirect("closing:followup_edit", order_id=order.pk, enrolment_id=enrolment.pk)
    url = request.build_absolute_uri(reverse("closing:followup_public", kwargs={"token": token}))
    context = _ctx(request, order, "assessments", enrolment=enrolment, link=link, url=url, sent=send)
    response = render(request, "closing/link_created.html", context)
    response["Cache-Control"] = "no-store"
    return response


@tenant_required()
def followup_due(request):
    """Questionnaires de suivi à faire: overdue first, then those due within 30 days."""
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=30)
    qs = (
        scoped(FollowUpQuestionnaire, request.tenant)
        .pending()
        .filter(due_date__lte=horizon)
        .select_related("enrolment__trainee", "enrolment__order")
        .order_by("due_date", "pk")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"q": q, "overdue": q.due_date < today} for q in page]
    overdue_count = scoped(FollowUpQuestionnaire, request.tenant).overdue(today).count()
    context = {
        "nav": "actions",
        "page": page,
        "rows": rows,
        "today": today,
        "horizon": horizon,
        "overdue_count": overdue_count,
        "tenant": request.tenant,
    }
    return render(request, "closing/followup_due.html", context)


def _link_invalid(request):
    """Unknown, used or expired: the same page, which reveals nothing (403, as the émargement links:
    the URL walk accepts 403 from every role, members of OF 1 included)."""
    response = render(request, "closing/public_invalid.html", {}, status=403)
    response["Cache-Control"] = "no-store"
    return response


def _questionnaire_closed(request):
    """The link is good but the action is archived: the questionnaire takes no answer any more.
    410 (Gone): for good, unlike a bad link's 403; the page says it plainly and shows no form."""
    response = render(request, "closing/public_closed.html", {}, status=410)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _is_archived(order_id: int) -> bool:
    return Order.objects.filter(pk=order_id, status=OrderStatus.ARCHIVED).exists()


@require_http_methods(["GET", "POST"])
def followup_public(request, token):
    """The trainee's page, reached by the one-time link (no login). Any bad link: the same 403 page.

    The questionnaire follows the closing but not the archiving: on an archived action the page
    says the questionnaire is closed instead of showing a form (GET), and an answer sent anyway is
    refused the same way (POST; the service refuses it too).
    """
    try:
        link = selectors.followup_link_check(token)
    except services.FollowUpLinkInvalid:
        return _link_invalid(request)
    questionnaire = link.questionnaire
    order = questionnaire.enrolment.order
    if order.status == OrderStatus.ARCHIVED:
        return _questionnaire_closed(request)
    if request.method == "POST":
        form = PublicSituationForm(request.POST)
        if form.is_valid():
            try:
                services.followup_answer_by_token(token=token, **form.cleaned_data)
            except services.FollowUpLinkInvalid:
                return _link_invalid(request)
            except services.ClosingError as exc:
                if _is_archived(order.pk):  # archived since the page was read
                    return _questionnaire_closed(request)
                form.add_error(None, exc.message)
            else:
                response = render(request, "closing/public_thanks.html", {})
                response["Cache-Control"] = "no-store"
                return response
    else:
        form = PublicSituationForm()
    context = {
        "form": form,
        "first_name": questionnaire.enrolment.trainee.first_name,
        "training": order.title,
        "expires_at": link.expires_at,
    }
    response = render(request, "closing/public_followup.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --------------------------------------------------------------------------------------------
# 3. Demandes de modification de données
# --------------------------------------------------------------------------------------------


def _change_requests(tenant):
    return scoped(ChangeRequest, tenant).select_related(
        "order", "enrolment__trainee", "requested_by", "decided_by"
    )


@tenant_required()
def order_change_requests(request, order_id):
    order = _order(request, order_id)
    requests = list(_change_requests(request.tenant).filter(order=order))
    context = _ctx(request, order, "change_requests", change_requests=requests)
    context["can_request"] = request.tenant.is_of and order.status != OrderStatus.ARCHIVED
    return render(request, "closing/order_change_requests.html", context)


@of_writer_required
@require_http_methods(["GET", "POST"])
def change_request_create(request, order_id):
    order = _order(request, order_id)
    # after the closing only a trainee's identity may be corrected, after the archiving nothing: the
    # page says so and offers only what the service accepts (which still refuses anything else)
    if order.status == OrderStatus.ARCHIVED:
        refusal = order.write_refusal("aucune demande de modification n'est plus possible.")
        context = _ctx(request, order, "change_requests", form=None, refusal=refusal)
        return render(request, "closing/change_request_form.html", context)
    closed = order.status == OrderStatus.CLOSED
    enrolments = list(
        Enrolment.objects.filter(order=order).select_related("trainee").order_by("trainee__last_name")
    )
    initial = {}
    if request.method == "GET" and not closed:
        kind = request.GET.get("objet")
        if kind in ChangeKind.values:
            initial["kind"] = kind
        if kind == ChangeKind.END_DATE:
            status = selectors.closing_status(order)
            if status.last_exit:
                initial["end_date"] = status.last_exit
                initial["reason"] = (
                    "La sortie du dernier stagiaire a eu lieu le "
                    f"{status.last_exit:%d/%m/%Y} : la date de fin réelle doit lui correspondre."
                )
    form = ChangeRequestForm(
        request.POST or None, initial=initial, enrolments=enrolments, identity_only=closed
    )
    if request.method == "POST" and form.is_valid():
        by_pk = {e.pk: e for e in enrolments}
        enrolment = by_pk.get(form.cleaned_data.get("enrolment"))
        try:
            cr = services.change_request_create(
                order=order,
                kind=form.cleaned_data["kind"],
                new_values=form.new_values(),
                reason=form.cleaned_data["reason"],
                enrolment=enrolment,
                by=request.user,
            )
        except services.ClosingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"La demande de modification n° {cr.pk} est transmise à la Région.")
            return redirect("closing:change_request", change_request_id=cr.pk)
    notice = (
        order.write_refusal("seule l'identité d'un stagiaire peut encore être corrigée.") if closed else None
    )
    context = _ctx(request, order, "change_requests", form=form, notice=notice)
    return render(request, "closing/change_request_form.html", context)


@tenant_required()
def change_request_list(request):
    status = request.GET.get("statut", "")
    qs = _change_requests(request.tenant)
    if status in ChangeStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "nav": "actions",
        "page": page,
        "status": status,
        "statuses": ChangeStatus.choices,
        "tenant": request.tenant,
    }
    return render(request, "closing/change_request_list.html", context)


def _value_rows(cr) -> list[dict]:
    labels = {
        "planned_end": "Date de fin prévue",
        "real_end": "Date de fin réelle",
        "end_date": "Date de fin (prévue et réelle)",
        "volume_hours": "Volume (heures stagiaires)",
        "unit_price": "Prix unitaire HT",
        "amount": "Montant HT de la commande",
        "last_name": "Nom",
        "first_name": "Prénom",
        "birth_date": "Date de naissance",
    }

    def show(key, value):
        if value in (None, ""):
            return "—"
        if key in ("planned_end", "real_end", "end_date", "birth_date"):
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        return str(value)

    keys = list(dict.fromkeys([*cr.old_values, *cr.new_values]))
    return [
        {
            "label": labels.get(k, k),
            "old": show(k, cr.old_values.get(k)),
            "new": show(k, cr.new_values.get(k)) if k in cr.new_values else "",
        }
        for k in keys
    ]


@tenant_required()
def change_request_detail(request, change_request_id):
    cr = get_scoped_or_404(_change_requests(request.tenant), request.tenant, pk=change_request_id)
    history = list(cr.history.select_related("history_user").order_by("history_date"))
    order_history = list(
        cr.order.history.filter(
            history_change_reason=f"Demande de modification n° {cr.pk} acceptée"
        ).select_related("history_user")
    )
    context = {
        "nav": "actions",
        "cr": cr,
        "values": _value_rows(cr),
        "history": history,
        "order_history": order_history,
        "form": DecisionForm() if request.tenant.is_region and cr.is_pending else None,
        "tenant": request.tenant,
    }
    return render(request, "closing/change_request_detail.html", context)


@region_required
@require_POST
def change_request_decide(request, change_request_id):
    cr = get_scoped_or_404(ChangeRequest, request.tenant, pk=change_request_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez Accepter ou Refuser.")
        return redirect("closing:change_request", change_request_id=cr.pk)
    try:
        if form.cleaned_data["decision"] == "approve":
            services.change_request_approve(
                change_request=cr, by=request.user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "La demande est acceptée : la modification est appliquée.")
        else:
            services.change_request_refuse(
                change_request=cr, by=request.user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "La demande est refusée.")
    except services.ClosingError as exc:
        messages.error(request, exc.message)
    return redirect("closing:change_request", change_request_id=cr.pk)


# --------------------------------------------------------------------------------------------
# 4. Fermeture / archivage
# --------------------------------------------------------------------------------------------


def _closing_context(request, order, form, **extra):
    status = selectors.closing_status(order)
    history = (
        order.history.filter(status__in=[OrderStatus.CLOSED, OrderStatus.ARCHIVED])
        .select_related("history_user")
        .order_by("history_date")
    )
    context = _ctx(
        request,
        order,
        "closing",
        status=status,
        form=form,
        closing_history=list(history),
        can_archive=order.status == OrderStatus.CLOSED
        and request.tenant.role in (Role.OF_MANAGER, Role.REGION_OFFICER, Role.REGION_MANAGER),
        pending_end_date=ChangeRequest.objects.filter(order=order, kind=ChangeKind.END_DATE)
        .pending()
        .first(),
        **extra,
    )
    return context


@tenant_required()
@require_http_methods(["GET", "POST"])
def close(request, order_id):
    """Fermeture / archivage de l'action: the checklist, the real end date, « Valider la fermeture »."""
    order = _order(request, order_id)
    errors = []
    if request.method == "POST":
        if not (request.tenant.is_of and order.status == OrderStatus.OPEN):
            raise PermissionDenied("Seul l'organisme de formation ferme une action ouverte.")
        form = RealEndForm(request.POST)
        if form.is_valid():
            try:
                order = services.order_real_end_set(
                    order=order, real_end=form.cleaned_data["real_end"], by=request.user
                )
            except services.ClosingError as exc:
                form.add_error("real_end", exc.message)
            else:
                status = selectors.closing_status(order)
                if status.can_close:
                    return redirect("closing:close_confirm", order_id=order.pk)
                errors = status.missing
                messages.error(
                    request, "L'action ne peut pas encore être fermée : complétez les points listés."
                )
                order = _order(request, order_id)
    else:
        form = RealEndForm(initial={"real_end": order.real_end})
    context = _closing_context(request, order, form, errors=errors)
    return render(request, "closing/close.html", context)


@tenant_required()
@require_http_methods(["GET", "POST"])
def close_confirm(request, order_id):
    """« Souhaitez-vous vraiment fermer l'action ? » — Annuler / Poursuivre."""
    order = _order(request, order_id)
    if not (request.tenant.is_of and order.status == OrderStatus.OPEN):
        raise PermissionDenied("Seul l'organisme de formation ferme une action ouverte.")
    if request.method == "POST":
        try:
            services.order_close(order=order, by=request.user)
        except services.ClosingError as exc:
            messages.error(request, " ".join([exc.message, *exc.errors]))
        else:
            messages.success(request, "L'action a été fermée. Un mail a été envoyé.")
        return redirect("closing:close", order_id=order.pk)
    status = selectors.closing_status(order)
    if not status.can_close:
        messages.error(request, "L'action ne peut pas encore être fermée : complétez les points listés.")
        return redirect("closing:close", order_id=order.pk)
    return render(request, "closing/close_confirm.html", _ctx(request, order, "closing", status=status))


@archiver_required
@require_POST
def archive(request, order_id):
    order = _order(request, order_id)
    try:
        services.order_archive(order=order, by=request.user)
    except services.ClosingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "L'action est archivée.")
    return redirect("closing:close", order_id=order.pk)


# --------------------------------------------------------------------------------------------
# 7. Résultats (Région)
# --------------------------------------------------------------------------------------------


def _dimension(request) -> str:
    value = request.GET.get("par", "dispositif")
    return value if value in outcomes.DIMENSIONS else "dispositif"


@region_required
def outcomes_page(request):
    dimension = _dimension(request)
    rows = outcomes.outcome_rows(request.tenant, dimension)
    context = {
        "nav": "actions",
        "dimension": dimension,
        "dimensions": [(k, v[0]) for k, v in outcomes.DIMENSIONS.items()],
        "dimension_label": outcomes.DIMENSIONS[dimension][0],
        "rows": rows,
        "total": outcomes.total_row(rows),
        "charts": outcomes.charts(rows),
    }
    return render(request, "closing/outcomes.html", context)


@region_required
def outcomes_export(request):
    dimension = _dimension(request)
    rows = outcomes.outcome_rows(request.tenant, dimension)
    response = HttpResponse(
        "\ufeff" + outcomes.outcomes_csv(rows, dimension), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="resultats-par-{dimension}.csv"'
    return response
