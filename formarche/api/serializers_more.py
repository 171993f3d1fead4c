"""Serializers of the billing, documents and BPF endpoints (issue #19): shape only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from formarche.billing.models import Invoice, InvoiceStatus, Payment, Period, Statement
from formarche.documents.models import Document, DocumentType


class StatementSerializer(serializers.ModelSerializer):
    """Relevé figé à la validation de la période (sortie complète du moteur dans ``data``)."""

    class Meta:
        model = Statement
        fields = [
            "kind",
            "period_hours",
            "billable",
            "cap_regulation",
            "advance_repayment",
            "total_ht",
            "vat",
            "total_ttc",
            "already_paid",
            "data",
            "computed_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Période validée",
            value={
                "id": 7,
                "order": 12,
                "month": "2023-03",
                "status": "validee",
                "is_final": False,
                "validated_at": "2023-04-03T09:12:00+02:00",
                "realised_hours": "412.50",
                "counted_unrealised_hours": "14.00",
                "realised_correction_hours": "0.00",
                "counted_unrealised_correction_hours": "0.00",
                "has_statement": True,
            },
            response_only=True,
        )
    ]
)
class PeriodSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True, help_text="Mois AAAA-MM.")
    has_statement = serializers.SerializerMethodField()

    class Meta:
        model = Period
        fields = [
            "id",
            "order",
            "month",
            "status",
            "is_final",
            "validated_at",
            "realised_hours",
            "counted_unrealised_hours",
            "realised_correction_hours",
            "counted_unrealised_correction_hours",
            "has_statement",
        ]
        read_only_fields = fields

    def get_has_statement(self, period) -> bool:
        return hasattr(period, "statement")


class PeriodDetailSerializer(PeriodSerializer):
    statement = StatementSerializer(
        read_only=True, allow_null=True, help_text="Relevé figé (null : ouverte)."
    )

    class Meta(PeriodSerializer.Meta):
        fields = [*PeriodSerializer.Meta.fields, "statement"]
        read_only_fields = fields


class PeriodValidateSerializer(serializers.Serializer):
    order = serializers.IntegerField(help_text="Identifiant de l'action.")
    month = serializers.CharField(help_text="Mois AAAA-MM, par exemple 2023-03.")
    is_final = serializers.BooleanField(
        required=False, default=False, help_text="Dernier mois de l'action (CRE final)."
    )


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "order", "invoice", "kind", "date", "amount", "reference", "recorded_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Facture validée",
            value={
                "id": 3,
                "number": "FA2023-0003",
                "order": 12,
                "period": 7,
                "support": "CRE",
                "status": "validee",
                "issue_date": "2023-04-05",
                "received_on": "2023-04-06",
                "billed_ht": "6187.50",
                "billed_ttc": "6187.50",
                "payable_ht": "6187.50",
                "vat": "0.00",
                "payable_ttc": "6187.50",
                "seller_name": "Organisme de formation",
                "buyer_name": "Région",
                "decided_at": "2023-04-10T10:00:00+02:00",
                "replaces": None,
                "payments": [],
            },
            response_only=True,
        )
    ]
)
class InvoiceSerializer(serializers.ModelSerializer):
    seller_name = serializers.SerializerMethodField()
    buyer_name = serializers.SerializerMethodField()
    payments = PaymentSerializer(many=True, read_only=True)
    rejection_reason = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "order",
            "period",
            "solde",
            "support",
            "status",
            "issue_date",
            "received_on",
            "billed_ht",
            "billed_ttc",
            "payable_ht",
            "vat",
            "payable_ttc",
            "seller_name",
            "buyer_name",
            "decided_at",
            "rejection_reason",
            "replaces",
            "payments",
        ]
        read_only_fields = fields

    def get_seller_name(self, invoice) -> str:
        return (invoice.seller or {}).get("name", "")

    def get_buyer_name(self, invoice) -> str:
        return (invoice.buyer or {}).get("name", "")

    def get_rejection_reason(self, invoice) -> str | None:
        rejection = getattr(invoice, "rejection", None) if invoice.status == InvoiceStatus.REJECTED else None
        return getattr(rejection, "reason", None)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        help_text="Motif du rejet (l'organisme le lit pour corriger sa facture).",
        error_messages={
            "required": "Indiquez le motif du rejet : l'organisme le lira pour corriger sa facture.",
            "blank": "Indiquez le motif du rejet : l'organisme le lira pour corriger sa facture.",
        },
    )


class PaymentInSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Date du paiement (AAAA-MM-JJ).")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="Montant payé en euros (par exemple 1234.56)."
    )
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "order",
            "enrolment",
            "doc_type",
            "description",
            "original_name",
            "size",
            "sha256",
            "content_type",
            "uploaded_at",
        ]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    order = serializers.IntegerField(help_text="Identifiant de l'action.")
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    file = serializers.FileField(help_text="Le fichier (PDF, image…), envoyé en multipart/form-data.")
    enrolment = serializers.IntegerField(required=False, allow_null=True, help_text="Inscription concernée.")
    description = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class FiscalYearSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    status = serializers.CharField(help_text="État du BPF (code).")
    status_label = serializers.CharField()


class BpfCheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.CharField(help_text="bloquant, avertissement ou information.")
    message = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "BPF calculé",
            value={
                "edition": "2024",
                "fiscal_year": {"from": "2023-01-01", "to": "2023-12-31"},
                "cells": {"F1.total.h": "1234.50"},
                "checks": [{"code": "C01", "level": "avertissement", "message": "…"}],
            },
            response_only=True,
        )
    ]
)
class BpfReportSerializer(serializers.Serializer):
    edition = serializers.CharField()
    organisation = serializers.DictField()
    fiscal_year = serializers.DictField()
    cells = serializers.DictField(
        help_text="Valeur de chaque case du cerfa, par clé (par exemple F1.total.h)."
    )
    checks = BpfCheckSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Le message en français.")
