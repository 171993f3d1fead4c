"""A period (one calendar month of an order) and the statement frozen when it is validated."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from formarche.billing import engine
from formarche.billing.models._base import HOURS, MONEY, _order_scope
from formarche.orders.models import Order
from formarche.utils.formatting import format_month
from formarche.utils.money import ZERO


class PeriodStatus(models.TextChoices):
    OPEN = "ouverte", "À valider"
    VALIDATED = "validee", "Validée"


class PeriodQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant)

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
    # Frozen at validation: H_k = (hours through month k) − (hours billed by earlier periods),
    # split into réalisé / non réalisé comptabilisé; the *_correction fields are the part of H_k
    # that corrects earlier, already billed months ("y compris rectificatif").
    realised_hours = models.DecimalField("réalisé facturé (h)", default=ZERO, **HOURS)
    counted_unrealised_hours = models.DecimalField(
        "non réalisé comptabilisé facturé (h)", default=ZERO, **HOURS
    )
    realised_correction_hours = models.DecimalField("dont rectificatif, réalisé (h)", default=ZERO, **HOURS)
    counted_unrealised_correction_hours = models.DecimalField(
        "dont rectificatif, non réalisé comptabilisé (h)", default=ZERO, **HOURS
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
            models.CheckConstraint(
                condition=Q(realised_hours__gte=0, counted_unrealised_hours__gte=0),
                name="period_hours_not_negative",
                violation_error_message="Les heures d'une période ne peuvent pas être négatives.",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(is_final=True),
                name="period_one_final_per_order",
                violation_error_message="Une action n'a qu'une période finale (CRE final).",
            ),
        ]

    def __str__(self):
        return f"{self.order.number} — {format_month(self.month)}"

    @property
    def is_validated(self) -> bool:
        return self.status == PeriodStatus.VALIDATED

    @property
    def label(self) -> str:
        return format_month(self.month)

    @property
    def hours(self) -> Decimal:
        return self.realised_hours + self.counted_unrealised_hours

    @property
    def correction_hours(self) -> Decimal:
        return self.realised_correction_hours + self.counted_unrealised_correction_hours

    def engine_input(self) -> engine.PeriodInput:
        """The frozen hours as the statement engine reads them."""
        return engine.PeriodInput(
            period=self.month,
            realised_hours=self.realised_hours,
            counted_unrealised_hours=self.counted_unrealised_hours,
            final=self.is_final,
        )


class StatementQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant, "period__order")


def _to_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_DECIMAL_FIELDS = {
    f.name for f in dataclass_fields(engine.Statement) if f.name not in {"period", "kind", "providers"}
}
_PROVIDER_DECIMALS = {f.name for f in dataclass_fields(engine.ProviderLine) if f.name != "provider"}


def statement_to_json(statement: engine.Statement) -> dict:
    data = {f.name: _to_json(getattr(statement, f.name)) for f in dataclass_fields(engine.Statement)}
    data["kind"] = str(statement.kind)
    data["providers"] = [
        {f.name: _to_json(getattr(line, f.name)) for f in dataclass_fields(engine.ProviderLine)}
        for line in statement.providers
    ]
    return data


def statement_from_json(data: dict) -> engine.Statement:
    values = {name: Decimal(data[name]) for name in _DECIMAL_FIELDS}
    providers = tuple(
        engine.ProviderLine(
            provider=line["provider"], **{name: Decimal(line[name]) for name in _PROVIDER_DECIMALS}
        )
        for line in data["providers"]
    )
    return engine.Statement(
        period=date.fromisoformat(data["period"]),
        kind=engine.StatementKind(data["kind"]),
        providers=providers,
        **values,
    )


class Statement(models.Model):
    """The engine's statement (CRE / CRE final) of a validated period, frozen.

    ``data`` holds every line of :class:`formarche.billing.engine.Statement` (decimals as strings);
    the main figures are also columns, for lists and constraints. Never recomputed: pages, PDFs
    and invoices read :meth:`as_engine`.
    """

    period = models.OneToOneField(
        Period, on_delete=models.PROTECT, related_name="statement", verbose_name="période"
    )
    kind = models.CharField("support", max_length=10, choices=[("CRE", "CRE"), ("CRE final", "CRE final")])
    period_hours = models.DecimalField("heures de la période", **HOURS)
    billable = models.DecimalField("montant facturable HT", **MONEY)
    cap_regulation = models.DecimalField("régulation pour plafonnement", **MONEY)
    advance_repayment = models.DecimalField("remboursement avance", **MONEY)
    total_ht = models.DecimalField("total à verser HT", **MONEY)
    vat = models.DecimalField("TVA", **MONEY)
    total_ttc = models.DecimalField("total à verser TTC", **MONEY)
    already_paid = models.DecimalField("total déjà versé", **MONEY)
    data = models.JSONField("relevé complet (sortie du moteur)")
    computed_at = models.DateTimeField("calculé le", auto_now_add=True)
    history = HistoricalRecords()

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = "relevé (CRE)"
        verbose_name_plural = "relevés (CRE)"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    billable__gte=0, total_ht__gte=0, vat__gte=0, total_ttc__gte=0, period_hours__gte=0
                ),
                name="statement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(advance_repayment__lte=0), name="statement_repayment_not_positive"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.period}"

    @classmethod
    def from_engine(cls, period: Period, statement: engine.Statement) -> Statement:
        return cls(
            period=period,
            kind=str(statement.kind),
            period_hours=statement.period_hours,
            billable=statement.billable,
            cap_regulation=statement.cap_regulation,
            advance_repayment=statement.advance_repayment,
            total_ht=statement.total_ht,
            vat=statement.vat,
            total_ttc=statement.total_ttc,
            already_paid=statement.already_paid,
            data=statement_to_json(statement),
        )

    def as_engine(self) -> engine.Statement:
        return statement_from_json(self.data)

    @property
    def billed_ttc(self) -> Decimal:
        """Montant facturé TTC (the facturable with its VAT), as the providers' table shows it."""
        return sum((Decimal(line["ttc"]) for line in self.data["providers"]), ZERO)
