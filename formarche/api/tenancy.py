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
from formarche.api import scopes as api_scopes
from formarche.api.models import ApiToken

MEMBERSHIP_HEADER = "HTTP_X_FORMARCHE_MEMBERSHIP"
_MISSING = object()


def api_tenant(request) -> Tenant | None:
    """The tenant of a DRF request (cached on the request); None for an anonymous user."""
    cached = getattr(request, "_formarche_tenant", _MISSING)
    if cached is not _MISSING:
        return cached
    user = request.user
    tenant = None
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None:
        # a token acts as the membership that created it, whatever the header says
        wanted = request.META.get(MEMBERSHIP_HEADER)
        if wanted and wanted != str(token.membership_id):
            raise PermissionDenied(
                "Un jeton d'API agit pour son organisation : retirez X-Formarche-Membership."
            )
        tenant = Tenant.from_membership(token.membership)
    elif user and user.is_authenticated:
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


def token_allows(request, area: str, level: str) -> bool:
    """A token reaches ``area`` at ``level`` only if one of its scopes says so; a session (the
    pages' user, the browsable API) is bounded by its role alone."""
    token = request.auth if isinstance(request.auth, ApiToken) else None
    return token is None or token.allows(area, level)


class TenantPermission(BasePermission):
    """Reading: any member. Writing: OF members only (a Région reads), on views that allow writes;
    a view whose writes are the Région's decisions says ``api_writers = "region"``.

    With a token, the view's area (``api_area``) must be in the token's scopes: ``<area>:read``
    for GET, ``<area>:write`` for any other method (403 with the missing scope named)."""

    message = "Votre compte n'est rattaché à aucune organisation."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        tenant = api_tenant(request)
        if tenant is None:
            return False
        if getattr(view, "api_readers", "all") == "of" and not tenant.is_of:
            self.message = (
                "Le BPF est la déclaration de l'organisme de formation : la Région n'y a pas accès."
            )
            return False
        action_map = getattr(view, "action_map", None) or {}
        if request.method not in SAFE_METHODS and request.method.lower() not in action_map:
            return True  # no such handler on this route: DRF answers 405
        if request.method not in SAFE_METHODS:
            writers = getattr(view, "api_writers", "of")
            if writers == "region" and not tenant.is_region:
                self.message = "Seule la Région décide des factures et enregistre les paiements."
                return False
            if writers == "of" and not tenant.is_of:
                self.message = "La Région consulte ces données en lecture seule."
                return False
            if writers not in {"of", "region"}:
                self.message = "Ces données sont en lecture seule."
                return False
        area = getattr(view, "api_area", None)
        level = api_scopes.READ if request.method in SAFE_METHODS else api_scopes.WRITE
        if area is None or not token_allows(request, area, level):
            self.message = (
                f"Ce jeton n'a pas la portée « {area}:{level} » "
                f"({api_scopes.label(api_scopes.scope(area or '?', level))})."
            )
            return False
        return True
