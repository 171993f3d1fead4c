from django.urls import path

from formarche.orders import views

app_name = "orders"

urlpatterns = [
    path("actions/", views.action_list, name="action_list"),
    path("actions/nouvelle/", views.order_create, name="order_create"),
    path("actions/parametrage/", views.setup, name="setup"),
    path("actions/parametrage/marches/nouveau/", views.market_create, name="market_create"),
    path("actions/parametrage/lots/nouveau/", views.lot_create, name="lot_create"),
    path("actions/parametrage/dispositifs/nouveau/", views.dispositif_create, name="dispositif_create"),
    path("actions/<int:order_id>/", views.action_detail, name="action_detail"),
    path("actions/<int:order_id>/ouverture/", views.opening, name="opening"),
    path("actions/<int:order_id>/chorus-pro/", views.chorus, name="chorus"),
]
