from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from formarche.orders.models import Component, Dispositif, Lot, Market, Order


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "region", "year"]
    inlines = [LotInline]


@admin.register(Dispositif)
class DispositifAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region", "advance_rate", "cap_rate", "vat_rate"]


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "provider", "region", "amount", "unit_price", "status"]
    list_filter = ["status", "dispositif", "region"]
    search_fields = ["number", "title", "provider__name"]
    list_select_related = ["provider", "region"]
    inlines = [ComponentInline]
