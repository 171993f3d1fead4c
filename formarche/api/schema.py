"""OpenAPI: how the token authentication shows in the schema (drf-spectacular extension)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from formarche.api.authentication import ApiTokenAuthentication


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    match_subclasses = True
    name = "jetonApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "« Token fmk_… » : un jeton créé par un responsable de l'organisation (Gestion "
                "organisme → Jetons d'API), avec ses portées et sa date d'expiration."
            ),
        }
