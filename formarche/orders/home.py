"""Home page blocks of the orders app (registered in OrdersConfig.ready())."""

from formarche.orders import selectors


def actions_block(request):
    """OF: its open actions with their realisation rate; Région: the orders it follows, by dispositif."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return None
    if tenant.is_of:
        orders = selectors.open_actions(tenant)
        return {"template": "orders/home_of.html", "orders": orders} if orders else None
    orders = selectors.followed_orders(tenant)
    # regroup needs the groups contiguous: dispositif first, the user's own orders first inside it
    orders.sort(key=lambda o: (o.dispositif.name, o.mine, o.number))
    for order in orders:
        order.followed_by_me = order.mine == 0
    return {"template": "orders/home_region.html", "orders": orders} if orders else None
