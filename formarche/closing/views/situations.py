"""Déclaration des bilans: the bilans de situation and the questionnaires de suivi (lists, one
trainee's form as an htmx panel or a page, the trainee's one-time link, the questionnaires due)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.site import absolute_reverse
from formarche.accounts.tenancy import tenant_required
from formarche.closing import perms, selectors, services
from formarche.closing.forms import SituationForm
from formarche.closing.models import QUESTIONNAIRE_STATE_LABELS, AssessmentState
from formarche.closing.views._common import action_context, is_htmx, of_writer_required, state_badge
from formarche.utils.dbrouter import reads_from_replica

SITUATION_FIELDS = ("situation", "job_title", "employer_postcode", "comment")


def _assessment_row(enrolment, assessment) -> dict:
    """One row of the bilans list (``closing/_assessment_row.html``)."""
    state = assessment.state if assessment else AssessmentState.TO_ENTER
    return {
        "enrolment": enrolment,
        "assessment": assessment,
        "badge": state_badge(state, AssessmentState(state).label),
    }


def _followup_row(enrolment, questionnaire, today: dt.date) -> dict:
    """One row of the questionnaires list (``closing/_followup_row.html``)."""
    state = questionnaire.state if questionnaire else AssessmentState.TO_ENTER
    return {
        "enrolment": enrolment,
        "questionnaire": questionnaire,
        "overdue": bool(questionnaire and questionnaire.is_overdue(today)),
        "badge": state_badge(state, QUESTIONNAIRE_STATE_LABELS[state]),
    }


@tenant_required()
def assessments(request, order_id):
    """Déclaration des bilans — tab « Bilan de situation »."""
    order = selectors.order_for_page(request.tenant, order_id)
    enrolments = selectors.enrolments_with(order, "exit_assessment")
    rows = [_assessment_row(e, getattr(e, "exit_assessment", None)) for e in enrolments]
    legend = [state_badge(s, s.label) for s in AssessmentState]
    context = action_context(request, order, "assessments", rows=rows, legend=legend, tab="bilans")
    return render(request, "closing/assessments.html", context)


@tenant_required()
def followups(request, order_id):
    """Déclaration des bilans — tab « Questionnaire de suivi » (six months after the exit)."""
    order = selectors.order_for_page(request.tenant, order_id)
    today = timezone.localdate()
    enrolments = selectors.enrolments_with(order, "followup")
    rows = [_followup_row(e, getattr(e, "followup", None), today) for e in enrolments]
    legend = [state_badge(s, QUESTIONNAIRE_STATE_LABELS[s]) for s in AssessmentState]
    context = action_context(
        request, order, "assessments", rows=rows, legend=legend, tab="suivi", today=today
    )
    context["can_edit"] = perms.can_enter_followups(request.tenant, order)
    return render(request, "closing/followups.html", context)


@dataclass(frozen=True)
class _SituationPage:
    """What differs between the bilan's page and the questionnaire's."""

    kind: str  # "bilan" or "suivi" (in the panel's ids)
    list_url: str
    edit_url: str
    row_template: str
    refused: str


ASSESSMENT_PAGE = _SituationPage(
    "bilan",
    "closing:assessments",
    "closing:assessment_edit",
    "closing/_assessment_row.html",
    "Seul l'organisme de formation saisit les bilans d'une action ouverte.",
)
FOLLOWUP_PAGE = _SituationPage(
    "suivi",
    "closing:followups",
    "closing:followup_edit",
    "closing/_followup_row.html",
    "Seul l'organisme de formation saisit les questionnaires de suivi.",
)


def _situation_edit(
    request, order, enrolment, page: _SituationPage, *, record, can_write, save, saved, row, extra
):
    """One trainee's bilan or questionnaire: saved as a draft, then validated (htmx or plain).

    Saved through htmx (the side panel of the list), the answer also carries the list's row with
    the new state, swapped out of band: the list never says « à saisir » for a validated record.
    ``save(action, by, **fields)`` writes, ``saved(record)`` is the message, ``row(record)`` the
    list's row, ``extra(record)`` the rest of the context.
    """
    message = None
    list_row = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(page.refused)
        form = SituationForm(request.POST)
        action = services.VALIDATE if request.POST.get("action") == "valider" else services.DRAFT
        if form.is_valid():
            try:
                record = save(action=action, by=request.user, **form.cleaned_data)
            except services.ClosingError as exc:
                form.add_error(None, exc.message)
            else:
                message = saved(record)
                if not is_htmx(request):
                    messages.success(request, message)
                    return redirect(page.list_url, order_id=order.pk)
                list_row = row(record)
    else:
        form = SituationForm(initial={k: getattr(record, k) for k in SITUATION_FIELDS} if record else {})
    context = action_context(
        request,
        order,
        "assessments",
        enrolment=enrolment,
        form=form,
        saved=message,
        record=record,
        kind=page.kind,
        is_followup=page is FOLLOWUP_PAGE,
        list_row=list_row,
        list_row_template=page.row_template,
        post_url=reverse(page.edit_url, kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk}),
        back_url=reverse(page.list_url, kwargs={"order_id": order.pk}),
        **extra(record),
    )
    template = "closing/_situation_form.html" if is_htmx(request) else "closing/situation_page.html"
    return render(request, template, context)


@tenant_required()
@require_http_methods(["GET", "POST"])
def assessment_edit(request, order_id, enrolment_id):
    """The bilan de situation of one trainee."""
    order = selectors.order_for_page(request.tenant, order_id)
    enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
    can_edit = perms.can_edit_closing(request.tenant, order)

    def extra(assessment):
        state = assessment.state if assessment else AssessmentState.TO_ENTER
        return {"can_edit": can_edit, "badge": state_badge(state, AssessmentState(state).label)}

    return _situation_edit(
        request,
        order,
        enrolment,
        ASSESSMENT_PAGE,
        record=selectors.assessment_of(enrolment),
        can_write=can_edit,
        save=lambda **kw: services.assessment_save(enrolment=enrolment, **kw),
        saved=lambda a: (
            f"Le bilan de {enrolment.trainee} est validé."
            if a.is_validated
            else f"Le bilan de {enrolment.trainee} est enregistré en brouillon."
        ),
        row=lambda a: _assessment_row(enrolment, a),
        extra=extra,
    )


def _questionnaire(request, order, enrolment_id):
    enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
    questionnaire = selectors.followup_of(enrolment)
    if questionnaire is None:
        raise Http404("Ce stagiaire n'a pas encore de questionnaire de suivi (pas de sortie).")
    return enrolment, questionnaire


@tenant_required()
@require_http_methods(["GET", "POST"])
def followup_edit(request, order_id, enrolment_id):
    """The questionnaire de suivi of one trainee (and its one-time links)."""
    order = selectors.order_for_page(request.tenant, order_id)
    enrolment, questionnaire = _questionnaire(request, order, enrolment_id)

    def extra(q):
        return {
            "questionnaire": q,
            "can_edit": perms.can_edit_followup(request.tenant, order, q),
            "links": list(q.links.all()[:5]),
            "now": timezone.now(),
            "badge": state_badge(q.state, q.state_label),
        }

    return _situation_edit(
        request,
        order,
        enrolment,
        FOLLOWUP_PAGE,
        record=questionnaire,
        can_write=perms.can_enter_followups(request.tenant, order),
        save=lambda **kw: services.followup_save(questionnaire=questionnaire, **kw),
        saved=lambda q: f"Le questionnaire de suivi de {enrolment.trainee} est enregistré.",
        row=lambda q: _followup_row(enrolment, q, timezone.localdate()),
        extra=extra,
    )


@of_writer_required
@require_POST
def followup_link(request, order_id, enrolment_id):
    """Create a one-time link; the page shows it once (only its hash is kept)."""
    order = selectors.order_for_page(request.tenant, order_id)
    enrolment, questionnaire = _questionnaire(request, order, enrolment_id)
    send = request.POST.get("envoyer") == "1" and bool(enrolment.trainee.email)
    try:
        link, token = services.followup_link_create(
            questionnaire=questionnaire, by=request.user, send_to=enrolment.trainee.email if send else ""
        )
    except services.ClosingError as exc:
        messages.error(request, exc.message)
        return redirect("closing:followup_edit", order_id=order.pk, enrolment_id=enrolment.pk)
    url = absolute_reverse("closing:followup_public", token=token)
    context = action_context(
        request, order, "assessments", enrolment=enrolment, link=link, url=url, sent=send
    )
    response = render(request, "closing/link_created.html", context)
    response["Cache-Control"] = "no-store"
    return response


@tenant_required()
@reads_from_replica()
def followup_due(request):
    """Questionnaires de suivi à faire: overdue first, then those due within 30 days."""
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=30)
    page = Paginator(selectors.followups_due(request.tenant, horizon), 50).get_page(request.GET.get("page"))
    rows = [{"q": q, "overdue": q.due_date < today} for q in page]
    context = {
        "nav": "actions",
        "page": page,
        "rows": rows,
        "today": today,
        "horizon": horizon,
        "overdue_count": selectors.followups_overdue_count(request.tenant, today),
        "tenant": request.tenant,
        "can_open": perms.can_open_followups(request.tenant),
    }
    return render(request, "closing/followup_due.html", context)
