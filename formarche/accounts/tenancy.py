"""Tenancy, in one place.

Every queryset a user reaches through a page or the API goes through :func:`scoped`. A model that
users can reach declares how it is scoped with a ``for_tenant(tenant)`` method on its QuerySet:
an OF sees its own rows, a Région sees the rows of the orders it placed. A model without that
method cannot be scoped, and :func:`scoped` refuses it rather than leak it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from formarche.accounts.models import OF_ROLES, REGION_ROLES, Membership, Role

SESSION_KEY = "formarche_membership_id"


@dataclass(frozen=True)
class Tenant:
    """Who is acting, for which organisation, with which role."""

    membership_id: int
    organisation_id: int
    role: str
    user_id: int

    @property
    def is_of(self) -> bool:
        return self.role in OF_ROLES

    @property
    def is_region(self) -> bool:
        return self.role in REGION_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in {Role.OF_MANAGER, Role.REGION_MANAGER}

    @classmethod
    def from_membership(cls, membership: Membership) -> Tenant:
        return cls(
            membership_id=membership.pk,
            organisation_id=membership.organisation_id,
            role=membership.role,
            user_id=membership.user_id,
        )


def scoped(model_or_queryset, tenant: Tenant | None) -> QuerySet:
    """The rows of ``model_or_queryset`` this tenant may see (none when there is no tenant)."""
    qs = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if not hasattr(qs, "for_tenant"):
        raise TypeError(f"{qs.model.__name__} has no for_tenant(): it cannot be shown to users.")
    return qs.for_tenant(tenant)


def get_scoped_or_404(model_or_queryset, tenant: Tenant | None, **lookup) -> Model:
    """One object this tenant may see; 404 (never 403) for another organisation's object."""
    try:
        return scoped(model_or_queryset, tenant).get(**lookup)
    except (ValueError, TypeError) as exc:  # malformed identifiers in the URL
        raise Http404("Objet introuvable.") from exc
    except scoped(model_or_queryset, tenant).model.DoesNotExist as exc:
        raise Http404("Objet introuvable.") from exc


def tenant_required(*roles: str):
    """View decorator: logged in, with an active membership, and (if given) one of ``roles``.

    Anonymous users are sent to the login page; a user without the role gets 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            tenant = getattr(request, "tenant", None)
            if tenant is None:
                raise PermissionDenied("Votre compte n'est rattaché à aucune organisation.")
            if roles and tenant.role not in roles:
                raise PermissionDenied("Votre rôle ne permet pas d'accéder à cette page.")
            return view(request, *args, **kwargs)

        wrapper.tenant_roles = roles
        return wrapper

    return decorator


of_required = tenant_required(*OF_ROLES)
region_required = tenant_required(*REGION_ROLES)
