from django.db.models import Count, Q
from django.utils import timezone

from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import User
from netbill.core.permissions import BY_CODE
from netbill.core.views import PanelTemplateView


class NocDashboardView(PanelTemplateView):
    """The NOC panel's landing page (/admin/noc/). Never shows money: NOC users are
    walled off from financial data, and this page is shared by the crawler test that
    proves it."""

    permission_required = "monitoring.view"
    template_name = "monitoring/noc_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tenant = user.tenant
        context["local_time"] = timezone.now().astimezone(tenant.zone)
        context["my_permissions"] = [BY_CODE[c] for c in sorted(user.permission_codes)]
        context["noc_team"] = User.in_tenant.filter(role=Role.NOC).aggregate(
            total=Count("id"), active=Count("id", filter=Q(is_active=True))
        )
        return context
