"""What the Journal reads: the change history (django-simple-history) of every model that carries
money, hours, terms, a role, a decision or a signature, and the import jobs (one entry per bulk
import: who, when, which file and its SHA-256, how many rows).

Each source says how its rows reach an action (``order``: the lookup from the historical row to the
order's id) or an organisation (``org``: a function of the tenant giving a filter). The 29
history sources are named by label (their historical models are looked up in the app registry);
the organisation filters import the few models they join (audit sits at the top of the graph).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from formarche.accounts.models import Membership
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment


@dataclass(frozen=True)
class Source:
    kind: str  # the code shown in the filter and the CSV
    label: str  # French, singular
    model: str  # "app_label.Model" of the tracked model (its history is read)
    order: str | None = None  # lookup from the historical row to the action's id
    org: str | None = None  # name of a scoping rule in ORG_RULES


SOURCES = [
    Source("action", "Action de formation", "orders.Order", order="id"),
    Source("composante", "Composante", "orders.Component", order="order_id"),
    Source("avenant", "Avenant", "orders.Amendment", order="order_id"),
    Source("inscription", "Inscription", "trainees.Enrolment", order="order_id"),
    Source("cofinancement", "Cofinancement", "trainees.EnrolmentFunding", order="enrolment__order_id"),
    Source("heures", "Heures réalisées", "attendance.Attendance", order="enrolment__order_id"),
    Source("periode", "Période (CRE)", "billing.Period", order="order_id"),
    Source("releve", "Relevé", "billing.Statement", order="period__order_id"),
    Source("facture", "Facture", "billing.Invoice", order="order_id"),
    Source("rejet", "Rejet de facture", "billing.Rejection", order="invoice__order_id"),
    Source("avoir", "Avoir", "billing.CreditNote", order="order_id"),
    Source("paiement", "Paiement", "billing.Payment", order="order_id"),
    Source("penalite", "Pénalité ou bonus", "billing.Adjustment", order="order_id"),
    Source("solde", "Solde", "billing.Solde", order="order_id"),
    Source("seance", "Séance d'émargement", "signing.Session", order="order_id"),
    Source("signature", "Signature", "signing.Signature", order="order_id"),
    Source("lien_emargement", "Lien d'émargement", "signing.SigningLink", order="session__order_id"),
    Source("document", "Document", "documents.Document", order="order_id"),
    Source("demande", "Demande de modification", "closing.ChangeRequest", order="order_id"),
    Source("reouverture", "Réouverture de l'action", "closing.Reopening", order="order_id"),
    Source("sortie", "Sortie de composante", "closing.ComponentExit", order="enrolment__order_id"),
    Source("bilan", "Bilan de sortie", "closing.ExitAssessment", order="enrolment__order_id"),
    Source(
        "questionnaire",
        "Questionnaire de suivi",
        "closing.FollowUpQuestionnaire",
        order="enrolment__order_id",
    ),
    Source(
        "lien_suivi",
        "Lien de questionnaire",
        "closing.FollowUpLink",
        order="questionnaire__enrolment__order_id",
    ),
    Source("organisation", "Organisation", "organisations.Organisation", org="self"),
    Source("membre", "Rattachement (rôle)", "accounts.Membership", org="members"),
    Source("utilisateur", "Utilisateur", "accounts.User", org="users"),
    Source("marche", "Marché", "orders.Market", org="markets"),
    Source("lot", "Lot", "orders.Lot", org="lots"),
    Source("dispositif", "Dispositif", "orders.Dispositif", org="dispositifs"),
    Source("stagiaire", "Stagiaire", "trainees.Trainee", org="trainees"),
    Source("jeton_api", "Jeton d'API", "api.ApiToken", org="members"),
]
IMPORT_KIND = "import"
IMPORT_LABEL = "Import de fichier"
KIND_LABELS = {s.kind: s.label for s in SOURCES} | {IMPORT_KIND: IMPORT_LABEL}


def org_filter(rule: str, tenant, orders) -> Q:
    """The rows of an organisation-level source this tenant may read (``orders``: its actions' ids)."""
    org = tenant.organisation_id
    region = tenant.is_region
    if rule == "self":
        return Q(id=org)
    if rule == "members":
        return Q(organisation_id=org)
    if rule == "users":
        return Q(id__in=Membership.objects.filter(organisation_id=org).values("user_id"))
    if rule == "markets":
        return (
            Q(region_id=org)
            if region
            else Q(id__in=Order.objects.filter(id__in=orders).values("lot__market_id"))
        )
    if rule == "lots":
        return (
            Q(market__region_id=org)
            if region
            else Q(id__in=Order.objects.filter(id__in=orders).values("lot_id"))
        )
    if rule == "dispositifs":
        return (
            Q(region_id=org)
            if region
            else Q(id__in=Order.objects.filter(id__in=orders).values("dispositif_id"))
        )
    if rule == "trainees":
        if not region:
            return Q(organisation_id=org)
        return Q(id__in=Enrolment.objects.filter(order_id__in=orders).values("trainee_id"))
    raise ValueError(rule)
