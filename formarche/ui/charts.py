"""Horizontal bar charts drawn on the server as SVG (docs/adr/0024-outcome-charts-and-site-url.md).

No JavaScript: the geometry is computed here (integers, from exact ``Decimal`` values), the
template ``ui/_bar_chart.html`` only draws it, next to the same figures as a table. Accessibility:

- the ``<svg role="img">`` is labelled by its ``<title>`` and described by its ``<desc>``
  (``aria-labelledby`` / ``aria-describedby``), and the ``<figure>`` holds a data table with the
  same numbers (the table is the chart's text version, not an afterthought);
- every bar carries its label and its value as text: nothing is said by colour alone; a reference
  (« contrat : 100 % ») is a dashed line with its own text label;
- the colours are checked against the white background by :func:`contrast_ratio` in the tests
  (WCAG 2.1: 4.5:1 for text, 3:1 for graphics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from formarche.utils.money import round_units

# Colours on the white page (contrast ratios are asserted in tests/ui/test_charts.py).
BAR_COLOUR = "#1f4e79"  # 8.6:1 on white
TEXT_COLOUR = "#212529"  # 15.4:1
REFERENCE_COLOUR = "#7a2e0b"  # 9.4:1, dashed: not told by its colour
COLOURS = (BAR_COLOUR, TEXT_COLOUR, REFERENCE_COLOUR)

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 250
BAR_AREA = 330
VALUE_WIDTH = 280  # « 97,22 % (8 263,50 h / 8 500,00 h) » fits
TOP = 26  # room above the first bar for the reference's label


@dataclass(frozen=True)
class Cell:
    """One cell of the chart's table: the raw value (for the XLSX) and its French text."""

    raw: object
    text: str


@dataclass
class Bar:
    label: str
    value: Decimal | int | None  # None: not computable (drawn as no bar, said in words)
    text: str  # the value as shown beside the bar
    # geometry, filled by BarChart.layout()
    y: int = 0
    text_y: int = 0
    width: int = 0
    value_x: int = 0
    short_label: str = ""


@dataclass
class BarChart:
    key: str  # unique in the page: the ids of title and desc
    title: str
    desc: str
    bars: list[Bar]
    columns: list[str]  # the table's header
    rows: list[list[Cell]]  # the table's rows (same figures as the bars)
    scale_max: Decimal | int | None = None  # the value of a full bar; default: the largest value
    reference: Decimal | int | None = None  # a dashed line (e.g. 100 % of the contract)
    reference_label: str = ""
    height: int = 0
    width: int = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    reference_x: int | None = None
    colours: dict = field(
        default_factory=lambda: {"bar": BAR_COLOUR, "text": TEXT_COLOUR, "ref": REFERENCE_COLOUR}
    )

    def layout(self) -> BarChart:
        values = [b.value for b in self.bars if b.value is not None]
        top = max([self.scale_max or 0, self.reference or 0, *values], default=0) or 1
        if self.reference is not None:
            self.reference_x = LABEL_WIDTH + round_units(Decimal(self.reference) * BAR_AREA / Decimal(top))
        for index, bar in enumerate(self.bars):
            bar.y = TOP + index * (BAR_HEIGHT + GAP)
            bar.text_y = bar.y + 15
            bar.width = 0 if bar.value is None else round_units(Decimal(bar.value) * BAR_AREA / Decimal(top))
            # the value is written past the bar and past the reference line, never across it
            bar.value_x = max(LABEL_WIDTH + bar.width, self.reference_x or 0) + 6
            bar.short_label = bar.label if len(bar.label) <= 36 else bar.label[:35] + "…"
        self.height = TOP + max(1, len(self.bars)) * (BAR_HEIGHT + GAP)
        return self


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio between two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
