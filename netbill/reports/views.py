from django.shortcuts import redirect

from netbill.core.permissions import can
from netbill.core.views import PanelTemplateView

from . import queries


class DashboardView(PanelTemplateView):
    """The Group Admin's (and every operator's) landing page."""

    permission_required = "dashboard.view"
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["counts"] = queries.dashboard_counts(user)
        if can(user, "reports.financial"):
            context["money"] = queries.operator_money(user)
        context["activity"] = queries.recent_activity(user)
        return context


def home(request):
    """`/`: send each user to the panel that fits its role."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if user.is_platform_admin:
        return redirect("accounts:platform_tenants")
    if user.is_noc:
        return redirect("monitoring:noc_dashboard")
    if can(user, "dashboard.view"):
        return redirect("reports:dashboard")
    if can(user, "operators.view"):
        return redirect("accounts:operator_list")
    return redirect("accounts:password_change")
