"""Demo world, outcomes (issue #19.3): the six-month follow-up questionnaires of the closed seed
action, so that « Résultats des actions » has an employment rate at 6 months to chart.

Twelve of the 20 trainees of 23Q00030612_1 answered (entered by the OF after a phone call,
validated); the others have not answered yet. Idempotent: a validated questionnaire is left alone.
"""

from formarche.closing import services
from formarche.closing.models import FollowUpQuestionnaire
from formarche.orders.demo import SEED_ORDER

# (situation, job title, employer postcode), one per answering trainee (by external_ref order)
ANSWERS = [
    ("cdi", "Ouvrier(ère) maraîcher(ère)", "81000"),
    ("cdi", "Ouvrier(ère) horticole", "81600"),
    ("cdd_6_plus", "Ouvrier(ère) agricole", "81100"),
    ("demandeur_emploi", "", ""),
    ("interim", "Saisonnier(ère) arboricole", "82000"),
    ("formation", "", ""),
    ("cdi", "Chef(fe) d'équipe pépinière", "31000"),
    ("demandeur_emploi", "", ""),
    ("alternance", "Apprenti(e) BTSA", "81000"),
    ("creation", "Maraîcher(ère) à son compte", "81990"),
    ("cdd_moins_6", "Saisonnier(ère) viticole", "81150"),
    ("autre", "", ""),
]


def populate_outc(world):
    order = world.orders[SEED_ORDER]
    questionnaires = list(
        FollowUpQuestionnaire.objects.filter(enrolment__order=order)
        .select_related("enrolment__trainee")
        .order_by("enrolment__trainee__external_ref", "pk")[: len(ANSWERS)]
    )
    for questionnaire, (situation, job_title, postcode) in zip(questionnaires, ANSWERS, strict=False):
        if questionnaire.is_validated:
            continue
        services.followup_save(
            questionnaire=questionnaire,
            action=services.VALIDATE,
            situation=situation,
            job_title=job_title,
            employer_postcode=postcode,
            comment="Réponse recueillie par téléphone.",
            by=world.users["of1"],
        )
