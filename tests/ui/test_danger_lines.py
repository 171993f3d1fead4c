"""``|danger_lines`` (issue #16) writes exactly what the template loop it replaced wrote."""

from __future__ import annotations

from django.template import Context, Template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

LOOP = Template('{% for message in messages %}<div class="small text-danger">{{ message }}</div>{% endfor %}')
FILTER = Template("{% load fm %}{{ messages|danger_lines }}")


def test_danger_lines_is_the_loop_byte_for_byte():
    cases = [
        [],
        ["Le 03/01/2023 : les heures de NOM0X900 Léa ont été modifiées après la validation."],
        ['<b>"guillemets"</b> & l\'apostrophe', "ligne 2", 12, mark_safe("<i>sûr</i>")],
        [gettext_lazy("Champ obligatoire")],
    ]
    for messages in cases:
        expected = LOOP.render(Context({"messages": messages}))
        assert FILTER.render(Context({"messages": messages})) == expected, messages
