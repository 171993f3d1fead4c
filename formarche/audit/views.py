"""Journal pages and the member unlock: parse the request, ask perms/selectors/services, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from formarche.accounts.tenancy import tenant_required
from formarche.audit import exports, lockout, perms, platform, selectors
from formarche.audit.forms import JournalFilterForm


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
    membership = selectors.member_for_unlock(request.tenant, membership_id)
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


PAGE_SIZE = 50


def _journal_page(request, *, order=None):
    if not perms.can_read_journal(request.tenant):
        raise PermissionDenied("Le journal est réservé aux responsables et aux agents de la Région.")
    form = JournalFilterForm(request.GET or None, tenant=request.tenant, for_order=order is not None)
    rows = selectors.journal_rows(
        request.tenant, order_id=order.pk if order else None, filters=form.filters()
    )
    name = f"journal-action-{order.number}" if order else "journal"
    if request.GET.get("export") == "csv":
        return exports.journal_csv(rows, filename=f"{name}.csv")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {
        "form": form,
        "order": order,
        "page": page,
        "entries": selectors.journal_entries(page.object_list),
        "query": query.urlencode(),
        "can_see_platform": perms.can_see_platform_status(request.user, request.tenant),
    }
    return render(request, "audit/journal.html", context)


@tenant_required()
def journal(request):
    """The organisation's Journal: every change in its scope, newest first."""
    return _journal_page(request)


@tenant_required()
def order_journal(request, order_id):
    """One action's Journal."""
    order = selectors.journal_order(request.tenant, order_id)
    return _journal_page(request, order=order)


@login_required
def platform_status(request):
    """« État de la plateforme »: the database behind the pages, the read replica and its lag."""
    if not perms.can_see_platform_status(request.user, getattr(request, "tenant", None)):
        raise PermissionDenied("L'état de la plateforme est réservé aux responsables de la Région.")
    return render(request, "audit/platform_status.html", {"lines": platform.database_lines()})
