"""Invoices, their yearly numbering counter, the payment delay and late interest, rejections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.billing.models._base import MONEY, _order_scope
from formarche.billing.models.periods import Period
from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.utils.money import ZERO, round_cents


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
        """Région: the invoices of its orders. OF: the invoices **it issued** — on a single-provider
        order the issuer is the provider; on a group order each member sees only its own (ADR 0018)."""
        if tenant is not None and tenant.is_of:
            return self.filter(organisation_id=tenant.organisation_id)
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
            # One live invoice per period and issuer: on a group order each member issues its
            # own (ADR 0018); on a single-provider order the issuer is always the provider.
            models.UniqueConstraint(
                fields=["period", "organisation"],
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
    def is_rejected(self) -> bool:
        return self.status == InvoiceStatus.REJECTED

    @property
    def is_paid_in_whole_or_part(self) -> bool:
        return self.status in {InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID}

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
        if tenant is not None and tenant.is_of:  # as the invoices: the issuer's own (ADR 0018)
            return self.filter(invoice__organisation_id=tenant.organisation_id)
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
