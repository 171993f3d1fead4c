"""The trainee's public questionnaire page, reached by a one-time link (no login)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from formarche.closing import perms, selectors, services
from formarche.closing.forms import PublicSituationForm


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
    if perms.followup_is_closed(order):
        return _questionnaire_closed(request)
    if request.method == "POST":
        form = PublicSituationForm(request.POST)
        if form.is_valid():
            try:
                services.followup_answer_by_token(token=token, **form.cleaned_data)
            except services.FollowUpLinkInvalid:
                return _link_invalid(request)
            except services.ClosingError as exc:
                if selectors.order_is_archived(order.pk):  # archived since the page was read
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
