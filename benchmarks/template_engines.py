"""Django templates against Jinja2 for the heaviest table loop (issue #16), printing both:

    .venv/bin/python benchmarks/template_engines.py [--rows 300] [--rounds 21]

The table: the enrolments of a BPF cell's drill-down page (300 lines for F-1 total on the bench's
OF), eight cells a line with two filters, a method call and a reversed URL per line. Three ways,
same bytes (checked before timing): the Django template loop the page had before issue #16
(kept in tests/bpf/test_cell_render.py), the same loop in Jinja2 (Django's escaping through
``finalize``, the same filters and ``url``), and the Python tag the page uses now
(``{% cell_enrolment_rows %}``). Best and median CPU of ``--rounds`` renders each, with the load
average. No database: unsaved model instances.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DJANGO_LOOP = (
    "{% load fm %}"
    "{% for e in enrolments %}<tr><td>{{ e.order.number }}</td><td>{{ e.trainee }}</td>"
    "<td>{{ e.trainee.get_entry_status_display }}</td><td>{{ e.get_payer_display }}</td>"
    '<td class="num">{{ e.fy_realised|heures }}</td><td class="num">{{ e.fy_counted|heures }}</td>'
    '<td class="num">{{ e.order.unit_price|euros }}</td>'
    "<td><a href=\"{% url 'bpf:enrolment_hours' fiscal_year_id=fy.pk enrolment_id=e.pk %}\">détail</a></td></tr>"
    "{% endfor %}"
)
JINJA_LOOP = (
    "{% for e in enrolments %}<tr><td>{{ e.order.number }}</td><td>{{ e.trainee }}</td>"
    "<td>{{ e.trainee.get_entry_status_display() }}</td><td>{{ e.get_payer_display() }}</td>"
    '<td class="num">{{ e.fy_realised|heures }}</td><td class="num">{{ e.fy_counted|heures }}</td>'
    '<td class="num">{{ e.order.unit_price|euros }}</td>'
    "<td><a href=\"{{ url('bpf:enrolment_hours', fiscal_year_id=fy.pk, enrolment_id=e.pk) }}\">détail</a>"
    "</td></tr>{% endfor %}"
)
TAG = "{% load bpf_rows %}{% cell_enrolment_rows enrolments fy %}"


def _rows(n: int):
    from formarche.bpf.models import FiscalYear
    from formarche.orders.models import Order
    from formarche.trainees.models import Enrolment, EntryStatus, Trainee

    statuses = list(EntryStatus.values)
    payers = [value for value, _ in Enrolment._meta.get_field("payer").choices][:6] or [""]
    orders = [Order(pk=i + 1, number=f"23Q{i:08d}_1", unit_price=Decimal("12.50") + i) for i in range(30)]
    rows = []
    for i in range(n):
        trainee = Trainee(
            pk=i + 1,
            last_name=f"Nom{i} O'Brien" if i % 7 == 0 else f"Nom{i}",
            first_name="Zoé & fils" if i % 11 == 0 else "Léa",
            entry_status=statuses[i % len(statuses)],
        )
        e = Enrolment(pk=i + 1, order=orders[i % 30], trainee=trainee, payer=payers[i % len(payers)])
        e.fy_realised = None if i % 13 == 0 else Decimal("245.50") + i
        e.fy_counted = Decimal("7.00") if i % 5 == 0 else Decimal("0")
        rows.append(e)
    return rows, FiscalYear(pk=7)


def _jinja():
    from django.urls import reverse
    from django.utils.html import conditional_escape
    from jinja2 import Environment

    from formarche.ui.templatetags.fm import euros, heures

    env = Environment(autoescape=False, finalize=lambda v: conditional_escape("" if v is None else v))
    env.filters.update(heures=heures, euros=euros)
    env.globals["url"] = lambda name, **kw: reverse(name, kwargs=kw)
    return env.from_string(JINJA_LOOP)


def _time(render, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        t0 = time.process_time()
        render()
        samples.append(time.process_time() - t0)
    return min(samples) * 1000, statistics.median(samples) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/template_engines.py")
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from common import loadavg
    from django.template import Context, Engine

    engine = Engine(
        libraries={"fm": "formarche.ui.templatetags.fm", "bpf_rows": "formarche.bpf.templatetags.bpf_rows"}
    )
    rows, fy = _rows(args.rows)
    context = {"enrolments": rows, "fy": fy}
    django_tpl, tag_tpl, jinja_tpl = engine.from_string(DJANGO_LOOP), engine.from_string(TAG), _jinja()
    ways = {
        "gabarit Django (boucle)": lambda: django_tpl.render(Context(context)),
        "Jinja2 (même boucle)": lambda: jinja_tpl.render(**context),
        "balise Python (page actuelle)": lambda: tag_tpl.render(Context(context)),
    }
    reference = ways["gabarit Django (boucle)"]()
    for name, render in ways.items():
        if render() != reference:
            raise SystemExit(f"{name} : octets différents du gabarit Django")
    print(f"{args.rows} lignes, octets identiques ({len(reference.encode())} octets) ; charge {loadavg()}")
    base = None
    for name, render in ways.items():
        best, median = _time(render, args.rounds)
        base = base or best
        print(f"{name:32} meilleur {best:7.2f} ms  médiane {median:7.2f} ms  rapport {best / base:4.2f}")
    print(f"charge {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
