from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from formarche.accounts.forms import MemberInviteForm
from formarche.accounts.models import ROLES_BY_KIND, Membership, Role
from formarche.accounts.services import MembershipError, membership_create, membership_deactivate
from formarche.accounts.tenancy import get_scoped_or_404, scoped, tenant_required
from formarche.organisations.forms import OrganisationIdentityForm
from formarche.organisations.models import Organisation

MANAGERS = (Role.OF_MANAGER, Role.REGION_MANAGER)


def _own_organisation(request) -> Organisation:
    return get_scoped_or_404(Organisation, request.tenant, pk=request.tenant.organisation_id)


@tenant_required()
def organisation_detail(request):
    """Gestion organisme: identity and members of the active organisation."""
    organisation = _own_organisation(request)
    members = (
        scoped(Membership, request.tenant).select_related("user").order_by("-is_active", "user__last_name")
    )
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "members": members,
            "nav": "organisation",
            "can_manage": request.tenant.is_manager,
        },
    )


@tenant_required(*MANAGERS)
def organisation_edit(request):
    organisation = _own_organisation(request)
    form = OrganisationIdentityForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "L'identité de l'organisme a été enregistrée.")
        return redirect("organisations:detail")
    return render(
        request,
        "organisations/edit.html",
        {"form": form, "organisation": organisation, "nav": "organisation"},
    )


@tenant_required(*MANAGERS)
def member_add(request):
    organisation = _own_organisation(request)
    form = MemberInviteForm(request.POST or None, allowed_roles=ROLES_BY_KIND[organisation.kind])
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_create(organisation=organisation, **form.cleaned_data)
        except MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{membership.user.email} a été rattaché(e) à l'organisation. Cette personne choisit son mot de passe "
                "avec « Mot de passe oublié ? » sur la page de connexion.",
            )
            return redirect("organisations:detail")
    return render(request, "organisations/member_add.html", {"form": form, "nav": "organisation"})


@tenant_required(*MANAGERS)
def member_deactivate(request, membership_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = get_scoped_or_404(Membership, request.tenant, pk=membership_id)
    try:
        membership_deactivate(membership=membership, by=request.user)
    except MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"L'accès de {membership.user.email} a été retiré.")
    return redirect("organisations:detail")
