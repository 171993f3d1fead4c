"""Credit notes (avoirs): the document that cancels a rejected invoice (ADR 0019).

An issued invoice is never deleted nor changed (rule 4 of the house): when the Région's référent
rejects it, an *avoir* for its whole amount is issued in the same transaction, numbered in the
same yearly sequence as the organisation's invoices (:mod:`formarche.billing.services.numbering`),
with its own PDF and Factur-X (type 381, BT-25 / BT-26 naming the cancelled invoice). The period
(or the solde) can then be invoiced again (``Invoice.replaces``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.billing.models._base import MONEY, _order_scope
from formarche.billing.models.invoices import Invoice
from formarche.orders.models import Order
from formarche.organisations.models import Organisation


class CreditNoteQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _order_scope(self, tenant)


class CreditNote(models.Model):
    """The avoir cancelling a rejected invoice: its amounts are the invoice's, positive (the
    document's type says they are credited), its parties the invoice's frozen ones."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="credit_note", verbose_name="facture annulée"
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="credit_notes", verbose_name="action"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="issued_credit_notes",
        verbose_name="organisme émetteur",
    )
    year = models.PositiveSmallIntegerField("année de numérotation")
    sequence = models.PositiveIntegerField("rang dans l'année")
    number = models.CharField("numéro de l'avoir", max_length=30)
    issue_date = models.DateField("date d'émission")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="établi lors du rejet par",
    )
    reason = models.TextField("motif (rejet de la facture)")
    billed_ht = models.DecimalField("montant facturé HT annulé", **MONEY)
    billed_ttc = models.DecimalField("montant facturé TTC annulé", **MONEY)
    payable_ht = models.DecimalField("montant HT de l'avoir", **MONEY)
    vat = models.DecimalField("TVA de l'avoir", **MONEY)
    payable_ttc = models.DecimalField("montant TTC de l'avoir", **MONEY)
    document = models.FileField("avoir Factur-X (PDF/A-3)", upload_to="factures/avoirs/", blank=True)
    history = HistoricalRecords()

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        verbose_name = "avoir"
        verbose_name_plural = "avoirs"
        ordering = ["-issue_date", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"],
                name="credit_note_unique_number",
                violation_error_message="Ce numéro d'avoir est déjà attribué.",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "sequence"], name="credit_note_unique_sequence"
            ),
            models.CheckConstraint(
                condition=Q(
                    billed_ht__gte=0, billed_ttc__gte=0, payable_ht__gte=0, vat__gte=0, payable_ttc__gte=0
                ),
                name="credit_note_amounts_not_negative",
                violation_error_message="Les montants d'un avoir sont positifs : son type dit qu'ils sont crédités.",
            ),
            models.CheckConstraint(
                condition=Q(payable_ttc=F("payable_ht") + F("vat")), name="credit_note_ttc_is_ht_plus_vat"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="credit_note_sequence_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="credit_note_reason_required"),
        ]

    def __str__(self):
        return f"Avoir {self.number} annulant la facture {self.invoice.number}"

    @property
    def label(self) -> str:
        """« Avoir n° 2023-00004 annulant la facture n° 2023-00003 » (pages, PDF, lists)."""
        return f"Avoir n° {self.number} annulant la facture n° {self.invoice.number}"
