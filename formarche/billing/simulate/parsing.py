"""Reading the simulator's JSON request strictly: every refusal is an :class:`InputError` naming
the field, in French."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

from formarche.billing.engine import (
    DEFAULT_RESORPTION_BANDS,
    DISPOSITIF_PRESETS,
    EngineInputError,
    OrderTerms,
    PeriodInput,
    ResorptionBand,
)
from formarche.utils.formatting import parse_month
from formarche.utils.money import DecimalParseError, parse_decimal

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

USAGE = """\
usage : formarche statement simulate --input FICHIER [--format json|table]

Calcule les états (CRE / CRE final) d'une commande décrite en JSON.
  --input FICHIER   fichier JSON d'entrée (« - » pour l'entrée standard) — obligatoire
  --format FORMAT   json (par défaut) ou table (mise en page du CRE, nombres à la française)
  -h, --help        affiche cette aide
"""

_ORDER_KEYS = {
    "amount",
    "unit_price",
    "duration_months",
    "advance_rate",
    "cap_rate",
    "vat_rate",
    "resorption_bands",
    "dispositif",
}
_PERIOD_KEYS = {"period", "realised_hours", "counted_unrealised_hours", "final", "providers"}
_BAND_KEYS = {"from_percent", "to_percent", "fraction"}
_TOP_KEYS = {"order", "periods", "bonus", "penalties"}
_FRACTION_RE = re.compile(r"([0-9]+)/([0-9]+)")
_ONE = Decimal(1)


class InputError(ValueError):
    """Bad input; ``field`` is the JSON path of the culprit, the message is in French."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field} : {message}")


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise InputError("entrée", f"valeur JSON non admise : {name}")


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(
            "entrée",
            f"JSON invalide (ligne {error.lineno}, colonne {error.colno}) : {_json_reason(error.msg)}",
        ) from None


def _json_reason(message: str) -> str:
    known = {
        "Expecting value": "valeur attendue",
        "Expecting property name enclosed in double quotes": "nom de champ entre guillemets attendu",
        "Expecting ',' delimiter": "virgule attendue",
        "Expecting ':' delimiter": "deux-points attendus",
        "Extra data": "données en trop après le JSON",
        "Unterminated string starting at": "chaîne non terminée",
        "Invalid control character at": "caractère de contrôle interdit",
    }
    return known.get(message, message)


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(field, "un objet JSON ({…}) est attendu")
    return value


def _check_keys(data: dict[str, Any], allowed: set[str], field: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        prefix = f"{field}." if field else ""
        raise InputError(f"{prefix}{unknown[0]}", "champ inconnu")


def _require(data: dict[str, Any], key: str, field: str) -> Any:
    if key not in data:
        raise InputError(f"{field}.{key}", "champ obligatoire manquant")
    return data[key]


def _decimal(value: Any, field: str, **rules: Any) -> Decimal:
    if value is None:
        raise InputError(field, "une valeur est obligatoire (null n'est pas admis)")
    try:
        return parse_decimal(value, **rules)
    except DecimalParseError as error:
        raise InputError(field, str(error)) from None


def _fraction(value: Any, field: str) -> Fraction:
    if isinstance(value, str):
        match = _FRACTION_RE.fullmatch(value)
        if match:
            if int(match.group(2)) == 0:
                raise InputError(field, "dénominateur nul")
            return Fraction(int(match.group(1)), int(match.group(2)))
    return Fraction(_decimal(value, field, minimum=Decimal(0), maximum=_ONE))


def _rate(data: dict[str, Any], key: str, field: str) -> Decimal:
    return _decimal(
        _require(data, key, field), f"{field}.{key}", max_places=6, minimum=Decimal(0), maximum=_ONE
    )


def _parse_bands(value: Any, field: str) -> tuple[ResorptionBand, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(field, "une liste non vide de tranches est attendue")
    bands = []
    for index, raw in enumerate(value):
        band_field = f"{field}[{index}]"
        band = _object(raw, band_field)
        _check_keys(band, _BAND_KEYS, band_field)
        bands.append(
            ResorptionBand(
                from_percent=_decimal(
                    _require(band, "from_percent", band_field),
                    f"{band_field}.from_percent",
                    max_places=4,
                    minimum=Decimal(0),
                ),
                to_percent=_decimal(
                    _require(band, "to_percent", band_field),
                    f"{band_field}.to_percent",
                    max_places=4,
                    minimum=Decimal(0),
                ),
                fraction=_fraction(_require(band, "fraction", band_field), f"{band_field}.fraction"),
            )
        )
    return tuple(bands)


def _parse_order(data: dict[str, Any]) -> OrderTerms:
    field = "order"
    order = _object(data["order"], field)
    _check_keys(order, _ORDER_KEYS, field)
    preset = None
    if "dispositif" in order:
        code = order["dispositif"]
        if not isinstance(code, str) or code not in DISPOSITIF_PRESETS:
            known = ", ".join(sorted(DISPOSITIF_PRESETS))
            raise InputError(f"{field}.dispositif", f"dispositif inconnu (connus : {known})")
        preset = DISPOSITIF_PRESETS[code]
    amount = _decimal(_require(order, "amount", field), f"{field}.amount", max_places=2, minimum=Decimal(0))
    if not amount:
        raise InputError(f"{field}.amount", "le montant de la commande doit être strictement positif")
    unit_price = _decimal(
        _require(order, "unit_price", field), f"{field}.unit_price", max_places=4, minimum=Decimal(0)
    )
    if not unit_price:
        raise InputError(f"{field}.unit_price", "le prix unitaire doit être strictement positif")
    duration = _require(order, "duration_months", field)
    if isinstance(duration, str) and duration.isdigit():
        duration = int(duration)
    elif isinstance(duration, Decimal) and duration == duration.to_integral_value():
        duration = int(duration)
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise InputError(
            f"{field}.duration_months", "la durée doit être un nombre entier de mois, au moins 1"
        )
    if "cap_rate" in order:
        raw_cap = order["cap_rate"]
        cap_rate = (
            None
            if raw_cap is None
            else _decimal(raw_cap, f"{field}.cap_rate", max_places=6, minimum=Decimal(0), maximum=_ONE)
        )
        if cap_rate is not None and not cap_rate:
            raise InputError(
                f"{field}.cap_rate", "le taux de plafonnement doit être strictement positif (ou null)"
            )
    elif preset is not None:
        cap_rate = preset.cap_rate
    else:
        raise InputError(f"{field}.cap_rate", "champ obligatoire manquant (null = pas de plafonnement)")
    if "resorption_bands" in order:
        bands = _parse_bands(order["resorption_bands"], f"{field}.resorption_bands")
    else:
        bands = preset.resorption_bands if preset is not None else DEFAULT_RESORPTION_BANDS
    try:
        return OrderTerms(
            amount=amount,
            unit_price=unit_price,
            duration_months=duration,
            vat_rate=_rate(order, "vat_rate", field),
            advance_rate=_rate(order, "advance_rate", field),
            cap_rate=cap_rate,
            resorption_bands=bands,
        )
    except EngineInputError as error:
        raise InputError(f"{field}.{error.field}", error.reason) from None


def _hours(data: dict[str, Any], key: str, field: str) -> Decimal:
    return _decimal(_require(data, key, field), f"{field}.{key}", max_places=2, minimum=Decimal(0))


def _parse_periods(value: Any) -> list[PeriodInput]:
    if not isinstance(value, list) or not value:
        raise InputError("periods", "une liste non vide de périodes est attendue")
    periods: list[PeriodInput] = []
    seen: dict[Any, int] = {}
    for index, raw in enumerate(value):
        field = f"periods[{index}]"
        item = _object(raw, field)
        _check_keys(item, _PERIOD_KEYS, field)
        raw_period = _require(item, "period", field)
        try:
            period = parse_month(raw_period)
        except ValueError as error:
            raise InputError(f"{field}.period", str(error)) from None
        if period in seen:
            raise InputError(
                f"{field}.period",
                f"la période {raw_period} est listée deux fois (déjà en periods[{seen[period]}])",
            )
        if periods and period < periods[-1].period:
            raise InputError(f"{field}.period", "les périodes doivent être dans l'ordre chronologique")
        seen[period] = index
        realised = _hours(item, "realised_hours", field)
        unrealised = _hours(item, "counted_unrealised_hours", field)
        final = item.get("final", False)
        if not isinstance(final, bool):
            raise InputError(f"{field}.final", "true ou false attendu")
        if final and index != len(value) - 1:
            raise InputError(f"{field}.final", "seule la dernière période peut être le CRE final")
        providers = None
        if "providers" in item:
            raw_providers = _object(item["providers"], f"{field}.providers")
            if not raw_providers:
                raise InputError(f"{field}.providers", "au moins un prestataire")
            providers = {
                code: _decimal(hours, f"{field}.providers.{code}", max_places=2, minimum=Decimal(0))
                for code, hours in raw_providers.items()
            }
            if sum(providers.values(), Decimal(0)) != realised + unrealised:
                raise InputError(
                    f"{field}.providers",
                    "la somme des heures par prestataire doit égaler réalisé + non réalisé comptabilisé",
                )
        try:
            periods.append(
                PeriodInput(
                    period=period,
                    realised_hours=realised,
                    counted_unrealised_hours=unrealised,
                    final=final,
                    provider_hours=providers,
                )
            )
        except EngineInputError as error:
            raise InputError(f"{field}.{error.field}", error.reason) from None
    return periods


def parse_request(data: Any) -> tuple[OrderTerms, list[PeriodInput], Decimal, Decimal]:
    """Validate the decoded JSON; returns ``(terms, periods, bonus, penalties)`` or raises InputError."""
    data = _object(data, "entrée")
    _check_keys(data, _TOP_KEYS, "")
    _require(data, "order", "entrée")
    terms = _parse_order(data)
    periods = _parse_periods(_require(data, "periods", "entrée"))
    bonus = _decimal(data.get("bonus", "0"), "bonus", max_places=2, minimum=Decimal(0))
    penalties = _decimal(data.get("penalties", "0"), "penalties", max_places=2, minimum=Decimal(0))
    return terms, periods, bonus, penalties
