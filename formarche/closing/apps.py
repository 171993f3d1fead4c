from django.apps import AppConfig


def closing_state(order) -> tuple[list[str], bool]:
    """What billing's closing gate asks: what is missing to close ``order``, and is it closed."""
    from formarche.closing.selectors import closing_status

    status = closing_status(order)
    return list(status.missing), status.is_closed


class ClosingConfig(AppConfig):
    name = "formarche.closing"
    label = "closing"
    verbose_name = "Fermeture des actions, bilans et résultats"

    def ready(self):
        from formarche.billing.closing_gate import register_closing_status_provider
        from formarche.closing.home import closing_block
        from formarche.ui import home

        if closing_block not in home._PROVIDERS:
            home.register(closing_block)
        register_closing_status_provider(closing_state)
