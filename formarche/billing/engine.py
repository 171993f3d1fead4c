"""The statement engine: the arithmetic of the CRE / CREF (compte-rendu d'exécution), to the cent.

Pure Python — dataclasses and ``Decimal`` in, dataclasses out; no Django, no ORM, no I/O.  The
CLI (``formarche statement simulate``), the web pages, the PDFs and the API all call
:func:`compute_statements` and :func:`compute_solde`.  The formulas, in French and with the
seed's worked example line by line, are in ``docs/calculs.md``; the labels below say where each
rule comes from:

- **[seed]** stated by the SIGMA guide (``/work/shared/seeds/000_d23f618164c2b6c6.txt``);
- **[derived]** reconstructed from the seed's figures, reproducing every one of them to the cent;
- **[design]** our own decision where the seed is silent.

Notation: A order amount HT, p unit price per trainee-hour, D duration in months, H_k hours of
period k (réalisé + non réalisé comptabilisé), C_k = H_1 + … + H_k, N_k = C_k × p, r_k = N_k / A.

Rounding (sigma.md) — stated once, applied everywhere:

1. every amount the statement shows is rounded to the cent, half up, at its own line, with the
   one rounding rule of :mod:`formarche.utils.money`;
2. sums and differences are taken on those rounded lines (so the document adds up exactly);
3. rates (r_k, the resorption fraction f(r_k)) stay exact — quotients are never materialised, the
   rounding helper works on numerator / denominator — and are rounded (2 places, half up) only to
   be displayed.  The ``*_rate`` fields of :class:`Statement` are those display values, in
   percent; no computation reads them back.

Signs follow the printed document: deductions (régulation, remboursement d'avance, report de
remboursement) are ≤ 0, so ``total_ht = billable + cap_regulation + advance_repayment +
repayment_carried_in`` (floored at 0); ``repayment_carried_out`` is ≥ 0.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from formarche.utils.money import CENT, ZERO, round_cents, round_cents_of_ratio

__all__ = [
    "COMPETENCES_PLUS",
    "DEFAULT_RESORPTION_BANDS",
    "DISPOSITIF_PRESETS",
    "PARCOURS_QUALIFIANTS",
    "DispositifParameters",
    "EngineInputError",
    "OrderTerms",
    "PeriodInput",
    "ProviderLine",
    "ResorptionBand",
    "Solde",
    "Statement",
    "StatementKind",
    "compute_solde",
    "compute_statements",
    "contracted_hours",
    "terms_for_dispositif",
]

_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_TWELVE = Decimal(12)

# Bounds that keep every intermediate product exact in the engine's 60-digit context.
_MAX_AMOUNT = Decimal("1e11")  # 100 billion euros
_MAX_UNIT_PRICE = Decimal("1e6")
_MAX_HOURS = Decimal("1e10")
_MAX_FRACTION_DENOMINATOR = 1000
_ENGINE_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999)


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

    def __post_init__(self) -> None:
        amount = _check_decimal("amount", self.amount, places=2)
        if not 0 < amount < _MAX_AMOUNT:
            raise EngineInputError(
                "amount",
                "le montant de la commande doit être strictement positif (et inférieur à 100 milliards)",
            )
        price = _check_decimal("unit_price", self.unit_price, places=4)
        if not 0 < price < _MAX_UNIT_PRICE:
            raise EngineInputError(
                "unit_price", "le prix unitaire doit être strictement positif (et inférieur à 1 million)"
            )
        if isinstance(self.duration_months, bool) or not isinstance(self.duration_months, int):
            raise EngineInputError("duration_months", "la durée doit être un nombre entier de mois")
        if not 1 <= self.duration_months <= 1200:
            raise EngineInputError("duration_months", "la durée doit être d'au moins 1 mois")
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

    The engine never divides by V: it computes r_k = C_k × p / A exactly.
    """
    return round_cents_of_ratio(terms.amount, terms.unit_price)


# --------------------------------------------------------------------------------------------
# Periods and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodInput:
    """One period (a calendar month) of an order.

    ``period`` is the ``date`` of the first day of the month.  Hours have at most 2 decimals, as
    the statement shows them.  ``provider_hours`` (provider code → hours) splits the period's
    hours between the members of a group; when given it must add up to the period's hours.
    Hours include corrections of earlier months ("Sur la PERIODE y compris rectificatif" [seed]).
    """

    period: date
    realised_hours: Decimal
    counted_unrealised_hours: Decimal = Decimal("0.00")
    final: bool = False
    provider_hours: Mapping[str, Decimal] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.period, date) or self.period.day != 1:
            raise EngineInputError("period", "la période est la date du premier jour du mois")
        for name in ("realised_hours", "counted_unrealised_hours"):
            hours = _check_decimal(name, getattr(self, name), places=2)
            if hours < 0:
                raise EngineInputError(name, "un nombre d'heures ne peut pas être négatif")
            if hours >= _MAX_HOURS:
                raise EngineInputError(name, "nombre d'heures hors limites (10 milliards au plus)")
        if self.provider_hours is not None:
            total = Decimal(0)
            for code, hours in self.provider_hours.items():
                field = f"provider_hours[{code}]"
                if not isinstance(code, str) or not code:
                    raise EngineInputError("provider_hours", "chaque prestataire doit avoir un code")
                _check_decimal(field, hours, places=2)
                if hours < 0:
                    raise EngineInputError(field, "un nombre d'heures ne peut pas être négatif")
                total += hours
            if not self.provider_hours:
                raise EngineInputError("provider_hours", "au moins un prestataire")
            if total != self.realised_hours + self.counted_unrealised_hours:
                raise EngineInputError(
                    "provider_hours",
                    "la somme des heures par prestataire doit égaler les heures de la période "
                    "(réalisé + non réalisé comptabilisé)",
                )


@dataclass(slots=True)
class ProviderLine:
    """One provider's line of "Détails des montants facturés sur la période et par prestataire".

    ``ht``/``vat``/``ttc`` split the period's facturable (the seed's table: 35 400,00 for IN1331);
    ``billed_rate`` is ``ht`` as a percentage of the order amount [seed: 61,22 %].
    ``payable_*`` split the period's *total à verser* the same way, for per-provider invoices
    [design].  ``provider`` is ``None`` when the period has no split (the holder alone).
    """

    provider: str | None
    hours: Decimal
    billed_rate: Decimal
    ht: Decimal
    vat: Decimal
    ttc: Decimal
    payable_ht: Decimal
    payable_vat: Decimal
    payable_ttc: Decimal


@dataclass(slots=True)
class Statement:
    """Every line of one CRE / CREF, amounts in € (cents), hours with 2 places, rates in percent.

    A result: never mutate it.  (It is not ``frozen`` only because a frozen dataclass of this
    size costs 3 µs to build, a third of the engine's budget per period.)
    """

    period: date
    kind: StatementKind
    # Récapitulatif des volumes des réalisations [seed]
    previous_realised_hours: Decimal
    previous_counted_unrealised_hours: Decimal
    realised_hours: Decimal
    counted_unrealised_hours: Decimal
    period_hours: Decimal  # H_k
    cumulative_hours: Decimal  # C_k
    realisation_rate: Decimal  # r_k, percent, display
    # Montant facturé sur la période [seed]
    unit_price: Decimal
    billable: Decimal  # round(H_k × p)
    billable_rate: Decimal  # billable / A, percent
    cumulative_billable: Decimal  # B_k = Σ billable_i
    cap_amount: Decimal  # plafond = round(c × A), c = 1 without a cap
    cap_regulation: Decimal  # −(excess_k − excess_{k−1}), ≤ 0
    cap_regulation_rate: Decimal  # |cap_regulation| / A, percent
    cumulative_cap_regulation: Decimal  # −excess_k, ≤ 0
    # Remboursement avance sur la période [seed lines, derived rules]
    advance: Decimal  # round(α × base), base = A, or A × 12 / D when D > 12
    advance_due: Decimal  # S_k = round(advance × f(r_k))
    advance_due_rate: Decimal  # S_k / base, percent
    advance_already_resorbed: Decimal  # S_{k−1}
    advance_already_resorbed_rate: Decimal
    advance_repayment: Decimal  # −(S_k − S_{k−1}), ≤ 0
    advance_repayment_rate: Decimal
    repayment_carried_in: Decimal  # ≤ 0, the previous period's carried-out repayment [design]
    # Totals
    total_ht: Decimal  # max(0, billable + cap_regulation + advance_repayment + carried_in)
    vat_rate: Decimal  # percent, display
    vat: Decimal  # round(total_ht × t)
    total_ttc: Decimal
    already_paid: Decimal  # advance + Σ_{i<k} total_ht_i ("Total déjà versé")
    repayment_carried_out: Decimal  # ≥ 0, repayment not recovered, carried to k+1 [design]
    providers: tuple[ProviderLine, ...]


@dataclass(frozen=True, slots=True)
class Solde:
    """The balance (VSF / solde) after the last statement [design, see docs/calculs.md]."""

    amount_due: Decimal  # min(B_n, plafond): billing net of the cap regulation
    bonus: Decimal
    penalties: Decimal
    advance: Decimal
    instalments_paid: Decimal  # Σ total_ht of the statements
    total_paid: Decimal  # advance + instalments
    balance_ht: Decimal  # amount_due + bonus − penalties − total_paid (< 0: ordre de reversement)
    vat: Decimal
    balance_ttc: Decimal
    is_repayment_order: bool


# --------------------------------------------------------------------------------------------
# The computation
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=128)
def _band_coefficients(bands: tuple[ResorptionBand, ...]) -> tuple[tuple, tuple[int, int]]:
    """Per-band constants of S(N), independent of the order; cached (presets are shared).

    In a ramp from s % to e % (w = e − s) going from fraction a/b to c/d (Δ = c/d − a/b = m/n):
        f(r) = a/b + (r − s/100) · 100 · m / (n · w),  with r = N / A,
    hence advance × f = (α · N + β) / den with
        α = advance · 100·b·m,  β = advance · A · (a·n·w − b·m·s),  den = A · b·n·w,
    all exact decimals: S_k is rounded once, from the exact quotient.
    """
    coefficients = []
    previous = Fraction(0)
    for band in bands:
        a, b = previous.numerator, previous.denominator
        delta = band.fraction - previous
        m, n = delta.numerator, delta.denominator
        width = band.to_percent - band.from_percent
        coefficients.append(
            (
                band.from_percent / _HUNDRED,  # exact: a shift of the decimal point
                band.to_percent / _HUNDRED,
                (a, b),
                Decimal(100 * b * m),
                a * n * width - b * m * band.from_percent,
                b * n * width,
            )
        )
        previous = band.fraction
    return tuple(coefficients), (previous.numerator, previous.denominator)


def _resorption_zones(
    advance: Decimal, amount: Decimal, bands: tuple[ResorptionBand, ...]
) -> tuple[tuple[tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal], ...], Decimal]:
    """The order's resorption schedule: ``(zones, final)``.

    Each zone is ``(start_n, end_n, flat_before, alpha, beta, den)`` in terms of N = C × p:
    S = flat_before while N ≤ start_n, S = round((alpha · N + beta) / den) while N < end_n;
    beyond the last band S = final = round(advance × last fraction).
    """
    if not advance:
        return (), ZERO
    coefficients, (last_num, last_den) = _band_coefficients(bands)
    zones = tuple(
        (
            start * amount,
            end * amount,
            round_cents_of_ratio(advance * flat[0], Decimal(flat[1])),
            advance * k_alpha,
            advance * amount * k_beta,
            amount * k_den,
        )
        for start, end, flat, k_alpha, k_beta, k_den in coefficients
    )
    return zones, round_cents_of_ratio(advance * last_num, Decimal(last_den))


def _split_cents(total: Decimal, weights: Sequence[Decimal], weight_sum: Decimal) -> list[Decimal]:
    """Split ``total`` (cents, ≥ 0) in proportion to ``weights`` by largest remainders [design].

    Each share is the floor of its exact share in cents, plus one cent for the largest
    remainders until the shares add up to ``total``; ties go to the earlier provider.
    """
    if not total or not weight_sum:
        return [ZERO] * len(weights)
    cents_total = total * _HUNDRED
    shares = []
    remainders = []
    for index, weight in enumerate(weights):
        quotient, remainder = divmod(cents_total * weight, weight_sum)
        shares.append(quotient)
        remainders.append((-remainder, index))
    missing = int(cents_total - sum(shares))
    for _, index in sorted(remainders)[:missing]:
        shares[index] += 1
    return [share.scaleb(-2) for share in shares]


# Rates for display: value × factor / denominator, a 60-digit division, then rounded to 2 places
# half up (the rule of round_cents, inlined in the loop for speed).  This is the exact rounding of
# the exact quotient for the engine's bounded inputs: the quotient is P / Q with integers
# Q ≤ 10^18 and |P / Q| < 10^21, so when it is not itself a tie it lies at least 1 / (2000 Q)
# > 10^-22 away from one, far beyond the division's error (< 10^-38); a tie, having few digits,
# is computed exactly.


def compute_statements(terms: OrderTerms, periods: Sequence[PeriodInput]) -> list[Statement]:
    """One :class:`Statement` per period, in order; see ``docs/calculs.md`` for every formula.

    ``periods`` must be in strictly increasing months (a month listed twice is refused); only the
    last may be ``final``.  Raises :class:`EngineInputError` (French message) otherwise.
    """
    if not isinstance(terms, OrderTerms):
        raise EngineInputError("terms", "doit être un OrderTerms")
    with decimal.localcontext(_ENGINE_CONTEXT):
        return _compute(terms, periods)


def _compute(terms: OrderTerms, periods: Sequence[PeriodInput]) -> list[Statement]:
    amount = terms.amount
    price = terms.unit_price
    vat_rate = terms.vat_rate
    has_vat = bool(vat_rate)
    vat_percent = round_cents(vat_rate * _HUNDRED)
    # [seed] plafond = c × A ("plafonnement à hauteur de 46 256 €"); [design] c = 1 without a cap.
    cap_amount = amount if terms.cap_rate is None else round_cents(terms.cap_rate * amount)
    # [derived] advance base: A when D ≤ 12, A × 12 / D otherwise (D = 18 → 38 546,67 → 11 564,00).
    if terms.duration_months > 12:
        duration = Decimal(terms.duration_months)
        advance = round_cents_of_ratio(terms.advance_rate * amount * _TWELVE, duration)
        base_factor, base_den = _HUNDRED * duration, amount * _TWELVE  # x / base × 100
    else:
        advance = round_cents(terms.advance_rate * amount)
        base_factor, base_den = _HUNDRED, amount
    zones, resorbed_at_end = _resorption_zones(advance, amount, terms.resorption_bands)

    quantize = Decimal.quantize
    half_up = decimal.ROUND_HALF_UP
    hundred = _HUNDRED
    zero = ZERO
    cre, cref = StatementKind.CRE, StatementKind.CREF

    statements: list[Statement] = []
    append = statements.append
    last_index = len(periods) - 1
    previous_period = None
    prev_realised = Decimal("0.00")
    prev_unrealised = Decimal("0.00")
    cumulative = Decimal("0.00")
    cumulative_billable = zero
    excess = zero
    resorbed = zero  # S_{k−1}
    resorbed_rate = zero
    carried = zero  # repayment carried out of the previous period, ≥ 0
    paid = advance  # "Total déjà versé"
    for index, item in enumerate(periods):
        if type(item) is not PeriodInput:
            raise EngineInputError(f"periods[{index}]", "doit être un PeriodInput")
        period = item.period
        if previous_period is not None and period <= previous_period:
            if period == previous_period:
                raise EngineInputError(f"periods[{index}].period", "période listée deux fois")
            raise EngineInputError(
                f"periods[{index}].period", "les périodes doivent être dans l'ordre chronologique"
            )
        previous_period = period
        if item.final and index != last_index:
            raise EngineInputError(
                f"periods[{index}].final", "seule la dernière période peut être le CRE final"
            )

        realised = item.realised_hours
        unrealised = item.counted_unrealised_hours
        hours = realised + unrealised
        cumulative_before = cumulative
        cumulative = cumulative_before + hours
        n_value = cumulative * price  # r_k = N_k / A, exact

        # [seed] facturable = H_k × p, rounded at its line
        billable = quantize(hours * price, CENT, half_up)
        cumulative_billable += billable
        # [derived] régulation = −(excess_k − excess_{k−1}), excess_k = max(0, B_k − plafond)
        new_excess = cumulative_billable - cap_amount
        if new_excess < 0:
            new_excess = zero
        regulation = excess - new_excess
        excess = new_excess
        # [derived] S_k = round(advance × f(r_k)); remboursement = −(S_k − S_{k−1})
        for start_n, end_n, flat_before, alpha, beta, den in zones:
            if n_value <= start_n:
                advance_due = flat_before
                break
            if n_value < end_n:
                advance_due = round_cents_of_ratio(alpha * n_value + beta, den)
                break
        else:
            advance_due = resorbed_at_end
        repayment = resorbed - advance_due
        # [design] a negative total is floored at 0, the rest carried to the next period
        carried_in = zero - carried
        total_ht = billable + regulation + repayment + carried_in
        if total_ht < 0:
            carried = zero - total_ht
            total_ht = zero
        else:
            carried = zero
        if has_vat:
            vat = round_cents(total_ht * vat_rate)
            total_ttc = total_ht + vat
        else:
            vat = zero
            total_ttc = total_ht

        billable_rate = quantize(billable * hundred / amount, CENT, half_up) if billable else zero
        due_rate = quantize(advance_due * base_factor / base_den, CENT, half_up) if advance_due else zero
        if item.provider_hours is None:
            billable_vat = round_cents(billable * vat_rate) if has_vat else zero
            providers = (
                ProviderLine(
                    None,
                    hours,
                    billable_rate,
                    billable,
                    billable_vat,
                    billable + billable_vat,
                    total_ht,
                    vat,
                    total_ttc,
                ),
            )
        else:
            providers = _provider_lines(
                item.provider_hours, hours, billable, total_ht, amount, vat_rate, has_vat
            )

        append(
            Statement(
                period,
                cref if item.final else cre,
                prev_realised,
                prev_unrealised,
                realised,
                unrealised,
                hours,
                cumulative,
                quantize(n_value * hundred / amount, CENT, half_up),
                price,
                billable,
                billable_rate,
                cumulative_billable,
                cap_amount,
                regulation,
                quantize(regulation * -hundred / amount, CENT, half_up) if regulation else zero,
                zero - excess,
                advance,
                advance_due,
                due_rate,
                resorbed,
                resorbed_rate,
                repayment,
                quantize(repayment * -base_factor / base_den, CENT, half_up) if repayment else zero,
                carried_in,
                total_ht,
                vat_percent,
                vat,
                total_ttc,
                paid,
                carried,
                providers,
            )
        )
        prev_realised += realised
        prev_unrealised += unrealised
        resorbed = advance_due
        resorbed_rate = due_rate
        paid += total_ht
    return statements


def _provider_lines(
    provider_hours: Mapping[str, Decimal],
    hours: Decimal,
    billable: Decimal,
    total_ht: Decimal,
    amount: Decimal,
    vat_rate: Decimal,
    has_vat: bool,
) -> tuple[ProviderLine, ...]:
    codes = list(provider_hours)
    weights = [provider_hours[code] for code in codes]
    billed = _split_cents(billable, weights, hours)
    payable = _split_cents(total_ht, weights, hours)
    lines = []
    for code, weight, ht, pay in zip(codes, weights, billed, payable, strict=True):
        vat = round_cents(ht * vat_rate) if has_vat else ZERO
        pay_vat = round_cents(pay * vat_rate) if has_vat else ZERO
        lines.append(
            ProviderLine(
                code,
                weight,
                round_cents(ht * _HUNDRED / amount),
                ht,
                vat,
                ht + vat,
                pay,
                pay_vat,
                pay + pay_vat,
            )
        )
    return tuple(lines)


def compute_solde(
    terms: OrderTerms,
    statements: Sequence[Statement],
    *,
    bonus: Decimal = ZERO,
    penalties: Decimal = ZERO,
) -> Solde:
    """The balance after the last statement [design, sigma.md]: due + bonus − penalties − paid.

    amount due = min(B_n, A) — what was realised, never above the order amount; paid = advance +
    Σ total à verser HT.  The 80 % cap limits the *instalments* (acomptes, CRE and CREF): the
    regulated part is withheld until the service is verified (VSF) and paid with the solde
    [seed: "Le CREF est le dernier acompte avant le solde"; "plafonnement à hauteur de 46 256 €"
    for a 57 820 € order]; see docs/adr/0007-solde-pays-the-regulated-part.md.  A negative balance
    is an ordre de reversement (it gathers any unresorbed advance and any carried-out repayment).
    ``bonus`` and ``penalties`` are totals (≥ 0) of the line items entered by the Région.
    """
    if not statements:
        raise EngineInputError("statements", "au moins un état (CRE) est nécessaire pour calculer le solde")
    for name, value in (("bonus", bonus), ("penalties", penalties)):
        _check_decimal(name, value, places=2)
        if value < 0:
            raise EngineInputError(name, "ne peut pas être négatif")
    last = statements[-1]
    amount_due = min(last.cumulative_billable, terms.amount)
    instalments = sum((statement.total_ht for statement in statements), ZERO)
    total_paid = last.advance + instalments
    balance = round_cents(amount_due + bonus - penalties - total_paid)
    vat = round_cents(balance * terms.vat_rate)
    return Solde(
        amount_due=amount_due,
        bonus=round_cents(bonus),
        penalties=round_cents(penalties),
        advance=last.advance,
        instalments_paid=instalments,
        total_paid=total_paid,
        balance_ht=balance,
        vat=vat,
        balance_ttc=balance + vat,
        is_repayment_order=balance < 0,
    )
