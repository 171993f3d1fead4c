"""Closing an action: trainees' exits per component, exit assessments (bilans de situation),
six-month follow-up questionnaires with their one-time links, and change requests on contractual data.

Every row belongs to one order (through its enrolment, or directly): an OF sees the rows of the
orders it delivers, a Région the rows of the orders it placed (``for_tenant``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from simple_history.models import HistoricalRecords

from formarche.orders.models import Component, Order
from formarche.trainees.models import Enrolment, ExitReason, of_enrolments_q

# Reasons of a component exit that need a detail (which abandon, which other reason).
REASONS_WITH_DETAIL = (ExitReason.DROPOUT, ExitReason.OTHER)


class CertificationResult(models.TextChoices):
    OBTAINED = "obtenue", "Obtenue"
    PARTIAL = "partielle", "Partielle"
    NOT_OBTAINED = "non_obtenue", "Non obtenue"
    NOT_PRESENTED = "non_presentee", "Non présentée"


class Situation(models.TextChoices):
    """Situation of a trainee at exit and six months later."""

    CDI = "cdi", "CDI"
    CDD_LONG = "cdd_6_plus", "CDD de 6 mois ou plus"
    CDD_SHORT = "cdd_moins_6", "CDD de moins de 6 mois"
    TEMPORARY = "interim", "Intérim"
    BUSINESS = "creation", "Création d'entreprise"
    WORK_STUDY = "alternance", "Contrat en alternance"
    TRAINING = "formation", "Entrée en formation"
    JOB_SEEKER = "demandeur_emploi", "Demandeur d'emploi"
    OTHER = "autre", "Autre"


# Situations counted as employment in the outcomes (taux d'emploi).
EMPLOYMENT_SITUATIONS = frozenset(
    {
        Situation.CDI,
        Situation.CDD_LONG,
        Situation.CDD_SHORT,
        Situation.TEMPORARY,
        Situation.BUSINESS,
        Situation.WORK_STUDY,
    }
)
# Situations where the job title and the employer's postcode are asked.
JOB_SITUATIONS = EMPLOYMENT_SITUATIONS


class AssessmentState(models.TextChoices):
    """The seed's legend: Bilan à saisir, Bilan en brouillon, Bilan validé."""

    TO_ENTER = "a_saisir", "Bilan à saisir"
    DRAFT = "brouillon", "Bilan en brouillon"
    VALIDATED = "valide", "Bilan validé"


QUESTIONNAIRE_STATE_LABELS = {
    AssessmentState.TO_ENTER: "Questionnaire à saisir",
    AssessmentState.DRAFT: "Questionnaire en brouillon",
    AssessmentState.VALIDATED: "Questionnaire validé",
}


class AnsweredBy(models.TextChoices):
    OF = "of", "L'organisme de formation"
    TRAINEE = "stagiaire", "Le stagiaire (lien de réponse)"


class ChangeKind(models.TextChoices):
    END_DATE = "end_date", "Date de fin de l'action"
    VOLUME = "volume", "Volume contractuel (heures stagiaires)"
    UNIT_PRICE = "unit_price", "Prix unitaire"
    TRAINEE_IDENTITY = "trainee_identity", "Identité d'un stagiaire"


class ChangeStatus(models.TextChoices):
    PENDING = "en_attente", "En attente de décision"
    APPROVED = "acceptee", "Acceptée"
    REFUSED = "refusee", "Refusée"


def _postcode_ok(field: str) -> Q:
    """Empty, or five characters (digits are checked by the service and the forms)."""
    return Q(**{field: ""}) | Q(Exact(Length(field), 5))


# --- Exits -------------------------------------------------------------------------------------


class EnrolmentScopedQuerySet(models.QuerySet):
    """Rows reached through an enrolment: the OF of the order, or the Région that placed it."""

    enrolment_path = "enrolment"

    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(**{f"{self.enrolment_path}__order__region_id": tenant.organisation_id})
        return self.filter(of_enrolments_q(tenant.organisation_id, f"{self.enrolment_path}__"))

    def of_order(self, order):
        return self.filter(**{f"{self.enrolment_path}__order": order})


class ComponentExitQuerySet(EnrolmentScopedQuerySet):
    pass


class ComponentExit(models.Model):
    """Sortie d'un stagiaire d'une composante de l'action (one per enrolment and component)."""

    # An exit means nothing without its enrolment or its component; the history keeps the trace.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="component_exits", verbose_name="inscription"
    )
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="exits", verbose_name="composante"
    )
    exit_date = models.DateField("date de sortie")
    reason = models.CharField("motif de sortie", max_length=20, choices=ExitReason.choices)
    reason_detail = models.CharField(
        "précision sur le motif",
        max_length=250,
        blank=True,
        help_text="Obligatoire pour un abandon (sa raison) et pour le motif « Autre ».",
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = ComponentExitQuerySet.as_manager()

    class Meta:
        verbose_name = "sortie d'une composante"
        verbose_name_plural = "sorties des composantes"
        ordering = ["enrolment", "component__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "component"],
                name="component_exit_unique",
                violation_error_message="Ce stagiaire a déjà une sortie sur cette composante.",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ExitReason.values), name="component_exit_reason_valid"
            ),
            models.CheckConstraint(
                condition=~Q(reason__in=REASONS_WITH_DETAIL) | ~Q(reason_detail=""),
                name="component_exit_detail_required",
                violation_error_message="Précisez la raison de l'abandon ou du motif « Autre ».",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment.trainee} — {self.component.code} : {self.exit_date:%d/%m/%Y}"


class ExitOutcomeQuerySet(EnrolmentScopedQuerySet):
    pass


class ExitOutcome(models.Model):
    """The certification result of a trainee on the action (one per enrolment)."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="exit_outcome", verbose_name="inscription"
    )
    certification_result = models.CharField(
        "résultat de la certification", max_length=20, choices=CertificationResult.choices, blank=True
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    history = HistoricalRecords()

    objects = ExitOutcomeQuerySet.as_manager()

    class Meta:
        verbose_name = "résultat à la sortie"
        verbose_name_plural = "résultats à la sortie"
        constraints = [
            models.CheckConstraint(
                condition=Q(certification_result="") | Q(certification_result__in=CertificationResult.values),
                name="exit_outcome_certification_valid",
            )
        ]

    def __str__(self):
        return f"{self.enrolment.trainee} : {self.get_certification_result_display() or 'non renseigné'}"


# --- Bilan de situation and questionnaire de suivi ---------------------------------------------


class SituationFields(models.Model):
    """What a bilan and a questionnaire both ask."""

    state = models.CharField(
        "état", max_length=10, choices=AssessmentState.choices, default=AssessmentState.TO_ENTER
    )
    situation = models.CharField("situation", max_length=20, choices=Situation.choices, blank=True)
    job_title = models.CharField("intitulé du poste", max_length=200, blank=True)
    employer_postcode = models.CharField("code postal de l'employeur", max_length=5, blank=True)
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        abstract = True

    @property
    def is_validated(self) -> bool:
        return self.state == AssessmentState.VALIDATED

    @property
    def is_employed(self) -> bool:
        return self.situation in EMPLOYMENT_SITUATIONS


class ExitAssessmentQuerySet(EnrolmentScopedQuerySet):
    def validated(self):
        return self.filter(state=AssessmentState.VALIDATED)


class ExitAssessment(SituationFields):
    """Bilan de situation à la sortie."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="exit_assessment", verbose_name="inscription"
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    history = HistoricalRecords()

    objects = ExitAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan de situation"
        verbose_name_plural = "bilans de situation"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AssessmentState.values), name="exit_assessment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(situation="") | Q(situation__in=Situation.values),
                name="exit_assessment_situation_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=AssessmentState.VALIDATED)
                | (~Q(situation="") & Q(validated_at__isnull=False)),
                name="exit_assessment_validated_complete",
                violation_error_message="Un bilan validé indique une situation et sa date de validation.",
            ),
            models.CheckConstraint(
                condition=_postcode_ok("employer_postcode"), name="exit_assessment_postcode_5"
            ),
        ]

    def __str__(self):
        return f"Bilan de {self.enrolment.trainee} ({self.get_state_display()})"


class FollowUpQuestionnaireQuerySet(EnrolmentScopedQuerySet):
    def pending(self):
        return self.exclude(state=AssessmentState.VALIDATED)

    def overdue(self, today: dt.date):
        return self.pending().filter(due_date__lt=today)


class FollowUpQuestionnaire(SituationFields):
    """Questionnaire de suivi, six months after the exit."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="followup", verbose_name="inscription"
    )
    due_date = models.DateField("à réaliser le", help_text="Six mois après la sortie.")
    answered_by = models.CharField("répondu par", max_length=10, choices=AnsweredBy.choices, blank=True)
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    history = HistoricalRecords()

    objects = FollowUpQuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = "questionnaire de suivi"
        verbose_name_plural = "questionnaires de suivi"
        ordering = ["due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AssessmentState.values), name="followup_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(situation="") | Q(situation__in=Situation.values),
                name="followup_situation_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=AssessmentState.VALIDATED)
                | (~Q(situation="") & ~Q(answered_by="") & Q(answered_at__isnull=False)),
                name="followup_validated_complete",
                violation_error_message="Un questionnaire validé indique une situation, qui a répondu et quand.",
            ),
            models.CheckConstraint(condition=_postcode_ok("employer_postcode"), name="followup_postcode_5"),
        ]

    def __str__(self):
        return f"Suivi de {self.enrolment.trainee} au {self.due_date:%d/%m/%Y}"

    @property
    def state_label(self) -> str:
        return QUESTIONNAIRE_STATE_LABELS[self.state]

    def is_overdue(self, today: dt.date) -> bool:
        return not self.is_validated and self.due_date < today

    @property
    def is_answered_by_trainee(self) -> bool:
        return self.answered_by == AnsweredBy.TRAINEE


class FollowUpLinkQuerySet(EnrolmentScopedQuerySet):
    enrolment_path = "questionnaire__enrolment"


class FollowUpLink(models.Model):
    """A one-time link for the trainee to answer the questionnaire; only the token's SHA-256 is kept."""

    questionnaire = models.ForeignKey(
        FollowUpQuestionnaire, on_delete=models.CASCADE, related_name="links", verbose_name="questionnaire"
    )
    token_hash = models.CharField("empreinte du jeton (SHA-256)", max_length=64, unique=True)
    created_at = models.DateTimeField("créé le")
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_to = models.EmailField("envoyé à", blank=True)

    objects = FollowUpLinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "lien de réponse au questionnaire"
        verbose_name_plural = "liens de réponse au questionnaire"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="followup_link_expires_after_creation",
            )
        ]

    def __str__(self):
        return f"Lien du {self.created_at:%d/%m/%Y} ({self.questionnaire})"

    def is_usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at


# --- Demandes de modification de données -------------------------------------------------------


class ChangeRequestQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(order__region_id=tenant.organisation_id)
        return self.filter(order__provider_id=tenant.organisation_id)

    def pending(self):
        return self.filter(status=ChangeStatus.PENDING)

    def approved(self):
        return self.filter(status=ChangeStatus.APPROVED)


class ChangeRequest(models.Model):
    """Demande de modification de données contractuelles, by the OF, decided by the Région."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="change_requests", verbose_name="action"
    )
    kind = models.CharField("objet de la demande", max_length=20, choices=ChangeKind.choices)
    enrolment = models.ForeignKey(
        Enrolment,
        # a decided request is an audit record: the enrolment it names is kept
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests",
        verbose_name="stagiaire concerné",
    )
    old_values = models.JSONField("valeurs actuelles", default=dict)
    new_values = models.JSONField("valeurs demandées", default=dict)
    reason = models.TextField("motif de la demande")
    status = models.CharField(
        "statut", max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_at = models.DateTimeField("demandée le")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="demandée par",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    decision_comment = models.TextField("commentaire de la Région", blank=True)
    history = HistoricalRecords()

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de modification"
        verbose_name_plural = "demandes de modification"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="change_request_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=ChangeStatus.values), name="change_request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=ChangeKind.TRAINEE_IDENTITY, enrolment__isnull=False)
                | (~Q(kind=ChangeKind.TRAINEE_IDENTITY) & Q(enrolment__isnull=True)),
                name="change_request_enrolment_iff_identity",
                violation_error_message="Une demande sur l'identité d'un stagiaire nomme ce stagiaire.",
            ),
            models.CheckConstraint(
                condition=Q(status=ChangeStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=ChangeStatus.PENDING) & Q(decided_at__isnull=False)),
                name="change_request_decision_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status=ChangeStatus.REFUSED) | ~Q(decision_comment=""),
                name="change_request_refusal_explained",
                violation_error_message="Un refus est motivé par un commentaire.",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="change_request_reason_required"),
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(status=ChangeStatus.PENDING, enrolment__isnull=True),
                name="change_request_one_pending_per_kind",
                violation_error_message="Une demande de ce type est déjà en attente pour cette action.",
            ),
            models.UniqueConstraint(
                fields=["order", "enrolment"],
                condition=Q(status=ChangeStatus.PENDING, enrolment__isnull=False),
                name="change_request_one_pending_per_trainee",
                violation_error_message="Une demande est déjà en attente pour ce stagiaire.",
            ),
        ]
        indexes = [models.Index(fields=["order", "status"])]

    def __str__(self):
        return f"Demande n° {self.pk} — {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeStatus.PENDING

    @property
    def is_approved(self) -> bool:
        return self.status == ChangeStatus.APPROVED

    @property
    def is_refused(self) -> bool:
        return self.status == ChangeStatus.REFUSED


from formarche.closing.models_reopening import Reopening, ReopeningQuerySet  # noqa: E402, F401 (ADR 0021)
