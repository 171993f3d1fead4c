"""The API's tenancy: the same :class:`~formarche.accounts.tenancy.Tenant` as the pages.

A token (or a session) identifies a user; the organisation acted for is the user's active
membership chosen in the session (pages), or the one named by the ``X-Formarche-Membership``
header, or else the user's first active membership. Every queryset then goes through
:func:`~formarche.accounts.tenancy.scoped`, exactly like the pages.
"""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from formarche.accounts.models import Membership
from formarche.accounts.tenancy import Tenant

MEMBERSHIP_HEADER = "HTTP_X_FORMARCHE_MEMBERSHIP"
_MISSING = object()


def api_tenant(request) -> Tenant | None:
    """The tenant of a DRF request (cached on the request); None for an anonymous user."""
    cached = getattr(request, "_formarche_tenant", _MISSING)
    if cached is not _MISSING:
        return cached
    user = request.user
    tenant = None
    if user and user.is_authenticated:
        memberships = Membership.objects.active().filter(user=user).order_by("pk")
        wanted = request.META.get(MEMBERSHIP_HEADER)
        if wanted:
            membership = memberships.filter(pk=wanted).first() if wanted.isdigit() else None
            if membership is None:
                raise PermissionDenied("Ce rattachement (X-Formarche-Membership) n'est pas le vôtre.")
            tenant = Tenant.from_membership(membership)
        else:
            page_tenant = getattr(request._request, "tenant", None)
            if page_tenant is not None and page_tenant.user_id == user.pk:
                tenant = page_tenant
            else:
                membership = memberships.first()
                tenant = Tenant.from_membership(membership) if membership else None
    request._formarche_tenant = tenant
    return tenant


class TenantPermission(BasePermission):
    """Reading: any member. Writing: OF members only (a Région reads), on views that allow writes."""

    message = "Votre compte n'est rattaché à aucune organisation."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        tenant = api_tenant(request)
        if tenant is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        if not tenant.is_of:
            self.message = "La Région consulte ces données en lecture seule."
            return False
        return True
