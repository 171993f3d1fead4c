"""The demo world: Région Occitanie, OF IN1331 (titulaire of the seed's orders) and a second OF.

Idempotent: running it twice changes nothing. Other apps extend it with a ``demo.py`` module holding
``populate(world: DemoWorld)``; they run in the order of INSTALLED_APPS. They are found by name at
run time (``importlib``), so accounts imports none of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from formarche.accounts.models import Membership, Role, User
from formarche.organisations.models import Organisation, OrganisationKind

DEMO_USERS = [
    # email, first name, last name, organisation key, role
    ("of@demo.formarche.fr", "Claire", "Martin", "of1", Role.OF_MANAGER),
    ("of2@demo.formarche.fr", "Julien", "Roux", "of2", Role.OF_MANAGER),
    ("region@demo.formarche.fr", "Sophie", "Durand", "region", Role.REGION_OFFICER),
]


@dataclass
class DemoWorld:
    region: Organisation
    of1: Organisation
    of2: Organisation
    users: dict[str, User] = field(default_factory=dict)


def _organisation(provider_code: str, defaults: dict) -> Organisation:
    org, _ = Organisation.objects.get_or_create(provider_code=provider_code, defaults=defaults)
    return org


def _demo_organisations() -> DemoWorld:
    region = _organisation(
        "REG-OCC",
        {
            "kind": OrganisationKind.REGION,
            "name": "Région Occitanie",
            "siret": "23310001500012",
            "address": "22 boulevard du Maréchal Juin",
            "postcode": "31400",
            "city": "Toulouse",
        },
    )
    of1 = _organisation(
        "IN1331",
        {
            "kind": OrganisationKind.OF,
            "name": "Formations Agricoles du Tarn",
            "legal_form": "Association loi 1901",
            "siret": "84123456000016",
            "nda": "76810123481",
            "nda_region": "Occitanie",
            "naf_code": "8559A",
            "address": "12 route de Castres",
            "postcode": "81000",
            "city": "Albi",
            "phone": "05 63 00 00 00",
            "email": "contact@fat.example",
            "director_name": "Claire Martin",
            "director_role": "Directrice",
        },
    )
    of2 = _organisation(
        "IN2045",
        {
            "kind": OrganisationKind.OF,
            "name": "Logistique Formation Aude",
            "legal_form": "SARL",
            "siret": "52198765100010",
            "nda": "76110456711",
            "nda_region": "Occitanie",
            "naf_code": "8559A",
            "address": "4 avenue de Bram",
            "postcode": "11000",
            "city": "Carcassonne",
            "director_name": "Julien Roux",
            "director_role": "Gérant",
        },
    )
    return DemoWorld(region=region, of1=of1, of2=of2)


def _demo_users(world: DemoWorld, password: str) -> None:
    orgs = {"of1": world.of1, "of2": world.of2, "region": world.region}
    for email, first, last, org_key, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last}
        )
        if created or not user.has_usable_password():
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(user=user, organisation=orgs[org_key], defaults={"role": role})
        world.users[org_key] = user


def _populate_apps(world: DemoWorld) -> None:
    """Each app's ``demo.populate(world)``, in the order of INSTALLED_APPS."""
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("formarche.") or app_config.name == "formarche.accounts":
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.demo":
                raise
            continue
        module.populate(world)


@transaction.atomic
def build_demo_world(*, password: str | None = None) -> DemoWorld:
    """The demo world, its accounts with the public demo password (DEBUG only) or, for the local
    cluster (``manage.py cluster_demo``), with ``password``: a secret of 12 characters at least,
    never the public one, which makes it acceptable with DEBUG off."""
    if password is None:
        if not settings.DEBUG:
            raise ImproperlyConfigured("Les comptes de démonstration ne sont créés qu'avec DEBUG activé.")
        password = settings.DEMO_PASSWORD
    elif len(password) < 12 or password == settings.DEMO_PASSWORD:
        raise ImproperlyConfigured(
            "Le mot de passe des comptes de démonstration doit compter 12 caractères au moins "
            "et différer du mot de passe public de la démonstration."
        )
    world = _demo_organisations()
    _demo_users(world, password)
    _populate_apps(world)
    return world
