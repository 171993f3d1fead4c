import sys

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from formarche.accounts.tenancy import tenant_required
from formarche.ui import home as home_blocks


@tenant_required()
def home(request):
    """A home page per role: the OF sees its actions, the Région the orders it follows."""
    context = {"nav": "home", "blocks": home_blocks.blocks_for(request)}
    return render(request, "ui/home.html", context)


def no_membership(request):
    return render(request, "ui/no_membership.html", status=403)


def _cache_unreachable(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) is the shared cache (Redis) not answering."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, RedisConnectionError | RedisTimeoutError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request):
    """``handler500``: the French 500 page, or 503 « service momentanément indisponible » when the
    error is the shared cache being down (docs/adr/0014-cache-sessions-and-proxy.md). Rendered
    without context processors: they read the session and the database, which may be what failed."""
    if _cache_unreachable(sys.exc_info()[1]):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
