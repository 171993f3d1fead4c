from formarche.api.services.token import (
    ApiTokenError,
    api_token_create,
    api_token_revoke,
    api_token_touch,
)

__all__ = ["ApiTokenError", "api_token_create", "api_token_revoke", "api_token_touch"]
