from django.urls import path

from formarche.billing import views

app_name = "billing"

A = "actions/<int:order_id>/facturation/"
F = "factures/<int:invoice_id>/"

urlpatterns = [
    # Validation / Facturation, the seed's four tabs
    path(A, views.validations, name="validations"),
    path(f"{A}a-facturer/", views.to_issue, name="to_issue"),
    path(f"{A}factures/", views.invoices_tab, name="invoices_tab"),
    path(f"{A}paiements/", views.payments, name="payments"),
    path(f"{A}avance/", views.advance, name="advance"),
    path(f"{A}<str:period>/valider/", views.validate_period, name="validate_period"),
    path(f"{A}<str:period>/releve/", views.statement, name="statement"),
    path(f"{A}<str:period>/releve.pdf", views.statement_pdf, name="statement_pdf"),
    path(f"{A}<str:period>/emettre/", views.issue, name="issue"),
    # Groupement (ADR 0018)
    path("actions/<int:order_id>/groupement/", views.group, name="group"),
    path("actions/<int:order_id>/groupement/<str:period>/emettre/", views.group_issue, name="group_issue"),
    # Pénalités / Bonus, VSF / Solde (issue #6)
    path("actions/<int:order_id>/penalites/", views.penalties, name="penalties"),
    path("actions/<int:order_id>/penalites/ajouter/", views.penalty_add, name="penalty_add"),
    path(
        "actions/<int:order_id>/penalites/<int:penalty_id>/supprimer/",
        views.penalty_remove,
        name="penalty_remove",
    ),
    path("actions/<int:order_id>/solde/", views.solde, name="solde"),
    # Avenants (ADR 0020)
    path("actions/<int:order_id>/avenants/nouveau/", views.amendment_create, name="amendment_create"),
    path("actions/<int:order_id>/solde/emettre/", views.solde_issue, name="solde_issue"),
    path("actions/<int:order_id>/solde/reversement.pdf", views.repayment_pdf, name="repayment_pdf"),
    path(
        "actions/<int:order_id>/solde/reversement-recu/", views.repayment_received, name="repayment_received"
    ),
    # Invoices
    path("factures/", views.invoice_list, name="region_invoices"),
    path(F, views.invoice_detail, name="invoice"),
    path(f"{F}facture.pdf", views.invoice_pdf, name="invoice_pdf"),
    path(f"{F}signee.pdf", views.signed_pdf, name="signed_pdf"),
    path(f"{F}ajouter-signee/", views.upload_signed, name="upload_signed"),
    path(f"{F}valider/", views.invoice_validate, name="invoice_validate"),
    path(f"{F}rejeter/", views.invoice_reject, name="invoice_reject"),
    path(f"{F}paiement/", views.invoice_pay, name="invoice_pay"),
    # the avoir cancelling a rejected invoice (ADR 0019)
    path(f"{F}avoir.pdf", views.credit_note_pdf, name="credit_note_pdf"),
    path(f"{F}avoir.xml", views.credit_note_xml, name="credit_note_xml"),
]
