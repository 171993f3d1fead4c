"""The statement engine's inputs that do not change from month to month: the order's terms and
the dispositif's parameters (advance, resorption bands, cap); the refusal of a bad input.

Pure Python (see :mod:`formarche.billing.engine`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from formarche.utils.money import exact_context, round_cents_of_ratio

_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_TWELVE = Decimal(12)

# Bounds that keep every intermediate product exact in the engine's 60-digit context.
_MAX_AMOUNT = Decimal("1e11")  # 100 billion euros
_MAX_UNIT_PRICE = Decimal("1e6")
_MAX_HOURS = Decimal("1e10")
_MAX_FRACTION_DENOMINATOR = 1000
_ENGINE_CONTEXT = exact_context(60)


class EngineInputError(ValueError):
    """Parameters the engine refuses; ``field`` names the culprit, the message is in French."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field} : {message}")


class StatementKind(StrEnum):
    """Support of the statement, in the seed's words [seed: "Support : CRE / CRE final"]."""

    CRE = "CRE"
    CREF = "CRE final"


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResorptionBand:
    """One step of the advance resorption schedule.

    Between ``from_percent`` and ``to_percent`` of realisation the recovered fraction of the
    advance rises linearly from the previous band's ``fraction`` (0 for the first band) to this
    band's ``fraction``; between two bands it stays flat.  [seed thresholds: "1/3 sera récupéré
    entre 10 et 20 %, 2/3 entre 30 et 40 %, 3/3 entre 50 et 60 %"; derived shape: linear ramps,
    which reproduce the seed's 5 365,07 at r = 33,918… %.]
    """

    from_percent: Decimal
    to_percent: Decimal
    fraction: Fraction


DEFAULT_RESORPTION_BANDS: tuple[ResorptionBand, ...] = (
    ResorptionBand(Decimal(10), Decimal(20), Fraction(1, 3)),
    ResorptionBand(Decimal(30), Decimal(40), Fraction(2, 3)),
    ResorptionBand(Decimal(50), Decimal(60), Fraction(1)),
)


@dataclass(frozen=True, slots=True)
class DispositifParameters:
    """A dispositif's billing parameters, as data (DESIGN rule 5: no ``if dispositif == …``)."""

    code: str
    label: str
    advance_rate: Decimal
    cap_rate: Decimal | None
    resorption_bands: tuple[ResorptionBand, ...] = DEFAULT_RESORPTION_BANDS


PARCOURS_QUALIFIANTS = DispositifParameters(
    code="parcours_qualifiants",
    label="Parcours Qualifiants",
    # [derived] 30 % is the advance of the seed's order; the seed does not state it per dispositif.
    advance_rate=Decimal("0.30"),
    # [seed] "Au-delà de 80% de réalisation, le taux de plafonnement de 20 % est appliqué pour les
    # actions des dispositifs parcours Qualifiants et Compétences Plus".
    cap_rate=Decimal("0.80"),
)
COMPETENCES_PLUS = DispositifParameters(
    code="competences_plus",
    label="Compétences Plus",
    advance_rate=Decimal("0.30"),  # [derived] as above
    cap_rate=Decimal("0.80"),  # [seed]
)
DISPOSITIF_PRESETS: Mapping[str, DispositifParameters] = MappingProxyType(
    {preset.code: preset for preset in (PARCOURS_QUALIFIANTS, COMPETENCES_PLUS)}
)


def _check_decimal(field: str, value: object, *, places: int | None = None) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise EngineInputError(field, "doit être un nombre décimal (Decimal) fini")
    if places is not None and value.as_tuple().exponent < -places:
        raise EngineInputError(field, f"au plus {places} chiffre(s) après la virgule")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTerms:
    """An order's (bon de commande's) billing parameters.

    Rates are fractions of 1 (``Decimal("0.30")`` for 30 %).  ``advance_rate`` is 0 when no
    advance was paid.  ``cap_rate`` is ``None`` when the dispositif has no cap: cumulative billing
    is then still limited to the order amount (c = 1) [design].
    """

    amount: Decimal  # A, € HT, cents
    unit_price: Decimal  # p, € HT per trainee-hour (at most 4 decimals)
    duration_months: int  # D
    vat_rate: Decimal  # t, 0 for VAT-exempt training (the seed: "TVA 0,00 %")
    advance_rate: Decimal  # α, 0 when no advance was paid
    cap_rate: Decimal | None  # c, None = no cap
    resorption_bands: tuple[ResorptionBand, ...] = DEFAULT_RESORPTION_BANDS
    # [design, ADR 0020] the avenants: from each one's period on, its amount / price / duration
    amendments: tuple[TermsAmendment, ...] = ()

    def __post_init__(self) -> None:
        _check_money_terms(self.amount, self.unit_price, self.duration_months)
        for name in ("vat_rate", "advance_rate"):
            rate = _check_decimal(name, getattr(self, name), places=6)
            if not 0 <= rate <= 1:
                raise EngineInputError(name, "le taux doit être compris entre 0 et 1 (0.30 pour 30 %)")
        if self.cap_rate is not None:
            cap = _check_decimal("cap_rate", self.cap_rate, places=6)
            if not 0 < cap <= 1:
                raise EngineInputError(
                    "cap_rate",
                    "le taux de plafonnement doit être compris entre 0 (exclu) et 1 (0.80 pour 80 %)",
                )
        _check_bands(self.resorption_bands)
        _check_amendments(self.amendments)

    def in_force(self, period: date) -> OrderTerms:
        """The terms of the statement of ``period``: the last avenant whose period is ≤ ``period``
        (the initial terms before the first one), without the avenants list."""
        if not self.amendments:
            return self
        chosen = None
        for amendment in self.amendments:
            if amendment.from_period <= period:
                chosen = amendment
        return self._with(chosen)

    @property
    def current(self) -> OrderTerms:
        """The terms after every avenant (the solde, the contracted hours shown)."""
        return self._with(self.amendments[-1]) if self.amendments else self

    @property
    def initial(self) -> OrderTerms:
        """The terms before any avenant (the advance is computed on them)."""
        return replace(self, amendments=()) if self.amendments else self

    def _with(self, amendment: TermsAmendment | None) -> OrderTerms:
        if amendment is None:
            return replace(self, amendments=())
        return replace(
            self,
            amount=amendment.amount,
            unit_price=amendment.unit_price,
            duration_months=amendment.duration_months,
            amendments=(),
        )


def _check_money_terms(amount_value, price_value, duration_months, prefix: str = "") -> None:
    amount = _check_decimal(prefix + "amount", amount_value, places=2)
    if not 0 < amount < _MAX_AMOUNT:
        raise EngineInputError(
            prefix + "amount",
            "le montant de la commande doit être strictement positif (et inférieur à 100 milliards)",
        )
    price = _check_decimal(prefix + "unit_price", price_value, places=4)
    if not 0 < price < _MAX_UNIT_PRICE:
        raise EngineInputError(
            prefix + "unit_price", "le prix unitaire doit être strictement positif (et inférieur à 1 million)"
        )
    if isinstance(duration_months, bool) or not isinstance(duration_months, int):
        raise EngineInputError(prefix + "duration_months", "la durée doit être un nombre entier de mois")
    if not 1 <= duration_months <= 1200:
        raise EngineInputError(prefix + "duration_months", "la durée doit être d'au moins 1 mois")


@dataclass(frozen=True, slots=True, kw_only=True)
class TermsAmendment:
    """An avenant as the engine sees it [design, ADR 0020]: from the statement of ``from_period``
    (the first day of a month) on, the order's amount, unit price and duration are these.

    What it changes, period by period (docs/calculs.md « avenant en cours d'action »): the
    facturable H_k × p at the new price, the rate r_k = C_k × p / A and V = A / p on the new terms,
    the cap c × A on the new amount (a raised amount releases what the cap withheld), the
    resorption thresholds on the new amount; the advance (already paid) and its base do not change,
    and what is resorbed stays resorbed (S_k never goes down).  Statements of earlier periods are
    not touched: they are computed on the terms in force at their period.
    """

    number: int
    from_period: date
    amount: Decimal
    unit_price: Decimal
    duration_months: int


def _check_amendments(amendments: object) -> None:
    if not isinstance(amendments, tuple):
        raise EngineInputError("amendments", "les avenants doivent être un tuple de TermsAmendment")
    previous = None
    for index, amendment in enumerate(amendments):
        field = f"amendments[{index}]"
        if not isinstance(amendment, TermsAmendment):
            raise EngineInputError(field, "doit être un TermsAmendment")
        period = amendment.from_period
        if not isinstance(period, date) or period.day != 1:
            raise EngineInputError(f"{field}.from_period", "la période est la date du premier jour du mois")
        if previous is not None and period <= previous:
            raise EngineInputError(
                f"{field}.from_period", "les avenants doivent prendre effet sur des mois croissants"
            )
        previous = period
        _check_money_terms(amendment.amount, amendment.unit_price, amendment.duration_months, field + ".")


def _check_bands(bands: object) -> None:
    if not isinstance(bands, tuple) or not bands:
        raise EngineInputError("resorption_bands", "au moins une tranche de résorption, sous forme de tuple")
    previous_end = Decimal(0)
    previous_fraction = Fraction(0)
    for index, band in enumerate(bands):
        field = f"resorption_bands[{index}]"
        if not isinstance(band, ResorptionBand):
            raise EngineInputError(field, "doit être une ResorptionBand")
        start = _check_decimal(f"{field}.from_percent", band.from_percent, places=4)
        end = _check_decimal(f"{field}.to_percent", band.to_percent, places=4)
        if start < previous_end or end <= start or end > 1000:
            raise EngineInputError(
                field,
                "les tranches doivent être croissantes et sans chevauchement (de % < à %), entre 0 et 1000 %",
            )
        fraction = band.fraction
        if not isinstance(fraction, Fraction) or not previous_fraction < fraction <= 1:
            raise EngineInputError(
                f"{field}.fraction",
                "la fraction résorbée doit croître d'une tranche à l'autre, sans dépasser 1",
            )
        if fraction.denominator > _MAX_FRACTION_DENOMINATOR:
            raise EngineInputError(f"{field}.fraction", "dénominateur trop grand (1000 au plus)")
        previous_end, previous_fraction = end, fraction


def terms_for_dispositif(
    dispositif: str | DispositifParameters,
    *,
    amount: Decimal,
    unit_price: Decimal,
    duration_months: int,
    vat_rate: Decimal,
    advance_paid: bool = True,
) -> OrderTerms:
    """Order terms from a dispositif preset (``"parcours_qualifiants"``, ``"competences_plus"``)."""
    if isinstance(dispositif, str):
        try:
            dispositif = DISPOSITIF_PRESETS[dispositif]
        except KeyError:
            known = ", ".join(sorted(DISPOSITIF_PRESETS))
            raise EngineInputError(
                "dispositif", f"dispositif inconnu « {dispositif} » (connus : {known})"
            ) from None
    return OrderTerms(
        amount=amount,
        unit_price=unit_price,
        duration_months=duration_months,
        vat_rate=vat_rate,
        advance_rate=dispositif.advance_rate if advance_paid else Decimal(0),
        cap_rate=dispositif.cap_rate,
        resorption_bands=dispositif.resorption_bands,
    )


def contracted_hours(terms: OrderTerms) -> Decimal:
    """V = A / p, the contracted trainee-hours, **for display** (2 places, half up) [seed: 4 900].

    The engine never divides by V: it computes r_k = C_k × p / A exactly.  After avenants, V of
    the current terms (ADR 0020).
    """
    terms = terms.current
    return round_cents_of_ratio(terms.amount, terms.unit_price)
