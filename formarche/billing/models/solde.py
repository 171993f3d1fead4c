"""Pénalités / Bonus and the solde (VSF)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.billing import engine
from formarche.billing.models._base import MONEY, _order_scope
from formarche.billing.models.periods import Period
from formarche.orders.models import Order
from formarche.utils.money import ZERO


class AdjustmentKind(models.TextChoices):
    PENALTY = "penalite", "Pénalité"
    BONUS = "bonus", "Bonus"


class AdjustmentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant)

    def totals(self) -> tuple[Decimal, Decimal]:
        """(bonus, penalties) of these rows, each ≥ 0."""
        bonus = penalties = ZERO
        for kind, amount in self.values_list("kind", "amount"):
            if kind == AdjustmentKind.BONUS:
                bonus += amount
            else:
                penalties += amount
        return bonus, penalties


class Adjustment(models.Model):
    """A penalty or a bonus the Région enters on an order (Pénalités / Bonus), with its reason.

    Its total enters the solde: amount due + bonus − penalties − total paid. Entered and removed
    by the Région until the solde is issued; read by the OF.
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="adjustments", verbose_name="action"
    )
    kind = models.CharField("nature", max_length=10, choices=AdjustmentKind.choices)
    label = models.CharField("libellé", max_length=200)
    amount = models.DecimalField("montant (€ HT)", **MONEY)
    reason = models.TextField("motif")
    created_at = models.DateTimeField("saisie le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="saisie par",
    )
    history = HistoricalRecords()

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = "pénalité ou bonus"
        verbose_name_plural = "pénalités et bonus"
        ordering = ["order", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="adjustment_amount_positive",
                violation_error_message="Le montant d'une pénalité ou d'un bonus est positif.",
            ),
            models.CheckConstraint(condition=Q(kind__in=["penalite", "bonus"]), name="adjustment_kind_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_reason_required"),
            models.CheckConstraint(condition=~Q(label=""), name="adjustment_label_required"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.label} : {self.amount} €"

    @property
    def is_penalty(self) -> bool:
        return self.kind == AdjustmentKind.PENALTY

    @property
    def signed_amount(self) -> Decimal:
        """As it enters the solde: + for a bonus, − for a penalty."""
        return self.amount if self.kind == AdjustmentKind.BONUS else -self.amount


class SoldeQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant)


class Solde(models.Model):
    """The solde (VSF) of an order, frozen when the OF issues it: the figures of
    :func:`formarche.billing.engine.compute_solde` over the frozen statements, with the penalties
    and bonuses of that moment. Positive: a « Solde » invoice (:class:`Invoice` with ``solde``);
    negative: a titre de reversement (``repayment_document``, a PDF, not an invoice) that the
    Région records as received; zero: nothing to pay either way.
    """

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="solde", verbose_name="action")
    final_period = models.OneToOneField(
        Period, on_delete=models.PROTECT, related_name="solde", verbose_name="période du CRE final"
    )
    amount_due = models.DecimalField("montant dû HT", **MONEY)
    bonus = models.DecimalField("bonus", **MONEY)
    penalties = models.DecimalField("pénalités", **MONEY)
    advance = models.DecimalField("avance", **MONEY)
    instalments_paid = models.DecimalField("acomptes (CRE et CREF)", **MONEY)
    total_paid = models.DecimalField("total déjà versé", **MONEY)
    balance_ht = models.DecimalField("solde HT", **MONEY)
    vat = models.DecimalField("TVA du solde", **MONEY)
    balance_ttc = models.DecimalField("solde TTC", **MONEY)
    is_repayment_order = models.BooleanField("ordre de reversement", default=False)
    data = models.JSONField("solde complet (sortie du moteur, pénalités et bonus)")
    issued_on = models.DateField("émis le")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="émis par",
    )
    repayment_document = models.FileField(
        "titre de reversement (PDF)", upload_to="soldes/reversements/", blank=True
    )
    repayment_received_on = models.DateField("reversement reçu le", null=True, blank=True)
    repayment_reference = models.CharField("référence du reversement", max_length=80, blank=True)
    repayment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="reversement enregistré par",
    )
    # Annulé by the Région's reopening of the action before it was paid (ADR 0021): the figures
    # above are those issued (history keeps them); the next issuance recomputes them in place.
    voided_at = models.DateTimeField("annulé le (réouverture)", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="annulé par",
    )
    void_reason = models.TextField("motif de l'annulation", blank=True)
    history = HistoricalRecords()

    objects = SoldeQuerySet.as_manager()

    class Meta:
        verbose_name = "solde (VSF)"
        verbose_name_plural = "soldes (VSF)"
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_ttc=F("balance_ht") + F("vat")), name="solde_ttc_is_ht_plus_vat"
            ),
            models.CheckConstraint(
                condition=Q(is_repayment_order=True, balance_ht__lt=0)
                | Q(is_repayment_order=False, balance_ht__gte=0),
                name="solde_repayment_order_iff_negative",
            ),
            models.CheckConstraint(
                condition=Q(repayment_received_on__isnull=True) | Q(is_repayment_order=True),
                name="solde_received_only_for_repayment",
            ),
            models.CheckConstraint(
                condition=Q(bonus__gte=0, penalties__gte=0, amount_due__gte=0, advance__gte=0),
                name="solde_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"Solde {self.order.number}"

    @property
    def is_voided(self) -> bool:
        """Annulé by a reopening: to be recomputed and issued again once the action is closed."""
        return self.voided_at is not None

    @property
    def repayment_amount(self) -> Decimal:
        """What the OF pays back (> 0) on a titre de reversement."""
        return -self.balance_ttc if self.is_repayment_order else ZERO

    def as_engine(self) -> engine.Solde:
        return engine.Solde(
            amount_due=self.amount_due,
            bonus=self.bonus,
            penalties=self.penalties,
            advance=self.advance,
            instalments_paid=self.instalments_paid,
            total_paid=self.total_paid,
            balance_ht=self.balance_ht,
            vat=self.vat,
            balance_ttc=self.balance_ttc,
            is_repayment_order=self.is_repayment_order,
            correction_hours=Decimal(self.data.get("correction_hours", "0.00")),
            correction_billable=Decimal(self.data.get("correction_billable", "0.00")),
        )
