import datetime as dt
from decimal import Decimal

import pytest

from formarche.ui.templatetags import fm


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2023, 8, 8), "08/08/2023"),
        ("2023-08-08T14:05:00+00:00", "08/08/2023 16:05"),  # Paris time in summer
        ("", "—"),
        (None, "—"),
        ("pas une date", "pas une date"),
    ],
)
def test_date_fr(value, expected):
    assert fm.date_fr(value) == expected


def test_amount_filters_refuse_floats_and_format_french():
    assert fm.euros(Decimal("35400")) == "35\u202f400,00"
    assert fm.taux(Decimal("95.14")) == "95,14\u202f%"
    assert fm.mois(dt.date(2023, 4, 1)) == "Avril 2023"
    with pytest.raises(TypeError):
        fm.euros(35400.0)
