"""Template tags of the audit app: which members of a list are locked out (one query)."""

from django import template

from formarche.audit.lockout import locked_emails, normalise_email

register = template.Library()


@register.simple_tag
def locked_member_ids(members) -> set[int]:
    """The ids of the memberships whose e-mail is locked out now (Gestion organisme's list)."""
    members = list(members)
    locked = locked_emails(m.user.email for m in members)
    return {m.pk for m in members if normalise_email(m.user.email) in locked}
