"""Periods, their frozen statements, invoices, their numbering, payments and rejections.

- A :class:`Period` is one calendar month of an order. Validating it (``services.period_validate``)
  freezes its hours (``realised_hours`` …, the part that is a correction of earlier months kept
  apart) and stores the statement engine's output in a :class:`Statement` row, so that pages,
  PDFs and Factur-X XML all show the same figures, never recomputed.
- An :class:`Invoice` is issued from a validated period (``services.invoice_issue``) with the
  next number of its organisation's :class:`InvoiceCounter` for the year, taken inside the issuing
  transaction. It goes émise → signée (signed PDF uploaded, then locked) → validée by the Région
  (or rejetée, with a :class:`Rejection`; the OF then issues a corrected invoice for the same
  period) → partiellement payée → payée (:class:`Payment`). An advance payment is a
  :class:`Payment` of kind « avance » with no invoice.

Every model carries ``history = HistoricalRecords()``: who changed what and when (the audit trail
shown on the invoice and action pages). Every QuerySet has ``for_tenant``.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.billing import engine
from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.utils.money import ZERO, round_cents

HOURS = {"max_digits": 12, "decimal_places": 2}
MONEY = {"max_digits": 14, "decimal_places": 2}


def _order_scope(queryset, tenant, prefix="order"):
    """OF: its own orders (``order__provider``); Région: the orders it placed (``order__region``)."""
    if tenant is None:
        return queryset.none()
    if tenant.is_region:
        return queryset.filter(**{f"{prefix}__region_id": tenant.organisation_id})
    return queryset.filter(**{f"{prefix}__provider_id": tenant.organisation_id})


# --------------------------------------------------------------------------------------------
# Periods and statements
# --------------------------------------------------------------------------------------------


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
        from formarche.utils.formatting import format_month

        return f"{self.order.number} — {format_month(self.month)}"

    @property
    def is_validated(self) -> bool:
        return self.status == PeriodStatus.VALIDATED

    @property
    def label(self) -> str:
        from formarche.utils.formatting import format_month

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


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------


class InvoiceCounterQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None or tenant.is_region:
            return self.none()
        return self.filter(organisation_id=tenant.organisation_id)


class InvoiceCounter(models.Model):
    """The last number an organisation gave to an invoice in a year. Locked (``select_for_update``)
    inside the issuing transaction: a number is never reused and a failed issuance leaves no gap."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invoice_counters", verbose_name="organisme"
    )
    year = models.PositiveSmallIntegerField("année")
    last_number = models.PositiveIntegerField("dernier numéro attribué", default=0)
    history = HistoricalRecords()

    objects = InvoiceCounterQuerySet.as_manager()

    class Meta:
        verbose_name = "compteur de factures"
        verbose_name_plural = "compteurs de factures"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="invoice_counter_unique_year"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year} : {self.last_number}"


class InvoiceStatus(models.TextChoices):
    ISSUED = "emise", "Émise"
    SIGNED = "signee", "Signée, en attente de validation Région"
    VALIDATED = "validee", "Validée par la Région"
    REJECTED = "rejetee", "Rejetée"
    PARTIALLY_PAID = "payee_partiellement", "Payée partiellement"
    PAID = "payee", "Payée"


LIVE_STATUSES = [s for s in InvoiceStatus.values if s != InvoiceStatus.REJECTED]
SUPPORT_SOLDE = "Solde"
INVOICE_SUPPORTS = [("CRE", "CRE"), ("CRE final", "CRE final"), (SUPPORT_SOLDE, "Solde")]


class InvoiceQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant)

    def live(self):
        return self.exclude(status=InvoiceStatus.REJECTED)

    def with_labels(self):
        return self.select_related(
            "order", "order__provider", "order__region", "order__lot", "period", "period__statement", "solde"
        )

    def with_paid(self):
        return self.annotate(
            paid_total=models.functions.Coalesce(
                models.Sum("payments__amount"), models.Value(ZERO), output_field=models.DecimalField(**MONEY)
            ),
            last_payment_date=models.Max("payments__date"),
        )


class Invoice(models.Model):
    """An issued CRE / CREF invoice. Its figures are copied from the frozen statement and never
    change; the seller and buyer identities are frozen at issuance too (``seller``, ``buyer``)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices", verbose_name="action")
    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name="période",
        help_text="La période du CRE / CREF facturé ; vide pour la facture du solde.",
    )
    solde = models.ForeignKey(
        "Solde",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name="solde",
        help_text="Le solde facturé (VSF) ; vide pour la facture d'un CRE / CREF.",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="issued_invoices",
        verbose_name="organisme émetteur",
    )
    year = models.PositiveSmallIntegerField("année de numérotation")
    sequence = models.PositiveIntegerField("rang dans l'année")
    number = models.CharField("identifiant facture OF", max_length=30)
    support = models.CharField("support", max_length=10, choices=INVOICE_SUPPORTS)
    status = models.CharField(
        "statut", max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    issue_date = models.DateField("date d'émission")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="émise par",
    )
    billed_ht = models.DecimalField("montant facturé HT", **MONEY)
    billed_ttc = models.DecimalField("montant facturé TTC", **MONEY)
    payable_ht = models.DecimalField("montant à payer HT", **MONEY)
    vat = models.DecimalField("TVA", **MONEY)
    payable_ttc = models.DecimalField("montant à payer TTC", **MONEY)
    seller = models.JSONField("vendeur (figé à l'émission)")
    buyer = models.JSONField("acheteur (figé à l'émission)")
    document = models.FileField("facture Factur-X (PDF/A-3)", upload_to="factures/emises/", blank=True)
    # Signed upload
    signed_file = models.FileField("facture signée", upload_to="factures/signees/", blank=True)
    signed_filename = models.CharField("nom du fichier signé", max_length=255, blank=True)
    signature_report = models.JSONField("rapport de vérification de la signature", null=True, blank=True)
    received_on = models.DateField("date de réception", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposée par",
    )
    # Région's decision
    decided_at = models.DateTimeField("décision de la Région le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décision par",
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="remplace la facture rejetée",
    )
    history = HistoricalRecords()

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "facture"
        verbose_name_plural = "factures"
        ordering = ["-issue_date", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"],
                name="invoice_unique_number",
                violation_error_message="Ce numéro de facture est déjà attribué.",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "sequence"], name="invoice_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=~Q(status="rejetee"),
                name="invoice_one_live_per_period",
                violation_error_message="Cette période a déjà une facture en cours.",
            ),
            models.UniqueConstraint(
                fields=["solde"],
                condition=~Q(status="rejetee"),
                name="invoice_one_live_per_solde",
                violation_error_message="Le solde a déjà une facture en cours.",
            ),
            models.CheckConstraint(
                condition=Q(period__isnull=False, solde__isnull=True, support__in=["CRE", "CRE final"])
                | Q(period__isnull=True, solde__isnull=False, support="Solde"),
                name="invoice_period_or_solde",
                violation_error_message="Une facture porte sur une période (CRE) ou sur le solde.",
            ),
            models.CheckConstraint(
                condition=Q(
                    billed_ht__gte=0, billed_ttc__gte=0, payable_ht__gte=0, vat__gte=0, payable_ttc__gte=0
                ),
                name="invoice_amounts_not_negative",
                violation_error_message="Les montants d'une facture ne peuvent pas être négatifs.",
            ),
            models.CheckConstraint(
                condition=Q(payable_ttc=F("payable_ht") + F("vat")), name="invoice_ttc_is_ht_plus_vat"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="invoice_sequence_positive"),
            models.CheckConstraint(
                condition=Q(status="emise") | Q(status="rejetee") | Q(received_on__isnull=False),
                name="invoice_signed_has_reception_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "received_on"])]

    def __str__(self):
        if self.period_id:
            return f"Facture {self.number} — {self.period}"
        return f"Facture {self.number} — {self.order.number} — Solde"

    @property
    def is_solde(self) -> bool:
        return self.solde_id is not None

    @property
    def period_label(self) -> str:
        """« Avril 2023 » for a CRE / CREF invoice, « Solde » for the balance's."""
        return self.period.label if self.period_id else "Solde"

    @property
    def is_locked(self) -> bool:
        """Signed and uploaded: nothing of it may change any more, except the Région's decision."""
        return self.status != InvoiceStatus.ISSUED

    @property
    def awaits_region(self) -> bool:
        return self.status == InvoiceStatus.SIGNED

    @property
    def payment_due_date(self) -> date | None:
        """Reception + the payment delay (30 days by default, FORMARCHE_PAYMENT_DELAY_DAYS)."""
        if self.received_on is None:
            return None
        return self.received_on + timedelta(days=payment_delay_days())

    def late_interest(self, payments, as_of: date) -> tuple[Decimal, int]:
        """Late-payment interest the Région owes at ``as_of`` and the days of delay of the oldest
        late amount: simple interest at FORMARCHE_LATE_INTEREST_RATE a year on every amount paid
        (or still unpaid at ``as_of``) after the due date, plus the 40 € recovery indemnity as
        soon as anything is late. [design: Code de la commande publique, R. 2192-31 et s.]"""
        due = self.payment_due_date
        if due is None or self.status == InvoiceStatus.REJECTED:
            return ZERO, 0
        rate = late_interest_rate()
        interest = Decimal(0)
        days_late = 0
        remaining = self.payable_ttc
        for payment in sorted(payments, key=lambda p: p.date):
            remaining -= payment.amount
            if payment.date > due:
                days = (payment.date - due).days
                days_late = max(days_late, days)
                interest += payment.amount * rate * days / 365
        if remaining > 0 and as_of > due:
            days = (as_of - due).days
            days_late = max(days_late, days)
            interest += remaining * rate * days / 365
        if days_late == 0:
            return ZERO, 0
        return round_cents(interest) + RECOVERY_INDEMNITY, days_late


RECOVERY_INDEMNITY = Decimal("40.00")


def payment_delay_days() -> int:
    return int(getattr(settings, "FORMARCHE_PAYMENT_DELAY_DAYS", 30))


def late_interest_rate() -> Decimal:
    """Annual rate of late-payment interest (ECB main rate + 8 points for public buyers)."""
    return Decimal(str(getattr(settings, "FORMARCHE_LATE_INTEREST_RATE", "0.1250")))


class RejectionQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant, "invoice__order")


class Rejection(models.Model):
    """The Région's référent rejected an invoice, with a reason the OF reads."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="rejection", verbose_name="facture"
    )
    reason = models.TextField("motif du rejet")
    rejected_at = models.DateTimeField("rejetée le", auto_now_add=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="rejetée par",
    )
    history = HistoricalRecords()

    objects = RejectionQuerySet.as_manager()

    class Meta:
        verbose_name = "rejet de facture"
        verbose_name_plural = "rejets de factures"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="rejection_reason_required"),
        ]

    def __str__(self):
        return f"Rejet de {self.invoice}"


class PaymentKind(models.TextChoices):
    ADVANCE = "avance", "Avance"
    INVOICE = "facture", "Paiement de facture"


class PaymentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
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


# --------------------------------------------------------------------------------------------
# Pénalités / Bonus and the solde (VSF)
# --------------------------------------------------------------------------------------------


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
        )
