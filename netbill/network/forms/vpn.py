"""Routers & Packages → VPN Accounts: create (keys and address are generated) and edit."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import VPNAccount


class VPNAccountCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=64, help_text=_("e.g. the router or site it connects.")
    )
    with_preshared_key = forms.BooleanField(
        label=_("Add a preshared key"),
        required=False,
        initial=True,
        help_text=_("An extra symmetric key on top of the key pair (recommended)."),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)


class VPNAccountEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive account is left out of the VPN server's configuration."),
    )

    def __init__(self, *args, user=None, instance: VPNAccount | None = None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {"name": instance.name, "is_active": instance.is_active}
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}
