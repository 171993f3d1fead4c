"""Who may do what on the documents pages: one function per rule, used by the views and passed
to the templates as booleans."""

from __future__ import annotations


def can_upload(tenant) -> bool:
    """The OF deposits the documents of its actions; the Région reads them."""
    return tenant.is_of


def can_certify_completion(enrolment) -> bool:
    """The certificat de réalisation is made at the trainee's exit."""
    return enrolment.exit_date is not None
