"""French display formats; thousands separator and the space before % are U+202F."""

from datetime import date
from decimal import Decimal

import pytest

from formarche.utils.formatting import (
    THOUSANDS_SEPARATOR,
    format_amount,
    format_date,
    format_hours,
    format_month,
    format_rate,
    parse_month,
)

NNBSP = "\u202f"


def test_separator_is_narrow_no_break_space():
    assert THOUSANDS_SEPARATOR == NNBSP


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("35400", "35 400,00"),
        ("20445.47", "20 445,47"),
        ("-6198.93", "-6 198,93"),
        ("-8755.6", "-8 755,60"),
        ("0", "0,00"),
        ("-0.001", "0,00"),
        ("999.995", "1 000,00"),  # rounded half up first
        ("12.3", "12,30"),
        ("1234567.891", "1 234 567,89"),
        ("100", "100,00"),
    ],
)
def test_format_amount(value, expected):
    assert format_amount(Decimal(value)) == expected.replace(" ", NNBSP)


def test_format_hours():
    assert format_hours(Decimal("4662")) == f"4{NNBSP}662,00"
    assert format_hours(Decimal("0.5")) == "0,50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("95.14", "95,14 %"), ("0", "0,00 %"), ("100", "100,00 %"), ("61.2245", "61,22 %")],
)
def test_format_rate(value, expected):
    assert format_rate(Decimal(value)) == expected.replace(" ", NNBSP)


def test_format_date():
    assert format_date(date(2023, 8, 8)) == "08/08/2023"


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (date(2023, 4, 1), "Avril 2023"),
        ("2023-04", "Avril 2023"),
        (date(2024, 2, 15), "Février 2024"),
        ("2023-08", "Août 2023"),
        ("2023-12", "Décembre 2023"),
    ],
)
def test_format_month(period, expected):
    assert format_month(period) == expected


@pytest.mark.parametrize("value", ["2023-13", "2023-4", "avril 2023", "2023-04-01", "", 202304])
def test_parse_month_refuses(value):
    with pytest.raises(ValueError, match="AAAA-MM"):
        parse_month(value)


def test_parse_month():
    assert parse_month("2023-04") == date(2023, 4, 1)
