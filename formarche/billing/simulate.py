"""``formarche statement simulate``: run the statement engine on a JSON description of an order.

Contract (keep it stable, simulations are scripted against it)::

    formarche statement simulate --input FILE [--format json|table]     (FILE "-" = stdin)

Input (JSON)::

    {"order": {"amount": "57820.00", "unit_price": "11.80", "duration_months": 18,
               "advance_rate": "0.30", "cap_rate": "0.80", "vat_rate": "0.00",
               "resorption_bands": [{"from_percent": "10", "to_percent": "20", "fraction": "1/3"}, ...],
               "dispositif": "parcours_qualifiants"},
     "periods": [{"period": "2023-03", "realised_hours": "1662.00", "counted_unrealised_hours": "0.00",
                  "final": false, "providers": {"IN1331": "1662.00"}}, ...],
     "bonus": "0.00", "penalties": "0.00"}

``cap_rate`` null = no cap; ``advance_rate`` "0" = no advance; ``resorption_bands``, ``dispositif``
(which supplies ``cap_rate`` and ``resorption_bands`` when they are absent), ``final``,
``providers``, ``bonus`` and ``penalties`` are optional.  Decimals are strings (or JSON numbers).

Output: ``{"statements": [...]}`` — one object per period, amounts as strings with 2 places,
deductions negative as the seed prints them, rates as percentages with 2 places — plus
``"solde"`` when the last period is final.  ``--format table`` prints the statements laid out like
the seed, in French number format.  Bad input: exit status 2 and one French line on stderr naming
the field; never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import IO, Any

from formarche.billing.engine import (
    DEFAULT_RESORPTION_BANDS,
    DISPOSITIF_PRESETS,
    EngineInputError,
    OrderTerms,
    PeriodInput,
    ProviderLine,
    ResorptionBand,
    Solde,
    Statement,
    StatementKind,
    compute_solde,
    compute_statements,
    contracted_hours,
)
from formarche.utils.formatting import format_amount, format_hours, format_month, format_rate, parse_month
from formarche.utils.money import CENT, DecimalParseError, parse_decimal

__all__ = ["InputError", "main", "parse_request", "render_json", "render_table"]

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


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _s(value: Decimal) -> str:
    """A decimal as a string with at least 2 places (amounts, hours, rates)."""
    if value.as_tuple().exponent >= -2:
        value = value.quantize(CENT)
    return f"{value:f}"


def _provider_json(line: ProviderLine) -> dict[str, Any]:
    return {
        "provider": line.provider,
        "hours": _s(line.hours),
        "billed_rate": _s(line.billed_rate),
        "ht": _s(line.ht),
        "vat": _s(line.vat),
        "ttc": _s(line.ttc),
        "payable_ht": _s(line.payable_ht),
        "payable_vat": _s(line.payable_vat),
        "payable_ttc": _s(line.payable_ttc),
    }


def statement_json(statement: Statement) -> dict[str, Any]:
    """The JSON object of one statement (the CLI contract's keys first)."""
    s = statement
    return {
        "period": f"{s.period.year:04d}-{s.period.month:02d}",
        "kind": str(s.kind),
        "period_hours": _s(s.period_hours),
        "cumulative_hours": _s(s.cumulative_hours),
        "realisation_rate": _s(s.realisation_rate),
        "billable": _s(s.billable),
        "billable_rate": _s(s.billable_rate),
        "cap_regulation": _s(s.cap_regulation),
        "cap_regulation_rate": _s(s.cap_regulation_rate),
        "advance": _s(s.advance),
        "advance_due": _s(s.advance_due),
        "advance_due_rate": _s(s.advance_due_rate),
        "advance_already_resorbed": _s(s.advance_already_resorbed),
        "advance_already_resorbed_rate": _s(s.advance_already_resorbed_rate),
        "advance_repayment": _s(s.advance_repayment),
        "advance_repayment_rate": _s(s.advance_repayment_rate),
        "repayment_carried_in": _s(s.repayment_carried_in),
        "total_ht": _s(s.total_ht),
        "vat": _s(s.vat),
        "total_ttc": _s(s.total_ttc),
        "already_paid": _s(s.already_paid),
        "repayment_carried_out": _s(s.repayment_carried_out),
        "previous_realised_hours": _s(s.previous_realised_hours),
        "previous_counted_unrealised_hours": _s(s.previous_counted_unrealised_hours),
        "realised_hours": _s(s.realised_hours),
        "counted_unrealised_hours": _s(s.counted_unrealised_hours),
        "unit_price": _s(s.unit_price),
        "cumulative_billable": _s(s.cumulative_billable),
        "cap_amount": _s(s.cap_amount),
        "cumulative_cap_regulation": _s(s.cumulative_cap_regulation),
        "vat_rate": _s(s.vat_rate),
        "providers": [_provider_json(line) for line in s.providers],
    }


def solde_json(solde: Solde) -> dict[str, Any]:
    return {
        "amount_due": _s(solde.amount_due),
        "bonus": _s(solde.bonus),
        "penalties": _s(solde.penalties),
        "advance": _s(solde.advance),
        "instalments_paid": _s(solde.instalments_paid),
        "total_paid": _s(solde.total_paid),
        "balance_ht": _s(solde.balance_ht),
        "vat": _s(solde.vat),
        "balance_ttc": _s(solde.balance_ttc),
        "is_repayment_order": solde.is_repayment_order,
    }


def render_json(statements: Sequence[Statement], solde: Solde | None) -> str:
    document: dict[str, Any] = {"statements": [statement_json(s) for s in statements]}
    if solde is not None:
        document["solde"] = solde_json(solde)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _table(rows: Sequence[Sequence[str]], *, header_rows: int = 1) -> list[str]:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  " + " | ".join(cells).rstrip())
        if index == header_rows - 1:
            lines.append("  " + "-+-".join("-" * width for width in widths))
    return lines


def _statement_table(terms: OrderTerms, s: Statement) -> list[str]:
    lines = [f"{s.kind} — {format_month(s.period)}", ""]
    lines.append("Récapitulatif des volumes des réalisations")
    lines += _table(
        [
            ["", "Périodes précédentes", "", "Sur la PERIODE y compris rectificatif", "", "", ""],
            [
                "",
                "Réalisé",
                "Non réalisé comptabilisé",
                "Réalisé",
                "Non réalisé comptabilisé",
                "Cumul",
                "% de réalisation",
            ],
            [
                "Heure stag fact",
                format_hours(s.previous_realised_hours),
                format_hours(s.previous_counted_unrealised_hours),
                format_hours(s.realised_hours),
                format_hours(s.counted_unrealised_hours),
                format_hours(s.cumulative_hours),
                format_rate(s.realisation_rate),
            ],
        ],
        header_rows=2,
    )
    lines += ["", "Réalisations facturées sur la période"]
    lines += _table(
        [
            [
                "Réalisations de la période",
                "Volume Réalisé",
                "Volume non réalisé comptabilisé",
                "Total",
                "Prix unitaire €HT",
                "Montant €HT",
            ],
            [
                "Prix Heure stagiaire - Heure stag fact",
                format_hours(s.realised_hours),
                format_hours(s.counted_unrealised_hours),
                format_hours(s.period_hours),
                format_amount(s.unit_price)
                if s.unit_price.as_tuple().exponent >= -2
                else f"{s.unit_price:f}",
                format_amount(s.billable),
            ],
            ["TOTAL €HT", "", "", "", "", format_amount(s.billable)],
        ]
    )
    lines += ["", "Détails des montants facturés sur la période et par prestataire"]
    rows = [["Prestataire", "Pourcentage facturé", "Montant € HT", "TVA", "Montant € TTC"]]
    for line in s.providers:
        rows.append(
            [
                line.provider or "Titulaire",
                format_rate(line.billed_rate),
                format_amount(line.ht),
                format_amount(line.vat),
                format_amount(line.ttc),
            ]
        )
    rows.append(
        [
            "TOTAL",
            format_rate(s.billable_rate),
            format_amount(sum((line.ht for line in s.providers), Decimal(0))),
            "",
            format_amount(sum((line.ttc for line in s.providers), Decimal(0))),
        ]
    )
    lines += _table(rows)
    lines += ["", "Remboursement avance sur la période"]
    lines += _table(
        [
            ["", "%", "Montant €"],
            [
                "Remboursement avance au regard du pourcentage de réalisation",
                format_amount(s.advance_due_rate),
                format_amount(s.advance_due),
            ],
            [
                "Montant de l'avance déjà résorbé",
                format_amount(s.advance_already_resorbed_rate),
                format_amount(s.advance_already_resorbed),
            ],
            [
                "Remboursement avance",
                format_amount(s.advance_repayment_rate),
                format_amount(s.advance_repayment),
            ],
        ]
    )
    lines += ["", "Montant facturé sur la période"]
    rows = [
        ["Montant facturé sur la période", "Pourcentage", "Montant €"],
        [
            "Montant facturable au regard des données contractuelles",
            format_amount(s.billable_rate),
            format_amount(s.billable),
        ],
        [
            "Régulation pour plafonnement",
            format_amount(s.cap_regulation_rate),
            format_amount(s.cap_regulation),
        ],
        ["Remboursement avance", format_amount(s.advance_repayment_rate), format_amount(s.advance_repayment)],
    ]
    if s.repayment_carried_in:
        rows.append(
            [
                "Remboursement avance reporté de la période précédente",
                "",
                format_amount(s.repayment_carried_in),
            ]
        )
    rows.append(["Total à verser €HT", "", format_amount(s.total_ht)])
    lines += _table(rows)
    lines.append("")
    lines += _table(
        [
            [f"TVA {format_rate(s.vat_rate)}", format_amount(s.vat)],
            ["Total à verser €TTC", format_amount(s.total_ttc)],
        ],
        header_rows=0,
    )
    lines += ["", f"Plafonnement à hauteur de : {format_amount(s.cap_amount)} €"]
    lines.append(f"Total déjà versé : {format_amount(s.already_paid)} €")
    if s.repayment_carried_out:
        lines.append(
            f"Remboursement d'avance non récupéré, reporté sur la période suivante : "
            f"{format_amount(s.repayment_carried_out)} €"
        )
    return lines


def render_table(terms: OrderTerms, statements: Sequence[Statement], solde: Solde | None) -> str:
    cap = "aucun" if terms.cap_rate is None else format_rate(terms.cap_rate * 100)
    lines = [
        f"Commande : {format_amount(terms.amount)} € HT — prix unitaire {format_amount(terms.unit_price)} € HT"
        f" — {format_hours(contracted_hours(terms))} heures stagiaires — {terms.duration_months} mois"
        f" — avance {format_rate(terms.advance_rate * 100)} — plafonnement {cap}",
        "",
    ]
    for index, statement in enumerate(statements):
        if index:
            lines += ["", "=" * 80, ""]
        lines += _statement_table(terms, statement)
    if solde is not None:
        lines += ["", "=" * 80, "", "Solde (VSF)"]
        lines += _table(
            [
                ["Montant dû (réalisé, dans la limite de la commande)", format_amount(solde.amount_due)],
                ["Bonus", format_amount(solde.bonus)],
                ["Pénalités", format_amount(-solde.penalties)],
                ["Avance versée", format_amount(-solde.advance)],
                ["Acomptes versés (CRE)", format_amount(-solde.instalments_paid)],
                ["Solde €HT", format_amount(solde.balance_ht)],
                ["TVA", format_amount(solde.vat)],
                ["Solde €TTC", format_amount(solde.balance_ttc)],
            ],
            header_rows=0,
        )
        if solde.is_repayment_order:
            lines.append("Solde négatif : ordre de reversement.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


class _UsageError(Exception):
    pass


def _parse_argv(argv: Sequence[str]) -> tuple[str | None, str, bool]:
    source: str | None = None
    output_format = "json"
    help_requested = False
    items = list(argv)
    while items:
        arg = items.pop(0)
        if arg in ("-h", "--help"):
            help_requested = True
            continue
        name, has_value, value = arg.partition("=")
        if name not in ("--input", "--format"):
            raise _UsageError(f"argument inconnu : {arg}")
        if not has_value:
            if not items:
                raise _UsageError(f"l'option {name} attend une valeur")
            value = items.pop(0)
        if name == "--input":
            source = value
        else:
            if value not in ("json", "table"):
                raise _UsageError(f"--format : « {value} » n'est pas un format connu (json ou table)")
            output_format = value
    return source, output_format, help_requested


def _read(source: str, stdin: IO[str]) -> str:
    if source == "-":
        try:
            return stdin.read()
        except UnicodeDecodeError:
            raise InputError("--input", "l'entrée standard n'est pas du texte UTF-8") from None
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError("--input", f"fichier introuvable : {source}") from None
    except IsADirectoryError:
        raise InputError("--input", f"{source} est un dossier, pas un fichier") from None
    except UnicodeDecodeError:
        raise InputError("--input", f"{source} n'est pas un fichier texte UTF-8") from None
    except OSError as error:
        raise InputError("--input", f"lecture impossible de {source} ({error.strerror})") from None


def main(
    argv: list[str] | None = None,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the simulator; returns the exit status (0 ok, 2 bad input, 1 internal error)."""
    argv = sys.argv[1:] if argv is None else argv
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    try:
        source, output_format, help_requested = _parse_argv(argv)
        if help_requested:
            stdout.write(USAGE)
            return EXIT_OK
        if source is None:
            raise _UsageError("l'option --input est obligatoire (« - » pour l'entrée standard)")
        terms, periods, bonus, penalties = parse_request(_load_json(_read(source, stdin)))
        try:
            statements = compute_statements(terms, periods)
            solde = None
            if statements[-1].kind == StatementKind.CREF:
                solde = compute_solde(terms, statements, bonus=bonus, penalties=penalties)
        except EngineInputError as error:
            raise InputError(error.field, error.reason) from None
        if output_format == "table":
            stdout.write(render_table(terms, statements, solde))
        else:
            stdout.write(render_json(statements, solde))
        return EXIT_OK
    except _UsageError as error:
        stderr.write(f"erreur : {error} — voir --help\n")
        return EXIT_BAD_INPUT
    except InputError as error:
        stderr.write(f"erreur : {error}\n")
        return EXIT_BAD_INPUT
    except RecursionError:
        stderr.write("erreur : entrée : JSON trop profondément imbriqué\n")
        return EXIT_BAD_INPUT
    except Exception as error:  # the contract: one line, never a traceback
        stderr.write(f"erreur interne : {type(error).__name__} : {error}\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
