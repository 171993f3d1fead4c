"""The parse stage of the interchange import, the people: trainees, enrolments (with their
co-fundings, under the enrolment page's rules), attendance — half a million rows, a tight loop
with a fast path, and the check of each hour row — and trainers (statuses and hours)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from formarche.attendance.rules import hour_date_refusal
from formarche.interchange.validation import Checker
from formarche.trainees.models import Trainee
from formarche.trainees.services import enrolment_funding_check
from formarche.utils.money import CENT

MAX_DAY = Decimal(24)


def parse_trainees(doc, c: Checker, existing_org) -> dict:
    trainees = {}
    for i, t in enumerate(c.arr(doc, "trainees", "")):
        tp = f"/trainees/{i}"
        if not isinstance(t, dict):
            c.add(tp, "doit être un objet.")
            continue
        ref = c.text(t, "ref", tp, max_length=60)
        if ref in trainees:
            c.add(f"{tp}/ref", f"le stagiaire « {ref} » figure deux fois.")
        trainees[ref] = {
            "external_ref": ref,
            "civility": c.choice(t, "civility", tp, "civility"),
            "last_name": c.text(t, "last_name", tp, max_length=120),
            "first_name": c.text(t, "first_name", tp, max_length=120),
            "birth_date": c.day(t, "birth_date", tp),
            "entry_status": c.choice(t, "entry_status", tp, "entry_status"),
            "email": c.text(t, "email", tp, required=False, max_length=254),
            "phone": c.text(t, "phone", tp, required=False, max_length=30),
            "city": c.text(t, "city", tp, required=False, max_length=120),
        }
    if existing_org is not None and trainees:
        taken = set(
            Trainee.objects.filter(organisation=existing_org, external_ref__in=list(trainees)).values_list(
                "external_ref", flat=True
            )
        )
        for i, t in enumerate(doc.get("trainees") or []):
            if isinstance(t, dict) and t.get("ref") in taken:
                c.add(f"/trainees/{i}/ref", f"le stagiaire « {t['ref']} » existe déjà dans cet organisme.")
    return trainees


def parse_enrolments(doc, c: Checker, trainees: dict, orders: dict) -> dict:
    enrolments = {}
    pairs = set()
    for i, e in enumerate(c.arr(doc, "enrolments", "")):
        ep = f"/enrolments/{i}"
        if not isinstance(e, dict):
            c.add(ep, "doit être un objet.")
            continue
        ref = c.text(e, "ref", ep, max_length=60)
        if ref in enrolments:
            c.add(f"{ep}/ref", f"l'inscription « {ref} » figure deux fois.")
        trainee = c.text(e, "trainee", ep, max_length=60)
        order = c.text(e, "order", ep, max_length=40)
        if trainee is not None and trainee not in trainees:
            c.add(f"{ep}/trainee", f"stagiaire « {trainee} » absent de /trainees.")
        if order is not None and order not in orders:
            c.add(f"{ep}/order", f"bon de commande « {order} » absent de /orders.")
        if (trainee, order) in pairs:
            c.add(ep, "ce stagiaire est déjà inscrit sur cette action.")
        pairs.add((trainee, order))
        entry, exit_ = c.day(e, "entry_date", ep), c.day(e, "exit_date", ep, required=False)
        reason = c.choice(e, "exit_reason", ep, "exit_reason", required=False)
        if entry and exit_ and exit_ < entry:
            c.add(f"{ep}/exit_date", "la date de sortie précède la date d'entrée.")
        if exit_ and not reason:
            c.add(f"{ep}/exit_reason", "une sortie doit avoir un motif.")
        enrolments[ref] = {
            "trainee": trainee,
            "order": order,
            "entry_date": entry,
            "planned_hours": c.number(e, "planned_hours", ep),
            "payer": c.choice(e, "payer", ep, "payer"),
            "scheme": c.text(e, "scheme", ep, required=False, max_length=120),
            "exit_date": exit_,
            "exit_reason": reason or "",
        }
        enrolments[ref]["fundings"] = _fundings(e, ep, c, enrolments[ref])
    return enrolments


def _fundings(e: dict, ep: str, c: Checker, enrolment: dict) -> list:
    """Co-fundings of an enrolment: ``[{payer, amount | hourly_rate, label}]``, under the rules of
    the enrolment page (``trainees.services.enrolment_funding_check``): another payer than the
    principal one, once each, a flat amount only with planned hours."""
    out = []
    payers: set = set()
    for j, f in enumerate(c.arr(e, "fundings", ep)):
        fp = f"{ep}/fundings/{j}"
        if not isinstance(f, dict):
            c.add(fp, "doit être un objet.")
            continue
        payer = c.choice(f, "payer", fp, "payer")
        amount = c.number(f, "amount", fp, required=False, minimum=CENT)
        rate = c.number(f, "hourly_rate", fp, required=False, places=4, minimum=Decimal("0.0001"))
        label = c.text(f, "label", fp, required=False, max_length=120)
        if (f.get("amount") is None) == (f.get("hourly_rate") is None):
            c.add(fp, "indiquez soit un montant forfaitaire (amount), soit un tarif horaire (hourly_rate).")
        elif None not in (payer, label) and (amount, rate) != (None, None):
            refusal = enrolment_funding_check(
                payer=payer,
                amount=amount,
                hourly_rate=rate,
                label=label,
                principal_payer=enrolment["payer"],
                planned_hours=enrolment["planned_hours"],
                other_payers=payers,
            )
            if refusal:
                c.add(fp, refusal[0].lower() + refusal[1:] if refusal[0] != "«" else refusal)
        payers.add(payer)
        out.append({"payer": payer, "amount": amount, "hourly_rate": rate, "label": label or ""})
    return out


def parse_attendance(doc, c: Checker, enrolments: dict, orders: dict) -> list:
    """``[(enrolment ref, day, kind, realised, counted unrealised, reason)]``, each row checked.

    The date of each hour obeys the hour pages' rule (:func:`formarche.attendance.rules.hour_date_refusal`,
    issue #17): between the enrolment's entry and its exit (else the action's real end, else its
    planned end), never after today. A row without hours is checked against the enrolment only, as
    in the single hours write path. Validated months are not refused: a document brings its
    validated periods with the hours they froze (the statements are recomputed from them)."""
    bounds = _date_bounds(enrolments, orders)
    today = timezone.localdate()
    windows = _day_windows(bounds, today)
    # attendance: the big one — a tight loop with a fast path for well-formed rows; any doubt
    # goes through the checker's typed getters, which name the error
    rows = []
    seen = set()
    kinds = {"jour", "mois"}
    zero = Decimal(0)
    fromiso = date.fromisoformat
    for i, a in enumerate(c.arr(doc, "attendance", "")):
        try:
            ref = a["enrolment"]
            day_text = a["day"]
            day = fromiso(day_text) if len(day_text) == 10 else None
            kind = a.get("kind", "jour")
            realised = a["realised"]
            realised = Decimal(realised) if realised.__class__ is str else realised
            counted = a.get("counted_unrealised", zero)
            counted = Decimal(counted) if counted.__class__ is str else counted
            reason = a.get("reason", "")
            fast = (
                day is not None
                and ref in enrolments
                and kind in kinds
                and realised.__class__ is Decimal
                and counted.__class__ is Decimal
                and zero <= realised
                and zero <= counted
                and realised.as_tuple().exponent >= -2
                and counted.as_tuple().exponent >= -2
                and not reason
            )
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            fast = False
        if not fast:
            parsed = _attendance_slow(a, f"/attendance/{i}", enrolments, c)
            if parsed is None:
                continue
            ref, day, kind, realised, counted, reason = parsed
        # check stage of an hour row (inline: half a million rows, one loop): the rules of the
        # hour pages that a document can break on its own, the date rule first
        hours = realised + counted
        window = windows.get(ref)
        if window is None or kind != "jour" or not window[0] <= day <= window[1 if hours else 2]:
            refusal = _date_refusal(bounds.get(ref), day, kind, hours, today)
            if refusal:
                c.add(f"/attendance/{i}/day", refusal + ".")
        if kind == "mois":
            if day.day != 1:
                c.add(f"/attendance/{i}/day", "un total mensuel est daté du premier jour du mois.")
        elif hours > MAX_DAY:
            c.add(f"/attendance/{i}", "une journée ne peut pas compter plus de 24 heures.")
        key = (ref, day, kind)
        if key in seen:
            c.add(
                f"/attendance/{i}",
                f"l'inscription « {ref} » a déjà une ligne « {kind} » le {day.isoformat()}.",
            )
        seen.add(key)
        rows.append((ref, day, kind, realised, counted, reason))
    return rows


def _date_bounds(enrolments: dict, orders: dict) -> dict:
    """enrolment ref → (entry, exit, real end, planned end), from the parsed sections."""
    bounds = {}
    for ref, e in enrolments.items():
        order = orders.get(e.get("order")) or {}
        real_end = (order.get("history") or {}).get("real_end")
        planned_end = (order.get("fields") or {}).get("planned_end")
        bounds[ref] = (e.get("entry_date"), e.get("exit_date"), real_end, planned_end)
    return bounds


def _day_windows(bounds: dict, today: date) -> dict:
    """enrolment ref → ``(first, last with hours, last without)``: the days a day row is accepted
    on, set-wise, the same answer as :func:`_date_refusal` (the rule's own function) gives row by
    row — entry … the first end set (exit, else the action's real end, else its planned end) and
    today; a row without hours, entry … exit. A row outside its window (and every month total) goes
    through :func:`_date_refusal`, which names the bound crossed."""
    windows = {}
    for ref, (entry, exit_, real_end, planned_end) in bounds.items():
        if entry is None:
            continue
        end = exit_ or real_end or planned_end
        windows[ref] = (entry, min(end, today) if end else today, exit_ or date.max)
    return windows


def _date_refusal(bound, day: date, kind: str, hours: Decimal, today: date) -> str | None:
    if bound is None or bound[0] is None:
        return None  # the enrolment's own errors are reported on /enrolments
    entry, exit_, real_end, planned_end = bound
    if not hours:  # clearing a day: against the enrolment only
        real_end = planned_end = None
        today = date.max
    return hour_date_refusal(
        day=day,
        entry=entry,
        exit=exit_,
        real_end=real_end,
        planned_end=planned_end,
        today=today,
        month_total=kind == "mois",
    )


def _attendance_slow(a, ap: str, enrolments, c: Checker):
    """One attendance row through the typed getters (precise errors), or None."""
    if not isinstance(a, dict):
        c.add(ap, "doit être un objet.")
        return None
    ref = a.get("enrolment")
    if ref not in enrolments:
        c.add(f"{ap}/enrolment", f"inscription « {ref} » absente de /enrolments.")
        return None
    day = c.day(a, "day", ap)
    kind = c.choice(a, "kind", ap, "attendance_kind", required=False, default="jour")
    realised = c.number(a, "realised", ap)
    counted = c.number(a, "counted_unrealised", ap, required=False) or Decimal(0)
    reason = c.choice(a, "reason", ap, "unrealised_reason", required=False) if a.get("reason") else ""
    if day is None or kind is None or realised is None or reason is None:
        return None
    return ref, day, kind, realised, counted, reason


def parse_trainers(doc, c: Checker, orders: dict) -> list:
    trainers = []
    refs = set()
    for i, t in enumerate(c.arr(doc, "trainers", "")):
        trainer = _parse_trainer(t, f"/trainers/{i}", c, orders, refs)
        if trainer is not None:
            trainers.append(trainer)
    return trainers


def _parse_trainer(t, tp: str, c: Checker, orders: dict, refs: set) -> dict | None:
    if not isinstance(t, dict):
        c.add(tp, "doit être un objet.")
        return None
    ref = c.text(t, "ref", tp, max_length=60)
    if ref in refs:
        c.add(f"{tp}/ref", f"le formateur « {ref} » figure deux fois.")
    refs.add(ref)
    statuses = []
    for j, s in enumerate(c.arr(t, "statuses", tp)):
        sp = f"{tp}/statuses/{j}"
        start, end = c.day(s, "start", sp), c.day(s, "end", sp, required=False)
        if start and end and end < start:
            c.add(f"{sp}/end", "la fin de la période précède son début.")
        statuses.append((start, end, c.choice(s, "status", sp, "trainer_status")))
    ordered = sorted((s for s in statuses if s[0]), key=lambda s: s[0])
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        if prev[1] is None or prev[1] >= nxt[0]:
            c.add(f"{tp}/statuses", "deux périodes de statut se chevauchent : une date n'a qu'un statut.")
            break
    hours = []
    for j, h in enumerate(c.arr(t, "hours", tp)):
        hp = f"{tp}/hours/{j}"
        day = c.day(h, "day", hp)
        kind = c.choice(h, "kind", hp, "attendance_kind", required=False, default="jour")
        if day and kind == "mois" and day.day != 1:
            c.add(f"{hp}/day", "un total mensuel est daté du premier jour du mois.")
        order = h.get("order")
        if order is not None and order not in orders:
            c.add(f"{hp}/order", f"bon de commande « {order} » absent de /orders.")
        hours.append((day, kind, c.number(h, "hours", hp), order))
    return {
        "fields": {
            "external_ref": ref,
            "last_name": c.text(t, "last_name", tp, max_length=120),
            "first_name": c.text(t, "first_name", tp, required=False, max_length=120),
            "email": c.text(t, "email", tp, required=False, max_length=254),
        },
        "statuses": statuses,
        "hours": hours,
    }
