"""Routers & Packages → VPN Accounts: WireGuard tunnels for routers behind NAT.

The detail page shows the RouterOS commands (with the router's private key) and the
server's [Peer] section; only users who may manage routers reach these pages. The
platform's whole server configuration is not a panel page: it names every ISP's
routers, so it comes from `manage.py vpn_server_config`.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.exceptions import BusinessRuleError
from netbill.core.views import ObjectDeleteView, ObjectEditView, ObjectListView, ObjectView

from ..filters.vpn import VPNAccountFilterSet
from ..forms.vpn import VPNAccountCreateForm, VPNAccountEditForm
from ..models import VPNAccount
from ..services import vpn as services
from ..tables.vpn import VPNAccountTable

CODE = "routers.manage"


class VPNAccountListView(ObjectListView):
    """Routers & Packages → VPN Accounts."""

    permission_required = CODE
    model = VPNAccount
    filterset_class = VPNAccountFilterSet
    table_class = VPNAccountTable
    title = _("VPN Accounts")
    create_url_name = "network:vpn_account_add"

    def get_base_queryset(self):
        return VPNAccount.objects.order_by("name")


class VPNAccountView(ObjectView):
    permission_required = CODE
    model = VPNAccount
    template_name = "network/vpn_account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.object
        try:
            context["router_commands"] = services.router_commands(account)
            context["server_peer"] = services.server_peer(account)
        except BusinessRuleError as exc:
            context["server_error"] = " ".join(exc.messages)
        context["routers"] = account.routers.order_by("name")
        return context


class VPNAccountCreateView(ObjectEditView):
    """VPN Accounts → Create: generates the keys and takes a tunnel address."""

    permission_required = CODE
    model = VPNAccount
    form_class = VPNAccountCreateForm
    success_message = _("VPN account created: paste the commands below on the router.")

    def get_object(self):
        return None

    def save(self, form, instance):
        return services.vpn_account_create(
            by=self.request.user,
            name=form.cleaned_data["name"],
            with_preshared_key=form.cleaned_data["with_preshared_key"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Create VPN account")
        return context


class VPNAccountEditView(ObjectEditView):
    permission_required = CODE
    model = VPNAccount
    form_class = VPNAccountEditForm
    success_message = _("VPN account saved.")

    def save(self, form, instance):
        return services.vpn_account_update(
            account=instance, by=self.request.user, data=form.changes()
        )


class VPNAccountDeleteView(ObjectDeleteView):
    """Delete an account no router uses; its tunnel address becomes free again."""

    permission_required = CODE
    model = VPNAccount

    def delete(self, obj):
        services.vpn_account_delete(account=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("network:vpn_account_list")


urlpatterns = [
    path("vpn-accounts/", VPNAccountListView.as_view(), name="vpn_account_list"),
    path("vpn-accounts/add/", VPNAccountCreateView.as_view(), name="vpn_account_add"),
    path("vpn-accounts/<int:pk>/", VPNAccountView.as_view(), name="vpn_account"),
    path("vpn-accounts/<int:pk>/edit/", VPNAccountEditView.as_view(), name="vpn_account_edit"),
    path(
        "vpn-accounts/<int:pk>/delete/", VPNAccountDeleteView.as_view(), name="vpn_account_delete"
    ),
]
