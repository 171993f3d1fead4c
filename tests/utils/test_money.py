"""The one rounding rule (cent, half up) and strict decimal parsing."""

from decimal import Decimal

import pytest

from formarche.utils.money import DecimalParseError, parse_decimal, round_cents, round_cents_of_ratio

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5365.074999", "5365.07"),
        ("5365.075", "5365.08"),  # a tie goes up (not to the even cent)
        ("2.665", "2.67"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),  # ties away from zero
        ("-6198.934", "-6198.93"),
        ("-0.001", "0.00"),  # never "-0.00"
        ("35400", "35400.00"),
        ("0", "0.00"),
    ],
)
def test_round_cents(value, expected):
    result = round_cents(D(value))
    assert str(result) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        ("1", "3", "0.33"),
        ("2", "3", "0.67"),
        ("1", "8", "0.13"),  # 0.125 is a tie: up
        ("-1", "8", "-0.13"),
        ("5", "-8", "-0.63"),
        ("-0.001", "1", "0.00"),
        ("0", "7", "0.00"),
        ("23128", "3", "7709.33"),  # 2/3 of the seed's advance
        # an exact quotient just below a tie must not be rounded up
        ("12345678901234567.504999999", "1", "12345678901234567.50"),
        ("1.00000000000000000000000001", "200", "0.01"),  # 0.005000…: above the tie
    ],
)
def test_round_cents_of_ratio(numerator, denominator, expected):
    assert str(round_cents_of_ratio(D(numerator), D(denominator))) == expected


def test_round_cents_of_ratio_refuses_zero_denominator():
    with pytest.raises(ZeroDivisionError):
        round_cents_of_ratio(D(1), D(0))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("57820.00", D("57820.00")), ("0", D(0)), ("-3.5", D("-3.5")), (18, D(18)), (D("11.80"), D("11.80"))],
)
def test_parse_decimal_accepts(value, expected):
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12,50", "point décimal"),
        ("1 000.00", "n'est pas un nombre"),
        ("1e3", "n'est pas un nombre"),
        ("NaN", "n'est pas un nombre"),
        ("", "n'est pas un nombre"),
        ("+1", "n'est pas un nombre"),
        (1.5, "entre guillemets"),
        (True, "entre guillemets"),
        (None, "nombre décimal"),
        (D("Infinity"), "fini"),
    ],
)
def test_parse_decimal_refuses(value, message):
    with pytest.raises(DecimalParseError, match=message):
        parse_decimal(value)


def test_parse_decimal_rules():
    with pytest.raises(DecimalParseError, match="au plus 2 chiffre"):
        parse_decimal("1.234", max_places=2)
    with pytest.raises(DecimalParseError, match="négatif"):
        parse_decimal("-1", minimum=D(0))
    with pytest.raises(DecimalParseError, match="inférieur ou égal à 1"):
        parse_decimal("1.5", maximum=D(1))
    with pytest.raises(DecimalParseError, match="nombre décimal"):
        parse_decimal(3, allow_int=False)
    assert parse_decimal("1.20", max_places=2, minimum=D(0), maximum=D(2)) == D("1.2")
