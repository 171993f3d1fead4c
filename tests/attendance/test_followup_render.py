"""The follow-up page's detail lines are rendered by ``{% followup_lines %}`` (issue #8): the
bytes must be those of the template loop it replaced, kept here verbatim as the reference."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Engine

ENGINE = Engine(libraries={"followup_rows": "formarche.attendance.templatetags.followup_rows"})

FORMER_LOOP = """    {% for line in m.lines %}{% with t=line.texts %}
    <tr><th scope="row" class="fw-normal">{{ line.name }}</th><td class="num">{{ t.0 }}</td><td class="num">{{ t.1 }}</td><td class="num">{{ t.2 }}</td></tr>
    {% endwith %}{% endfor %}
"""
NEW = """    {% load followup_rows %}{% followup_lines m.lines %}
"""


def month(*names):
    lines = [
        SimpleNamespace(name=name, texts=(f"{i},00", "0,00", f"1\u202f{i:03d},50"))
        for i, name in enumerate(names)
    ]
    return {"m": SimpleNamespace(lines=lines)}


def test_detail_lines_render_the_former_bytes():
    for context in (
        month(),
        month("GARCIA Léa"),
        month("O'BRIEN-<b>DUPONT</b> Zoé & fils", "MARTIN Paul", 'A "quoted" name'),
    ):
        expected = ENGINE.from_string(FORMER_LOOP).render(Context(context))
        got = ENGINE.from_string(NEW).render(Context(context))
        # {% load %} renders nothing: the indentation before it is the loop's
        assert got == expected
