"""Documents et justificatifs: files attached to an action (and optionally to one trainee's enrolment)."""

import uuid

from django.conf import settings
from django.core.files.storage import InvalidStorageError, default_storage, storages
from django.db import models
from simple_history.models import HistoricalRecords

from formarche.documents.checks import extension_of
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment


def document_storage():
    """The ``documents`` storage if STORAGES defines one (object storage…), else the default storage."""
    try:
        return storages["documents"]
    except InvalidStorageError:
        return default_storage


def document_path(instance, filename: str) -> str:
    """A path that reveals nothing: ``documents/<order id>/<uuid>.<ext>`` (the real name is in the row)."""
    ext = extension_of(filename)
    return f"documents/{instance.order_id}/{uuid.uuid4().hex}{'.' + ext if ext else ''}"


class DocumentType(models.TextChoices):
    ATTENDANCE_SHEET = "feuille_emargement", "Feuille d'émargement"
    ATTENDANCE_CERTIFICATE = "attestation_assiduite", "Attestation d'assiduité"
    COMPLETION_CERTIFICATE = "attestation_fin", "Attestation de fin de formation"
    AGREEMENT = "convention", "Convention"
    PROGRAMME = "programme", "Programme"
    TRAINEE_PAPER = "piece_stagiaire", "Pièce du stagiaire"
    OTHER = "autre", "Autre"


class DocumentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """An OF sees the documents of the actions it delivers; a Région those of the orders it placed."""
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(order__region_id=tenant.organisation_id)
        return self.filter(order__provider_id=tenant.organisation_id)


class Document(models.Model):
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,  # a justificatif outlives nothing: the action cannot vanish under it
        related_name="documents",
        verbose_name="action",
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name="stagiaire",
        null=True,
        blank=True,
    )
    doc_type = models.CharField("type de document", max_length=30, choices=DocumentType.choices)
    description = models.CharField("description", max_length=250, blank=True)
    file = models.FileField("fichier", upload_to=document_path, storage=document_storage, max_length=255)
    original_name = models.CharField("nom du fichier", max_length=255)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    content_type = models.CharField("type de contenu", max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)
    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["order", "doc_type"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_size_positive"),
        ]

    def __str__(self):
        return f"{self.get_doc_type_display()} — {self.original_name}"
