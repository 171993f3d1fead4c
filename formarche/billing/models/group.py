"""A group order's member statements (groupements, ADR 0018).

When a period of a group order is validated, each member's hours (those of its own trainees) are
frozen and its statement — the engine's single-provider statement on the member's share — is
stored here, like :class:`~formarche.billing.models.periods.Statement` for the order; the
period's own ``Statement`` is then the group's (the sums, one line per provider). The member's
invoice (its own numbering sequence) is issued from this row.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from formarche.billing import engine
from formarche.billing.models._base import HOURS, MONEY
from formarche.billing.models.periods import Period, statement_from_json, statement_to_json
from formarche.orders.models import OrderMember
from formarche.utils.money import ZERO


class MemberStatementQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """Région: its orders. OF: its own statements; the mandataire (the order's provider) also
        reads the other members' statements of its group (it validates the group's periods and
        answers for the group), a co-traitant never another member's."""
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(period__order__region_id=tenant.organisation_id)
        return self.filter(
            Q(member__organisation_id=tenant.organisation_id)
            | Q(period__order__provider_id=tenant.organisation_id)
        )


class MemberStatement(models.Model):
    """One member's frozen statement (CRE / CRE final) for a validated period of a group order."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="member_statements", verbose_name="période"
    )
    member = models.ForeignKey(
        OrderMember, on_delete=models.PROTECT, related_name="statements", verbose_name="membre du groupement"
    )
    realised_hours = models.DecimalField("réalisé facturé (h)", default=ZERO, **HOURS)
    counted_unrealised_hours = models.DecimalField(
        "non réalisé comptabilisé facturé (h)", default=ZERO, **HOURS
    )
    billable = models.DecimalField("montant facturable HT", **MONEY)
    total_ht = models.DecimalField("total à verser HT", **MONEY)
    vat = models.DecimalField("TVA", **MONEY)
    total_ttc = models.DecimalField("total à verser TTC", **MONEY)
    data = models.JSONField("relevé du membre (sortie du moteur)")
    history = HistoricalRecords()

    objects = MemberStatementQuerySet.as_manager()

    class Meta:
        verbose_name = "relevé d'un membre du groupement"
        verbose_name_plural = "relevés des membres du groupement"
        ordering = ["period", "member__role", "member__organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "member"], name="member_statement_unique"),
            models.CheckConstraint(
                condition=Q(
                    realised_hours__gte=0, counted_unrealised_hours__gte=0, billable__gte=0, total_ht__gte=0
                ),
                name="member_statement_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.member.organisation} — {self.period}"

    @classmethod
    def from_engine(cls, period: Period, member: OrderMember, statement: engine.Statement) -> MemberStatement:
        return cls(
            period=period,
            member=member,
            realised_hours=statement.realised_hours,
            counted_unrealised_hours=statement.counted_unrealised_hours,
            billable=statement.billable,
            total_ht=statement.total_ht,
            vat=statement.vat,
            total_ttc=statement.total_ttc,
            data=statement_to_json(statement),
        )

    def as_engine(self) -> engine.Statement:
        return statement_from_json(self.data)

    @property
    def hours(self) -> Decimal:
        return self.realised_hours + self.counted_unrealised_hours

    @property
    def billed_ttc(self) -> Decimal:
        return sum((Decimal(line["ttc"]) for line in self.data["providers"]), ZERO)
