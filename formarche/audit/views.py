"""Journal pages and the member unlock: parse the request, ask perms/selectors/services, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from formarche.accounts.models import Membership
from formarche.accounts.tenancy import get_scoped_or_404, tenant_required
from formarche.audit import lockout, perms


def _back(request):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("ui:home")


@tenant_required()
def member_unlock(request, membership_id):
    """POST: lift the login lockout of one member of the manager's own organisation."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = get_scoped_or_404(
        Membership.objects.select_related("user"), request.tenant, pk=membership_id
    )
    if not perms.can_unlock(request.tenant, membership):
        raise PermissionDenied(
            "Seul un responsable de l'organisation peut débloquer la connexion d'un membre."
        )
    removed = lockout.lockout_unlock(membership=membership)
    if removed:
        messages.success(request, f"La connexion de {membership.user.email} est débloquée.")
    else:
        messages.info(request, f"Aucun blocage de connexion en cours pour {membership.user.email}.")
    return redirect(_back(request))
