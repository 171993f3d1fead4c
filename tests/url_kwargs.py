"""How the URL walk fills each URL keyword: an object owned by OF 1 (and ordered by Région A).

Every keyword used in a URL pattern must be listed here, so that a new view is walked as soon as it
exists. Values are functions of the test world.
"""

URL_KWARGS = {
    "membership_id": lambda w: w.objects["of1_marked_membership"].pk,
    "order_id": lambda w: w.objects["order"].pk,
    "component_id": lambda w: w.objects["component"].pk,
    "trainee_id": lambda w: w.objects["trainee"].pk,
    "enrolment_id": lambda w: w.objects["enrolment"].pk,
    "funding_id": lambda w: w.objects["funding"].pk,
    "attendance_id": lambda w: w.objects["attendance"].pk,
    "job_id": lambda w: w.objects["import_job"].pk,
    "document_id": lambda w: w.objects["document"].pk,
    "session_id": lambda w: w.objects["session"].pk,
    "signature_id": lambda w: w.objects["signature"].pk,
    "fiscal_year_id": lambda w: w.objects["fiscal_year"].pk,
    "trainer_id": lambda w: w.objects["trainer"].pk,
    "cell_key": lambda w: "F1.total.h",
    "invoice_id": lambda w: w.objects["invoice"].pk,
    "change_request_id": lambda w: w.objects["change_request"].pk,
    "penalty_id": lambda w: w.objects["penalty"].pk,
    # a month of an order: "YYYY-MM"
    "period": lambda w: "2023-03",
    # Django's password-reset confirmation: a bogus link, which must simply be refused.
    "uidb64": lambda w: "MQ",
    "token": lambda w: "lien-invalide",
}
