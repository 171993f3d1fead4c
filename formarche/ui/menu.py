"""The organisation menu (seed: Accueil · Actions de formation · Imports · Gestion organisme).

Apps add entries here; an entry whose URL does not exist yet is simply not shown.
"""

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from formarche.accounts.perms import sees_audience

# (key, label, url name, who sees it: "of", "region", "journal" or "all"; see accounts.perms)
MENU = [
    ("actions", "Actions de formation", "orders:action_list", "all"),
    ("trainees", "Stagiaires", "trainees:trainee_list", "all"),
    ("invoices", "Factures", "billing:region_invoices", "all"),
    ("imports", "Imports", "imports:index", "all"),
    ("jobs", "Travaux", "jobs:index", "all"),
    ("change_requests", "Demandes de modification", "closing:change_requests", "all"),
    ("outcomes", "Résultats", "closing:outcomes", "all"),
    ("bpf", "Bilan pédagogique et financier", "bpf:index", "of"),
    ("journal", "Journal", "audit:journal", "journal"),
    ("organisation", "Gestion organisme", "organisations:detail", "all"),
]

# The menu's URLs take no argument: they depend only on the URLconf and the script prefix, so
# they are reversed once per (prefix, URLconf) rather than on every page (issue #8).
# {(prefix, urlconf): [(audience, item)]}
_ITEMS: dict[tuple[str, str], list[tuple[str, dict]]] = {}


def _items() -> list[tuple[str, dict]]:
    cache_key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    items = _ITEMS.get(cache_key)
    if items is None:
        items = []
        for key, label, url_name, audience in MENU:
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append((audience, {"key": key, "label": label, "url": url}))
        _ITEMS[cache_key] = items
    return items


def main_menu(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"main_menu": []}
    return {"main_menu": [dict(item) for audience, item in _items() if sees_audience(tenant, audience)]}
