"""Cerfa n° 10443*16, fiscal years closed in 2020, 2021 and 2022.

The post-2018-reform form (reference/cerfa_10443-16.txt), with the F-1 line
"dont stagiaires et apprentis ayant suivi une action en tout ou partie à
distance" (`F1.distance.n`, a count only, as the notice says) and no distance
question in cadre B.
"""

from __future__ import annotations

from functools import partial

from formarche.bpf.cerfa._current import build, rules
from formarche.bpf.cerfa._current_cells import cell_specs
from formarche.bpf.cerfa._current_checks import current_domain_checks
from formarche.bpf.cerfa.spec import Edition

_sums, _at_most, _equal, _hours = rules(edition17=False)

EDITION = Edition(
    code="10443*16",
    title="Bilan pédagogique et financier — Cerfa n° 10443*16",
    first_year=2020,
    last_year=2022,
    cells=cell_specs(edition17=False),
    build=partial(build, edition17=False),
    sum_rules=_sums,
    at_most_rules=_at_most,
    equal_rules=_equal,
    hours_groups=_hours,
    domain_checks=current_domain_checks,
)
