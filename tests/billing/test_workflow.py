"""The invoicing workflow through the services: the seed's April 2023 statement, numbering,
immutability, rectificatifs, the Région's decisions, payments and e-mails."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from formarche.accounts.models import Membership, Role, User
from formarche.attendance.models import Attendance
from formarche.billing import facturx, services
from formarche.billing.models import Invoice, InvoiceCounter, InvoiceStatus, Period, Statement
from formarche.orders.models import OrderStatus
from tests.billing.closing_helpers import close_order
from tests.billing.workflow import (
    APRIL,
    MARCH,
    add_month,
    paid_march_and_validated_april,
    seed_order,
    validate,
)
from tests.factories import OrganisationFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def actors():
    region = OrganisationFactory(region=True, name="Région Occitanie")
    provider = OrganisationFactory(name="Formations Agricoles du Tarn", provider_code="IN1331")
    referent = User.objects.create(email="referent@region.fr", first_name="Sophie", last_name="Durand")
    of_user = User.objects.create(email="of@organisme.fr", first_name="Claire", last_name="Martin")
    Membership.objects.create(user=of_user, organisation=provider, role=Role.OF_MANAGER)
    return {"region": region, "provider": provider, "of_user": of_user, "region_user": referent}


@pytest.fixture
def order(actors):
    return seed_order(region=actors["region"], provider=actors["provider"], referent=actors["region_user"])


def test_the_seed_april_statement_figure_by_figure(order, actors):
    april = paid_march_and_validated_april(
        order, of_user=actors["of_user"], region_user=actors["region_user"]
    )
    st = april.statement.as_engine()
    assert (april.realised_hours, april.counted_unrealised_hours, april.correction_hours) == (D("3000"), 0, 0)
    expected = {
        "previous_realised_hours": D("1662.00"),
        "previous_counted_unrealised_hours": D("0.00"),
        "realised_hours": D("3000.00"),
        "counted_unrealised_hours": D("0.00"),
        "cumulative_hours": D("4662.00"),
        "realisation_rate": D("95.14"),
        "unit_price": D("11.80"),
        "billable": D("35400.00"),
        "billable_rate": D("61.22"),
        "cap_amount": D("46256.00"),
        "cap_regulation": D("-8755.60"),
        "cap_regulation_rate": D("15.14"),
        "advance": D("11564.00"),
        "advance_due": D("11564.00"),
        "advance_due_rate": D("30.00"),
        "advance_already_resorbed": D("5365.07"),
        "advance_already_resorbed_rate": D("13.92"),
        "advance_repayment": D("-6198.93"),
        "advance_repayment_rate": D("16.08"),
        "total_ht": D("20445.47"),
        "vat": D("0.00"),
        "total_ttc": D("20445.47"),
        "already_paid": D("25810.53"),
    }
    assert {name: getattr(st, name) for name in expected} == expected
    (provider,) = st.providers
    assert (provider.billed_rate, provider.ht, provider.vat, provider.ttc) == (
        D("61.22"),
        D("35400.00"),
        0,
        D("35400.00"),
    )
    # the columns say the same as the frozen JSON
    row = Statement.objects.get(period=april)
    assert (row.billable, row.cap_regulation, row.advance_repayment, row.total_ttc, row.already_paid) == (
        D("35400.00"),
        D("-8755.60"),
        D("-6198.93"),
        D("20445.47"),
        D("25810.53"),
    )
    # and the April invoice carries them: montant facturé 35 400,00, à payer 20 445,47
    invoice = services.invoice_issue(period=april, user=actors["of_user"], today=dt.date(2023, 8, 8))
    assert (invoice.billed_ht, invoice.billed_ttc, invoice.payable_ttc, invoice.number) == (
        D("35400.00"),
        D("35400.00"),
        D("20445.47"),
        "2023-00002",
    )


def test_issued_invoice_factur_x_xml_is_en16931_and_valid_against_the_xsd(order, actors):
    import facturx as facturx_lib
    from lxml import etree

    april = paid_march_and_validated_april(
        order, of_user=actors["of_user"], region_user=actors["region_user"]
    )
    invoice = services.invoice_issue(period=april, user=actors["of_user"], today=dt.date(2023, 8, 8))
    with invoice.document.open("rb") as handle:
        pdf = handle.read()
    _, xml = facturx_lib.get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert facturx_lib.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    assert (
        root.xpath("//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=ns)[0].text
        == order.number
    )
    assert root.xpath("//ram:TotalPrepaidAmount", namespaces=ns)[0].text == "6198.93"
    assert root.xpath("//ram:DuePayableAmount", namespaces=ns)[0].text == "20445.47"
    assert root.xpath("//ram:ApplicableTradeTax/ram:CategoryCode", namespaces=ns)[0].text == "E"
    assert "261-4-4° a" in root.xpath("//ram:ApplicableTradeTax/ram:ExemptionReason", namespaces=ns)[0].text
    text = xml.decode()
    assert "Déclaration d'activité enregistrée sous le numéro" in text
    assert "40 €" in text and "retard" in text


def test_a_failure_inside_the_issuing_transaction_takes_no_number(order, actors, monkeypatch):
    march = validate(order, MARCH, actors["of_user"])

    def broken(doc):
        raise facturx.InvoiceDataError("panne simulée")

    monkeypatch.setattr(facturx, "build_facturx_pdf", broken)
    with pytest.raises(services.BillingError, match="panne simulée"):
        services.invoice_issue(period=march, user=actors["of_user"], today=dt.date(2023, 4, 5))
    assert not Invoice.objects.exists()
    assert not InvoiceCounter.objects.filter(last_number__gt=0).exists()
    monkeypatch.undo()
    invoice = services.invoice_issue(period=march, user=actors["of_user"], today=dt.date(2023, 4, 5))
    assert invoice.number == "2023-00001"


def test_an_incomplete_seller_is_refused_in_french_and_takes_no_number(order, actors):
    march = validate(order, MARCH, actors["of_user"])
    actors["provider"].nda = ""
    actors["provider"].save()
    with pytest.raises(services.BillingError, match="déclaration d'activité"):
        services.invoice_issue(period=march, user=actors["of_user"], today=dt.date(2023, 4, 5))
    assert InvoiceCounter.objects.filter(last_number=0).count() == 0 or not InvoiceCounter.objects.exists()


def test_numbers_follow_each_other_per_organisation_and_year(order, actors):
    of_user = actors["of_user"]
    march = validate(order, MARCH, of_user)
    april = validate(order, APRIL, of_user)
    first = services.invoice_issue(period=march, user=of_user, today=dt.date(2023, 12, 30))
    second = services.invoice_issue(period=april, user=of_user, today=dt.date(2024, 1, 2))
    assert (first.number, second.number) == ("2023-00001", "2024-00001")


def test_issuing_twice_gives_one_invoice(order, actors):
    march = validate(order, MARCH, actors["of_user"])
    services.invoice_issue(period=march, user=actors["of_user"])
    with pytest.raises(services.BillingError, match="déjà émise"):
        services.invoice_issue(period=march, user=actors["of_user"])
    assert Invoice.objects.count() == 1
    assert InvoiceCounter.objects.get().last_number == 1


def test_a_later_correction_flows_into_the_next_period_as_rectificatif(order, actors):
    of_user = actors["of_user"]
    march = validate(order, MARCH, of_user)
    invoice = services.invoice_issue(period=march, user=of_user)
    frozen = (invoice.billed_ht, invoice.payable_ttc)
    # 10 more hours found in March after its validation (a rectificatif), 2 counted-unrealised
    row = Attendance.objects.filter(day=MARCH).first()
    row.realised_hours += 10
    row.counted_unrealised_hours += 2
    row.is_correction = True
    row.save()
    april = validate(order, APRIL, of_user)
    assert (april.realised_hours, april.counted_unrealised_hours) == (D("3010.00"), D("2.00"))
    assert (april.realised_correction_hours, april.counted_unrealised_correction_hours) == (
        D("10.00"),
        D("2.00"),
    )
    assert april.statement.as_engine().previous_realised_hours == D("1662.00")
    invoice.refresh_from_db()
    march.refresh_from_db()
    assert (invoice.billed_ht, invoice.payable_ttc) == frozen
    assert march.realised_hours == D("1662.00")


def test_periods_are_validated_in_order_once_over(order, actors):
    of_user = actors["of_user"]
    with pytest.raises(services.BillingError, match="Validez d'abord la période Mars 2023"):
        validate(order, APRIL, of_user)
    with pytest.raises(services.BillingError, match="n'est pas terminée"):
        validate(order, MARCH, of_user, today=dt.date(2023, 3, 31))
    validate(order, MARCH, of_user)
    with pytest.raises(services.BillingError, match="déjà validée"):
        validate(order, MARCH, of_user)
    validate(order, APRIL, of_user)
    with pytest.raises(services.BillingError, match="Aucune heure"):
        validate(order, dt.date(2023, 5, 1), of_user)
    assert Period.objects.validated().count() == 2


def test_the_final_period_needs_a_closed_action(order, actors):
    validate(order, MARCH, actors["of_user"])
    with pytest.raises(services.BillingError) as error:
        validate(order, APRIL, actors["of_user"], is_final=True)
    assert "CRE final" in str(error.value) and "Date de fin réelle manquante" in str(error.value)
    assert "fermeture de l'action" in str(error.value)
    close_order(order, of_user=actors["of_user"], region_user=actors["region_user"])
    assert order.status == OrderStatus.CLOSED
    april = validate(order, APRIL, actors["of_user"], is_final=True)
    assert april.statement.kind == "CRE final"
    add_month(order, dt.date(2023, 5, 1), [D("5")])
    with pytest.raises(services.BillingError, match="CRE final est déjà validé"):
        validate(order, dt.date(2023, 5, 1), actors["of_user"])


def test_region_rejects_with_a_reason_and_the_of_issues_a_corrected_invoice(
    order, actors, django_capture_on_commit_callbacks
):
    march = validate(order, MARCH, actors["of_user"])
    first = services.invoice_issue(period=march, user=actors["of_user"])
    mail.outbox.clear()
    with pytest.raises(services.BillingError, match="motif"):
        services.invoice_reject(invoice=first, user=actors["region_user"], reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_reject(invoice=first, user=actors["region_user"], reason="Le SIRET est erroné.")
    first.refresh_from_db()
    assert first.status == InvoiceStatus.REJECTED and first.rejection.reason == "Le SIRET est erroné."
    (message,) = mail.outbox
    assert message.to == ["of@organisme.fr"]
    assert "rejetée" in message.subject and "Le SIRET est erroné." in message.body
    assert "avoir n° " in message.body.lower() and first.credit_note.number in message.body
    # the avoir took the next number of the same sequence: the corrected invoice the one after
    assert first.credit_note.number == f"{dt.date.today().year}-00002"
    second = services.invoice_issue(period=march, user=actors["of_user"])
    assert second.replaces == first and second.number == f"{dt.date.today().year}-00003"


def test_signed_validated_then_paid_in_two_payments_with_e_mails(
    order, actors, django_capture_on_commit_callbacks
):
    from tests.billing.workflow import sign_unchecked

    of_user, region_user = actors["of_user"], actors["region_user"]
    march = validate(order, MARCH, of_user)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.invoice_issue(period=march, user=of_user, today=dt.date(2023, 4, 5))
    assert mail.outbox[-1].to == ["referent@region.fr"] and "émise" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        invoice = sign_unchecked(invoice, of_user)
    assert "signée" in mail.outbox[-1].subject and mail.outbox[-1].to == ["referent@region.fr"]
    with pytest.raises(services.BillingError, match="ne peut plus être modifiée"):
        sign_unchecked(invoice, of_user)
    with pytest.raises(services.BillingError, match="facture validée"):
        services.payment_record(invoice=invoice, user=region_user, date=dt.date(2023, 5, 2), amount=D("1"))
    invoice = services.invoice_validate(invoice=invoice, user=region_user)
    assert invoice.payable_ttc == D("14246.53")
    services.payment_record(invoice=invoice, user=region_user, date=dt.date(2023, 5, 2), amount=D("10000.00"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    with pytest.raises(services.BillingError, match="dépasse le reste à payer"):
        services.payment_record(
            invoice=invoice, user=region_user, date=dt.date(2023, 5, 3), amount=D("5000.00")
        )
    count = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record(
            invoice=invoice, user=region_user, date=dt.date(2023, 5, 9), amount=D("4246.53")
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert len(mail.outbox) == count + 1 and "payée" in mail.outbox[-1].subject


def test_late_payment_interest_and_the_recovery_indemnity(order, actors, settings):
    settings.FORMARCHE_LATE_INTEREST_RATE = "0.1000"
    invoice = Invoice(
        payable_ttc=D("36500.00"), received_on=dt.date(2023, 4, 7), status=InvoiceStatus.VALIDATED
    )
    assert invoice.payment_due_date == dt.date(2023, 5, 7)
    assert invoice.late_interest([], dt.date(2023, 5, 7)) == (0, 0)
    # 10 days late on 36 500 € at 10 %: 100,00 € + 40 € indemnity
    assert invoice.late_interest([], dt.date(2023, 5, 17)) == (D("140.00"), 10)


def test_history_records_who_changed_money_and_status(order, actors):
    from formarche.billing.selectors import invoice_audit

    march = validate(order, MARCH, actors["of_user"])
    invoice = services.invoice_issue(period=march, user=actors["of_user"])
    services.invoice_reject(invoice=invoice, user=actors["region_user"], reason="Erreur de période")
    entries = invoice_audit(invoice)
    status_changes = [c for e in entries for c in e.changes if c[0] == "statut"]
    assert ("statut", "Émise", "Rejetée") in status_changes
    assert any(e.who == str(actors["region_user"]) for e in entries)
    assert any(e.what.startswith("Rejet") for e in entries)


def test_every_invoice_e_mail_carries_absolute_links(
    order, actors, django_capture_on_commit_callbacks, settings
):
    """Issue #19.4: « Valider ou rejeter : https://…/factures/N/ », in every e-mail of the workflow."""
    from tests.accounts.test_site_url import SITE, assert_only_absolute_links

    settings.FORMARCHE_SITE_URL = SITE
    march = validate(order, MARCH, actors["of_user"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invoice_issue(period=march, user=actors["of_user"])
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_reject(invoice=first, user=actors["region_user"], reason="Le SIRET est erroné.")
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert f"{SITE}/factures/{first.pk}/" in message.body
        assert_only_absolute_links(message.body)
