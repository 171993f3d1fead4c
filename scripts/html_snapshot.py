#!/usr/bin/env python
"""Render the main pages of the demo world into a directory, so that two trees can be compared.

    .venv/bin/python scripts/html_snapshot.py OUTPUT_DIR

A fresh SQLite database is built in a temporary directory (migrate + ``demo_world``, settings
``config.settings.dev``), then each page is requested with Django's test client, logged in as the
demo user who sees it, and written to ``OUTPUT_DIR/<name>.html`` (status code on the first line).
Only what legitimately varies from one run to another is normalised: CSRF tokens, today's date
and the current time, the random fingerprints of the throw-away demo PKI. Two runs on the same
tree give the same files byte for byte; after a refactoring that changes no behaviour,

    diff -r /work/wt/snapshots-before OUTPUT_DIR

must be empty.

Pages are named by their URL path (never by URL name, which a refactoring may move between
namespaces) and their objects are found by stable demo fields (order number, fiscal year).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]

OF = "of@demo.formarche.fr"
REGION = "region@demo.formarche.fr"


def _setup(var_dir: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["FORMARCHE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    logging.disable(logging.CRITICAL)  # 403/404 tracebacks and WeasyPrint warnings
    call_command("migrate", interactive=False, verbosity=0)
    with open(os.devnull, "w") as devnull:
        call_command("demo_world", stdout=devnull)


def _objects() -> dict:
    """Stable handles on the demo world: the first order of the OF (by number), its first month
    of hours, an invoice of the Région, the first fiscal year, a trainee."""
    from django.apps import apps

    order_model = apps.get_model("orders", "Order")
    orders = list(order_model.objects.order_by("number", "pk"))
    attendance = apps.get_model("attendance", "Attendance")
    invoice = apps.get_model("billing", "Invoice").objects.order_by("number", "pk").first()
    fiscal_year = apps.get_model("bpf", "FiscalYear").objects.order_by("pk").first()
    trainee = apps.get_model("trainees", "Trainee").objects.order_by("pk").first()
    found = {"orders": orders, "invoice": invoice, "fiscal_year": fiscal_year, "trainee": trainee}
    months = {}
    for order in orders:
        first = attendance.objects.filter(enrolment__order=order).order_by("day").first()
        months[order.pk] = first.day.strftime("%Y-%m") if first else None
    found["months"] = months
    membership = apps.get_model("accounts", "Membership")
    found["of_user"] = {
        order.pk: membership.objects.filter(organisation_id=order.provider_id)
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .first()
        or OF
        for order in orders
    }
    return found


def pages(found: dict) -> list[tuple[str, str, str]]:
    """(file name, URL path, user e-mail) of every page in the snapshot."""
    result = [
        ("home-of", "/", OF),
        ("home-region", "/", REGION),
        ("action-list-of", "/actions/", OF),
        ("action-list-region", "/actions/", REGION),
        ("action-setup-region", "/actions/parametrage/", REGION),
        ("region-invoices", "/factures/", REGION),
        ("region-invoices-all", "/factures/?statut=toutes", REGION),
        ("trainee-list", "/stagiaires/", OF),
        ("organisation-of", "/organisme/", OF),
        ("organisation-region", "/organisme/", REGION),
        ("bpf-index", "/bpf/", OF),
        ("bpf-trainers", "/bpf/formateurs/", OF),
        ("change-requests-region", "/demandes/", REGION),
        ("outcomes-region", "/resultats/", REGION),
        ("imports-of", "/imports/", OF),
        ("followup-due-of", "/questionnaires/", OF),
    ]
    if found["trainee"] is not None:
        result.append(("trainee-detail", f"/stagiaires/{found['trainee'].pk}/", OF))
    if found["invoice"] is not None:
        result.append(("invoice-region", f"/factures/{found['invoice'].pk}/", REGION))
    fiscal_year = found["fiscal_year"]
    if fiscal_year is not None:
        fy = fiscal_year.pk
        result += [
            ("bpf-report", f"/bpf/exercices/{fy}/", OF),
            ("bpf-cell", f"/bpf/exercices/{fy}/cases/F1.total.h/", OF),
            ("bpf-accounts", f"/bpf/exercices/{fy}/comptes/", OF),
            ("bpf-products", f"/bpf/exercices/{fy}/produits/", OF),
        ]
    for order in found["orders"]:
        key = f"order-{order.number}".replace("/", "_")
        base = f"/actions/{order.pk}/"
        per_order = [
            ("detail", "", OF),
            ("detail-region", "", REGION),
            ("trainees", "stagiaires/", OF),
            ("followup", "realisations/", OF),
            ("followup-region", "realisations/", REGION),
            ("controls", "realisations/controles/", OF),
            ("totals", "realisations/totaux/", OF),
            ("validations", "facturation/", OF),
            ("validations-region", "facturation/", REGION),
            ("to-issue", "facturation/a-facturer/", OF),
            ("invoices", "facturation/factures/", OF),
            ("payments", "facturation/paiements/", OF),
            ("penalties", "penalites/", REGION),
            ("solde", "solde/", OF),
            ("exits", "sorties/", OF),
            ("assessments", "bilans/", OF),
            ("closure", "fermeture/", OF),
            ("documents", "documents/", OF),
            ("signing", "emargement/", OF),
            ("change-requests", "demandes/", OF),
        ]
        month = found["months"].get(order.pk)
        if month:
            per_order += [
                ("grid-month", f"realisations/{month}/", OF),
                ("statement", f"facturation/{month}/releve/", OF),
            ]
        of_user = found["of_user"][order.pk]
        result += [
            (f"{key}-{name}", base + tail, of_user if user == OF else user) for name, tail, user in per_order
        ]
    return result


def normaliser():
    """A function that replaces what varies between two runs on the same tree."""
    now = dt.datetime.now()
    today = dt.date.today()
    from django.utils import timezone

    local_now = timezone.localtime()
    days = {today, local_now.date(), (local_now - dt.timedelta(days=0)).date()}
    date_patterns = []
    for day in days:
        date_patterns += [
            day.strftime("%d/%m/%Y"),
            day.strftime("%Y-%m-%d"),
            f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}",
            f"{day.day:02d} {MONTHS_FR[day.month - 1]} {day.year}",
            day.strftime("%d.%m.%Y"),
        ]
    dates = re.compile("|".join(re.escape(p) for p in sorted(set(date_patterns), key=len, reverse=True)))
    rules = [
        (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1CSRF"),
        (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1CSRF"),
        (re.compile(r'("X-CSRFToken"\s*:\s*")[^"]+'), r"\1CSRF"),
        (re.compile(r"(csrftoken=)[A-Za-z0-9]+"), r"\1CSRF"),
        # time of the run next to today's date: "à 14:05", "14:05:33", ISO timestamps of today
        (
            re.compile(r"TODAY([ T]|, | à )\d{1,2}[:h]\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"),
            r"TODAY\1HH:MM",
        ),
        # public tokens of the demo (follow-up questionnaires, signing links) are random
        (
            re.compile(
                r"(/suivi/|/emargement/)(?!seances|planning|audit|preuve|synchroniser)[A-Za-z0-9_-]{16,}/"
            ),
            r"\1TOKEN/",
        ),
        # fingerprints / serials of the throw-away demo PKI
        (re.compile(r"\b[0-9A-F]{2}(:[0-9A-F]{2}){15,}\b"), "FINGERPRINT"),
    ]
    _ = now

    def normalise(text: str) -> str:
        text = dates.sub("TODAY", text)
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    return normalise


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="formarche-snapshot-") as var_dir:
        _setup(Path(var_dir))
        from django.apps import apps
        from django.test import Client

        user_model = apps.get_model("accounts", "User")
        found = _objects()
        normalise = normaliser()
        clients = {}
        listing = []
        for name, path, email in pages(found):
            if email not in clients:
                client = Client(raise_request_exception=False)  # a broken page is a 500 in the diff
                client.force_login(user_model.objects.get(email=email))
                clients[email] = client
            response = clients[email].get(path, HTTP_HOST="127.0.0.1")
            body = response.content.decode("utf-8", "replace")
            location = response.get("Location", "")
            text = f"{response.status_code} {path} {email} {location}\n{normalise(body)}"
            (out / f"{name}.html").write_text(text, encoding="utf-8")
            listing.append(f"{response.status_code} {name} {path} {email}")
        (out / "_index.txt").write_text("\n".join(listing) + "\n", encoding="utf-8")
    print(f"{len(listing)} pages dans {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
