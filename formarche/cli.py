"""The `formarche` console script (also `python -m formarche`).

formarche demo [--port 8000] [--no-server]   set up SQLite, migrate, load the demo world, serve
formarche serve [--port 8000]                serve (development server)
formarche statement simulate --input FILE [--format json|table]
formarche bpf --organisation CODE --year YYYY --format json|csv|pdf [--output FILE]
formarche import FILE                         load an interchange JSON file (docs/interchange.md)
formarche export --organisation CODE --from DATE --to DATE [--output FILE]
formarche worker [--worker-id ID] [--queue-name default,mails] [--interval 1]
                                              run background jobs (FORMARCHE_TASKS=database)
formarche manage <django command> [...]      any manage.py command
"""

from __future__ import annotations

import argparse
import os
import sys

USAGE = __doc__


def _django(settings: str = "config.settings.dev"):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def _manage(args: list[str]) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["formarche", *args])
    return 0


def cmd_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="formarche demo", description="Prépare et lance la démonstration.")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--no-server", action="store_true", help="prépare la base sans lancer le serveur")
    args = parser.parse_args(argv)
    _django()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG:
        print(
            "La démonstration ne se lance qu'avec DEBUG activé (réglages de développement).", file=sys.stderr
        )
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo_world")
    if args.no_server:
        return 0
    print(f"\nformarche est servi sur http://127.0.0.1:{args.port}/ (Ctrl+C pour arrêter)\n", flush=True)
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False)
    return 0


def cmd_serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="formarche serve")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args(argv)
    return _manage(["runserver", f"127.0.0.1:{args.port}", "--noreload"])


def cmd_statement(argv: list[str]) -> int:
    if not argv or argv[0] != "simulate":
        print("usage : formarche statement simulate --input FICHIER [--format json|table]", file=sys.stderr)
        return 2
    from formarche.billing.simulate import main as simulate_main

    return simulate_main(argv[1:])


def cmd_bpf(argv: list[str]) -> int:
    from formarche.bpf.cli import main as bpf_main

    return bpf_main(argv)


def cmd_import(argv: list[str]) -> int:
    from formarche.interchange.cli import cli_import

    return cli_import(argv)


def cmd_export(argv: list[str]) -> int:
    from formarche.interchange.cli import cli_export

    return cli_export(argv)


def cmd_worker(argv: list[str]) -> int:
    """A task worker: django-tasks-db's worker with the jobs' recovery (formarche/jobs/)."""
    return _manage(["worker", *argv])


COMMANDS = {
    "demo": cmd_demo,
    "bpf": cmd_bpf,
    "import": cmd_import,
    "export": cmd_export,
    "serve": cmd_serve,
    "statement": cmd_statement,
    "worker": cmd_worker,
    "manage": _manage,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command = COMMANDS.get(argv[0])
    if command is None:
        print(f"Commande inconnue : {argv[0]}\n{USAGE}", file=sys.stderr)
        return 2
    return command(argv[1:]) or 0


if __name__ == "__main__":
    raise SystemExit(main())
