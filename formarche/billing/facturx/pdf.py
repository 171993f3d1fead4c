"""The PDF/A-3 of an invoice: its HTML, rendered by WeasyPrint, with the CII XML embedded."""

from __future__ import annotations

import html
import string
from typing import TYPE_CHECKING

from formarche.utils.formatting import (
    format_amount,
    format_date,
    format_hours,
    format_rate,
)

if TYPE_CHECKING:
    pass
from formarche.billing.facturx.document import (
    NDA_DISCLAIMER,
    TEMPLATE_PATH,
    VAT_EXEMPTION_REASON,
    InvoiceDocument,
    Party,
    _format_price,
)
from formarche.billing.facturx.xml import build_facturx_xml
from formarche.utils.pdf import html_to_pdf


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _css_string(value: str) -> str:
    """Text for a double-quoted CSS string inside <style> (no HTML escaping applies there)."""
    out = []
    for ch in value:
        if ch in '\\"<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):X} ")
        else:
            out.append(ch)
    return "".join(out)


def _party_html(party: Party, *, with_vat: bool = True) -> str:
    parts = [f"<strong>{_e(party.name)}</strong>"]
    parts += [_e(line) for line in party.address_lines]
    parts.append(
        f"{_e(party.postcode)} {_e(party.city)}"
        + ("" if party.country == "FR" else f" ({_e(party.country)})")
    )
    parts.append(f"SIRET {_e(party.siret)}")
    if with_vat and party.vat_number:
        parts.append(f"N° TVA intracommunautaire {_e(party.vat_number)}")
    return "<br>".join(parts)


def _row(label: str, value: str, *, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<tr{klass}><th>{_e(label)}</th><td class="num">{_e(value)}</td></tr>'


def _meta_rows(doc: InvoiceDocument) -> str:
    meta = [
        ("Date d'émission", format_date(doc.issue_date)),
        ("Date d'échéance", format_date(doc.due_date)),
        ("Bon de commande", doc.order_number),
        ("Période", doc.period_label),
        ("Support", doc.support),
    ]
    if doc.contract_reference:
        meta.append(("Marché", doc.contract_reference))
    if doc.buyer_reference:
        meta.append(("Référence acheteur", doc.buyer_reference))
    return "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta)


def _line_rows(doc: InvoiceDocument) -> str:
    line_rows = []
    for line in doc.lines:
        realised = format_hours(line.realised_hours) if line.realised_hours is not None else "–"
        counted = (
            format_hours(line.counted_unrealised_hours) if line.counted_unrealised_hours is not None else "–"
        )
        line_rows.append(
            "<tr>"
            f"<td>{_e(line.label)}</td>"
            f'<td class="num">{_e(realised)}</td>'
            f'<td class="num">{_e(counted)}</td>'
            f'<td class="num">{_e(format_hours(line.quantity))}</td>'
            f'<td class="num">{_e(_format_price(line.unit_price))}</td>'
            f'<td class="num">{_e(format_amount(line.net_amount))}</td>'
            "</tr>"
        )
    return "".join(line_rows)


def _statement_rows(doc: InvoiceDocument) -> str:
    statement_rows = [
        _row(doc.row_labels["billable"], format_amount(doc.net_billable_amount)),
        _row(doc.cap_regulation_reason, format_amount(doc.cap_regulation)),
        _row(doc.row_labels["repayment"], format_amount(doc.advance_repayment)),
    ]
    if doc.repayment_carried_in:
        statement_rows.append(
            _row(
                "Report du remboursement d'avance de la période précédente",
                format_amount(doc.repayment_carried_in),
            )
        )
    if doc.repayment_carried_out:
        statement_rows.append(
            _row(
                "Remboursement d'avance reporté sur la période suivante",
                format_amount(doc.repayment_carried_out),
            )
        )
    statement_rows += [
        _row("Total à verser € HT", format_amount(doc.total_ht), css="total"),
        _row(f"TVA {format_rate(doc.vat_rate)}", format_amount(doc.vat_amount)),
        _row("Total à verser € TTC", format_amount(doc.total_ttc), css="total"),
    ]
    return "".join(statement_rows)


def _en16931_rows(doc: InvoiceDocument) -> str:
    en16931_rows = [
        _row("Total des prestations HT (lignes)", format_amount(doc.line_total)),
    ]
    if doc.allowance_total:
        en16931_rows.append(
            _row(f"Remise : {doc.cap_regulation_reason}", format_amount(-doc.allowance_total))
        )
    if doc.charge_total:
        en16931_rows.append(
            _row(f"Majoration : {doc.cap_regulation_reason}", format_amount(doc.charge_total))
        )
    en16931_rows += [
        _row("Base HT", format_amount(doc.tax_basis)),
        _row(f"TVA {format_rate(doc.vat_rate)}", format_amount(doc.tax_basis_vat)),
        _row("Total TTC", format_amount(doc.grand_total)),
        _row(doc.row_labels["prepaid"], format_amount(-doc.amount_paid)),
        _row("Net à payer", format_amount(doc.amount_due), css="total"),
    ]
    return "".join(en16931_rows)


def _context(doc: InvoiceDocument) -> dict[str, str]:
    seller = doc.seller
    if doc.is_vat_exempt:
        vat_status = f"TVA : {VAT_EXEMPTION_REASON} (formation professionnelle continue)."
    else:
        vat_status = (
            f"TVA au taux de {format_rate(doc.vat_rate)}, N° TVA intracommunautaire {seller.vat_number}."
        )

    payment = [doc.payment_terms]
    if seller.iban and not doc.is_credit_note:
        bank = f"Virement sur le compte IBAN {seller.iban}"
        if seller.bic:
            bank += f", BIC {seller.bic}"
        payment.append(bank + f", en rappelant la référence {doc.number}.")
    payment += [doc.late_payment_penalties, doc.recovery_indemnity, doc.discount_terms]
    notes = "".join(f"<p>{_e(note)}</p>" for note in doc.notes)

    if doc.is_credit_note:
        preceding = (
            f"Avoir n° {doc.number} annulant la facture n° {doc.preceding_invoice_number} "
            f"du {format_date(doc.preceding_invoice_date)}."
        )
        preceding_block = f'<p class="subtitle"><strong>{_e(preceding)}</strong></p>'
    else:
        preceding_block = ""
    return {
        "title": _e(f"{doc.document_label} {doc.number}"),
        "heading": _e(f"{doc.document_label} n° {doc.number}"),
        "preceding_block": preceding_block,
        "due_label": _e("Montant de l'avoir" if doc.is_credit_note else "Net à payer"),
        "number": _e(doc.number),
        "support_label": _e(doc.support_label),
        "period_label": _e(doc.period_label),
        "seller_block": _party_html(seller),
        "buyer_block": _party_html(doc.buyer),
        "meta_rows": _meta_rows(doc),
        "line_rows": _line_rows(doc),
        "statement_rows": _statement_rows(doc),
        "en16931_rows": _en16931_rows(doc),
        "amount_due": _e(format_amount(doc.amount_due)),
        "vat_status": _e(vat_status),
        "payment_block": "".join(f"<p>{_e(text)}</p>" for text in payment),
        "notes_block": notes,
        "nda_text": _e(
            f"Déclaration d'activité enregistrée sous le numéro {seller.activity_declaration_number} "
            f"auprès du préfet de région {seller.activity_declaration_region}."
        ),
        "nda_disclaimer": _e(NDA_DISCLAIMER),
        "seller_legal": _css_string(f"{seller.name} – SIRET {seller.siret}"),
    }


def render_invoice_html(doc: InvoiceDocument, *, template: str | None = None) -> str:
    """The invoice as HTML, from ``templates/billing/invoice_pdf.html`` (``$name`` placeholders,
    :class:`string.Template`; every value is escaped here)."""
    if template is None:
        template = TEMPLATE_PATH.read_text(encoding="utf-8")
    return string.Template(template).substitute(_context(doc))


def render_invoice_pdf(doc: InvoiceDocument, *, html: str | None = None) -> bytes:
    """The invoice as a PDF/A-3b (no XML attached). ``html`` replaces the built-in template with
    an already rendered page (a Django view may render its own), at the caller's risk as to the
    legal mentions."""
    page = html if html is not None else render_invoice_html(doc)
    return html_to_pdf(page, base_url=str(TEMPLATE_PATH.parent), pdf_variant="pdf/a-3b")


def build_facturx_pdf(doc: InvoiceDocument, *, html: str | None = None) -> bytes:
    """The Factur-X invoice: the PDF/A-3 of :func:`render_invoice_pdf` with ``factur-x.xml``
    (EN 16931) attached and the Factur-X XMP metadata. The XML is checked against the XSD.

    XMP metadata is left uncompressed so that the organisme can sign the file (PAdES) later.
    """
    import facturx

    pdf = render_invoice_pdf(doc, html=html)
    xml = build_facturx_xml(doc)
    metadata = {
        "author": doc.seller.name,
        "keywords": f"Factur-X, {doc.document_label}",
        "title": f"{doc.seller.name} : {doc.document_label.lower()} {doc.number}",
        "subject": (
            f"{doc.document_label} {doc.number} du {format_date(doc.issue_date)} – {doc.support} "
            f"{doc.period_label} – bon de commande {doc.order_number}"
        ),
    }
    combined = facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata=metadata,
        lang="fr-FR",
        xmp_compression=False,
    )
    return align_xmp_with_info(combined)


_XMP_PDF = "http://ns.adobe.com/pdf/1.3/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def align_xmp_with_info(data: bytes) -> bytes:
    """PDF/A asks the document information entries to equal their XMP counterparts. The
    ``factur-x`` library writes ``pdf:Producer`` « pypdf » in the XMP while the information
    dictionary keeps WeasyPrint's ``/Producer``, and no ``pdf:Keywords`` for ``/Keywords``: the
    XMP gets the dictionary's values (checked by :func:`formarche.billing.facturx.pdfa.pdfa3_check`)."""
    import io

    from lxml import etree
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    wanted = {
        name: str(info[key]).strip()
        for key, name in (("/Producer", "Producer"), ("/Keywords", "Keywords"))
        if str(info.get(key, "")).strip()
    }
    if not wanted:
        return data
    writer = PdfWriter(reader, incremental=True)  # appends the new XMP: half the cost of a rewrite
    stream = writer._root_object["/Metadata"].get_object()
    root = etree.fromstring(stream.get_data())
    producer = root.find(f".//{{{_XMP_PDF}}}Producer")
    home = producer.getparent() if producer is not None else root.findall(f".//{{{_RDF}}}Description")[-1]
    for name, value in wanted.items():
        element = root.find(f".//{{{_XMP_PDF}}}{name}")
        if element is None:
            element = etree.SubElement(home, f"{{{_XMP_PDF}}}{name}")
        element.text = value
    stream.set_data(etree.tostring(root.getroottree(), encoding="UTF-8"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
