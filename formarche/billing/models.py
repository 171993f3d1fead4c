"""Periods (a month of an order), their validation and what follows (statements, invoices)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from formarche.orders.models import Order


class PeriodStatus(models.TextChoices):
    OPEN = "ouverte", "À valider"
    VALIDATED = "validee", "Validée"


class PeriodQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        return self.filter(order__in=Order.objects.for_tenant(tenant))

    def validated(self):
        return self.filter(status=PeriodStatus.VALIDATED)


class Period(models.Model):
    """One calendar month of an order. Validating it freezes its hours (see billing.services)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="periods", verbose_name="action")
    month = models.DateField("mois", help_text="Premier jour du mois.")
    status = models.CharField("état", max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    is_final = models.BooleanField("période finale (CRE final)", default=False)
    validated_at = models.DateTimeField("validée le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée par",
    )
    history = HistoricalRecords()

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "période"
        verbose_name_plural = "périodes"
        ordering = ["order", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "month"],
                name="period_unique_month",
                violation_error_message="Cette période existe déjà pour cette action.",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="period_month_first_day"),
            models.CheckConstraint(
                condition=Q(status="ouverte") | Q(validated_at__isnull=False),
                name="period_validated_has_date",
            ),
        ]

    def __str__(self):
        from formarche.utils.formatting import format_month

        return f"{self.order.number} — {format_month(self.month)}"

    @property
    def is_validated(self) -> bool:
        return self.status == PeriodStatus.VALIDATED
