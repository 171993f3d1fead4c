"""The enrolments table of a cell's drill-down page (up to 300 lines: F-1 total lists every
enrolment of the year), rendered in Python: the template loop spent about a quarter of the page's
CPU resolving its variables (issue #16, docs/performance.md). The bytes are those of the former
loop (tests/bpf/test_cell_render.py keeps its markup and compares).
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from formarche.ui.templatetags.fm import euros, heures
from formarche.utils.html import esc

register = template.Library()


@register.simple_tag
def cell_enrolment_rows(enrolments, fiscal_year):
    """One ``<tr>`` per enrolment: action, trainee, entry status, payer, hours of the year
    (realised, counted unrealised), the order's price and the link to the enrolment's hours."""
    fy_id = fiscal_year.pk
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            [
                f"<tr><td>{esc(e.order.number)}</td><td>{esc(e.trainee)}</td>"
                f"<td>{esc(e.trainee.get_entry_status_display())}</td><td>{esc(e.get_payer_display())}</td>"
                f'<td class="num">{esc(heures(e.fy_realised))}</td><td class="num">{esc(heures(e.fy_counted))}</td>'
                f'<td class="num">{esc(euros(e.order.unit_price))}</td>'
                f'<td><a href="{esc(_hours_url(fy_id, e.pk))}">détail</a></td></tr>'
                for e in enrolments
            ]
        )
    )


def _hours_url(fiscal_year_id, enrolment_id) -> str:
    return reverse(
        "bpf:enrolment_hours", kwargs={"fiscal_year_id": fiscal_year_id, "enrolment_id": enrolment_id}
    )
