"""Validation / Facturation from the browser's side: the seed's statement on the page and in the
PDF, issuing with its confirmation, the signed upload (accepted and refused), the Région's
decisions and payments with their e-mails, tenancy and query counts."""

import datetime as dt
import html
import shutil
import subprocess
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.billing import selectors, services
from formarche.billing.models import Invoice, InvoiceStatus, Period
from tests.billing.pki import make_pki, sign_pdf
from tests.billing.workflow import APRIL, paid_march_and_validated_april, seed_order, sign_unchecked

pytestmark = pytest.mark.django_db
D = Decimal
NNBSP = "\u202f"

SEED_FIGURES = [
    "1 662,00",
    "3 000,00",
    "4 662,00",
    "95,14 %",
    "11,80",
    "35 400,00",
    "61,22 %",
    "46 256,00",
    "-8 755,60",
    "15,14",
    "11 564,00",
    "30,00",
    "5 365,07",
    "13,92",
    "-6 198,93",
    "16,08",
    "20 445,47",
    "TVA 0,00 %",
    "25 810,53",
]
TABLE_TITLES = [
    "Récapitulatif des volumes des réalisations",
    "Sur la PERIODE y compris rectificatif",
    "Réalisations facturées sur la période",
    "Détails des montants facturés sur la période et par prestataire",
    "Remboursement avance sur la période",
    "Montant facturé sur la période",
    "Total à verser €HT",
    "Total à verser €TTC",
]


def text(response) -> str:
    return response.content.decode().replace(NNBSP, " ")


@pytest.fixture
def seed(world):
    world.of1.provider_code = "IN1331"
    world.of1.save()
    order = seed_order(region=world.region_a, provider=world.of1, referent=world.users["region_a_officer"])
    april = paid_march_and_validated_april(
        order, of_user=world.users["of1_manager"], region_user=world.users["region_a_officer"]
    )
    return order, april


@pytest.fixture(scope="module")
def pki():
    return make_pki("AC formarche tests", "Jeanne Martin")


@pytest.fixture
def trusted(pki, tmp_path, settings):
    path = tmp_path / "racines.pem"
    path.write_bytes(pki.ca_certificate.public_bytes(serialization.Encoding.PEM))
    settings.FORMARCHE_SIGNATURE_TRUST_ROOTS = str(path)
    return pki


def invoice_pdf(invoice) -> bytes:
    with invoice.document.open("rb") as handle:
        return handle.read()


# --------------------------------------------------------------------------------------------
# The statement, on the page and in the PDF
# --------------------------------------------------------------------------------------------


def test_the_seed_april_statement_on_the_page(client, world, seed):
    order, _ = seed
    client.force_login(world.users["of1_staff"])
    page = text(client.get(reverse("billing:statement", kwargs={"order_id": order.pk, "period": "2023-04"})))
    for figure in SEED_FIGURES:
        assert figure in page, figure
    positions = [page.index(title) for title in TABLE_TITLES]
    assert positions == sorted(positions)
    assert "IN1331" in page and "Prévisualisation" not in page


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_the_seed_april_statement_in_the_pdf(client, world, seed):
    order, _ = seed
    client.force_login(world.users["region_a_officer"])
    response = client.get(
        reverse("billing:statement_pdf", kwargs={"order_id": order.pk, "period": "2023-04"})
    )
    assert response["Content-Type"] == "application/pdf"

    def pdftotext(*options):
        result = subprocess.run(
            ["pdftotext", *options, "-", "-"], input=response.content, capture_output=True, check=True
        )
        return result.stdout.decode().replace(NNBSP, " ")

    layout = pdftotext("-layout")
    for figure in SEED_FIGURES:
        assert figure in layout, figure
    flowing = " ".join(pdftotext().split())
    for title in TABLE_TITLES:
        assert title in flowing, title


def test_an_unvalidated_month_is_a_preview_and_has_no_pdf(client, world):
    client.force_login(world.users["of1_staff"])
    order = world.objects["order"]
    page = client.get(reverse("billing:statement", kwargs={"order_id": order.pk, "period": "2023-04"}))
    assert "Prévisualisation" in text(page)
    response = client.get(
        reverse("billing:statement_pdf", kwargs={"order_id": order.pk, "period": "2023-04"})
    )
    assert response.status_code == 302


# --------------------------------------------------------------------------------------------
# The four tabs, validating and issuing
# --------------------------------------------------------------------------------------------


def test_validate_then_issue_from_the_tabs_with_the_seed_words(client, world, seed):
    order, april = seed
    client.force_login(world.users["of1_manager"])
    kwargs = {"order_id": order.pk}
    page = text(client.get(reverse("billing:validations", kwargs=kwargs)))
    for word in (
        "Suivi des validations",
        "A facturer",
        "Suivi des factures",
        "Suivi des paiements",
        "Mars 2023",
    ):
        assert word in page
    to_issue = text(client.get(reverse("billing:to_issue", kwargs=kwargs)))
    assert "Factures en attente d'émission" in to_issue and "Avril 2023" in to_issue
    assert to_issue.count("35 400,00") == 4  # HT and TTC, row and total
    assert "Emettre la facture" in to_issue
    url = reverse("billing:issue", kwargs={"order_id": order.pk, "period": "2023-04"})
    confirm = text(client.get(url))
    assert (
        "Souhaitez-vous vraiment émettre la facture pour la période <strong>Avril 2023</strong> ?" in confirm
    )
    assert "Annuler" in confirm and "Poursuivre" in confirm
    first = client.post(url, follow=True)
    assert "La facture a été validée." in text(first)
    second = client.post(url, follow=True)  # a double click
    assert "déjà émise" in text(second)
    assert Invoice.objects.filter(period=april).count() == 1
    invoices = text(client.get(reverse("billing:invoices_tab", kwargs=kwargs)))
    assert "Factures en attente de validation Région" in invoices
    assert "20 445,47" in invoices and "Ajouter" in invoices


def test_the_of_validates_a_period_from_the_page(client, world):
    order = world.objects["order"]
    Period.objects.filter(order=order).delete() if not Invoice.objects.filter(order=order).exists() else None
    client.force_login(world.users["of1_staff"])
    from tests.billing.workflow import add_month

    add_month(order, APRIL, [D("7")])
    response = client.post(
        reverse("billing:validate_period", kwargs={"order_id": order.pk, "period": "2023-04"}), follow=True
    )
    assert "La période Avril 2023 a été validée" in text(response)
    assert Period.objects.get(order=order, month=APRIL).is_validated
    final = client.post(
        reverse("billing:validate_period", kwargs={"order_id": order.pk, "period": "2023-05"}),
        {"is_final": "on"},
        follow=True,
    )
    assert "CRE final" in text(final) and "fermée" in text(final)


# --------------------------------------------------------------------------------------------
# The signed upload
# --------------------------------------------------------------------------------------------


def upload(client, invoice, data, name):
    return client.post(
        reverse("billing:upload_signed", kwargs={"invoice_id": invoice.pk}),
        {"signed_pdf": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_a_signed_invoice_is_accepted_then_locked(client, world, trusted, django_capture_on_commit_callbacks):
    invoice = world.objects["invoice"]
    client.force_login(world.users["of1_staff"])
    signed = sign_pdf(invoice_pdf(invoice), trusted)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, invoice, signed, selectors.invoice_expected_filename(invoice))
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert "La facture signée a correctement été enregistrée pour la facture Mars 2023." in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SIGNED and invoice.received_on == dt.date.today()
    assert invoice.signature_report["signer"] == "Jeanne Martin" and invoice.signature_report["chain_valid"]
    assert invoice.signed_file.read() == signed
    assert "signée" in mail.outbox[-1].subject
    again = upload(client, invoice, signed, selectors.invoice_expected_filename(invoice))
    assert again.status_code == 302  # locked: sent back to the invoice
    detail = text(client.get(reverse("billing:invoice", kwargs={"invoice_id": invoice.pk})))
    assert "Jeanne Martin" in detail


@pytest.mark.parametrize(
    "case, expected",
    [
        ("wrong_name", "Le fichier doit s'appeler « {expected} »"),
        ("unsigned", "aucune signature électronique"),
        ("changed_after_signing", "modifié après la signature"),
        ("not_a_pdf", "n'est pas un PDF"),
        ("too_large", "trop volumineux"),
        ("untrusted", "n'est pas reconnu"),
    ],
)
def test_a_bad_signed_upload_is_refused_and_changes_nothing(client, world, trusted, settings, case, expected):
    invoice = world.objects["invoice"]
    name = selectors.invoice_expected_filename(invoice)
    original = invoice_pdf(invoice)
    data = {
        "wrong_name": lambda: sign_pdf(original, trusted),
        "unsigned": lambda: original,
        "changed_after_signing": lambda: sign_pdf(original, trusted) + b"\n% ajout\n",
        "not_a_pdf": lambda: b"\x89PNG\r\n\x1a\n" + b"0" * 200,
        "too_large": lambda: sign_pdf(original, trusted),
        "untrusted": lambda: sign_pdf(original, make_pki("Autre AC", "Jeanne Martin")),
    }[case]()
    if case == "wrong_name":
        name = "facture signee.pdf"
    if case == "too_large":
        settings.FORMARCHE_SIGNED_INVOICE_MAX_BYTES = 1000
    client.force_login(world.users["of1_staff"])
    response = upload(client, invoice, data, name)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert expected.format(expected=selectors.invoice_expected_filename(invoice)) in page
    assert "La facture signée n'a pas été enregistrée" in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and not invoice.signed_file


# --------------------------------------------------------------------------------------------
# The Région's side
# --------------------------------------------------------------------------------------------


def test_region_validates_then_records_a_partial_then_full_payment(
    client, world, django_capture_on_commit_callbacks
):
    invoice = sign_unchecked(world.objects["invoice"], world.users["of1_staff"])
    client.force_login(world.users["region_a_officer"])
    listing = text(client.get(reverse("billing:region_invoices")))
    assert invoice.number in listing and "Échéance" in listing
    client.post(reverse("billing:invoice_validate", kwargs={"invoice_id": invoice.pk}))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VALIDATED
    pay = reverse("billing:invoice_pay", kwargs={"invoice_id": invoice.pk})
    half = (invoice.payable_ttc / 2).quantize(D("0.01"))
    client.post(pay, {"date": "2023-05-02", "amount": str(half)})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(pay, {"date": "2023-05-09", "amount": str(invoice.payable_ttc - half)})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    (message,) = mail.outbox
    assert "payée" in message.subject and world.users["of1_manager"].email in message.to
    client.force_login(world.users["of1_staff"])
    mine = text(client.get(reverse("billing:region_invoices")))
    assert "Payée" in mine and "09/05/2023" in mine


def test_region_rejects_with_a_reason_the_of_reads(client, world, django_capture_on_commit_callbacks):
    invoice = sign_unchecked(world.objects["invoice"], world.users["of1_staff"])
    client.force_login(world.users["region_a_officer"])
    url = reverse("billing:invoice_reject", kwargs={"invoice_id": invoice.pk})
    client.post(url, {"reason": ""})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SIGNED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Montant de la période erroné"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REJECTED
    assert "Montant de la période erroné" in mail.outbox[-1].body
    client.force_login(world.users["of1_staff"])
    tab = text(client.get(reverse("billing:to_issue", kwargs={"order_id": invoice.order_id})))
    assert "Montant de la période erroné" in tab and "Emettre la facture" in tab
    detail = text(client.get(reverse("billing:invoice", kwargs={"invoice_id": invoice.pk})))
    assert "Signée, en attente de validation Région → Rejetée" in detail  # the audit trail
    assert "Montant de la période erroné" in detail


def test_the_advance_payment_is_recorded_by_the_region(client, world):
    order = world.objects["order"]
    client.force_login(world.users["region_a_officer"])
    page = text(client.get(reverse("billing:payments", kwargs={"order_id": order.pk})))
    assert "11 564,00" in page
    client.post(
        reverse("billing:advance", kwargs={"order_id": order.pk}),
        {"date": "2023-03-24", "amount": "11564.00"},
    )
    assert order.payments.get().amount == D("11564.00")


# --------------------------------------------------------------------------------------------
# Tenancy and query counts
# --------------------------------------------------------------------------------------------


def test_another_of_cannot_see_the_invoice_and_an_of_cannot_decide_as_region(client, world):
    invoice = sign_unchecked(world.objects["invoice"], world.users["of1_staff"])
    for role in ("of2_manager", "region_b_officer"):
        client.force_login(world.users[role])
        for name in ("billing:invoice", "billing:invoice_pdf", "billing:signed_pdf"):
            assert client.get(reverse(name, kwargs={"invoice_id": invoice.pk})).status_code == 404
        assert invoice.number not in text(client.get(reverse("billing:region_invoices")))
    client.force_login(world.users["of1_manager"])
    for name in ("billing:invoice_validate", "billing:invoice_reject", "billing:invoice_pay"):
        response = client.post(
            reverse(name, kwargs={"invoice_id": invoice.pk}), {"reason": "x", "amount": "1"}
        )
        assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SIGNED and not invoice.payments.exists()


def test_invoice_lists_take_a_constant_number_of_queries(client, world, seed):
    order, april = seed
    client.force_login(world.users["region_a_officer"])
    urls = [
        reverse("billing:region_invoices") + "?statut=toutes",
        reverse("billing:invoices_tab", kwargs={"order_id": order.pk}),
        reverse("billing:payments", kwargs={"order_id": order.pk}),
    ]
    before = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        before.append(len(queries))
    services.invoice_issue(period=april, user=world.users["of1_manager"])
    sign_unchecked(world.objects["invoice"], world.users["of1_manager"])
    for url, count in zip(urls, before, strict=True):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == count, url
