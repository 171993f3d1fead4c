"""Cerfa n° 10443*17, fiscal years closed in 2023 and after (the current form).

As 10443*16 with: C-d reads "des projets de transition professionnelle";
C-7 reads "France Travail (ex Pôle emploi)"; the F-1 "à distance" line is
removed; cadre B gains the distance-learning yes/no question (`B.distance`).
"""

from __future__ import annotations

from functools import partial

from formarche.bpf.cerfa._current import build, rules
from formarche.bpf.cerfa._current_cells import cell_specs
from formarche.bpf.cerfa._current_checks import current_domain_checks
from formarche.bpf.cerfa.spec import Edition

_sums, _at_most, _equal, _hours = rules(edition17=True)

EDITION = Edition(
    code="10443*17",
    title="Bilan pédagogique et financier — Cerfa n° 10443*17",
    first_year=2023,
    last_year=None,
    cells=cell_specs(edition17=True),
    build=partial(build, edition17=True),
    sum_rules=_sums,
    at_most_rules=_at_most,
    equal_rules=_equal,
    hours_groups=_hours,
    domain_checks=current_domain_checks,
)
