"""The month grid's cells are rendered in Python (``grid_cells`` tags, issue #8): the bytes must be
those of the templates they replaced. The former ``_r_cell.html`` / ``_u_cell.html`` are kept here,
verbatim, as the reference; every state of a cell is rendered both ways and compared, one cell at a
time (the htmx responses) and a whole line at once (the grid page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Engine

from formarche.attendance.grid import Cell, MonthCell
from formarche.attendance.models import UnrealisedReason

ENGINE = Engine(
    libraries={
        "fm": "formarche.ui.templatetags.fm",
        "grid_cells": "formarche.attendance.templatetags.grid_cells",
    }
)

# the former templates, each file ending with its newline
FORMER_R_CELL = (
    """{% load fm %}<td id="r-{{ cell.key }}" data-d="{{ cell.day.day }}" class="fm-cell{% if cell.weekend %} fm-weekend{% endif %}{% if cell.is_correction %} fm-correction{% endif %}"{% if oob %} hx-swap-oob="true"{% endif %}>{% if editable and cell.enabled %}<input type="text" inputmode="decimal" autocomplete="off" class="form-control form-control-sm fm-in k{{ cell.key }}{% if cell.realised_invalid %} is-invalid{% endif %}" id="in-r-{{ cell.key }}" name="realised" value="{{ cell.realised_value }}" aria-label="{{ cell.realised_label }}"{% if cell.realised_invalid %} aria-invalid="true" aria-describedby="err-{{ cell.key }}"{% endif %} hx-post="{{ cell_url }}" hx-include=".k{{ cell.key }}" hx-vals='{"enrolment": "{{ cell.enrolment_id }}", "day": "{{ cell.day|date:"Y-m-d" }}"}'>{% elif editable %}<input type="text" class="form-control form-control-sm fm-in" disabled value="{{ cell.realised_value }}" aria-label="{{ cell.realised_label }} (hors inscription)">{% elif cell.realised %}{{ cell.realised|heures }}{% endif %}{% if cell.is_correction %}<span class="fm-flag" title="Rectificatif">R<span class="visually-hidden"> : rectificatif</span></span>{% endif %}{% if cell.realised_invalid %}<span class="fm-cell-error" id="err-{{ cell.key }}">{{ cell.error }}</span>{% endif %}</td>"""
    "\n"
)
FORMER_U_CELL = (
    """{% load fm %}<td id="u-{{ cell.key }}" data-d="{{ cell.day.day }}" class="fm-cell{% if cell.weekend %} fm-weekend{% endif %}"{% if oob %} hx-swap-oob="true"{% endif %}>{% if editable and cell.enabled %}<input type="text" inputmode="decimal" autocomplete="off" class="form-control form-control-sm fm-in k{{ cell.key }}{% if cell.counted_invalid %} is-invalid{% endif %}" id="in-u-{{ cell.key }}" name="counted" value="{{ cell.counted_value }}" aria-label="{{ cell.counted_label }}"{% if cell.counted_invalid %} aria-invalid="true" aria-describedby="err-{{ cell.key }}"{% endif %} hx-post="{{ cell_url }}" hx-include=".k{{ cell.key }}" hx-vals='{"enrolment": "{{ cell.enrolment_id }}", "day": "{{ cell.day|date:"Y-m-d" }}"}'>{% if cell.needs_reason_select %}<select class="form-select form-select-sm fm-reason k{{ cell.key }}" name="reason" aria-label="{{ cell.reason_label }}" hx-post="{{ cell_url }}" hx-include=".k{{ cell.key }}" hx-vals='{"enrolment": "{{ cell.enrolment_id }}", "day": "{{ cell.day|date:"Y-m-d" }}"}'><option value="">Motif…</option>{% for value, label in reasons %}<option value="{{ value }}"{% if value == cell.reason %} selected{% endif %}>{{ label }}</option>{% endfor %}</select>{% endif %}{% elif editable %}<input type="text" class="form-control form-control-sm fm-in" disabled value="{{ cell.counted_value }}" aria-label="{{ cell.counted_label }} (hors inscription)">{% elif cell.counted %}{{ cell.counted|heures }}{% if cell.reason %} <small>({{ cell.reason_display }})</small>{% endif %}{% endif %}{% if cell.counted_invalid %}<span class="fm-cell-error" id="err-{{ cell.key }}">{{ cell.error }}</span>{% endif %}</td>"""
    "\n"
)

NAME = "O'BRIEN-<b>DUPONT</b> Zoé & fils"  # every character autoescape changes
D = Decimal


def cells() -> list[Cell]:
    """One line of cells covering every branch of both templates."""
    day = dt.date(2023, 4, 1)  # a Saturday
    out = []
    variants = [
        {},
        {"realised": D("7")},
        {"realised": D("3.25"), "counted": D("3.75"), "reason": "maladie"},
        {"counted": D("7"), "reason": "autre", "is_correction": True},
        {"counted": D("1234.5")},  # a reason select without a reason
        {"show_reason": True},
        {"enabled": False, "realised": D("7")},
        {"enabled": False, "counted": D("2"), "reason": "entretien"},
        {
            "error": "Une journée ne peut pas compter plus de 24 heures.",
            "realised_input": '25" onmouseover="x',
        },
        {
            "error": "indiquez le motif <du> non réalisé & comptabilisé",
            "error_field": "reason",
            "counted_input": "3,5",
            "show_reason": True,
        },
        {"error": "motif inconnu", "error_field": "non réalisé comptabilisé", "counted_input": "<3>"},
        {"reason": "absence_justifiee"},
    ]
    for index, extra in enumerate(variants):
        d = day + dt.timedelta(days=index)
        fields = {"enabled": True, **extra}
        out.append(Cell(enrolment_id=4021, day=d, name=NAME, weekend=d.weekday() >= 5, **fields))
    return out


CONTEXTS = [
    {"editable": True, "cell_url": "/actions/7/realisations/2023-04/cellule/?a=1&b=2"},
    {"editable": False, "cell_url": "/actions/7/realisations/2023-04/cellule/"},
    {"editable": True, "cell_url": "/x/", "oob": True},
    {"editable": True},  # no cell_url, no reasons
]


@pytest.mark.parametrize("extra", CONTEXTS)
@pytest.mark.parametrize("with_reasons", [True, False])
def test_one_cell_renders_the_former_bytes(extra, with_reasons):
    reasons = UnrealisedReason.choices if with_reasons else None
    for cell in cells():
        context = {**extra, "cell": cell, **({"reasons": reasons} if reasons else {})}
        for former, tag in ((FORMER_R_CELL, "realised_cell"), (FORMER_U_CELL, "counted_cell")):
            expected = ENGINE.from_string(former).render(Context(context))
            got = ENGINE.from_string("{% load grid_cells %}{% " + tag + " %}").render(Context(context))
            assert got == expected, (tag, cell)


@pytest.mark.parametrize("extra", CONTEXTS)
def test_a_line_renders_the_former_loop(extra):
    line = cells()
    context = {**extra, "row": {"cells": line}, "reasons": UnrealisedReason.choices}
    for former, tag in ((FORMER_R_CELL, "realised_cells"), (FORMER_U_CELL, "counted_cells")):
        # the grid's former loop: {% for cell in row.cells %}{% include "_r_cell.html" %}{% endfor %}
        expected = "".join(
            ENGINE.from_string(former).render(Context({**context, "cell": cell})) for cell in line
        )
        got = ENGINE.from_string("{% load grid_cells %}{% " + tag + " row.cells %}").render(Context(context))
        assert got == expected, tag


def test_the_merged_labels_and_values_of_both_cells():
    """Cell and MonthCell share their inputs' values and labels (grid.py's former twin blocks)."""
    cell = Cell(enrolment_id=1, day=dt.date(2023, 4, 3), name="GARCIA Léa", enabled=True, weekend=False)
    cell.realised, cell.counted, cell.reason = D("7.50"), D("0"), "maladie"
    assert cell.key == "1-20230403"
    assert cell.realised_value == "7,5" and cell.counted_value == ""
    assert cell.realised_label == "Heures réalisées par GARCIA Léa le 03/04/2023"
    assert cell.counted_label == "Heures non réalisées comptabilisées de GARCIA Léa le 03/04/2023"
    assert cell.reason_label == "Motif du non réalisé comptabilisé de GARCIA Léa le 03/04/2023"
    assert cell.needs_reason_select and cell.reason_display == "Maladie"
    month = MonthCell(enrolment_id=1, month=dt.date(2023, 4, 1), name="GARCIA Léa", mode="saisie")
    month.counted, month.counted_input = D("3"), "3,25"
    assert month.key == "1-202304" and month.period == "2023-04"
    assert month.realised_value == "" and month.counted_value == "3,25"
    assert month.realised_label == "Total des heures réalisées par GARCIA Léa en Avril 2023"
    assert month.counted_label == "Total des heures non réalisées comptabilisées de GARCIA Léa en Avril 2023"
    assert month.reason_label == "Motif du non réalisé comptabilisé de GARCIA Léa en Avril 2023"
    assert month.needs_reason_select and month.reason_display == ""
