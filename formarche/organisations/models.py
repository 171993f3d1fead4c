"""Organisations: training providers (OF) and Régions."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords
from stdnum.fr import siret as stdnum_siret


def validate_siret(value: str) -> None:
    if not stdnum_siret.is_valid(value):
        raise ValidationError("Le SIRET doit comporter 14 chiffres et passer le contrôle de Luhn.")


def validate_nda(value: str) -> None:
    if not re.fullmatch(r"\d{11}", value or ""):
        raise ValidationError("Le numéro de déclaration d'activité (NDA) comporte 11 chiffres.")


def validate_naf(value: str) -> None:
    if not re.fullmatch(r"\d{2}\.?\d{2}[A-Z]", value or ""):
        raise ValidationError("Le code NAF s'écrit comme 8559A (4 chiffres et une lettre majuscule).")


class OrganisationKind(models.TextChoices):
    OF = "of", "Organisme de formation"
    REGION = "region", "Région"


class OrganisationQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """An organisation sees itself only (Régions see the OFs of their orders through orders)."""
        if tenant is None:
            return self.none()
        return self.filter(pk=tenant.organisation_id)


class Organisation(models.Model):
    kind = models.CharField("type", max_length=10, choices=OrganisationKind.choices)
    name = models.CharField("raison sociale", max_length=200)
    legal_form = models.CharField("forme juridique", max_length=80, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    nda = models.CharField(
        "numéro de déclaration d'activité (NDA)", max_length=11, blank=True, validators=[validate_nda]
    )
    nda_region = models.CharField("préfecture de région de la déclaration", max_length=80, blank=True)
    naf_code = models.CharField("code NAF", max_length=6, blank=True, validators=[validate_naf])
    vat_number = models.CharField("numéro de TVA intracommunautaire", max_length=20, blank=True)
    provider_code = models.CharField(
        "code prestataire à la Région",
        max_length=20,
        blank=True,
        help_text="Identifiant de l'organisme dans le système de la Région, par exemple IN1331.",
    )
    address = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    address_public = models.BooleanField("adresse rendue publique", default=False)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    director_name = models.CharField("dirigeant (nom et prénom)", max_length=150, blank=True)
    director_role = models.CharField("qualité du dirigeant", max_length=100, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    history = HistoricalRecords()

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_code"],
                condition=~models.Q(provider_code=""),
                name="organisation_provider_code_unique",
                violation_error_message="Ce code prestataire est déjà utilisé par une autre organisation.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["of", "region"]),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        if self.provider_code:
            return f"{self.name} ({self.provider_code})"
        return self.name

    @property
    def is_of(self) -> bool:
        return self.kind == OrganisationKind.OF

    @property
    def is_region(self) -> bool:
        return self.kind == OrganisationKind.REGION


class DataVersion(models.Model):
    """A counter per organisation, raised by database triggers on every write to the rows its
    computed figures read (issue #16, ADR 0025): a cache key carrying it changes with the data.

    No foreign key: a trigger raises the counter of an organisation being deleted, too. Written by
    the triggers only (``formarche.organisations.dataversion``), read by
    :func:`formarche.organisations.dataversion.data_version`.
    """

    organisation_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "version des données"
        verbose_name_plural = "versions des données"

    def __str__(self) -> str:
        return f"organisation {self.organisation_id} : version {self.version}"
