"""The enrolments table of a cell's drill-down page is rendered by ``{% cell_enrolment_rows %}``
(issue #16): the bytes must be those of the template loop it replaced, kept here verbatim as the
reference, on real enrolments (escaping, empty hours, every payer and entry status of the world)."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.template import Context, Engine

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.bpf.models import FiscalYear
from formarche.trainees.models import Enrolment
from tests.bpf import django_world

pytestmark = pytest.mark.django_db

ENGINE = Engine(
    libraries={"fm": "formarche.ui.templatetags.fm", "bpf_rows": "formarche.bpf.templatetags.bpf_rows"}
)

FORMER_LOOP = (
    "{% load fm %}"
    "{% for e in enrolments %}<tr><td>{{ e.order.number }}</td><td>{{ e.trainee }}</td>"
    "<td>{{ e.trainee.get_entry_status_display }}</td><td>{{ e.get_payer_display }}</td>"
    '<td class="num">{{ e.fy_realised|heures }}</td><td class="num">{{ e.fy_counted|heures }}</td>'
    '<td class="num">{{ e.order.unit_price|euros }}</td>'
    "<td><a href=\"{% url 'bpf:enrolment_hours' fiscal_year_id=fy.pk enrolment_id=e.pk %}\">détail</a></td></tr>"
    "{% endfor %}"
)
NEW = "{% load bpf_rows %}{% cell_enrolment_rows enrolments fy %}"


def test_enrolment_rows_render_the_former_bytes():
    data = django_world.build()
    fy = FiscalYear.objects.get(pk=data["fy"].pk)
    enrolments = list(
        Enrolment.objects.select_related("trainee", "order")
        .annotate(
            fy_realised=Sum("attendances__realised_hours"),
            fy_counted=Sum("attendances__counted_unrealised_hours"),
        )
        .order_by("pk")
    )
    assert enrolments
    trainee = enrolments[0].trainee
    trainee.last_name, trainee.first_name = "O'Brien-<b>Dupont</b>", 'Zoé & "fils"'
    enrolments[-1].fy_realised = None  # an enrolment without hours in the year: « — »
    for chosen in ([], enrolments[:1], enrolments):
        context = {"enrolments": chosen, "fy": fy}
        expected = ENGINE.from_string(FORMER_LOOP).render(Context(context))
        assert ENGINE.from_string(NEW).render(Context(context)) == expected
    assert "&lt;B&gt;DUPONT" in expected and "—" in expected
