"""Users (login by e-mail) and their memberships of organisations, with a role in each."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from formarche.organisations.models import Organisation, OrganisationKind


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None
    email = models.EmailField("adresse électronique", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()
    # who was created, activated, renamed (issue #17); never the password hash nor the last login
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email


class Role(models.TextChoices):
    OF_STAFF = "of_staff", "Personnel de l'organisme"
    OF_MANAGER = "of_manager", "Responsable de l'organisme"
    REGION_OFFICER = "region_officer", "Référent administratif et financier (Région)"
    REGION_MANAGER = "region_manager", "Responsable (Région)"


OF_ROLES = frozenset({Role.OF_STAFF, Role.OF_MANAGER})
REGION_ROLES = frozenset({Role.REGION_OFFICER, Role.REGION_MANAGER})
ROLES_BY_KIND = {OrganisationKind.OF: OF_ROLES, OrganisationKind.REGION: REGION_ROLES}


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)

    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        return self.filter(organisation_id=tenant.organisation_id)


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name="utilisateur"
    )
    organisation = models.ForeignKey(
        Organisation,
        # An organisation with members is never deleted by accident.
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name="organisation",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()  # who was given which role, when, by whom (issue #17)

    class Meta:
        verbose_name = "rattachement"
        verbose_name_plural = "rattachements"
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_user_organisation",
                violation_error_message="Cet utilisateur est déjà rattaché à cette organisation.",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.email} — {self.organisation} ({self.get_role_display()})"

    def clean(self):
        if self.organisation_id and self.role not in ROLES_BY_KIND[self.organisation.kind]:
            raise ValidationError({"role": "Ce rôle ne correspond pas au type de l'organisation."})

    @property
    def is_of(self) -> bool:
        return self.role in OF_ROLES

    @property
    def is_region(self) -> bool:
        return self.role in REGION_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in {Role.OF_MANAGER, Role.REGION_MANAGER}
