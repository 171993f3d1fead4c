"""Writes about orders, one module per entity: the Région's set-up (``market``, ``lot``,
``dispositif``), its orders (``order``), their Chorus Pro fields (``chorus``), their opening by the OF (``opening``). The order import lives in
the imports app (``formarche.imports.services.orders``).

Keyword-only functions ``<entity>_<action>`` under ``transaction.atomic``; a refusal raises
:class:`OrderError` with a French message and changes nothing. The rules shared with the forms
and the import (:func:`certification_error`, :func:`parse_components`, ``ORDER_NUMBER_RE``) are in
:mod:`formarche.orders.rules` and re-exported here.
"""

from formarche.orders.rules import ORDER_NUMBER_RE, OrderError, certification_error, parse_components
from formarche.orders.services.chorus import order_chorus_update
from formarche.orders.services.dispositif import dispositif_create
from formarche.orders.services.lot import lot_create
from formarche.orders.services.market import market_create
from formarche.orders.services.opening import order_open
from formarche.orders.services.order import order_create

__all__ = [
    "ORDER_NUMBER_RE",
    "OrderError",
    "certification_error",
    "dispositif_create",
    "lot_create",
    "market_create",
    "order_chorus_update",
    "order_create",
    "order_open",
    "parse_components",
]
