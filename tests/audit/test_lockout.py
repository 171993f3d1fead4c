"""Login lockout (issue #17, point 2): by (e-mail, address), French page, unlock by a manager."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.world import PASSWORD

LOGIN = "/compte/connexion/"
LOCKED = "Connexion suspendue"


def _try(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_sixth_wrong_password_is_refused_in_french_and_another_address_still_logs_in(client, world):
    email = world.users["of1_staff"].email
    for attempt in range(5):
        response = _try(client, email, "mauvais-mot-de-passe")
        assert response.status_code == 200, attempt
        assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()
    response = _try(client, email, "mauvais-mot-de-passe")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED in body and "15 minutes" in body and "débloquer" in body
    # locked: even the right password is refused from this address
    assert _try(client, email, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # the same account from another address logs in
    response = _try(client, email, PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(world.users["of1_staff"].pk)


@pytest.mark.django_db
def test_the_email_is_counted_whatever_its_case(client, world):
    email = world.users["of1_staff"].email
    for variant in [email, email.upper(), f" {email}", email.title(), email, email.upper()]:
        response = _try(client, variant, "mauvais")
    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == email


@pytest.mark.django_db
def test_other_accounts_from_the_locked_address_still_log_in(client, world):
    for _ in range(6):
        _try(client, world.users["of1_staff"].email, "mauvais")
    response = _try(client, world.users["of1_manager"].email, PASSWORD)
    assert response.status_code == 302


def _lock(client, user):
    for _ in range(6):
        _try(client, user.email, "mauvais")
    assert _try(client, user.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_manager_unlocks_a_member_of_their_organisation(client, world):
    from django.test import Client

    _lock(Client(), world.users["of1_staff"])
    client.force_login(world.users["of1_manager"])
    url = reverse("audit:member_unlock", args=[world.memberships["of1_staff"].pk])
    response = client.post(url, {"next": "/organisme/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/organisme/"
    assert "est débloquée" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert _try(Client(), world.users["of1_staff"].email, PASSWORD).status_code == 302
    # nothing left to unlock: said so
    response = client.post(url, follow=True)
    assert "Aucun blocage de connexion en cours" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, status", [("of1_staff", 403), ("of2_manager", 404), ("region_a_manager", 404)]
)
def test_only_the_organisations_managers_unlock(client, world, role, status):
    from django.test import Client

    _lock(Client(), world.users["of1_staff"])
    client.force_login(world.users[role])
    response = client.post(reverse("audit:member_unlock", args=[world.memberships["of1_staff"].pk]))
    assert response.status_code == status
    assert AccessAttempt.objects.count() == 1


@pytest.mark.django_db
def test_platform_admins_unlock_in_the_django_admin(admin_client, world):
    from django.test import Client

    _lock(Client(), world.users["of1_staff"])
    attempt = AccessAttempt.objects.get()
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 200 and world.users["of1_staff"].email in response.content.decode()
    response = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db
def test_locked_emails_names_the_locked_members_only(world):
    from django.test import Client

    from formarche.audit.lockout import locked_emails

    _lock(Client(), world.users["of1_staff"])
    _try(Client(), world.users["of1_manager"].email, "mauvais")  # one mistake is no lockout
    emails = [world.users["of1_staff"].email.upper(), world.users["of1_manager"].email]
    assert locked_emails(emails) == {world.users["of1_staff"].email}


@pytest.mark.django_db
def test_the_member_list_shows_the_lockout_and_its_unlock_button_to_managers_only(client, world):
    from django.test import Client

    _lock(Client(), world.users["of1_staff"])
    unlock_url = reverse("audit:member_unlock", args=[world.memberships["of1_staff"].pk])
    client.force_login(world.users["of1_manager"])
    page = client.get(reverse("organisations:detail")).content.decode()
    assert "connexion bloquée" in page and unlock_url in page
    # one button: the other members are not locked
    assert page.count("Débloquer la connexion") == 1
    staff = Client()
    staff.force_login(world.users["of1_staff"])
    page = staff.get(reverse("organisations:detail")).content.decode()
    assert unlock_url not in page and "connexion bloquée" not in page


@pytest.mark.django_db
def test_the_journal_is_in_the_menu_of_its_readers_only(client, world):
    journal = reverse("audit:journal")
    for role, shown in [("of1_manager", True), ("of1_staff", False), ("region_a_officer", True)]:
        client.force_login(world.users[role])
        page = client.get(reverse("ui:home")).content.decode()
        assert (f'href="{journal}"' in page) is shown, role
