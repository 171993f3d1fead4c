def membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "tenant": getattr(request, "tenant", None),
        "active_membership": getattr(request, "membership", None),
        "all_memberships": getattr(request, "memberships", []),
    }
