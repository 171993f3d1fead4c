"""Groupements (ADR 0018): the members of the group executing an order, with their shares."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from formarche.organisations.models import Organisation


class MemberRole(models.TextChoices):
    MANDATAIRE = "mandataire", "Mandataire"
    CO_TRAITANT = "cotraitant", "Co-traitant"


class OrderMember(models.Model):
    """One OF of a group (groupement, ADR 0018) with its share of the order amount: the mandataire
    (the order's ``provider``) or a co-traitant; the shares add up to the amount (billing's
    ``group_members_set``). No row: a single-provider order, as before."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="members", verbose_name="action"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="order_memberships",
        verbose_name="organisme de formation",
        limit_choices_to={"kind": "of"},
    )
    role = models.CharField("rôle dans le groupement", max_length=12, choices=MemberRole.choices)
    amount = models.DecimalField("part du montant HT (€)", max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "membre du groupement"
        verbose_name_plural = "membres du groupement"
        ordering = ["order", "role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "organisation"],
                name="order_member_unique",
                violation_error_message="Cet organisme est déjà membre du groupement.",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(role="mandataire"),
                name="order_member_one_mandataire",
                violation_error_message="Un groupement n'a qu'un mandataire.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="order_member_amount_positive",
                violation_error_message="La part d'un membre doit être positive.",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()}) — {self.order.number}"

    is_mandataire = property(lambda self: self.role == MemberRole.MANDATAIRE)
