"""The Région's reopening of a closed action (issue #18, ADR 0021); re-exported by
:mod:`formarche.closing.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from formarche.orders.models import Order


class ReopeningQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(order__region_id=tenant.organisation_id)
        return self.filter(order__provider_id=tenant.organisation_id)


class Reopening(models.Model):
    """The Région reopened a closed action, with its reason, so that the OF corrects an exit or hours
    before the solde is paid; the OF then closes it again (``reclosed_at``).

    The action's own history row carries « Réouverture de l'action »; this row keeps the full
    reason and what the reopening annulled (an issued, unpaid solde).
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="reopenings", verbose_name="action"
    )
    reason = models.TextField("motif de la réouverture")
    reopened_at = models.DateTimeField("rouverte le")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="rouverte par",
    )
    solde_voided = models.BooleanField("solde émis annulé", default=False)
    reclosed_at = models.DateTimeField("refermée le", null=True, blank=True)
    reclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="refermée par",
    )
    history = HistoricalRecords()

    objects = ReopeningQuerySet.as_manager()

    class Meta:
        verbose_name = "réouverture de l'action"
        verbose_name_plural = "réouvertures d'actions"
        ordering = ["order", "reopened_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="reopening_reason_required",
                violation_error_message="Une réouverture est motivée.",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(reclosed_at__isnull=True),
                name="reopening_one_pending_per_order",
                violation_error_message="Cette action est déjà rouverte.",
            ),
        ]

    def __str__(self):
        return f"Réouverture de {self.order.number} le {self.reopened_at:%d/%m/%Y}"

    @property
    def is_pending(self) -> bool:
        return self.reclosed_at is None
