"""Journey 3 — closing the seed's action: exits, bilans, the end-date change request, closure,
then the CRE final (CREF) of April 2023 showing 20 445,47 € to pay.

The demo closes 23Q00030612_1 and issues its CREF itself: here the world is built without
closing's demo data (``demo_world(without=("formarche.closing",))``), so the action is open, March
2023 invoiced and paid, April 2023 not validated. The set-up then records, through the services,
the exit and the validated bilan of 19 of its 20 trainees (typing 20 exits and 20 bilans is not
the point of this journey); the journey types the 20th of each, files the end-date request (OF),
approves it (Région, in its own window), closes the action and validates April 2023 as the CRE
final.
"""

import re
from datetime import date

import pytest

from formarche.closing import services
from formarche.orders.models import Order, OrderStatus
from formarche.trainees.models import Enrolment
from tests.browser.worlds import demo_world

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser

SEED_ORDER = "23Q00030612_1"
LAST_EXIT = date(2023, 4, 28)  # every trainee's last day of hours


@pytest.fixture
def demo(transactional_db):
    """The demo world with the seed's action still open (closing's demo data left out)."""
    with demo_world(without=("formarche.closing",)) as world:
        yield world


@pytest.fixture
def last_trainee(demo):
    """19 trainees out with their bilan validated (services); the 20th is left to the journey."""
    order = Order.objects.get(number=SEED_ORDER)
    assert order.status == OrderStatus.OPEN
    of_user = demo.users["of1"]
    enrolments = list(
        Enrolment.objects.filter(order=order)
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    assert len(enrolments) == 20
    for enrolment in enrolments[1:]:
        services.exits_set_for_all_components(
            enrolment=enrolment,
            entry=services.ExitEntry(LAST_EXIT, "fin_formation", ""),
            certification_result="obtenue",
            by=of_user,
        )
        enrolment.refresh_from_db()
        services.assessment_save(
            enrolment=enrolment, action=services.VALIDATE, situation="demandeur_emploi", by=of_user
        )
    return str(enrolments[0].trainee)


def _spaces(text: str) -> str:
    """French figures use narrow no-break spaces between thousands: plain spaces to compare."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_closing_the_seed_action_up_to_the_cref(journey, demo_password, last_trainee):
    page = journey.page
    journey.login("of@demo.formarche.fr", demo_password)
    menu = page.get_by_role("navigation", name="Menu principal")
    journey.navigate("liste des actions", menu.get_by_role("link", name="Actions de formation").click)
    journey.navigate(f"action {SEED_ORDER}", page.get_by_role("link", name=SEED_ORDER).click)
    action_menu = page.get_by_role("navigation", name="Menu de l'action")

    # Sortie des stagiaires: the last trainee leaves on 28/04/2023, the same exit on every component.
    journey.navigate(
        "sortie des stagiaires", action_menu.get_by_role("link", name="Sortie des stagiaires").click
    )
    journey.navigate(
        f"sortie de {last_trainee}",
        page.get_by_role("link", name=f"Saisir la sortie de {last_trainee}").click,
    )
    same = page.get_by_role("group", name="Même sortie sur toutes les composantes")
    same.get_by_label("Même sortie sur toutes les composantes").check()
    same.get_by_label("Date de sortie").fill(LAST_EXIT.isoformat())
    same.get_by_label("Motif").select_option(label="Fin de formation")
    same.get_by_label("Résultat de la certification").select_option(label="Obtenue")
    journey.navigate("sortie enregistree", page.get_by_role("button", name="Enregistrer la sortie").click)
    assert f"La sortie de {last_trainee} est enregistrée." in page.get_by_role("status").first.inner_text()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=last_trainee))
    assert "28/04/2023 — Fin de formation" in row.inner_text() and "Sorti" in row.inner_text()

    # Déclaration des bilans: the last trainee's bilan, in the side panel (htmx), validated.
    journey.navigate(
        "declaration des bilans", action_menu.get_by_role("link", name="Déclaration des bilans").click
    )
    page.get_by_role("link", name=f"Saisir le bilan de {last_trainee}").click()
    panel = page.get_by_role("region", name=f"Bilan de situation — {last_trainee}")
    panel.get_by_label("Situation").select_option(label="CDI")
    panel.get_by_label("Intitulé du poste").fill("Ouvrier(ère) maraîcher(ère)")
    panel.get_by_label("Code postal de l'employeur").fill("81000")
    journey.check("bilan saisi")
    panel.get_by_role("button", name="Valider").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Le bilan de {last_trainee} est validé.")
    ).to_be_visible()
    # the list's row follows, without reloading the page (swapped out of band)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=last_trainee))
    expect(row).to_contain_text("Bilan validé")
    expect(row.get_by_role("link", name=f"Voir le bilan de {last_trainee}")).to_be_visible()
    journey.check("bilan valide")

    # Fermeture: exits and bilans are there, the real end date is not: file the end-date request.
    journey.navigate(
        "fermeture avant demande", action_menu.get_by_role("link", name="Fermeture de l'action").click
    )
    conditions = page.get_by_role("region", name="Conditions de fermeture")
    assert conditions.inner_text().count("— remplie") == 2
    journey.navigate(
        "demande date de fin",
        conditions.get_by_role("link", name="Déposer une demande de modification de la date de fin").click,
    )
    assert (
        page.get_by_label("Nouvelle date de fin").input_value() == LAST_EXIT.isoformat()
    )  # the last exit, offered
    journey.navigate("demande transmise", page.get_by_role("button", name="Transmettre la demande").click)
    message = page.get_by_role("status").first.inner_text()
    number = re.search(r"demande de modification n° (\d+) est transmise", message).group(1)

    # The Région, in its own window, approves the request.
    page = journey.window("region")
    journey.login("region@demo.formarche.fr", demo_password)
    menu = page.get_by_role("navigation", name="Menu principal")
    journey.navigate("region demandes", menu.get_by_role("link", name="Demandes de modification").click)
    journey.navigate("region demande", page.get_by_role("link", name=f"Demande n° {number}").click)
    page.get_by_label("Accepter").check()
    page.get_by_label("Commentaire").fill("Accord de la Région : fin au 28/04/2023.")
    journey.navigate(
        "region demande acceptee", page.get_by_role("button", name="Enregistrer la décision").click
    )
    assert "La demande est acceptée" in page.get_by_role("status").first.inner_text()

    # Back to the OF, on its request: accepted. The checklist is green; close the action.
    page = journey.window()
    journey.navigate(
        "of demandes de l'action",
        page.get_by_role("main").get_by_role("link", name=re.compile(SEED_ORDER)).click,
    )
    assert "Acceptée" in page.get_by_role("row").filter(has_text=f"Demande n° {number}").inner_text()
    action_menu = page.get_by_role("navigation", name="Menu de l'action")
    journey.navigate(
        "fermeture conditions remplies", action_menu.get_by_role("link", name="Fermeture de l'action").click
    )
    conditions = page.get_by_role("region", name="Conditions de fermeture")
    assert conditions.inner_text().count("— remplie") == 3
    assert "non remplie" not in conditions.inner_text()
    assert page.get_by_label("Date de fin réelle").input_value() == LAST_EXIT.isoformat()
    journey.navigate("confirmation", page.get_by_role("button", name="Valider la fermeture").click)
    assert "Souhaitez-vous vraiment fermer l'action ?" in page.get_by_role("alertdialog").inner_text()
    journey.navigate("action fermee", page.get_by_role("button", name="Poursuivre").click)
    assert "L'action a été fermée. Un mail a été envoyé." in page.get_by_role("status").first.inner_text()
    assert Order.objects.get(number=SEED_ORDER).status == OrderStatus.CLOSED

    # Validation / Facturation: April 2023 validated as the CRE final; its statement (the CREF).
    journey.navigate(
        "validation facturation", action_menu.get_by_role("link", name="Validation / Facturation").click
    )
    april = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Avril 2023"))
    expect(april.get_by_label("CRE final")).to_be_checked()  # offered once the action is closed
    journey.navigate("avril cre final valide", april.get_by_role("button", name="Valider la période").click)
    assert "La période Avril 2023 a été validée" in page.get_by_role("status").first.inner_text()
    tabs = page.get_by_role("navigation", name="Onglets de Validation / Facturation")
    journey.navigate("suivi des validations", tabs.get_by_role("link", name="Suivi des validations").click)
    april = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Avril 2023"))
    assert "Validée (CRE final)" in april.inner_text()
    journey.navigate("cref avril 2023", april.get_by_role("link", name="CRE final").click)
    heading = page.get_by_role("heading", name=re.compile("Compte-rendu d'exécution final"))
    expect(heading).to_have_text("Compte-rendu d'exécution final (CRE final) — Avril 2023")
    total = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Total à verser €TTC"))
    assert _spaces(total.inner_text()).endswith("20 445,47")
    statement = _spaces(page.locator("main").inner_text()).replace("\u2212", "-")
    assert "35 400,00" in statement and "-8 755,60" in statement and "-6 198,93" in statement
    assert "Total déjà versé : 25 810,53 €." in statement
    assert "Soit un total à verser au niveau du CRE final de 20 445,47 €." in statement
