from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from formarche.organisations.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "provider_code", "siret", "nda"]
    list_filter = ["kind"]
    search_fields = ["name", "provider_code", "siret", "nda"]
