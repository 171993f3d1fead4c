"""Demo world, closing: an action closed, reopened by the Région, corrected and closed again
(issue #18, ADR 0021).

Order 23Q09120777_1 of the second OF (IN2045), May–June 2024, three trainees:
- hours every working day (7 h), exits on 28/06/2024, bilans validated, the action closed;
- May 2024 validated as a CRE, June 2024 as the CRE final and its invoice issued (its own 2024
  numbering: nothing of the seed's numbers moves), the solde issued (its invoice);
- the Région reopens it: « Les heures du 27/06/2024 de … sont saisies deux fois » — the solde is
  annulled (its invoice rejected with the reason);
- the OF corrects the day (7 → 3,5 h, a rectificatif after the CRE final), closes the action again
  and issues the solde again: 3,5 h × 12,50 € fewer.

Called at the end of :func:`formarche.closing.demo.populate`; idempotent (nothing is done again
once the action has been closed again).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from formarche.attendance.models import Attendance
from formarche.attendance.services import attendance_set
from formarche.billing import services as billing
from formarche.billing.models import Invoice, Period, PeriodStatus
from formarche.closing import services
from formarche.closing.models import Reopening
from formarche.orders.models import Component, Dispositif, Lot, Order, OrderStatus, ProviderRole
from formarche.trainees.models import Civility, Enrolment, EntryStatus, Trainee

REOPEN_ORDER = "23Q09120777_1"
START, END = date(2024, 5, 2), date(2024, 6, 28)
MAY, JUNE = date(2024, 5, 1), date(2024, 6, 1)
CORRECTED_DAY = date(2024, 6, 27)
TRAINEES = [("Anaïs", "FABRE"), ("Bastien", "ROQUES"), ("Célia", "VIDAL")]
REASON = (
    "Les heures du 27/06/2024 de Bastien ROQUES sont saisies deux fois (7 h au lieu de 3,5 h, "
    "il est parti à midi) : corrigez cette journée, puis fermez de nouveau l'action."
)


def _order(world) -> Order:
    order, created = Order.objects.get_or_create(
        number=REOPEN_ORDER,
        defaults={
            "title": "Agent(e) d'accueil touristique — remise à niveau",
            "region": world.region,
            "lot": Lot.objects.filter(market__region=world.region, number=701).first(),
            "dispositif": Dispositif.objects.get(region=world.region, code="competences-plus"),
            "provider": world.of2,
            "provider_role": ProviderRole.TITULAIRE,
            "unit_price": Decimal("12.50"),
            "amount": Decimal("12500.00"),
            "duration_months": 2,
            "planned_start": START,
            "planned_end": END,
            "planned_headcount": 3,
            "referent": world.users["region"],
            "status": OrderStatus.OPEN,
            "actual_start": START,
            "certification_type": "rs",
            "certification_code": "RS5487",
            "nsf_code": "334",
            "place": "Office de tourisme, Carcassonne",
        },
    )
    if created:
        order.opened_at = timezone.now()
        order.save(update_fields=["opened_at"])
        Component.objects.get_or_create(order=order, code="C1", defaults={"label": "Parcours principal"})
    return order


def _enrol_and_fill(order) -> list[Enrolment]:
    enrolments = []
    for index, (first, last) in enumerate(TRAINEES):
        trainee, _ = Trainee.objects.get_or_create(
            organisation=order.provider,
            external_ref=f"ACCUEIL-{index + 1:03d}",
            defaults={
                "civility": Civility.MADAME if index % 2 == 0 else Civility.MONSIEUR,
                "first_name": first,
                "last_name": last,
                "birth_date": date(1992 + index, 3 + index, 10 + index),
                "email": f"stagiaire{index + 1}.accueil@exemple.fr",
                "city": order.provider.city,
                "entry_status": EntryStatus.JOB_SEEKER,
            },
        )
        enrolment, _ = Enrolment.objects.get_or_create(
            trainee=trainee, order=order, defaults={"entry_date": START, "planned_hours": Decimal("300")}
        )
        enrolments.append(enrolment)
    if not Attendance.objects.filter(enrolment__order=order).exists():
        rows, day = [], START
        while day <= END:
            if day.weekday() < 5 and day not in {date(2024, 5, 8), date(2024, 5, 9), date(2024, 5, 20)}:
                rows += [Attendance(enrolment=e, day=day, realised_hours=Decimal("7")) for e in enrolments]
            day += timedelta(days=1)
        Attendance.objects.bulk_create(rows)
    return enrolments


def _close(order, enrolments, of_user) -> None:
    today = max(timezone.localdate(), END)
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        if enrolment.exit_date is None:
            services.exits_set_for_all_components(
                enrolment=enrolment,
                entry=services.ExitEntry(END, "fin_formation", ""),
                certification_result="obtenue",
                by=of_user,
                today=today,
            )
        services.assessment_save(
            enrolment=enrolment,
            action=services.VALIDATE,
            situation="cdd_6_plus",
            job_title="Agent(e) d'accueil",
            employer_postcode="11000",
            comment="Bilan réalisé lors de l'entretien de sortie.",
            by=of_user,
        )
    services.order_close(order=order, by=of_user, real_end=END)


def _bill(order, of_user) -> None:
    if not Period.objects.filter(order=order, month=MAY, status=PeriodStatus.VALIDATED).exists():
        billing.period_validate(order=order, month=MAY, user=of_user)
    june = Period.objects.filter(order=order, month=JUNE, status=PeriodStatus.VALIDATED).first()
    if june is None:
        june = billing.period_validate(order=order, month=JUNE, user=of_user, is_final=True)
    if not Invoice.objects.live().filter(period=june).exists():
        billing.invoice_issue(period=june, user=of_user, today=date(2024, 7, 3))


def populate_reopen(world):
    order = _order(world)
    if Reopening.objects.filter(order=order, reclosed_at__isnull=False).exists():
        return
    of_user, region_user = world.users["of2"], world.users["region"]
    enrolments = _enrol_and_fill(order)
    order.refresh_from_db()
    if order.status == OrderStatus.OPEN and not order.reopenings.exists():
        _close(order, enrolments, of_user)
        _bill(order, of_user)
        billing.solde_issue(order=order, user=of_user, today=date(2024, 7, 10))
        services.order_reopen(order=order, by=region_user, reason=REASON)
    order.refresh_from_db()
    attendance_set(enrolment=enrolments[1], day=CORRECTED_DAY, realised_hours=Decimal("3.5"), by=of_user)
    services.order_close(order=order, by=of_user)
    billing.solde_issue(order=order, user=of_user, today=date(2024, 7, 24))
