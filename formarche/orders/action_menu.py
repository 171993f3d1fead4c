"""The action's menu, in the seed's own words (Ouverture · Inscription · Suivi · Fermeture · VSF / Solde).

Each entry names a URL taking ``order_id``; an entry whose view does not exist yet is not shown.
Entries may be limited to OF or Région users.
"""

from django.urls import NoReverseMatch, reverse

from formarche.orders.perms import can_see_menu_entry

# (section, key, label, url name, audience: "all" | "of" | "region")
ACTION_MENU = [
    ("Ouverture", "opening", "Ouverture de l'action", "orders:opening", "all"),
    ("Ouverture", "group", "Groupement", "billing:group", "all"),
    ("Inscription", "trainee_list", "Liste des stagiaires", "trainees:action_trainees", "all"),
    ("Inscription", "trainee_register", "Enregistrement des stagiaires", "trainees:register", "of"),
    ("Inscription", "trainee_enrol", "Inscription des stagiaires", "trainees:enrol", "of"),
    ("Suivi", "followup", "Suivi des réalisations", "attendance:followup", "all"),
    ("Suivi", "grid", "Saisie des heures", "attendance:grid", "of"),
    ("Suivi", "billing", "Validation / Facturation", "billing:validations", "all"),
    ("Suivi", "controls", "Contrôles", "attendance:controls", "all"),
    ("Suivi", "penalties", "Pénalités / Bonus", "billing:penalties", "all"),
    ("Suivi", "documents", "Documents et justificatifs", "documents:action_documents", "all"),
    ("Suivi", "signing", "Émargement", "signing:sessions", "all"),
    ("Fermeture", "exits", "Sortie des stagiaires", "closing:exits", "all"),
    ("Fermeture", "assessments", "Déclaration des bilans", "closing:assessments", "all"),
    ("Fermeture", "change_requests", "Demandes de modification", "closing:order_change_requests", "all"),
    ("Fermeture", "closing", "Fermeture de l'action", "closing:close", "all"),
    ("VSF / Solde", "solde", "VSF / Solde", "billing:solde", "all"),
]


#: what a co-traitant of a group does not reach (its validation and invoices are on the
#: « Groupement » page; the order's penalties and solde are the mandataire's, ADR 0018)
MANDATAIRE_ONLY = frozenset({"billing", "penalties", "solde"})


def action_menu(order, tenant) -> list[dict]:
    """Sections with their links for this order and this user."""
    sections: list[dict] = []
    co_traitant = tenant is not None and not tenant.is_region and order.provider_id != tenant.organisation_id
    for section, key, label, url_name, audience in ACTION_MENU:
        if not can_see_menu_entry(tenant, audience):
            continue
        if co_traitant and key in MANDATAIRE_ONLY:
            continue
        try:
            url = reverse(url_name, kwargs={"order_id": order.pk})
        except NoReverseMatch:
            continue
        if not sections or sections[-1]["title"] != section:
            sections.append({"title": section, "items": []})
        sections[-1]["items"].append({"key": key, "label": label, "url": url})
    return sections
