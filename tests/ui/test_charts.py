"""The SVG bar charts (issue #19.3): geometry and colour contrast (WCAG 2.1)."""

from decimal import Decimal

from formarche.ui import charts


def test_colours_are_contrasted_on_white():
    assert charts.contrast_ratio(charts.TEXT_COLOUR) >= 4.5  # text
    assert charts.contrast_ratio(charts.REFERENCE_COLOUR) >= 4.5  # the reference's label is text
    assert charts.contrast_ratio(charts.BAR_COLOUR) >= 3  # graphics
    assert round(charts.contrast_ratio("#000000"), 1) == 21.0
    assert round(charts.contrast_ratio("#ffffff"), 1) == 1.0


def test_bars_scale_on_the_scale_max_and_a_none_draws_nothing():
    chart = charts.BarChart(
        key="k",
        title="t",
        desc="d",
        bars=[
            charts.Bar("a", Decimal(50), "50 %"),
            charts.Bar("b", None, "non calculable"),
            charts.Bar("c", Decimal(150), "150 %"),
        ],
        columns=[],
        rows=[],
        scale_max=Decimal(100),
        reference=Decimal(100),
    ).layout()
    a, b, c = chart.bars
    assert c.width == charts.BAR_AREA and a.width == charts.BAR_AREA // 3 and b.width == 0
    assert chart.reference_x == charts.LABEL_WIDTH + round(charts.BAR_AREA * 100 / 150)
    assert a.y < b.y < c.y and chart.height > c.y


def test_a_value_is_never_written_across_the_reference_line():
    chart = charts.BarChart(
        key="k",
        title="t",
        desc="d",
        bars=[charts.Bar("a", Decimal(95), "95 %")],
        columns=[],
        rows=[],
        scale_max=Decimal(100),
        reference=Decimal(100),
    ).layout()
    assert chart.bars[0].value_x > chart.reference_x
