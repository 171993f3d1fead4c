from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

admin.site.site_header = "formarche — administration de la plateforme"
admin.site.site_title = "formarche"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("compte/", include("formarche.accounts.urls")),
    path("organisme/jetons-api/", include("formarche.api.urls_tokens")),
    path("organisme/", include("formarche.accounts.urls_organisation")),
    path("organisme/echange/", include("formarche.interchange.urls")),  # outc, issue #19.5
    path("", include("formarche.orders.urls")),
    path("", include("formarche.trainees.urls")),
    path("", include("formarche.attendance.urls")),
    path("", include("formarche.billing.urls")),
    path("", include("formarche.imports.urls")),
    path(
        "", include("formarche.jobs.urls")
    ),  # travaux/… (export jobs)  # imports/… and actions/import/ (orders import)
    path("api/", include("formarche.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("bpf/", include("formarche.bpf.urls")),
    path("", include("formarche.documents.urls")),
    path("", include("formarche.signing.urls")),
    path("", include("formarche.closing.urls")),
    path("", include("formarche.audit.urls")),
    path("", include("formarche.ui.urls")),
]

# The French 500 page, or 503 when the shared cache (Redis) is down (formarche/ui/views.py).
handler500 = "formarche.ui.views.server_error"
