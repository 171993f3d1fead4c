from django.urls import path

from formarche.attendance import views

app_name = "attendance"

# Fixed segments first: "<str:period>" would match them.
urlpatterns = [
    path("actions/<int:order_id>/realisations/", views.followup, name="followup"),
    path("actions/<int:order_id>/realisations/saisie/", views.grid, name="grid"),
    path("actions/<int:order_id>/realisations/controles/", views.controls, name="controls"),
    path("actions/<int:order_id>/realisations/totaux/", views.month_totals, name="month_totals"),
    path(
        "actions/<int:order_id>/realisations/totaux/cellule/", views.month_total_cell, name="month_total_cell"
    ),
    path("actions/<int:order_id>/realisations/<str:period>/", views.grid_month, name="grid_month"),
    path("actions/<int:order_id>/realisations/<str:period>/cellule/", views.cell, name="cell"),
]
