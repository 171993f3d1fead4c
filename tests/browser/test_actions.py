"""The OF opens the seed's action from the actions list, with the keyboard; so does the Région."""

import pytest

pytestmark = pytest.mark.browser

SEED_ORDER = "23Q00030612_1"


def test_open_the_seed_action_from_the_list(journey, demo_password):
    page = journey.page
    for email in ["of@demo.formarche.fr", "region@demo.formarche.fr"]:
        who = email.split("@")[0]
        journey.login(email, demo_password)
        menu = page.get_by_role("navigation", name="Menu principal")
        journey.navigate(
            f"{who} liste des actions", menu.get_by_role("link", name="Actions de formation").click
        )
        table = page.get_by_role("table")
        assert SEED_ORDER in table.inner_text()

        journey.tab_to(f"table a:text-is('{SEED_ORDER}')")
        journey.navigate(f"{who} action {SEED_ORDER}", lambda: page.keyboard.press("Enter"))
        assert (
            page.get_by_role("heading", level=1)
            .inner_text()
            .startswith("Ouvrier(ère) en production végétale")
        )
        action_menu = page.get_by_role("navigation", name="Menu de l'action")
        assert action_menu.get_by_role("link", name="Ouverture de l'action").is_visible()
        journey.logout()
