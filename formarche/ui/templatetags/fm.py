"""French formats for templates: ``{% load fm %}`` then ``{{ x|euros }}``, ``|heures``, ``|taux``, ``|date_fr``, ``|mois``.

Every figure shown to a user goes through formarche.utils.formatting, the one place that formats.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from formarche.utils.dates import period_key
from formarche.utils.formatting import format_amount, format_date, format_hours, format_month, format_rate
from formarche.utils.html import esc

register = template.Library()


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("float near money: pass a Decimal")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def euros(value):
    """35400 → « 35 400,00 » (no currency sign: tables say € in their headers)."""
    value = _decimal(value)
    return "—" if value is None else format_amount(value)


@register.filter
def heures(value):
    value = _decimal(value)
    return "—" if value is None else format_hours(value)


@register.filter
def taux(value):
    """A percentage (95.14) → « 95,14 % »."""
    value = _decimal(value)
    return "—" if value is None else format_rate(value)


@register.filter
def date_fr(value):
    """A date → « 08/08/2023 »; a datetime (or an ISO string, as stored in JSON reports) → « 08/08/2023 14:05 »."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{format_date(value.date())} {value:%H:%M}"
    return format_date(value)


@register.filter
def mois(value):
    """date(2023, 4, 1) or "2023-04" → « Avril 2023 »."""
    return "—" if not value else format_month(value)


@register.filter
def periode(value: date):
    """date(2023, 4, 1) → "2023-04" (the URL form of a period)."""
    return period_key(value)


@register.filter
def danger_lines(messages) -> str:
    """Each message in its own ``<div class="small text-danger">``, escaped: the HTML of
    ``{% for m in messages %}<div class="small text-danger">{{ m }}</div>{% endfor %}``, built in
    one pass (issue #16: a month can list hundreds of blocking messages)."""
    return mark_safe("".join(f'<div class="small text-danger">{esc(m)}</div>' for m in messages))
