"""The Région's dispositifs, with their billing parameters as data."""

from decimal import Decimal

from django.db import transaction

from formarche.orders.models import Dispositif
from formarche.orders.rules import OrderError, with_history_user
from formarche.orders.terms import parse_bands
from formarche.organisations.models import Organisation


def _check_rates(*, advance_rate: Decimal, cap_rate: Decimal | None, vat_rate: Decimal) -> None:
    if not Decimal(0) <= advance_rate <= 1:
        raise OrderError("Le taux d'avance doit être compris entre 0 et 100 %.")
    if cap_rate is not None and not Decimal(0) < cap_rate <= 1:
        raise OrderError("Le taux de plafonnement doit être compris entre 0 et 100 %.")
    if not Decimal(0) <= vat_rate <= 1:
        raise OrderError("Le taux de TVA doit être compris entre 0 et 100 %.")


@transaction.atomic
def dispositif_create(
    *,
    region: Organisation,
    by=None,
    code: str,
    name: str,
    advance_rate: Decimal,
    cap_rate: Decimal | None,
    resorption_bands: list,
    vat_rate: Decimal = Decimal("0"),
) -> Dispositif:
    if not region.is_region:
        raise OrderError("Seule une Région crée des dispositifs.")
    if Dispositif.objects.filter(region=region, code=code).exists():
        raise OrderError("Ce code de dispositif existe déjà pour votre Région.")
    _check_rates(advance_rate=advance_rate, cap_rate=cap_rate, vat_rate=vat_rate)
    try:
        parse_bands(resorption_bands)
    except ValueError as exc:
        raise OrderError(str(exc)) from exc
    dispositif = Dispositif(
        region=region,
        code=code,
        name=name,
        advance_rate=advance_rate,
        cap_rate=cap_rate,
        resorption_bands=resorption_bands,
        vat_rate=vat_rate,
    )
    with_history_user(dispositif, by).save()
    return dispositif
