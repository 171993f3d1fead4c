"""Pages of accounts: login, password reset, the active organisation, and Gestion organisme
(identity and members of the active organisation, namespace ``organisations``)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from formarche.accounts import perms, selectors
from formarche.accounts.forms import LoginForm, MemberInviteForm, OrganisationIdentityForm
from formarche.accounts.models import ROLES_BY_KIND
from formarche.accounts.organisation_sections import organisation_sections
from formarche.accounts.services import MembershipError, membership_create, membership_deactivate
from formarche.accounts.site import site_parts
from formarche.accounts.tenancy import SESSION_KEY, tenant_required
from formarche.utils.forms import StyledFormMixin

managers_required = tenant_required(*perms.MANAGER_ROLES)


class StyledPasswordResetForm(StyledFormMixin, PasswordResetForm):
    pass


class StyledSetPasswordForm(StyledFormMixin, SetPasswordForm):
    pass


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = StyledPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        """The link's address from ``FORMARCHE_SITE_URL``, not from the request's Host header."""
        protocol, domain = site_parts()
        return {"protocol": protocol, "domain": domain}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = StyledSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


@tenant_required()
def switch_organisation(request):
    """Change the active organisation among the user's own memberships (POST only)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    wanted = request.POST.get("membership", "")
    chosen = next((m for m in request.memberships if str(m.pk) == wanted), None)
    if chosen is None:
        messages.error(request, "Organisation inconnue : rien n'a changé.")
    else:
        request.session[SESSION_KEY] = chosen.pk
        messages.success(request, f"Vous travaillez maintenant pour {chosen.organisation.name}.")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse_lazy("ui:home")
    return redirect(target)


# --------------------------------------------------------------------------------------------
# Gestion organisme (URL namespace ``organisations``, see urls_organisation.py)
# --------------------------------------------------------------------------------------------


@tenant_required()
def organisation_detail(request):
    """Gestion organisme: identity and members of the active organisation."""
    tenant = request.tenant
    members = list(selectors.organisation_members(tenant))
    for member in members:
        member.can_deactivate = perms.can_deactivate_member(tenant, member)
    context = {
        "organisation": selectors.own_organisation(tenant),
        "members": members,
        "nav": "organisation",
        "can_manage": perms.can_manage_members(tenant),
        "can_edit": perms.can_edit_organisation(tenant),
        "sections": organisation_sections(request),
    }
    return render(request, "accounts/organisation_detail.html", context)


@managers_required
def organisation_edit(request):
    organisation = selectors.own_organisation(request.tenant)
    form = OrganisationIdentityForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "L'identité de l'organisme a été enregistrée.")
        return redirect("organisations:detail")
    return render(
        request,
        "accounts/organisation_edit.html",
        {"form": form, "organisation": organisation, "nav": "organisation"},
    )


@managers_required
def member_add(request):
    organisation = selectors.own_organisation(request.tenant)
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
    return render(request, "accounts/member_add.html", {"form": form, "nav": "organisation"})


@managers_required
def member_deactivate(request, membership_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = selectors.member_of_tenant(request.tenant, membership_id)
    try:
        membership_deactivate(membership=membership, by=request.user)
    except MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"L'accès de {membership.user.email} a été retiré.")
    return redirect("organisations:detail")
