"""The computation: the statements of an order's periods and its solde (see
:mod:`formarche.billing.engine` for the rounding rules and the notation).

Pure Python: stdlib and :mod:`formarche.utils.money` only."""

from __future__ import annotations

import decimal
import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from formarche.billing.engine.results import PeriodInput, ProviderLine, Solde, Statement
from formarche.billing.engine.terms import (
    _ENGINE_CONTEXT,
    _HUNDRED,
    _TWELVE,
    EngineInputError,
    OrderTerms,
    ResorptionBand,
    StatementKind,
    _check_decimal,
)
from formarche.utils.money import ZERO, round_cents, round_cents_fast, round_cents_of_ratio

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


def _order_constants(terms: OrderTerms, advance_of: OrderTerms | None = None) -> tuple:
    """What does not change from one period to the next: ``(vat_percent, cap_amount, advance,
    base_factor, base_den, zones, resorbed_at_end)``.

    ``advance_of``: the terms the advance was paid on, when they differ from ``terms`` (an
    avenant [design, ADR 0020]: the advance and its base stay those of the initial terms, the cap
    and the resorption thresholds follow the amended amount)."""
    amount = terms.amount
    vat_percent = round_cents(terms.vat_rate * _HUNDRED)
    # [seed] plafond = c × A ("plafonnement à hauteur de 46 256 €"); [design] c = 1 without a cap.
    cap_amount = amount if terms.cap_rate is None else round_cents(terms.cap_rate * amount)
    advance, base_factor, base_den = _advance_constants(advance_of or terms)
    zones, resorbed_at_end = _resorption_zones(advance, amount, terms.resorption_bands)
    return vat_percent, cap_amount, advance, base_factor, base_den, zones, resorbed_at_end


def _advance_constants(terms: OrderTerms) -> tuple[Decimal, Decimal, Decimal]:
    """``(advance, base_factor, base_den)``: the advance and the factors of x / base × 100."""
    amount = terms.amount
    # [derived] advance base: A when D ≤ 12, A × 12 / D otherwise (D = 18 → 38 546,67 → 11 564,00).
    if terms.duration_months > 12:
        duration = Decimal(terms.duration_months)
        advance = round_cents_of_ratio(terms.advance_rate * amount * _TWELVE, duration)
        return advance, _HUNDRED * duration, amount * _TWELVE
    return round_cents(terms.advance_rate * amount), _HUNDRED, amount


def advance_amount(terms: OrderTerms) -> tuple[Decimal, Decimal]:
    """``(advance, base)`` of the order: round(α × base), base = A, or round(A × 12 / D) when
    D > 12 [derived: 57 820 € over 18 months → base 38 546,67, advance 11 564,00], on the
    initial terms (an avenant does not change the advance paid, ADR 0020)."""
    initial = terms.initial
    with decimal.localcontext(_ENGINE_CONTEXT):
        advance, _factor, _den = _advance_constants(initial)
        if initial.duration_months > 12:
            base = round_cents_of_ratio(initial.amount * _TWELVE, Decimal(initial.duration_months))
        else:
            base = initial.amount
    return advance, base


def _check_periods(periods: Sequence[PeriodInput]) -> None:
    """Periods in strictly increasing months; only the last one may be the CRE final."""
    last_index = len(periods) - 1
    previous_period = None
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


def compute_last_statement(terms: OrderTerms, periods: Sequence[PeriodInput]) -> Statement:
    """``compute_statements(terms, periods)[-1]``, the same figures, without building the
    statements of the earlier periods: their running totals are carried by the same arithmetic
    (:func:`_carry`), only the last statement is built (a Région's month: 2 000 actions × their
    validated periods). Same checks and errors as :func:`compute_statements`."""
    if not isinstance(terms, OrderTerms):
        raise EngineInputError("terms", "doit être un OrderTerms")
    if not periods:
        raise IndexError("compute_last_statement: no period")
    with decimal.localcontext(_ENGINE_CONTEXT):
        return _compute(terms, periods, last_only=True)[-1]


# the running totals between periods: prev_realised, prev_unrealised, cumulative hours C,
# cumulative billable B, excess over the cap, S_{k−1} and its rate, repayment carried out (≥ 0),
# "Total déjà versé"
_State = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]


def _compute(
    terms: OrderTerms, periods: Sequence[PeriodInput], *, last_only: bool = False
) -> list[Statement]:
    _check_periods(periods)
    if terms.amendments:
        return _compute_amended(terms, periods, last_only=last_only)
    constants = _order_constants(terms)
    zero, hours_zero = ZERO, Decimal("0.00")
    state = (hours_zero, hours_zero, hours_zero, zero, zero, zero, zero, zero, constants[2])
    if last_only:
        state = _carry(terms, constants, periods[:-1], state)
        periods = periods[-1:]
    return _statements(terms, constants, periods, state)


def _compute_amended(
    terms: OrderTerms, periods: Sequence[PeriodInput], *, last_only: bool
) -> list[Statement]:
    """[design, ADR 0020] The periods cut into runs of the same terms in force (an avenant starts
    a run); each run is computed on its terms, the running totals carried from one run to the
    next.  The advance (and its base) stays the initial terms'."""
    initial = terms.initial
    zero, hours_zero = ZERO, Decimal("0.00")
    runs: list[tuple[OrderTerms, list[PeriodInput]]] = []
    for item in periods:
        in_force = terms.in_force(item.period)
        if runs and runs[-1][0] == in_force:
            runs[-1][1].append(item)
        else:
            runs.append((in_force, [item]))
    state = None
    statements: list[Statement] = []
    last_run = len(runs) - 1
    for index, (run_terms, run_periods) in enumerate(runs):
        constants = _order_constants(run_terms, initial)
        if state is None:
            state = (hours_zero, hours_zero, hours_zero, zero, zero, zero, zero, zero, constants[2])
        if last_only and index < last_run:
            state = _carry(run_terms, constants, run_periods, state)
            continue
        if last_only:
            state = _carry(run_terms, constants, run_periods[:-1], state)
            run_periods = run_periods[-1:]
        built = _statements(run_terms, constants, run_periods, state)
        statements.extend(built)
        if index < last_run:
            state = _carry(run_terms, constants, run_periods, state)
    return statements


def _carry(terms: OrderTerms, constants: tuple, periods: Sequence[PeriodInput], state: _State) -> _State:
    """The running totals after ``periods``: the arithmetic of :func:`_statements` for the
    figures the next periods read, nothing else (no rates shown, no VAT, no statement)."""
    _vat, cap_amount, _advance, base_factor, base_den, zones, resorbed_at_end = constants
    price, round_fast, zero = terms.unit_price, round_cents_fast, ZERO
    (
        prev_realised,
        prev_unrealised,
        cumulative,
        cumulative_billable,
        excess,
        resorbed,
        _rate,
        carried,
        paid,
    ) = state
    for item in periods:
        realised = item.realised_hours
        unrealised = item.counted_unrealised_hours
        hours = realised + unrealised
        cumulative += hours
        billable = round_fast(hours * price)
        cumulative_billable += billable
        new_excess = cumulative_billable - cap_amount
        if new_excess < 0:
            new_excess = zero
        regulation = excess - new_excess
        excess = new_excess
        advance_due = _advance_due(zones, cumulative * price, resorbed_at_end)
        if advance_due < resorbed:  # only after an avenant (ADR 0020): resorbed stays resorbed
            advance_due = resorbed
        total_ht = billable + regulation + (resorbed - advance_due) + (zero - carried)
        if total_ht < 0:
            carried = zero - total_ht
            total_ht = zero
        else:
            carried = zero
        prev_realised += realised
        prev_unrealised += unrealised
        resorbed = advance_due
        paid += total_ht
    rate = round_fast(resorbed * base_factor / base_den) if resorbed else zero
    return (
        prev_realised,
        prev_unrealised,
        cumulative,
        cumulative_billable,
        excess,
        resorbed,
        rate,
        carried,
        paid,
    )


def _advance_due(zones: tuple, n_value: Decimal, resorbed_at_end: Decimal) -> Decimal:
    """[derived] S_k = round(advance × f(r_k)) for N_k = ``n_value`` (see :func:`_resorption_zones`)."""
    for start_n, end_n, flat_before, alpha, beta, den in zones:
        if n_value <= start_n:
            return flat_before
        if n_value < end_n:
            return round_cents_of_ratio(alpha * n_value + beta, den)
    return resorbed_at_end


def _statements(
    terms: OrderTerms, constants: tuple, periods: Sequence[PeriodInput], state: _State
) -> list[Statement]:
    vat_percent, cap_amount, advance, base_factor, base_den, zones, resorbed_at_end = constants
    amount, price, vat_rate = terms.amount, terms.unit_price, terms.vat_rate
    has_vat = bool(vat_rate)
    round_fast, hundred, zero = round_cents_fast, _HUNDRED, ZERO
    cre, cref = StatementKind.CRE, StatementKind.CREF
    statements: list[Statement] = []
    append = statements.append
    (
        prev_realised,
        prev_unrealised,
        cumulative,
        cumulative_billable,
        excess,
        resorbed,
        resorbed_rate,
        carried,
        paid,
    ) = state
    for item in periods:
        realised = item.realised_hours
        unrealised = item.counted_unrealised_hours
        hours = realised + unrealised
        cumulative += hours
        n_value = cumulative * price  # r_k = N_k / A, exact
        # [seed] facturable = H_k × p, rounded at its line
        billable = round_fast(hours * price)
        cumulative_billable += billable
        # [derived] régulation = −(excess_k − excess_{k−1}), excess_k = max(0, B_k − plafond)
        new_excess = cumulative_billable - cap_amount
        if new_excess < 0:
            new_excess = zero
        regulation = excess - new_excess
        excess = new_excess
        # [derived] S_k = round(advance × f(r_k)); remboursement = −(S_k − S_{k−1})
        advance_due = _advance_due(zones, n_value, resorbed_at_end)
        if advance_due < resorbed:  # only after an avenant (ADR 0020): resorbed stays resorbed
            advance_due = resorbed
        repayment = resorbed - advance_due
        # [design] a negative total is floored at 0, the rest carried to the next period
        carried_in = zero - carried
        total_ht = billable + regulation + repayment + carried_in
        if total_ht < 0:
            carried = zero - total_ht
            total_ht = zero
        else:
            carried = zero
        vat = round_cents(total_ht * vat_rate) if has_vat else zero
        total_ttc = total_ht + vat if has_vat else total_ht
        billable_rate = round_fast(billable * hundred / amount) if billable else zero
        due_rate = round_fast(advance_due * base_factor / base_den) if advance_due else zero
        if item.provider_hours is None:
            b_vat = round_cents(billable * vat_rate) if has_vat else zero
            b_ttc = billable + b_vat
            own = ProviderLine(None, hours, billable_rate, billable, b_vat, b_ttc, total_ht, vat, total_ttc)
            providers = (own,)
        else:
            providers = _provider_lines(
                item.provider_hours, hours, billable, total_ht, amount, vat_rate, has_vat
            )
        # the statement's fields by section: volumes, billable and cap, advance, totals
        # fmt: off
        append(Statement(
            item.period, cref if item.final else cre,
            prev_realised, prev_unrealised, realised, unrealised, hours, cumulative,
            round_fast(n_value * hundred / amount),
            price, billable, billable_rate, cumulative_billable, cap_amount, regulation,
            round_fast(regulation * -hundred / amount) if regulation else zero, zero - excess,
            advance, advance_due, due_rate, resorbed, resorbed_rate, repayment,
            round_fast(repayment * -base_factor / base_den) if repayment else zero, carried_in,
            total_ht, vat_percent, vat, total_ttc, paid, carried, providers,
        ))
        # fmt: on
        prev_realised += realised
        prev_unrealised += unrealised
        resorbed, resorbed_rate = advance_due, due_rate
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
    correction_hours: Decimal = ZERO,
) -> Solde:
    """The balance after the last statement [design, sigma.md]: due + bonus − penalties − paid.

    amount due = min(B_n, A) — what was realised, never above the order amount; paid = advance +
    Σ total à verser HT.  The 80 % cap limits the *instalments* (acomptes, CRE and CREF): the
    regulated part is withheld until the service is verified (VSF) and paid with the solde
    [seed: "Le CREF est le dernier acompte avant le solde"; "plafonnement à hauteur de 46 256 €"
    for a 57 820 € order]; see docs/adr/0007-solde-pays-the-regulated-part.md.  A negative balance
    is an ordre de reversement (it gathers any unresorbed advance and any carried-out repayment).
    ``bonus`` and ``penalties`` are totals (≥ 0) of the line items entered by the Région.

    ``correction_hours`` (signed) are the hours corrected after the CRE final, once the Région
    reopened the action (docs/adr/0021-reopening-an-action.md): no period follows the CREF, so the
    rectificatif enters the solde — amount due = max(0, min(B_n + round(R × p), A)).
    """
    if not statements:
        raise EngineInputError("statements", "au moins un état (CRE) est nécessaire pour calculer le solde")
    for name, value in (("bonus", bonus), ("penalties", penalties)):
        _check_decimal(name, value, places=2)
        if value < 0:
            raise EngineInputError(name, "ne peut pas être négatif")
    _check_decimal("correction_hours", correction_hours, places=2)
    last = statements[-1]
    terms = terms.current  # the amount and price after every avenant (ADR 0020)
    correction_billable = round_cents(correction_hours * terms.unit_price)
    amount_due = max(ZERO, min(last.cumulative_billable + correction_billable, terms.amount))
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
        correction_hours=correction_hours,
        correction_billable=correction_billable,
    )
