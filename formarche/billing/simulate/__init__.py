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

import sys
from collections.abc import Sequence
from typing import IO

from formarche.billing.engine import EngineInputError, StatementKind, compute_solde, compute_statements
from formarche.billing.simulate.output import render_json, render_table
from formarche.billing.simulate.parsing import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    USAGE,
    InputError,
    _load_json,
    parse_request,
)

__all__ = ["InputError", "main", "parse_request", "render_json", "render_table"]


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
