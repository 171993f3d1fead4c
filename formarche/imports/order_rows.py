"""The orders import (the Région's bons de commande): its documented columns, and the check stage
of the ingest pipeline for it — every row validated before any write (see :mod:`formarche.imports.pipeline`).

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
cadre_facturation  no           Chorus Pro cadre de facturation: A1, A2, A9 or A12 (BT-23)
engagement_juridique no         Chorus Pro numéro d'engagement juridique (BT-13 of the Factur-X)
code_service       no           Chorus Pro code service of the Région (BT-10 of the Factur-X)
=================  ===========  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.accounts.models import REGION_ROLES, Membership
from formarche.orders.models import Dispositif, Lot, Order, ProviderRole
from formarche.orders.rules import OrderError, chorus_fields
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
    "cadre_facturation",
    "engagement_juridique",
    "code_service",
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
#: Required only to create a lot that does not exist yet.
NEW_LOT = ["secteur", "famille_metiers", "territoire"]
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
    "A1",
    "1300045678",
    "FORMATION-PRO",
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
    "chorus_billing_frame": "le cadre de facturation",
    "chorus_commitment_number": "le numéro d'engagement juridique",
    "chorus_service_code": "le code service",
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
    chorus: dict = field(default_factory=dict)

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
            **self.chorus,
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


def validate_rows(*, region: Organisation, table: Table, plan: ImportPlan | None = None) -> ImportPlan:
    """Every row checked against the database (a handful of queries, not one per row); the
    result goes into ``plan`` when given (the pipeline's report), else a new one."""
    plan = ImportPlan() if plan is None else plan
    errors = plan.errors
    try:
        table.require(REQUIRED)
    except ValueError as exc:
        errors.add(1, str(exc))
        return plan
    if not table.rows:
        errors.add(2, "le fichier ne contient aucune commande")
        return plan
    known = _Known.load(region, table)
    for row in table.rows:
        count_before = len(errors)
        item, lot = _check_row(row, known, errors)
        if len(errors) > count_before:
            continue
        _classify(item, lot, region, known, plan)
    return plan


@dataclass
class _Known:
    """What the rows are checked against, read once: the Région's dispositifs, lots and référents,
    the OFs by provider code, the orders already numbered as in the file."""

    dispositifs: dict
    providers: dict
    referents: dict
    lots: dict
    existing: dict
    seen: dict = field(default_factory=dict)
    new_lots: dict = field(default_factory=dict)

    @classmethod
    def load(cls, region: Organisation, table: Table) -> _Known:
        dispositifs = {}
        for d in Dispositif.objects.filter(region=region):
            dispositifs[d.code.lower()] = d
            dispositifs.setdefault(d.name.lower(), d)
        numbers = [row.text("numero") for row in table.rows]
        return cls(
            dispositifs=dispositifs,
            providers={
                o.provider_code.upper(): o
                for o in Organisation.objects.filter(kind=OrganisationKind.OF).exclude(provider_code="")
            },
            referents={
                m.user.email.lower(): m.user
                for m in Membership.objects.active()
                .filter(organisation=region, role__in=REGION_ROLES)
                .select_related("user")
            },
            lots={
                (lot.market.reference, lot.number): lot
                for lot in Lot.objects.filter(market__region=region).select_related("market")
            },
            existing={o.number: o for o in Order.objects.filter(number__in=[n for n in numbers if n])},
        )


def _check_row(row, known: _Known, errors: RowErrors) -> tuple[ImportedOrder | None, Lot | None]:
    """One row → the order it describes (``None`` fields where a value was refused) and its lot."""
    line = row.line
    number = _text(row, "numero", "le numéro de bon de commande", errors)
    if number and not ORDER_NUMBER_RE.fullmatch(number):
        errors.add(line, f"le numéro « {number} » n'est pas valide (lettres, chiffres, _ . / -)")
    if number in known.seen:
        errors.add(line, f"le numéro « {number} » figure déjà ligne {known.seen[number]}")
    elif number:
        known.seen[number] = line
    title = _text(row, "intitule", "l'intitulé", errors, max_length=250)
    market_reference = _text(row, "marche", "la référence du marché", errors, max_length=60)
    lot_number = None
    with errors.collect(row):
        lot_number = parse_int(row["lot"], label="le numéro de lot", minimum=1)
    described = (
        _text(row, "secteur", "le secteur", errors, required=False, max_length=120),
        _text(row, "famille_metiers", "la famille de métiers", errors, required=False, max_length=200),
        _text(row, "territoire", "le territoire", errors, required=False, max_length=200),
    )
    lot = known.lots.get((market_reference, lot_number))
    if market_reference and lot_number is not None:
        _check_lot(line, (market_reference, lot_number), lot, described, known, errors)
    dispositif, provider = _check_references(row, known, errors)
    values = _check_values(row, errors)
    referent = None
    email = row.text("referent_email").lower()
    if email:
        referent = known.referents.get(email)
        if referent is None:
            errors.add(line, f"« {email} » n'est pas un utilisateur de votre Région")
    chorus = {}
    try:
        chorus = chorus_fields(
            billing_frame=row.text("cadre_facturation"),
            commitment_number=row.text("engagement_juridique"),
            service_code=row.text("code_service"),
        )
    except OrderError as exc:
        message = str(exc)
        errors.add(line, message[0].lower() + message[1:].rstrip("."))
    item = ImportedOrder(
        line=line,
        chorus=chorus,
        number=number,
        title=title,
        market_reference=market_reference,
        lot_number=lot_number,
        sector=described[0],
        trade_family=described[1],
        territory=described[2],
        dispositif=dispositif,
        provider=provider,
        referent=referent,
        **values,
    )
    return item, lot


def _check_lot(line: int, key: tuple[str, int], lot: Lot | None, described, known: _Known, errors) -> None:
    """An existing lot is described the same way; a new one is described in full, once."""
    market_reference, lot_number = key
    if lot is not None:
        for value, attr, label in zip(
            described,
            ("sector", "trade_family", "territory"),
            ("le secteur", "la famille de métiers", "le territoire"),
            strict=True,
        ):
            if value and value != getattr(lot, attr):
                errors.add(
                    line,
                    f"{label} « {value} » diffère de celui du lot {lot_number} du marché "
                    f"{market_reference} (« {getattr(lot, attr)} »)",
                )
    elif not all(described):
        errors.add(
            line,
            f"le lot {lot_number} du marché {market_reference} n'existe pas encore : "
            "indiquez son secteur, sa famille de métiers et son territoire",
        )
    elif known.new_lots.setdefault(key, described) != described:
        errors.add(
            line,
            f"le lot {lot_number} du marché {market_reference} est décrit autrement plus haut",
        )


def _check_references(row, known: _Known, errors: RowErrors) -> tuple[Dispositif | None, Organisation | None]:
    line = row.line
    dispositif_key = row.text("dispositif")
    dispositif = known.dispositifs.get(dispositif_key.lower())
    if not dispositif_key:
        errors.add(line, "le dispositif est obligatoire")
    elif dispositif is None:
        errors.add(line, f"le dispositif « {dispositif_key} » n'existe pas dans votre Région")
    provider_code = row.text("code_prestataire").upper()
    provider = known.providers.get(provider_code)
    if not provider_code:
        errors.add(line, "le code prestataire est obligatoire")
    elif provider is None:
        errors.add(line, f"aucun organisme de formation n'a le code prestataire « {provider_code} »")
    return dispositif, provider


def _check_values(row, errors: RowErrors) -> dict:
    """The row's role, prices, dates, duration and headcount (``None`` where refused)."""
    values = {
        "provider_role": ProviderRole.TITULAIRE,
        "unit_price": None,
        "amount": None,
        "planned_start": None,
        "planned_end": None,
        "duration_months": None,
        "planned_headcount": 0,
    }
    if row.text("statut_prestataire"):
        with errors.collect(row):
            values["provider_role"] = parse_choice(
                row["statut_prestataire"], PROVIDER_ROLES, label="le statut du prestataire"
            )
    with errors.collect(row):
        values["unit_price"] = parse_decimal(
            row["prix_unitaire"], label="le prix unitaire", positive=True, places=4
        )
    with errors.collect(row):
        values["amount"] = parse_decimal(row["montant_ht"], label="le montant HT", positive=True, places=2)
    with errors.collect(row):
        values["planned_start"] = parse_date(row["date_debut"], label="la date de début")
    with errors.collect(row):
        values["planned_end"] = parse_date(row["date_fin"], label="la date de fin")
    with errors.collect(row):
        values["duration_months"] = parse_int(row["duree_mois"], label="la durée en mois", minimum=1)
    if row.text("effectif_prevu"):
        with errors.collect(row):
            values["planned_headcount"] = parse_int(
                row["effectif_prevu"], label="l'effectif prévu", minimum=0
            )
    start, end = values["planned_start"], values["planned_end"]
    if start and end and end < start:
        errors.add(row.line, "la date de fin précède la date de début")
    return values


def _classify(
    item: ImportedOrder, lot: Lot | None, region: Organisation, known: _Known, plan: ImportPlan
) -> None:
    """A new order, or one already there: unchanged, or an error (an import never modifies one)."""
    errors = plan.errors
    current = known.existing.get(item.number)
    if current is None:
        plan.new.append(item)
        return
    if current.region_id != region.pk:
        errors.add(item.line, f"le numéro « {item.number} » est déjà utilisé par une autre Région")
        return
    differences = _differences(current, item, lot)
    if differences:
        errors.add(
            item.line,
            f"la commande « {item.number} » existe déjà avec d'autres valeurs ({', '.join(differences)}) : "
            "l'import ne modifie pas une commande existante",
        )
    else:
        plan.unchanged.append(item)


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
    wanted.update({key: value for key, value in item.chorus.items() if value})
    return [COMPARED[key] for key, value in wanted.items() if getattr(current, key) != value]


__all__ = ["COLUMNS", "EXAMPLE", "REQUIRED", "ImportPlan", "ImportedOrder", "ParseError", "validate_rows"]
