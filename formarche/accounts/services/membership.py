"""Writes about memberships (keyword-only, atomic)."""

from django.db import transaction

from formarche.accounts.models import ROLES_BY_KIND, Membership, User
from formarche.organisations.models import Organisation


class MembershipError(Exception):
    """A refused change, with a French message for the user."""


@transaction.atomic
def membership_create(
    *, organisation: Organisation, email: str, first_name: str, last_name: str, role: str
) -> Membership:
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise MembershipError("Ce rôle ne correspond pas au type de l'organisation.")
    user, created = User.objects.get_or_create(
        email=email.lower(), defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise MembershipError("Cette personne est déjà rattachée à l'organisation.")
    return Membership.objects.create(user=user, organisation=organisation, role=role)


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: User) -> None:
    if membership.user_id == by.pk:
        raise MembershipError("Vous ne pouvez pas retirer votre propre accès.")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
