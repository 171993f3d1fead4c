"""Journey 5: an OF user typing another OF's URLs is refused.

OF 2 (of2@demo.formarche.fr) types, one by one, the addresses of OF 1's action, trainee,
enrolment, hours, statements and invoices. Each page the app serves today is included (an address
whose view does not exist yet is left out, and joins the journey as soon as it exists). For each
address, OF 1 itself gets the page (so the refusal is about tenancy, not a missing page), and OF 2
gets a 403 or 404 page in French that shows nothing of OF 1.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.browser

REFUSAL_HEADINGS = ("Page introuvable", "Accès refusé")


def _of1_addresses(demo) -> tuple[list[tuple[str, str]], list[str]]:
    """(what, URL) of OF 1's objects, for every page that exists today; and texts OF 2 must not see."""
    from formarche.orders.demo import SEED_ORDER
    from formarche.orders.models import Order
    from formarche.trainees.models import Enrolment

    order = Order.objects.get(number=SEED_ORDER, provider=demo.of1)
    enrolment = Enrolment.objects.filter(order=order).select_related("trainee").order_by("pk").first()
    kwargs = {
        "order_id": order.pk,
        "trainee_id": enrolment.trainee_id,
        "enrolment_id": enrolment.pk,
        "period": "2023-04",
    }
    invoice = _of1_invoice(order)
    if invoice is not None:
        kwargs["invoice_id"] = invoice.pk
    candidates = [
        ("l'action", "orders:action_detail", ["order_id"]),
        ("l'ouverture de l'action", "orders:opening", ["order_id"]),
        ("les stagiaires de l'action", "trainees:action_trainees", ["order_id"]),
        ("la fiche d'un stagiaire", "trainees:trainee_detail", ["trainee_id"]),
        ("l'inscription d'un stagiaire", "trainees:enrolment_edit", ["order_id", "enrolment_id"]),
        ("le suivi des réalisations", "attendance:followup", ["order_id"]),
        ("la saisie des heures d'un mois", "attendance:grid_month", ["order_id", "period"]),
        ("la facturation de l'action", "billing:validations", ["order_id"]),
        ("le relevé d'un mois", "billing:statement", ["order_id", "period"]),
        ("une facture", "billing:invoice", ["invoice_id"]),
    ]
    addresses = []
    for what, url_name, names in candidates:
        if any(name not in kwargs for name in names):
            continue
        try:
            url = reverse(url_name, kwargs={name: kwargs[name] for name in names})
        except NoReverseMatch:
            continue  # this page is not built yet
        addresses.append((what, url))
    secrets = [SEED_ORDER, demo.of1.name, f"{enrolment.trainee.first_name} {enrolment.trainee.last_name}"]
    return addresses, secrets


def _of1_invoice(order):
    try:
        from formarche.billing.models import Invoice
    except ImportError:
        return None
    return Invoice.objects.filter(order=order).order_by("pk").first()


def test_of2_typing_of1_urls_is_refused(journey, demo, demo_password):
    addresses, secrets = _of1_addresses(demo)
    assert addresses, "aucune page d'OF 1 à essayer"

    owner = Client()
    owner.force_login(demo.users["of1"])
    for what, url in addresses:
        status = owner.get(url).status_code
        assert status == 200, f"OF 1 devrait voir {what} ({url}) : statut {status}"

    page = journey.page
    journey.login("of2@demo.formarche.fr", demo_password)
    for what, url in addresses:
        response = journey.goto(url, f"OF 2 tape {what}", status=(403, 404))
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading in REFUSAL_HEADINGS, f"{url} : titre « {heading} »"
        body = page.locator("body").inner_text()
        for secret in secrets:
            assert secret not in body, f"{url} montre « {secret} », une donnée d'OF 1"
        assert response.headers.get("content-language", "fr").startswith("fr")
