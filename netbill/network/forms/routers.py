"""Routers → Add Router / Edit: the form, and the smaller one Test Connection reads."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbill.core.permissions import restrict

from ..models import Router, VPNAccount
from ..services.routers import normalise_host

PORT_RANGE = {"min_value": 1, "max_value": 65535}


class RouterConnectionForm(forms.Form):
    """What logging in needs: Test Connection validates only these fields."""

    host = forms.CharField(
        label=_("IP or host"),
        max_length=255,
        help_text=_("Public address, or the tunnel address of its VPN account."),
    )
    api_port = forms.IntegerField(label=_("API port"), initial=8728, **PORT_RANGE)
    use_ssl = forms.BooleanField(
        label=_("API-SSL"),
        required=False,
        help_text=_("Use the api-ssl service (usually port 8729) instead of plain api."),
    )
    api_username = forms.CharField(label=_("API username"), max_length=64)
    api_password = forms.CharField(
        label=_("API password"),
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, instance: Router | None = None, **kwargs):
        self.user = user
        self.instance = instance
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in self.base_fields
                if name not in ("api_password", "radius_secret")
            }
            if "vpn_account" in initial:
                initial["vpn_account"] = instance.vpn_account_id
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if instance is not None:
            # Editing: a blank password keeps the stored one.
            self.fields["api_password"].required = False
            self.fields["api_password"].help_text = _("Leave blank to keep the current one.")

    def clean_host(self):
        return normalise_host(self.cleaned_data["host"])

    def connection(self) -> dict:
        """The values to log in with (the stored password when the field is blank)."""
        data = self.cleaned_data
        password = data.get("api_password") or ""
        if not password and self.instance is not None:
            password = self.instance.api_password or ""
        return {
            "host": data["host"],
            "api_port": data["api_port"],
            "use_ssl": data["use_ssl"],
            "api_username": data["api_username"],
            "api_password": password,
        }


class RouterForm(RouterConnectionForm):
    """Add or edit a router (a plain Form: the stored secrets never reach a widget)."""

    name = forms.CharField(label=_("Name"), max_length=64)
    radius_secret = forms.CharField(
        label=_("RADIUS secret"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("The shared secret of the router's /radius entry."),
    )
    coa_port = forms.IntegerField(
        label=_("CoA port"),
        initial=3799,
        help_text=_("Where the router accepts CoA and Disconnect requests."),
        **PORT_RANGE,
    )
    vpn_account = forms.ModelChoiceField(
        label=_("VPN account"),
        queryset=VPNAccount.objects.none(),
        required=False,
        help_text=_("For a router behind NAT: it is then reached on its tunnel address."),
    )
    location = forms.CharField(label=_("Location"), max_length=255, required=False)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive routers are not checked."),
    )

    field_order = [
        "name",
        "host",
        "api_port",
        "use_ssl",
        "api_username",
        "api_password",
        "radius_secret",
        "coa_port",
        "vpn_account",
        "location",
        "is_active",
    ]

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, user=user, instance=instance, **kwargs)
        # The tenant's own VPN accounts (scoped manager, then the user's reach).
        wanted = Q(is_active=True)
        if instance is not None and instance.vpn_account_id:
            wanted |= Q(pk=instance.vpn_account_id)  # keep showing the current one
        queryset = VPNAccount.objects.filter(wanted)
        self.fields["vpn_account"].queryset = (
            restrict(queryset, user, "routers.manage") if user is not None else queryset.none()
        )
        if instance is not None:
            self.fields["radius_secret"].required = False
            self.fields["radius_secret"].help_text = _("Leave blank to keep the current one.")
        else:
            del self.fields["is_active"]

    def values(self) -> dict:
        """Every field, for router_create."""
        data = dict(self.cleaned_data)
        data.pop("is_active", None)
        return data

    def changes(self) -> dict:
        """The changed fields, for router_update (blank secrets are left out)."""
        changes = {}
        for name in self.changed_data:
            value = self.cleaned_data.get(name)
            if name in ("api_password", "radius_secret") and not value:
                continue
            changes[name] = value
        return changes
