"""`formarche bpf --organisation CODE --year YYYY --format json|csv|pdf [--output FILE]`.

YYYY is the calendar year in which the fiscal year ends. CODE is the organisation's provider code
(e.g. IN1331), its SIRET or its NDA. Without a recorded fiscal year ending in YYYY, the calendar
year is used (a notice says so on stderr). Exit status: 0 done, 2 bad arguments (one French line
on stderr), 1 the BPF could not be computed.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one French line, exit 2
        raise _Usage(message)


class _Usage(Exception):
    pass


def _setup_django() -> None:
    # the only function-level imports of the area: the command runs before Django is set up
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        import django

        django.setup()


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def find_organisation(code: str):
    """The training organisation of a provider code, SIRET or NDA (Django set up)."""
    from formarche.bpf.selectors import of_by_code

    return of_by_code(code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="formarche bpf", add_help=False)
    parser.add_argument("--organisation", required=True)
    parser.add_argument("--year", required=True)
    parser.add_argument("--format", required=True)
    parser.add_argument("--output")
    try:
        args = parser.parse_args(argv)
    except _Usage:
        return _fail(
            "usage : formarche bpf --organisation CODE --year AAAA --format json|csv|pdf [--output FICHIER]"
        )
    if args.format not in {"json", "csv", "pdf"}:
        return _fail(f"Format inconnu : « {args.format} » (json, csv ou pdf).")
    if not (args.year.isdigit() and len(args.year) == 4):
        return _fail(f"Année invalide : « {args.year} » (quatre chiffres, année de clôture de l'exercice).")
    year = int(args.year)
    if args.format == "pdf" and not args.output:
        return _fail("Le format pdf demande --output FICHIER.")
    _setup_django()
    from formarche.bpf import documents, selectors
    from formarche.bpf.errors import BpfError
    from formarche.bpf.models import FiscalYear

    organisation = find_organisation(args.organisation)
    if organisation is None:
        return _fail(f"Organisme inconnu : « {args.organisation} » (code prestataire, SIRET ou NDA).")
    fiscal_year = selectors.fiscal_year_ending_in(organisation, year)
    if fiscal_year is None:
        print(f"Aucun exercice clos en {year} n'est enregistré : exercice civil {year}.", file=sys.stderr)
        fiscal_year = FiscalYear(organisation=organisation, start=date(year, 1, 1), end=date(year, 12, 31))
    try:
        report = selectors.bpf_compute(fiscal_year=fiscal_year).report
    except BpfError as exc:
        return _fail(str(exc), 1)
    body = {"json": documents.json_bytes, "csv": documents.csv_bytes, "pdf": documents.pdf_bytes}[
        args.format
    ](report)
    if args.output:
        try:
            with open(args.output, "wb") as handle:
                handle.write(body)
        except OSError as exc:
            return _fail(f"Impossible d'écrire « {args.output} » : {exc.strerror}.")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
