"""Reads of the API views that are not a scoped queryset of a model."""

from __future__ import annotations

from django.db.models import Prefetch
from facturx import get_facturx_xml_from_pdf

from formarche.accounts.models import Membership
from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.api.models import ApiToken
from formarche.orders.models import Component, OrderMember
from formarche.organisations.models import Organisation
from formarche.utils.storage import file_open


def components_prefetch() -> Prefetch:
    """An order's components, by code (one query for the whole page)."""
    return Prefetch("components", queryset=Component.objects.order_by("code"))


def members_prefetch() -> Prefetch:
    """The members of a group order (ADR 0018), with their organisation (one query per page)."""
    return Prefetch(
        "members",
        queryset=OrderMember.objects.select_related("organisation").order_by("role", "organisation__name"),
    )


def tenant_organisation(tenant) -> Organisation:
    return Organisation.objects.get(pk=tenant.organisation_id)


def invoice_facturx_xml(invoice) -> bytes | None:
    """The Factur-X XML embedded in the stored PDF of an invoice (``None``: no XML found).

    Read from the file the OF received and the Région keeps, never rebuilt: the XML is the one
    that was signed and sent. Raises the storage errors of ``utils.storage.file_open``."""
    with file_open(invoice.document) as handle:
        data = handle.read()
    _name, xml = get_facturx_xml_from_pdf(data, check_xsd=False)
    return xml or None


def organisation_tokens(tenant):
    """The API tokens of the manager's organisation (none for anybody else), newest first."""
    return (
        scoped(ApiToken, tenant)
        .select_related("membership__user", "revoked_by")
        .order_by("-created_at", "-pk")
    )


def token_for_manager(tenant, token_id) -> ApiToken:
    return get_scoped_or_404(ApiToken, tenant, pk=token_id)


def own_membership(tenant) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(pk=tenant.membership_id)
