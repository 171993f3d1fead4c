"""factory_boy factories with traits, shared by every test."""

import factory
from stdnum import luhn

from formarche.accounts.models import Membership, Role, User
from formarche.organisations.models import Organisation, OrganisationKind


def make_siret(n: int) -> str:
    siren_base = f"{n:08d}"
    siren = siren_base + luhn.calc_check_digit(siren_base)
    base = siren + "0001"
    return base + luhn.calc_check_digit(base)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.OF
    name = factory.Sequence(lambda n: f"Organisme {n}")
    siret = factory.Sequence(lambda n: make_siret(10_000_000 + n))
    nda = factory.Sequence(lambda n: f"76{n:09d}")
    nda_region = "Occitanie"
    naf_code = "8559A"
    provider_code = factory.Sequence(lambda n: f"IN{9000 + n}")
    city = "Toulouse"

    class Params:
        region = factory.Trait(
            kind=OrganisationKind.REGION, nda="", naf_code="", name=factory.Sequence(lambda n: f"Région {n}")
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    # MD5 only to keep the suite fast; Argon2 is asserted in test_security.
    password = factory.django.Password(
        "mot-de-passe-de-test",
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OF_STAFF
