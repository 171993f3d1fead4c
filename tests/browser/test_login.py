"""Each demo user logs in with the keyboard only and lands on their home page."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "email, organisation",
    [
        ("of@demo.formarche.fr", "Formations Agricoles du Tarn"),
        ("of2@demo.formarche.fr", "Logistique Formation Aude"),
        ("region@demo.formarche.fr", "Région Occitanie"),
    ],
)
def test_keyboard_login_leads_home(journey, demo_password, email, organisation):
    page = journey.page
    journey.login(email, demo_password)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
    assert organisation in page.locator("main").inner_text()
    journey.logout()
    assert "/compte/connexion/" in page.url


def test_wrong_password_is_refused_in_french(journey):
    page = journey.page
    journey.goto("/compte/connexion/", "connexion")
    page.get_by_label("Adresse électronique").fill("of@demo.formarche.fr")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    journey.navigate("mot de passe refuse", lambda: page.keyboard.press("Enter"))
    assert "/compte/connexion/" in page.url
    assert "mot de passe incorrect" in page.get_by_role("alert").inner_text()
