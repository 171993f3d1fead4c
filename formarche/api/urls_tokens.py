"""The token page, under ``organisme/jetons-api/`` (Gestion organisme)."""

from django.urls import path

from formarche.api import views_tokens

app_name = "api_tokens"

urlpatterns = [
    path("", views_tokens.tokens, name="list"),
    path("<int:token_id>/revoquer/", views_tokens.token_revoke, name="revoke"),
]
