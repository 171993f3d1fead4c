"""The demo's follow-up questionnaires are on the outcomes page, on both sides (issue #19.3)."""

import pytest
from django.test import override_settings

from formarche.accounts.demo import build_demo_world
from formarche.closing.models import AssessmentState, FollowUpQuestionnaire

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_follow_ups_reach_the_outcomes_charts(client):
    build_demo_world()
    build_demo_world()  # idempotent: still twelve
    assert FollowUpQuestionnaire.objects.filter(state=AssessmentState.VALIDATED).count() == 12
    for email in ("of@demo.formarche.fr", "region@demo.formarche.fr"):
        client.login(username=email, password="demo-formarche")
        body = client.get("/resultats/?par=action").content.decode()
        # 12 validated, 8 in employment (CDI ×3, CDD ≥ 6 mois, intérim, alternance, création, CDD < 6 mois)
        assert "12 questionnaire(s) validé(s) ; en emploi : 8, soit 66,67\u202f%." in body, email
        assert "8 / 12" in body
