"""Rounding rules of the BPF, stated once (every rounding goes through `formarche.utils.money`).

- Amounts (cadres C and D): exact sums per line, then each line rounded to the
  euro, half up (0,50 € and above rounds up: notice, seed): `round_units`. Sub-totals and totals
  are sums of the rounded lines, so they always equal the sum of their lines.
- A flat funding's product of the year (`aggregate.funding_product`) is already
  in cents: what the amount has earned at the end of the year minus what it had
  earned at its start, each cumulative figure rounded to the cent half up
  (`formarche.utils.money`), so an enrolment's years add up exactly to the cent.
- Percentage of turnover: whole number, half up; 1 when below 1 % with activity.
- Cadre E hours: the line's exact sum rounded to the whole hour, half up (notice): `round_units`.
- Cadres F and G hours: exact (two decimals, `round_places(hours, 2)`). When whole numbers must be typed
  into the form, `largest_remainder` distributes the rounded total over the
  lines so that each total still equals the sum of its lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal


def largest_remainder(
    total: int, parts: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]]
) -> dict[str, int]:
    """Integers summing to `total`, each the floor of its part plus one for the largest remainders.

    Ties are broken by the order of `parts` (stable), which makes the result
    deterministic. Parts are non-negative.
    """
    items = list(parts.items()) if isinstance(parts, Mapping) else list(parts)
    floors = {key: int(value) for key, value in items}  # int() truncates: floor for >= 0
    missing = total - sum(floors.values())
    if missing > 0:
        ranked = sorted(
            range(len(items)),
            key=lambda i: (-(items[i][1] - int(items[i][1])), i),
        )
        for i in ranked[:missing]:
            floors[items[i][0]] += 1
    elif missing < 0:
        ranked = sorted(range(len(items)), key=lambda i: (items[i][1] - int(items[i][1]), i))
        for i in ranked:
            if missing == 0:
                break
            key = items[i][0]
            if floors[key] > 0:
                floors[key] -= 1
                missing += 1
    return floors
