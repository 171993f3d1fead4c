from django.shortcuts import render

from formarche.accounts.tenancy import tenant_required
from formarche.ui import home as home_blocks


@tenant_required()
def home(request):
    """A home page per role: the OF sees its actions, the Région the orders it follows."""
    context = {"nav": "home", "blocks": home_blocks.blocks_for(request)}
    return render(request, "ui/home.html", context)


def no_membership(request):
    return render(request, "ui/no_membership.html", status=403)
