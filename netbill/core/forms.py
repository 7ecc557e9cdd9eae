"""Forms shared by every app."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmDeleteForm(forms.Form):
    """Deleting needs an explicit yes (a bare POST deletes nothing)."""

    confirm = forms.BooleanField(label=_("Yes, delete it"), required=True)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
