from decimal import ROUND_HALF_UP

import pytest

from formarche.utils.identifiers import siret_is_valid
from formarche.utils.money import ROUNDING_MODE


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("73282932000074", True),
        ("732 829 320 00074", True),
        ("73282932000075", False),
        ("", False),
        (None, False),
    ],
)
def test_siret_is_valid(value, valid):
    assert siret_is_valid(value) is valid


def test_rounding_mode_is_half_up():
    assert ROUNDING_MODE == ROUND_HALF_UP
