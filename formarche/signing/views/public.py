"""The public émargement page, reached by a one-time token (``emargement/<token>/``: no account,
nothing but the session and the trainee's name)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from formarche.signing import perms, selectors, services
from formarche.signing.services import SigningRefused
from formarche.signing.views._common import signature_post


@never_cache
@require_http_methods(["GET", "POST"])
def public_sign(request, token):
    """No account: the token names the session and the trainee; it works once, until the session ends.
    Any invalid, used or expired token gets the same 403 page, which reveals nothing. A good link of
    a closed or archived action gets « Émargement clos » (410) instead of the pad, on GET as on POST
    (signature_record_with_link refuses it too)."""
    try:
        link = selectors.link_resolve(token)
    except SigningRefused as exc:
        return render(request, "signing/public_invalid.html", {"message": exc.message}, status=403)
    closed = perms.signing_refusal(link.session.order)
    if closed:
        context = {"message": closed, "heading": "Émargement clos"}
        response = render(request, "signing/public_invalid.html", context, status=410)
        response["Referrer-Policy"] = "no-referrer"
        return response
    error = ""
    if request.method == "POST":
        try:
            services.signature_record_with_link(token=token, **signature_post(request))
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
