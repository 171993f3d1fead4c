"""`formarche import FILE` and `formarche export --organisation CODE --from DATE --to DATE [--output FILE]`.

Exit status: 0 done; 2 bad arguments or a refused file (French messages on stderr, one per error,
each with its JSON path); nothing is written when a file is refused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import defaultdict
from datetime import date


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _Usage(message)


def _setup_django() -> None:
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        import django

        django.setup()


def cli_import(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="formarche import", add_help=False)
    parser.add_argument("file")
    try:
        args = parser.parse_args(argv)
    except _Usage:
        print("usage : formarche import FICHIER.json", file=sys.stderr)
        return 2
    try:
        with open(args.file, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        print(f"Impossible de lire « {args.file} » : {exc.strerror}.", file=sys.stderr)
        return 2
    _setup_django()
    from formarche.interchange.importer import import_document, load_json
    from formarche.interchange.validation import InterchangeError

    try:
        counts = import_document(
            load_json(raw), file_name=os.path.basename(args.file), file_hash=hashlib.sha256(raw).hexdigest()
        )
    except InterchangeError as exc:
        print(f"Fichier refusé, rien n'a été importé ({len(exc.errors)} erreur(s)) :", file=sys.stderr)
        for message in exc.messages():
            print(f"  {message}", file=sys.stderr)
        return 2
    print(
        "Importé : organisme {organisation}, {orders} action(s), {trainees} stagiaire(s), {enrolments} "
        "inscription(s), {attendance} ligne(s) d'heures, {trainers} formateur(s), {fiscal_years} exercice(s), "
        "{other_products} autre(s) produit(s), {invoices} facture(s), {periods} période(s) validée(s), "
        "{soldes} solde(s).".format_map(defaultdict(int, counts))
    )
    return 0


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def cli_export(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="formarche export", add_help=False)
    parser.add_argument("--organisation", required=True)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--output")
    try:
        args = parser.parse_args(argv)
    except _Usage:
        print(
            "usage : formarche export --organisation CODE --from AAAA-MM-JJ --to AAAA-MM-JJ [--output FICHIER]",
            file=sys.stderr,
        )
        return 2
    start, end = _parse_day(args.start), _parse_day(args.end)
    if start is None or end is None:
        print("Dates invalides : --from et --to s'écrivent AAAA-MM-JJ.", file=sys.stderr)
        return 2
    if end < start:
        print("La date --to précède la date --from.", file=sys.stderr)
        return 2
    _setup_django()
    from formarche.bpf.cli import find_organisation
    from formarche.interchange.exporter import export_document

    organisation = find_organisation(args.organisation)
    if organisation is None:
        print(
            f"Organisme inconnu : « {args.organisation} » (code prestataire, SIRET ou NDA).", file=sys.stderr
        )
        return 2
    doc = export_document(organisation=organisation, start=start, end=end)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            print(f"Impossible d'écrire « {args.output} » : {exc.strerror}.", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text + "\n")
    return 0
