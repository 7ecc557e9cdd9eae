from .menu import menu_for
from .middleware import impersonator_id


def panel(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    # NOC users work in their own panel everywhere (its menu lists the network pages they
    # may open); anyone else sees the NOC layout only under /admin/noc/.
    noc = user.is_noc or bool(match and match.route.startswith("admin/noc"))
    panel_name = "noc" if noc else "main"
    return {
        "panel": panel_name,
        "menu": menu_for(user, panel_name),
        "is_impersonating": impersonator_id(request) is not None,
        "current_tenant": user.tenant if user.tenant_id else None,
    }
