import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail

from formarche.accounts.models import Membership, Role, User
from formarche.accounts.tenancy import SESSION_KEY
from tests.factories import MembershipFactory, OrganisationFactory


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = User.objects.create_user(email="Anne@Exemple.fr", password="un mot de passe solide")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.email == "anne@exemple.fr"


@pytest.mark.django_db
def test_login_by_email_and_french_error(client):
    User.objects.create_user(email="anne@exemple.fr", password="un mot de passe solide")
    bad = client.post("/compte/connexion/", {"username": "anne@exemple.fr", "password": "faux"})
    assert bad.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in bad.content.decode()
    ok = client.post(
        "/compte/connexion/", {"username": "anne@exemple.fr", "password": "un mot de passe solide"}
    )
    assert ok.status_code == 302


@pytest.mark.django_db
def test_login_requires_csrf():
    from django.test import Client

    User.objects.create_user(email="anne@exemple.fr", password="un mot de passe solide")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/compte/connexion/", {"username": "anne@exemple.fr", "password": "un mot de passe solide"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_user_without_membership_is_refused(client):
    user = User.objects.create_user(email="seul@exemple.fr", password="x" * 12)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert "aucune organisation" in response.content.decode()


@pytest.mark.django_db
def test_switch_between_organisations(client):
    user = User.objects.create_user(email="multi@exemple.fr", password="x" * 12)
    first = MembershipFactory(
        user=user, organisation=OrganisationFactory(name="Premier OF"), role=Role.OF_STAFF
    )
    second = MembershipFactory(
        user=user, organisation=OrganisationFactory(name="Second OF"), role=Role.OF_MANAGER
    )
    client.force_login(user)
    assert "Premier OF" in client.get("/").content.decode()
    client.post("/compte/organisation-active/", {"membership": second.pk})
    assert client.session[SESSION_KEY] == second.pk
    page = client.get("/").content.decode()
    assert "Second OF" in page and "Responsable de l&#x27;organisme" in page
    # someone else's membership id is refused and changes nothing
    other = MembershipFactory(role=Role.OF_STAFF)
    response = client.post("/compte/organisation-active/", {"membership": other.pk}, follow=True)
    assert "Organisation inconnue" in response.content.decode()
    assert client.session[SESSION_KEY] == second.pk
    assert first.pk != second.pk


@pytest.mark.django_db
def test_password_reset_sends_a_french_email(client):
    User.objects.create_user(email="anne@exemple.fr", password="x" * 12)
    client.post("/compte/mot-de-passe/oubli/", {"email": "anne@exemple.fr"})
    assert len(mail.outbox) == 1
    assert "mot de passe" in mail.outbox[0].subject.lower()
    assert "/compte/mot-de-passe/nouveau/" in mail.outbox[0].body


@pytest.mark.django_db
def test_manager_adds_a_member_and_staff_cannot(world, client):
    client.force_login(world.users["of1_staff"])
    assert client.post("/organisme/membres/ajouter/", {}).status_code == 403
    client.force_login(world.users["of1_manager"])
    response = client.post(
        "/organisme/membres/ajouter/",
        {"email": "Nouveau@Exemple.fr", "first_name": "Léa", "last_name": "Petit", "role": Role.OF_STAFF},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user__email="nouveau@exemple.fr", organisation=world.of1).exists()
    # a Région role cannot be given in an OF
    response = client.post(
        "/organisme/membres/ajouter/",
        {"email": "x@exemple.fr", "first_name": "X", "last_name": "Y", "role": Role.REGION_OFFICER},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@exemple.fr").exists()


@pytest.mark.django_db
def test_identity_edit_checks_siret_in_french(world, client):
    client.force_login(world.users["of1_manager"])
    response = client.post("/organisme/modifier/", {"name": "OF", "siret": "12345678901234", "nda": "123"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "contrôle de Luhn" in body and "11 chiffres" in body
    world.of1.refresh_from_db()
    assert world.of1.siret != "12345678901234"


@pytest.mark.django_db
def test_manager_cannot_remove_own_access(world, client):
    client.force_login(world.users["of1_manager"])
    own = world.memberships["of1_manager"]
    client.post(f"/organisme/membres/{own.pk}/retirer/")
    own.refresh_from_db()
    assert own.is_active
