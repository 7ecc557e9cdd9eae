from .menu import menu_for
from .middleware import impersonator_id


def panel(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    noc = bool(match and match.route.startswith("admin/noc"))
    return {
        "menu": menu_for(user, "noc" if noc else "main"),
        "is_impersonating": impersonator_id(request) is not None,
        "current_tenant": user.tenant if user.tenant_id else None,
    }
