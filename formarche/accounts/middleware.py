from formarche.accounts.models import Membership
from formarche.accounts.tenancy import SESSION_KEY, Tenant


class MembershipMiddleware:
    """Sets ``request.membership`` (the active one), ``request.memberships`` and ``request.tenant``.

    One query per authenticated request, whatever the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.memberships = []
        request.tenant = None
        user = request.user
        if user.is_authenticated:
            memberships = list(Membership.objects.active().filter(user=user).select_related("organisation"))
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.pk == wanted), memberships[0] if memberships else None)
            request.memberships = memberships
            request.membership = chosen
            request.tenant = Tenant.from_membership(chosen) if chosen else None
        return self.get_response(request)
