"""Émargement numérique: half-day sessions, one-time signing links, sealed signatures.

Each signature is sealed: ``record_hash`` is the SHA-256 of a canonical serialisation of the
signature (action, session, enrolment, timestamp, IP, user agent, SHA-256 of the image) and of
the previous signature's ``record_hash`` of the same action (``chain.py``). Any later change of a
stored signature, or a deletion, breaks the chain and :func:`formarche.signing.chain.verify_chain`
says where. See docs/adr/0008-emargement-hash-chain.md for what this proves and what it doesn't.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from formarche.orders.models import Order
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds


class HalfDay(models.TextChoices):
    MORNING = "matin", "Matin"
    AFTERNOON = "apres_midi", "Après-midi"


class SessionStatus(models.TextChoices):
    PLANNED = "planifiee", "Planifiée"
    OPEN = "ouverte", "Ouverte"
    CONFIRMED = "confirmee", "Confirmée"


class OrderScopedQuerySet(models.QuerySet):
    """Rows reached through an order (``order_path``): the OF delivering it, or the Région that placed it."""

    order_path = "order"

    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(**{f"{self.order_path}__region_id": tenant.organisation_id})
        return self.filter(**{f"{self.order_path}__provider_id": tenant.organisation_id})


class SessionQuerySet(OrderScopedQuerySet):
    def in_month(self, month):
        first, last = month_bounds(month)
        return self.filter(date__gte=first, date__lte=last)


class Session(models.Model):
    """One half-day of the action's schedule (séance)."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="signing_sessions", verbose_name="action"
    )
    date = models.DateField("date")
    half_day = models.CharField("demi-journée", max_length=10, choices=HalfDay.choices)
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    planned_hours = models.DecimalField("heures prévues", max_digits=4, decimal_places=2)
    trainer_name = models.CharField("formateur", max_length=150, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    opened_at = models.DateTimeField("ouverte le", null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_chain_head = models.CharField(
        "dernière empreinte de la chaîne à la confirmation", max_length=64, blank=True
    )
    history = HistoricalRecords()

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        verbose_name_plural = "séances"
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "date", "half_day"],
                name="signing_session_unique_half_day",
                violation_error_message="Cette demi-journée est déjà planifiée pour cette action.",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="signing_session_end_after_start",
                violation_error_message="La fin de la séance doit suivre son début.",
            ),
            models.CheckConstraint(
                condition=Q(planned_hours__gt=0, planned_hours__lte=Decimal("12")),
                name="signing_session_hours_range",
                violation_error_message="Une demi-journée compte entre 0 et 12 heures.",
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_half_day_display().lower()}"

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.start_time))

    @property
    def ends_at(self) -> datetime:
        """The end of the session, in the project's time zone: signing links expire then."""
        return timezone.make_aware(datetime.combine(self.date, self.end_time))

    @property
    def is_planned(self) -> bool:
        return self.status == SessionStatus.PLANNED

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    @property
    def is_confirmed(self) -> bool:
        return self.status == SessionStatus.CONFIRMED


class SigningLinkQuerySet(OrderScopedQuerySet):
    order_path = "session__order"


class SigningLink(models.Model):
    """A one-time link for one trainee and one session. Only the token's SHA-256 is stored."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="links", verbose_name="séance"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="signing_links", verbose_name="stagiaire"
    )
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = SigningLinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "lien d'émargement"
        verbose_name_plural = "liens d'émargement"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Lien {self.session} — {self.enrolment_id}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class SignatureChannel(models.TextChoices):
    DEVICE = "appareil", "Sur l'appareil du formateur"
    LINK = "lien", "Par lien ou QR code"


class SignatureQuerySet(OrderScopedQuerySet):
    pass


class Signature(models.Model):
    """A trainee's signature for one session, sealed in the action's hash chain. Never updated."""

    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name="action",
        help_text="La chaîne d'empreintes est tenue par action.",
    )
    sequence = models.PositiveIntegerField("rang dans la chaîne")
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="signatures", verbose_name="séance"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="signatures", verbose_name="stagiaire"
    )
    image = models.BinaryField("signature (PNG)")
    image_sha256 = models.CharField("empreinte de l'image", max_length=64)
    signed_at = models.DateTimeField("signée le")
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=400, blank=True)
    channel = models.CharField("moyen", max_length=10, choices=SignatureChannel.choices)
    link = models.OneToOneField(
        SigningLink,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signature",
        verbose_name="lien utilisé",
    )
    previous_hash = models.CharField("empreinte précédente", max_length=64)
    record_hash = models.CharField("empreinte", max_length=64, unique=True)

    objects = SignatureQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["image"])  # the image's SHA-256 is kept

    class Meta:
        verbose_name = "signature"
        verbose_name_plural = "signatures"
        ordering = ["order", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"],
                name="signing_signature_once_per_session",
                violation_error_message="Ce stagiaire a déjà signé pour cette séance.",
            ),
            models.UniqueConstraint(fields=["order", "sequence"], name="signing_signature_unique_sequence"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="signing_signature_sequence_positive"),
        ]

    def __str__(self):
        return f"Signature n° {self.sequence} — {self.session}"
