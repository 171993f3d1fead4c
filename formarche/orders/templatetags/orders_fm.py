"""``{% load orders_fm %}``: ``|fraction_taux`` shows a stored fraction (0.30) as « 30,00 % »."""

from decimal import Decimal

from django import template

from formarche.utils.formatting import format_rate

register = template.Library()


@register.filter
def fraction_taux(value):
    if value is None or value == "":
        return "—"
    return format_rate(Decimal(value) * 100)
