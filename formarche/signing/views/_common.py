"""What the émargement pages share: the action's context, the month in the URL, the request's
client, and PDF answers."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from formarche.accounts.clientip import client_ip as request_client_ip
from formarche.orders.action_menu import action_menu
from formarche.utils.dates import month_start, parse_period


def month_of(period: str) -> date:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Mois introuvable.") from exc


def action_context(request, order, **extra) -> dict:
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": "signing",
        **extra,
    }


def client_ip(request) -> str | None:
    """The signer's address: REMOTE_ADDR, or X-Forwarded-For read through the trusted proxies
    (``FORMARCHE_TRUSTED_PROXY_COUNT``, the same rule as the login lockout and rate limits)."""
    return request_client_ip(request) or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:400]


def signature_post(request) -> dict:
    """What a signature write takes from the pad's POST: the drawing, the client's IP and user agent."""
    return {
        "data_url": request.POST.get("signature", ""),
        "ip": client_ip(request),
        "user_agent": user_agent(request),
    }


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def default_month(order) -> date:
    first = month_start(order.planned_start)
    last = month_start(order.real_end or order.planned_end)
    return min(max(month_start(timezone.localdate()), first), last)
