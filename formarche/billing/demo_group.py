"""Demo world, billing of the group order 23Q08120377_1 (groupement, ADR 0018).

24 000,00 € at 12,00 €/h (2 000 h), 10 months, Compétences Plus (advance 30 %, cap 80 %):
IN2045 is the mandataire with 14 400,00 € (60 %), IN1331 the co-traitant with 9 600,00 € (40 %).
Each enrols its own trainees (6 and 4); September 2023: 6 × 60 h = 360 h for IN2045, 4 × 60 h =
240 h for IN1331. The mandataire validates September; each member's statement on its share:

- IN2045: 360 × 12 = 4 320,00; r = 4 320 / 14 400 = 30 % → ⅓ of its advance 4 320,00 = 1 440,00
  to repay → 2 880,00 to pay;
- IN1331: 240 × 12 = 2 880,00; r = 30 % → ⅓ of 2 880,00 = 960,00 → 1 920,00 to pay;
- the group's CRE: 7 200,00 billed, −2 400,00, 4 800,00 to pay, one line per provider.

Each member issues its own invoice (its own numbering): the demo issues the mandataire's, the
co-traitant's is left to issue. October's hours are entered, not validated.
Idempotent.
"""

from datetime import date
from decimal import Decimal

from formarche.attendance.demo import _enrol_and_fill, _trainees
from formarche.billing import services
from formarche.billing.models import Invoice, Period
from formarche.orders.demo_group import GROUP_ORDER
from formarche.orders.models import OrderMember

SEPTEMBER = date(2023, 9, 1)
CO_TRAITANT_SHARE = Decimal("9600.00")


def populate_group(world):
    order = world.orders[GROUP_ORDER]
    if not OrderMember.objects.filter(order=order).exists():
        services.group_members_set(
            order=order, user=world.users["region"], co_members=[(world.of1, CO_TRAITANT_SHARE)]
        )
    months = [
        (date(2023, 9, 4), date(2023, 9, 29), [Decimal(60)] * 6),
        (date(2023, 10, 2), date(2023, 10, 31), [Decimal(70)] * 6),
    ]
    _enrol_and_fill(order, _trainees(world, world.of2, "GROUPE-A", 6, 1988), months)
    theirs = [
        (first, last, [Decimal(60)] * 4 if first.month == 9 else [Decimal(65)] * 4)
        for first, last, _ in months
    ]
    if not order.enrolments.filter(trainee__organisation=world.of1).exists():
        _enrol_and_fill_of(order, _trainees(world, world.of1, "GRP-B", 4, 1992), theirs)
    september = Period.objects.filter(order=order, month=SEPTEMBER).first()
    if september is None or not september.is_validated:
        september = services.period_validate(order=order, month=SEPTEMBER, user=world.users["of2"])
    # The mandataire's invoice is issued; the co-traitant's is left to issue (« Emettre la facture »
    # on the « Groupement » page), which keeps IN1331's own exported history unchanged.
    if not Invoice.objects.live().filter(period=september, organisation=world.of2).exists():
        services.invoice_member_issue(
            period=september, organisation=world.of2, user=world.users["of2"], today=date(2023, 10, 5)
        )


def _enrol_and_fill_of(order, trainees, months):
    """:func:`_enrol_and_fill` skips an order that has hours: the co-traitant's trainees come second."""
    from formarche.attendance.demo import spread, working_days
    from formarche.attendance.models import Attendance
    from formarche.trainees.models import Enrolment, Payer

    rows = []
    for index, trainee in enumerate(trainees):
        enrolment, _ = Enrolment.objects.get_or_create(
            trainee=trainee,
            order=order,
            defaults={
                "entry_date": order.planned_start,
                "planned_hours": Decimal(200),
                "payer": Payer.REGION,
            },
        )
        for first, last, per_trainee in months:
            for day, hours in spread(per_trainee[index], working_days(first, last)).items():
                rows.append(Attendance(enrolment=enrolment, day=day, realised_hours=hours))
    Attendance.objects.bulk_create(rows)
