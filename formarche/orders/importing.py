"""The orders import: its documented columns and the validation of every row before any write.

Columns (header case, accents and spaces ignored; ``;`` or ``,`` CSV, or XLSX):

=================  ===========  ==============================================================
column             required     meaning
=================  ===========  ==============================================================
numero             yes          numéro du bon de commande, e.g. 23Q00030612_1 (unique key)
intitule           yes          intitulé de l'action
marche             yes          référence du marché (created if new)
lot                yes          numéro du lot dans le marché (created if new)
secteur            new lot      secteur du lot, e.g. AGRICULTURE
famille_metiers    new lot      famille de métiers
territoire         new lot      territoire, e.g. DEPARTEMENT DU TARN
dispositif         yes          code or name of one of the Région's dispositifs (must exist)
code_prestataire   yes          the OF's code at the Région, e.g. IN1331 (the OF must exist)
statut_prestataire no           titulaire (default), co-traitant, sous-traitant
prix_unitaire      yes          € HT per trainee-hour, e.g. 11,80
montant_ht         yes          order amount HT, e.g. 57 820,00
date_debut         yes          planned start, 13/03/2023 or 2023-03-13
date_fin           yes          planned end
duree_mois         yes          duration in months (≥ 1)
effectif_prevu     no           planned headcount (default 0)
referent_email     no           e-mail of the Région's référent (a user of the Région)
=================  ===========  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.accounts.models import REGION_ROLES, Membership
from formarche.orders.models import Dispositif, Lot, Order, ProviderRole
from formarche.orders.services import ORDER_NUMBER_RE
from formarche.organisations.models import Organisation, OrganisationKind
from formarche.utils.parsing import (
    ParseError,
    RowErrors,
    Table,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
)

COLUMNS = [
    "numero",
    "intitule",
    "marche",
    "lot",
    "secteur",
    "famille_metiers",
    "territoire",
    "dispositif",
    "code_prestataire",
    "statut_prestataire",
    "prix_unitaire",
    "montant_ht",
    "date_debut",
    "date_fin",
    "duree_mois",
    "effectif_prevu",
    "referent_email",
]
REQUIRED = [
    "numero",
    "intitule",
    "marche",
    "lot",
    "dispositif",
    "code_prestataire",
    "prix_unitaire",
    "montant_ht",
    "date_debut",
    "date_fin",
    "duree_mois",
]
EXAMPLE = [
    "23Q00030612_1",
    "Ouvrier(ère) en production végétale",
    "2022-PRF-OCC",
    "3",
    "AGRICULTURE",
    "METIERS DE LA PRODUCTION VEGETALE",
    "DEPARTEMENT DU TARN",
    "parcours-qualifiants",
    "IN1331",
    "titulaire",
    "11,80",
    "57820,00",
    "13/03/2023",
    "12/09/2024",
    "18",
    "20",
    "referent@region.fr",
]
#: At most this many orders in one file (an hours file may hold far more: see ``imports.readers``).
MAX_ROWS = 20_000


def read_orders_file(uploaded, *, filename: str | None = None) -> Table:
    """The uploaded orders file → :class:`Table`, checked (type, size, content) and capped at :data:`MAX_ROWS`."""
    return read_table(uploaded, filename=filename, max_rows=MAX_ROWS)


PROVIDER_ROLES = {
    "titulaire": ProviderRole.TITULAIRE,
    "co-traitant": ProviderRole.CO_TRAITANT,
    "cotraitant": ProviderRole.CO_TRAITANT,
    "sous-traitant": ProviderRole.SOUS_TRAITANT,
    "soustraitant": ProviderRole.SOUS_TRAITANT,
}

# Fields compared when a number already exists (label for the error message).
COMPARED = {
    "title": "l'intitulé",
    "lot_id": "le lot",
    "dispositif_id": "le dispositif",
    "provider_id": "le prestataire",
    "provider_role": "le statut du prestataire",
    "unit_price": "le prix unitaire",
    "amount": "le montant HT",
    "planned_start": "la date de début",
    "planned_end": "la date de fin",
    "duration_months": "la durée",
    "planned_headcount": "l'effectif prévu",
    "referent_id": "le référent",
}


@dataclass
class ImportedOrder:
    line: int
    number: str
    title: str
    market_reference: str
    lot_number: int
    sector: str
    trade_family: str
    territory: str
    dispositif: Dispositif
    provider: Organisation
    provider_role: str
    unit_price: Decimal
    amount: Decimal
    planned_start: date
    planned_end: date
    duration_months: int
    planned_headcount: int
    referent: object | None

    def order_fields(self) -> dict:
        return {
            "number": self.number,
            "title": self.title,
            "dispositif": self.dispositif,
            "provider": self.provider,
            "provider_role": self.provider_role,
            "unit_price": self.unit_price,
            "amount": self.amount,
            "planned_start": self.planned_start,
            "planned_end": self.planned_end,
            "duration_months": self.duration_months,
            "planned_headcount": self.planned_headcount,
            "referent": self.referent,
        }


@dataclass
class ImportPlan:
    new: list[ImportedOrder] = field(default_factory=list)
    unchanged: list[ImportedOrder] = field(default_factory=list)
    errors: RowErrors = field(default_factory=RowErrors)


def _text(row, key, label, errors, *, required=True, max_length=None) -> str:
    value = row.text(key)
    if required and not value:
        errors.add(row.line, f"{label} est obligatoire")
    elif max_length and len(value) > max_length:
        errors.add(row.line, f"{label} dépasse {max_length} caractères")
    return value


def validate_rows(*, region: Organisation, table: Table) -> ImportPlan:
    """Every row checked against the database (a handful of queries, not one per row)."""
    plan = ImportPlan()
    errors = plan.errors
    try:
        table.require(REQUIRED)
    except ValueError as exc:
        errors.add(1, str(exc))
        return plan
    if not table.rows:
        errors.add(2, "le fichier ne contient aucune commande")
        return plan

    dispositifs = {}
    for d in Dispositif.objects.filter(region=region):
        dispositifs[d.code.lower()] = d
        dispositifs.setdefault(d.name.lower(), d)
    providers = {
        o.provider_code.upper(): o
        for o in Organisation.objects.filter(kind=OrganisationKind.OF).exclude(provider_code="")
    }
    referents = {
        m.user.email.lower(): m.user
        for m in Membership.objects.active()
        .filter(organisation=region, role__in=REGION_ROLES)
        .select_related("user")
    }
    lots = {
        (lot.market.reference, lot.number): lot
        for lot in Lot.objects.filter(market__region=region).select_related("market")
    }
    numbers = [row.text("numero") for row in table.rows]
    existing = {o.number: o for o in Order.objects.filter(number__in=[n for n in numbers if n])}
    seen: dict[str, int] = {}
    new_lots: dict[tuple[str, int], tuple[str, str, str]] = {}

    for row in table.rows:
        line = row.line
        count_before = len(errors)
        number = _text(row, "numero", "le numéro de bon de commande", errors)
        if number and not ORDER_NUMBER_RE.fullmatch(number):
            errors.add(line, f"le numéro « {number} » n'est pas valide (lettres, chiffres, _ . / -)")
        if number in seen:
            errors.add(line, f"le numéro « {number} » figure déjà ligne {seen[number]}")
        elif number:
            seen[number] = line
        title = _text(row, "intitule", "l'intitulé", errors, max_length=250)
        market_reference = _text(row, "marche", "la référence du marché", errors, max_length=60)
        lot_number = None
        with errors.collect(row):
            lot_number = parse_int(row["lot"], label="le numéro de lot", minimum=1)
        sector = _text(row, "secteur", "le secteur", errors, required=False, max_length=120)
        trade_family = _text(
            row, "famille_metiers", "la famille de métiers", errors, required=False, max_length=200
        )
        territory = _text(row, "territoire", "le territoire", errors, required=False, max_length=200)
        lot = lots.get((market_reference, lot_number))
        if market_reference and lot_number is not None:
            if lot is not None:
                for value, attr, label in (
                    (sector, "sector", "le secteur"),
                    (trade_family, "trade_family", "la famille de métiers"),
                    (territory, "territory", "le territoire"),
                ):
                    if value and value != getattr(lot, attr):
                        errors.add(
                            line,
                            f"{label} « {value} » diffère de celui du lot {lot_number} du marché "
                            f"{market_reference} (« {getattr(lot, attr)} »)",
                        )
            elif not (sector and trade_family and territory):
                errors.add(
                    line,
                    f"le lot {lot_number} du marché {market_reference} n'existe pas encore : "
                    "indiquez son secteur, sa famille de métiers et son territoire",
                )
            else:
                key = (market_reference, lot_number)
                described = (sector, trade_family, territory)
                if new_lots.setdefault(key, described) != described:
                    errors.add(
                        line,
                        f"le lot {lot_number} du marché {market_reference} est décrit autrement plus haut",
                    )
        dispositif_key = row.text("dispositif")
        dispositif = dispositifs.get(dispositif_key.lower())
        if not dispositif_key:
            errors.add(line, "le dispositif est obligatoire")
        elif dispositif is None:
            errors.add(line, f"le dispositif « {dispositif_key} » n'existe pas dans votre Région")
        provider_code = row.text("code_prestataire").upper()
        provider = providers.get(provider_code)
        if not provider_code:
            errors.add(line, "le code prestataire est obligatoire")
        elif provider is None:
            errors.add(line, f"aucun organisme de formation n'a le code prestataire « {provider_code} »")
        provider_role = ProviderRole.TITULAIRE
        if row.text("statut_prestataire"):
            with errors.collect(row):
                provider_role = parse_choice(
                    row["statut_prestataire"], PROVIDER_ROLES, label="le statut du prestataire"
                )
        unit_price = amount = planned_start = planned_end = duration = None
        headcount = 0
        with errors.collect(row):
            unit_price = parse_decimal(
                row["prix_unitaire"], label="le prix unitaire", positive=True, places=4
            )
        with errors.collect(row):
            amount = parse_decimal(row["montant_ht"], label="le montant HT", positive=True, places=2)
        with errors.collect(row):
            planned_start = parse_date(row["date_debut"], label="la date de début")
        with errors.collect(row):
            planned_end = parse_date(row["date_fin"], label="la date de fin")
        with errors.collect(row):
            duration = parse_int(row["duree_mois"], label="la durée en mois", minimum=1)
        if row.text("effectif_prevu"):
            with errors.collect(row):
                headcount = parse_int(row["effectif_prevu"], label="l'effectif prévu", minimum=0)
        if planned_start and planned_end and planned_end < planned_start:
            errors.add(line, "la date de fin précède la date de début")
        referent = None
        email = row.text("referent_email").lower()
        if email:
            referent = referents.get(email)
            if referent is None:
                errors.add(line, f"« {email} » n'est pas un utilisateur de votre Région")
        if len(errors) > count_before:
            continue
        item = ImportedOrder(
            line=line,
            number=number,
            title=title,
            market_reference=market_reference,
            lot_number=lot_number,
            sector=sector,
            trade_family=trade_family,
            territory=territory,
            dispositif=dispositif,
            provider=provider,
            provider_role=provider_role,
            unit_price=unit_price,
            amount=amount,
            planned_start=planned_start,
            planned_end=planned_end,
            duration_months=duration,
            planned_headcount=headcount,
            referent=referent,
        )
        current = existing.get(number)
        if current is None:
            plan.new.append(item)
            continue
        if current.region_id != region.pk:
            errors.add(line, f"le numéro « {number} » est déjà utilisé par une autre Région")
            continue
        differences = _differences(current, item, lot)
        if differences:
            errors.add(
                line,
                f"la commande « {number} » existe déjà avec d'autres valeurs ({', '.join(differences)}) : "
                "l'import ne modifie pas une commande existante",
            )
        else:
            plan.unchanged.append(item)
    return plan


def _differences(current: Order, item: ImportedOrder, lot: Lot | None) -> list[str]:
    wanted = {
        "title": item.title,
        "lot_id": lot.pk if lot else None,
        "dispositif_id": item.dispositif.pk,
        "provider_id": item.provider.pk,
        "provider_role": item.provider_role,
        "unit_price": item.unit_price,
        "amount": item.amount,
        "planned_start": item.planned_start,
        "planned_end": item.planned_end,
        "duration_months": item.duration_months,
        "planned_headcount": item.planned_headcount,
    }
    if item.referent is not None:
        wanted["referent_id"] = item.referent.pk
    return [COMPARED[key] for key, value in wanted.items() if getattr(current, key) != value]


__all__ = ["COLUMNS", "EXAMPLE", "REQUIRED", "ImportPlan", "ImportedOrder", "ParseError", "validate_rows"]
