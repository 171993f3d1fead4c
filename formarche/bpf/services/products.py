"""Writes on the other records of cadre C, F-2 and G: other products, the sub-contracting of an action."""

from __future__ import annotations

from django.db import transaction

from formarche.bpf.errors import BpfError
from formarche.bpf.models import OtherProduct, Subcontracting


def other_product_create(*, organisation, **fields) -> OtherProduct:
    order = fields.get("order")
    if order is not None and order.provider_id != organisation.pk:
        raise BpfError("Cette action n'est pas réalisée par votre organisme.")
    if fields.get("kind") == "training" and not fields.get("payer"):
        raise BpfError("Un produit de formation doit indiquer son financeur (ligne C).")
    with transaction.atomic():
        return OtherProduct.objects.create(organisation=organisation, **fields)


def subcontracting_set(
    *, order, direction: str, partner_name: str, partner_siret: str = ""
) -> Subcontracting:
    if not partner_name.strip():
        raise BpfError("Indiquez l'autre organisme de formation.")
    with transaction.atomic():
        sub, _ = Subcontracting.objects.update_or_create(
            order=order,
            defaults={
                "direction": direction,
                "partner_name": partner_name.strip(),
                "partner_siret": partner_siret,
            },
        )
    return sub
