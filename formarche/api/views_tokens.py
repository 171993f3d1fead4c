"""The token page: Gestion organisme → Jetons d'API (managers only, their organisation only)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from formarche.accounts.models import Role
from formarche.accounts.tenancy import tenant_required
from formarche.api import selectors
from formarche.api.forms import ApiTokenForm
from formarche.api.services import ApiTokenError, api_token_create, api_token_revoke

managers_required = tenant_required(Role.OF_MANAGER, Role.REGION_MANAGER)


def _page(request, form, *, new_key=None, new_token=None, status=200):
    context = {
        "nav": "organisation",
        "form": form,
        "tokens": list(selectors.organisation_tokens(request.tenant)),
        "new_key": new_key,
        "new_token": new_token,
    }
    return render(request, "api/tokens.html", context, status=status)


@managers_required
@never_cache
def tokens(request):
    """List, and create on POST: the secret is shown on the answer to the POST, once, never again."""
    is_region = request.tenant.is_region
    if request.method != "POST":
        return _page(request, ApiTokenForm(is_region=is_region))
    form = ApiTokenForm(request.POST, is_region=is_region)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, key = api_token_create(
            membership=selectors.own_membership(request.tenant),
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_on=form.cleaned_data["expires_on"],
        )
    except ApiTokenError as exc:
        form.add_error(None, exc.message)
        return _page(request, form, status=400)
    return _page(request, ApiTokenForm(is_region=is_region), new_key=key, new_token=token)


@managers_required
@require_POST
def token_revoke(request, token_id):
    token = selectors.token_for_manager(request.tenant, token_id)
    try:
        api_token_revoke(token=token, by=request.user)
    except ApiTokenError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Le jeton « {token.name} » est révoqué : il ne donne plus accès à l'API.")
    return redirect("api_tokens:list")
