"""The organisation menu (seed: Accueil · Actions de formation · Imports · Gestion organisme).

Apps add entries here; an entry whose URL does not exist yet is simply not shown.
"""

from django.urls import NoReverseMatch, reverse

# (key, label, url name, who sees it: "of", "region" or "all")
MENU = [
    ("actions", "Actions de formation", "orders:action_list", "all"),
    ("trainees", "Stagiaires", "trainees:trainee_list", "all"),
    ("invoices", "Factures", "billing:region_invoices", "all"),
    ("imports", "Imports", "imports:index", "all"),
    ("change_requests", "Demandes de modification", "closing:change_requests", "all"),
    ("outcomes", "Résultats", "closing:outcomes", "region"),
    ("bpf", "Bilan pédagogique et financier", "bpf:index", "of"),
    ("organisation", "Gestion organisme", "organisations:detail", "all"),
]


def main_menu(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"main_menu": []}
    items = []
    for key, label, url_name, audience in MENU:
        if audience == "of" and not tenant.is_of or audience == "region" and not tenant.is_region:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"key": key, "label": label, "url": url})
    return {"main_menu": items}
