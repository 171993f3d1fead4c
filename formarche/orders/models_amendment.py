"""Avenants (amendments) of an order: numbered, dated, reasoned, each with the terms before and
after (ADR 0020). The Order row carries the current terms; ``orders.terms.order_terms`` rebuilds
the initial terms and the steps for the statement engine from these rows."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from formarche.utils.money import CENT, round_cents_of_ratio

#: the terms an avenant may change, in the order they are listed: field → French label
AMENDED_FIELDS = {
    "amount": "montant HT",
    "unit_price": "prix unitaire HT",
    "planned_end": "date de fin prévisionnelle",
    "duration_months": "durée (mois)",
}


class AmendmentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """The avenants of the orders the tenant sees (the Order's own rule, reached through the
        relation: this module is imported by ``orders.models``)."""
        if tenant is None:
            return self.none()
        orders = self.model._meta.get_field("order").related_model.objects
        return self.filter(order__in=orders.for_tenant(tenant))


class Amendment(models.Model):
    """Avenant n° ``number`` of an order, in force from the month of ``effective_date``."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="amendments", verbose_name="action"
    )
    number = models.PositiveSmallIntegerField("numéro d'avenant")
    effective_date = models.DateField("date d'effet")
    reason = models.TextField("motif")
    amount_before = models.DecimalField("montant HT avant (€)", max_digits=12, decimal_places=2)
    amount_after = models.DecimalField(
        "montant HT après (€)", max_digits=12, decimal_places=2, validators=[MinValueValidator(CENT)]
    )
    unit_price_before = models.DecimalField("prix unitaire avant (€)", max_digits=10, decimal_places=4)
    unit_price_after = models.DecimalField("prix unitaire après (€)", max_digits=10, decimal_places=4)
    planned_end_before = models.DateField("fin prévisionnelle avant")
    planned_end_after = models.DateField("fin prévisionnelle après")
    duration_months_before = models.PositiveSmallIntegerField("durée avant (mois)")
    duration_months_after = models.PositiveSmallIntegerField("durée après (mois)")
    created_at = models.DateTimeField("passé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="passé par",
    )
    history = HistoricalRecords()

    objects = AmendmentQuerySet.as_manager()

    class Meta:
        app_label = "orders"
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="amendment_unique_number"),
            models.CheckConstraint(
                condition=Q(amount_after__gt=0, unit_price_after__gt=0, duration_months_after__gte=1),
                name="amendment_terms_positive",
                violation_error_message="Les termes de l'avenant doivent être positifs.",
            ),
        ]

    def __str__(self):
        return f"Avenant n° {self.number}"

    @property
    def effective_month(self):
        return self.effective_date.replace(day=1)

    @property
    def volume_before(self):
        return round_cents_of_ratio(self.amount_before, self.unit_price_before)

    @property
    def volume_after(self):
        return round_cents_of_ratio(self.amount_after, self.unit_price_after)

    def changes(self) -> list[tuple[str, object, object]]:
        """``[(label, before, after), …]`` of what this avenant changed (the volume in hours
        included when the amount or the price moved)."""
        rows = []
        if self.volume_before != self.volume_after:
            rows.append(("volume (heures stagiaires)", self.volume_before, self.volume_after))
        for field, label in AMENDED_FIELDS.items():
            before, after = getattr(self, f"{field}_before"), getattr(self, f"{field}_after")
            if before != after:
                rows.append((label, before, after))
        return rows
