"""The demo users log in with the keyboard only, land on their home page and log out."""

import pytest

pytestmark = pytest.mark.browser


def test_keyboard_login_of_and_region(journey, demo_password):
    page = journey.page
    journey.goto("/compte/connexion/", "connexion")
    page.get_by_label("Adresse électronique").fill("of@demo.formarche.fr")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    journey.navigate("mot de passe refuse", lambda: page.keyboard.press("Enter"))
    assert "/compte/connexion/" in page.url
    assert "mot de passe incorrect" in page.get_by_role("alert").inner_text()

    for email, organisation in [
        ("of@demo.formarche.fr", "Formations Agricoles du Tarn"),
        ("region@demo.formarche.fr", "Région Occitanie"),
    ]:
        journey.login(email, demo_password)
        assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
        assert organisation in page.locator("main").inner_text()
        journey.logout()
        assert "/compte/connexion/" in page.url
