"""API tokens (issue #19): named, scoped, expiring, hashed at rest, revocable.

A token belongs to an organisation and acts as the membership of the manager who created it (its
role and its user, named in the Journal by the services it calls). Only the SHA-256 of the secret
is stored, with its first characters in clear (``prefix``) to recognise it; the secret itself is
shown once, at creation. See docs/adr/0022-api-tokens.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from formarche.accounts.models import Membership
from formarche.api import scopes as api_scopes
from formarche.organisations.models import Organisation


class ApiTokenQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """A manager sees the tokens of their organisation; nobody else sees any."""
        if tenant is None or not tenant.is_manager:
            return self.none()
        return self.filter(organisation_id=tenant.organisation_id)

    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="organisation"
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="agit au nom de",
        help_text="Le rattachement du responsable qui a créé le jeton : le jeton agit avec son rôle.",
    )
    name = models.CharField("nom", max_length=100)
    prefix = models.CharField("début du jeton", max_length=16, unique=True)
    key_hash = models.CharField("empreinte SHA-256 du jeton", max_length=64, unique=True)
    scopes = models.JSONField("portées", default=list)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="révoqué par",
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    last_used_ip = models.GenericIPAddressField("dernière adresse IP", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at", "last_used_ip"])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_live(self) -> bool:
        return not self.is_revoked and not self.is_expired()

    def allows(self, area: str, level: str) -> bool:
        return api_scopes.allows(self.scopes, area, level)

    @property
    def scope_labels(self) -> list[str]:
        return [api_scopes.label(s) for s in self.scopes]
