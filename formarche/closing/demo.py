"""Demo world, closing: order 23Q00030612_1 as the seed's CREF notice tells it.

- the 20 trainees leave on 28/04/2023 on every component (their last day of hours): most at the
  end of the training, two abandons with their reason, one hired early; certification results;
- every bilan de situation is validated, with a mix of situations;
- the OF asked the Région to set the end date to the last exit (28/04/2023, the planned end was
  12/09/2024) and the Région approved it: planned and real end dates are 28/04/2023;
- the action is closed (« L'action a été fermée. Un mail a été envoyé. »).

Runs BEFORE billing's demo (INSTALLED_APPS lists ``formarche.closing`` before
``formarche.billing``): billing's demo then finds the action closed, validates March 2023 as a
monthly CRE and, through ``billing.demo.finalise_seed_order``, April 2023 as the CRE final
(CREF, 20 445,47 € to pay) and issues its invoice. Closing leaves the periods alone. Idempotent:
every step is skipped when already done.
"""

from datetime import date

from django.utils import timezone

from formarche.closing import selectors, services
from formarche.closing.demo_outc import populate_outc
from formarche.closing.demo_reopen import populate_reopen
from formarche.closing.models import ChangeKind, ChangeRequest, ExitAssessment
from formarche.orders.demo import SEED_ORDER
from formarche.orders.models import OrderStatus
from formarche.trainees.models import Enrolment

LAST_EXIT = date(2023, 4, 28)
# (reason, detail, certification, situation, job title, employer postcode), by trainee index
PROFILES = [
    ("fin_formation", "", "obtenue", "cdi", "Ouvrier(ère) maraîcher(ère)", "81000"),
    ("fin_formation", "", "obtenue", "cdd_6_plus", "Ouvrier(ère) horticole", "81600"),
    ("fin_formation", "", "obtenue", "interim", "Ouvrier(ère) agricole", "81100"),
    ("fin_formation", "", "partielle", "demandeur_emploi", "", ""),
    ("fin_formation", "", "obtenue", "cdd_moins_6", "Saisonnier(ère) arboricole", "82000"),
    ("abandon", "Raisons de santé", "non_presentee", "demandeur_emploi", "", ""),
    ("fin_formation", "", "obtenue", "formation", "", ""),
    ("embauche", "", "non_presentee", "cdi", "Chef(fe) d'équipe pépinière", "31000"),
    ("fin_formation", "", "non_obtenue", "demandeur_emploi", "", ""),
    ("fin_formation", "", "obtenue", "alternance", "Apprenti(e) BTSA", "81000"),
]


def populate(world):
    order = world.orders[SEED_ORDER]
    order.refresh_from_db()
    of_user = world.users["of1"]
    region_user = world.users["region"]
    enrolments = list(
        Enrolment.objects.filter(order=order)
        .select_related("trainee")
        .order_by("trainee__external_ref", "pk")
    )
    if not enrolments:
        return
    if order.status == OrderStatus.OPEN:
        today = max(timezone.localdate(), LAST_EXIT)
        for index, enrolment in enumerate(enrolments):
            reason, detail, certification, situation, job, postcode = PROFILES[index % len(PROFILES)]
            if enrolment.exit_date is None or not enrolment.component_exits.exists():
                services.exits_set_for_all_components(
                    enrolment=enrolment,
                    entry=services.ExitEntry(LAST_EXIT, reason, detail),
                    certification_result=certification,
                    by=of_user,
                    today=today,
                )
                enrolment.refresh_from_db()
            assessment = ExitAssessment.objects.filter(enrolment=enrolment).first()
            if assessment is None or not assessment.is_validated:
                services.assessment_save(
                    enrolment=enrolment,
                    action=services.VALIDATE,
                    situation=situation,
                    job_title=job,
                    employer_postcode=postcode,
                    comment="Bilan réalisé lors de l'entretien de sortie.",
                    by=of_user,
                )
        if not ChangeRequest.objects.filter(order=order, kind=ChangeKind.END_DATE).exists():
            change = services.change_request_create(
                order=order,
                kind=ChangeKind.END_DATE,
                new_values={"end_date": LAST_EXIT},
                reason="Tous les stagiaires sont sortis le 28/04/2023 : la date de fin réelle doit "
                "correspondre à la sortie du dernier stagiaire.",
                by=of_user,
            )
            services.change_request_approve(
                change_request=change, by=region_user, comment="Accord de la Région : fin au 28/04/2023."
            )
        order.refresh_from_db()
        if selectors.closing_status(order).can_close:
            services.order_close(order=order, by=of_user)
    populate_outc(world)  # the follow-up questionnaires (issue #19.3)
    populate_reopen(world)
