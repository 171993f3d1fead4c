"""Journey — the Région reopens a closed action (issue #18, ADR 0021), the OF reads why and closes
it again; the history says closed → reopened → closed again, and the solde issued before the
reopening is annulled, to be recomputed.

The demo's action 23Q09120777_1 (OF IN2045) was already reopened once and closed again, its solde
issued again and not paid: it may be reopened a second time."""

import pytest
from django.urls import reverse

from formarche.closing.demo_reopen import REOPEN_ORDER
from formarche.closing.models import Reopening
from formarche.orders.models import Order, OrderStatus

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser
REASON = "La sortie d'Anaïs FABRE est au 21/06/2024 : corrigez-la avec ses heures."


def test_the_region_reopens_and_the_of_closes_again(journey, demo_password, demo):
    order = Order.objects.get(number=REOPEN_ORDER)
    close_path = reverse("closing:close", kwargs={"order_id": order.pk})
    page = journey.page
    journey.login("region@demo.formarche.fr", demo_password)
    journey.goto(close_path, "region fermeture")
    history = page.get_by_role("region", name="Historique de la fermeture")
    expect(history).to_contain_text("Rouverte par la Région le")
    expect(history).to_contain_text("Fermée de nouveau le")
    journey.navigate("region rouvrir", page.get_by_role("link", name="Rouvrir l'action").click)
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Souhaitez-vous vraiment rouvrir l'action {REOPEN_ORDER} ?")
    expect(dialog).to_contain_text("Le solde émis, non payé, est annulé")
    journey.navigate("region motif manquant", dialog.get_by_role("button", name="Poursuivre").click)
    expect(page.get_by_text("Indiquez le motif de la réouverture.")).to_be_visible()
    page.get_by_label("Motif de la réouverture").fill(REASON)
    journey.navigate(
        "region action rouverte",
        page.get_by_role("alertdialog").get_by_role("button", name="Poursuivre").click,
    )
    expect(page.get_by_role("status").first).to_contain_text("L'action a été rouverte.")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN

    # The OF, in its own window: the reason on the page, then « Valider la fermeture » again.
    page = journey.window("of")
    journey.login("of2@demo.formarche.fr", demo_password)
    journey.goto(close_path, "of fermeture rouverte")
    banner = page.get_by_role("status").filter(has_text="Action rouverte par la Région")
    expect(banner).to_contain_text(REASON)
    expect(banner).to_contain_text("le solde émis est annulé et sera recalculé")
    journey.navigate("of confirmation", page.get_by_role("button", name="Valider la fermeture").click)
    journey.navigate("of action refermee", page.get_by_role("button", name="Poursuivre").click)
    expect(page.get_by_role("status").first).to_contain_text("L'action a été fermée.")
    history = page.get_by_role("region", name="Historique de la fermeture")
    expect(history).to_contain_text(REASON)
    assert history.inner_text().count("Fermée de nouveau") == 2
    assert Reopening.objects.filter(order=order, reclosed_at__isnull=False).count() == 2

    # VSF / Solde: the annulled solde, to be issued again.
    journey.goto(reverse("billing:solde", kwargs={"order_id": order.pk}), "of solde annule")
    expect(page.get_by_text("Solde annulé par la réouverture de l'action")).to_be_visible()
    expect(page.get_by_role("button", name="Émettre le solde")).to_be_visible()
