"""Payments the Région records: an invoice's (in parts), or the order's advance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from formarche.billing.models._base import MONEY, _order_scope
from formarche.billing.models.invoices import Invoice
from formarche.orders.models import Order


class PaymentKind(models.TextChoices):
    ADVANCE = "avance", "Avance"
    INVOICE = "facture", "Paiement de facture"


class PaymentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """As the invoices: an OF sees the payments of the invoices it issued, and the advance of
        the orders it holds (the mandataire's, on a group order — ADR 0018)."""
        if tenant is not None and tenant.is_of:
            return self.filter(
                Q(invoice__organisation_id=tenant.organisation_id)
                | Q(invoice__isnull=True, order__provider_id=tenant.organisation_id)
            )
        return _order_scope(self, tenant)


class Payment(models.Model):
    """Money the Région paid: the advance (no invoice) or all or part of an invoice."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments", verbose_name="action")
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name="facture",
    )
    kind = models.CharField("nature", max_length=10, choices=PaymentKind.choices)
    date = models.DateField("date de paiement")
    amount = models.DecimalField("montant (€)", **MONEY)
    reference = models.CharField("référence du mandat", max_length=80, blank=True)
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="enregistré par",
    )
    history = HistoricalRecords()

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="Un paiement a un montant positif.",
            ),
            models.CheckConstraint(
                condition=Q(kind="avance", invoice__isnull=True) | Q(kind="facture", invoice__isnull=False),
                name="payment_kind_matches_invoice",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="avance"),
                name="payment_one_advance_per_order",
                violation_error_message="L'avance de cette action est déjà enregistrée.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} € le {self.date:%d/%m/%Y}"
