"""The detail table of the follow-up page (« Détail par mois et par stagiaire »), one line per
trainee and month — about 2 000 lines for an action of 17 trainees over two years — rendered in
Python: a template loop spent most of the page's time resolving variables (issue #8,
docs/performance.md). The bytes are those of the former loop (tests/attendance/test_followup_render.py
keeps its markup and compares).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from formarche.utils.html import esc

register = template.Library()


@register.simple_tag
def followup_lines(lines):
    """The lines of one month: the trainee's name and its three hours, already formatted
    (``TraineeMonth.texts``: digits, comma and U+202F only; the name is escaped)."""
    return mark_safe(  # noqa: S308 - the name is escaped, the texts are formatted numbers
        "".join(
            [
                f'\n    <tr><th scope="row" class="fw-normal">{esc(line.name)}</th><td class="num">{t[0]}</td>'
                f'<td class="num">{t[1]}</td><td class="num">{t[2]}</td></tr>\n    '
                for line in lines
                for t in (line.texts,)
            ]
        )
    )
