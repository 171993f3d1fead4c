"""How the URL walk fills each URL keyword: an object owned by OF 1 (and ordered by Région A).

Every keyword used in a URL pattern must be listed here, so that a new view is walked as soon as it
exists. Values are functions of the test world.

``OBJECT_KEYS`` names, for each identifier keyword, the world object it stands for: the walk checks
that each exists and belongs to OF 1 (a 404 from another organisation then proves the tenancy, not
a missing object). ``OF2_OBJECT_KEYS`` names OF 2's counterparts: the routes made only of those
keywords are also walked the other way, OF 1's members asking for OF 2's objects.
"""

OBJECT_KEYS = {
    "membership_id": "of1_marked_membership",
    "order_id": "order",
    "component_id": "component",
    "trainee_id": "trainee",
    "enrolment_id": "enrolment",
    "funding_id": "funding",
    "attendance_id": "attendance",
    "job_id": "import_job",
    "export_id": "export_job",
    "transfer_id": "transfer_job",
    "document_id": "document",
    "session_id": "session",
    "signature_id": "signature",
    "fiscal_year_id": "fiscal_year",
    "trainer_id": "trainer",
    "invoice_id": "invoice",
    "change_request_id": "change_request",
    "penalty_id": "penalty",
    "period_id": "period",
    "token_id": "api_token",
}

OF2_OBJECT_KEYS = {
    "order_id": "of2_order",
    "trainee_id": "of2_trainee",
    "enrolment_id": "of2_enrolment",
    "funding_id": "of2_funding",
    "document_id": "of2_document",
    "penalty_id": "of2_penalty",
}


def _object_pk(key):
    return lambda w: w.objects[key].pk


URL_KWARGS = {
    **{kwarg: _object_pk(key) for kwarg, key in OBJECT_KEYS.items()},
    "cell_key": lambda w: "F1.total.h",
    # a month of an order: "YYYY-MM"
    "period": lambda w: "2023-03",
    # Django's password-reset confirmation: a bogus link, which must simply be refused.
    "uidb64": lambda w: "MQ",
    "token": lambda w: "lien-invalide",
}
OF2_URL_KWARGS = {**URL_KWARGS, **{kwarg: _object_pk(key) for kwarg, key in OF2_OBJECT_KEYS.items()}}
