"""RADIUS pages: Routers → a router → Reconcile (the first reconciler, read only)."""

from django.utils.translation import gettext_lazy as _

from netbill.core.views import ObjectView
from netbill.network.models import Router

from .reconcile import reconcile_router


class RouterReconcileView(ObjectView):
    """Compare the router's /ppp/active with open radacct sessions, and every customer's
    expected rate with what RADIUS would send. A GET runs it: it only reads (the router
    within its timeouts, then the database) and changes nothing."""

    permission_required = "routers.view"
    model = Router
    template_name = "radius/router_reconcile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["router"] = self.object
        context["drift"] = reconcile_router(self.object)
        context["title"] = _("Reconcile %(router)s") % {"router": self.object.name}
        return context
