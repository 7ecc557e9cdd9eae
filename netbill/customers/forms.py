"""Customer settings forms, and the builder that turns the ISP's custom fields into form
fields for the customer forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import CustomFieldTypeChoices
from .constants import MANDATORY_ATTRIBUTE_CHOICES
from .models import CustomField

__all__ = [
    "CUSTOM_FIELD_PREFIX",
    "CustomFieldForm",
    "MandatoryAttributesForm",
    "custom_field_formfields",
]

# Form field names are the key with this prefix, so that a custom field keyed "email"
# never collides with the built-in customer field of that name.
CUSTOM_FIELD_PREFIX = "cf_"


def custom_field_formfields(tenant) -> dict[str, forms.Field]:
    """The ISP's active custom fields as Django form fields, in their order, named
    `cf_<key>`; a mandatory one is required. The Create and Edit Customer forms add them."""
    fields: dict[str, forms.Field] = {}
    rows = CustomField.objects.filter(tenant=tenant, is_active=True).order_by("order", "name")
    for row in rows:
        common = {"label": row.name, "required": row.mandatory}
        if row.field_type == CustomFieldTypeChoices.NUMBER:
            field = forms.DecimalField(max_digits=20, decimal_places=6, **common)
        elif row.field_type == CustomFieldTypeChoices.DATE:
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        elif row.field_type == CustomFieldTypeChoices.DROPDOWN:
            choices = [("", "---------")] + [(c, c) for c in row.choices]
            field = forms.ChoiceField(choices=choices, **common)
        else:
            field = forms.CharField(max_length=255, **common)
        fields[f"{CUSTOM_FIELD_PREFIX}{row.key}"] = field
    return fields


class CustomFieldForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    key = forms.CharField(
        label=_("Key"),
        max_length=64,
        required=False,
        help_text=_("Names the value in the API; made from the name when left empty."),
    )
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldTypeChoices.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dropdown only: one choice a line."),
    )
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user=None, instance: CustomField | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name,
                "key": instance.key,
                "field_type": instance.field_type,
                "choices": "\n".join(instance.choices),
                "mandatory": instance.mandatory,
                "order": instance.order,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class MandatoryAttributesForm(forms.Form):
    required = forms.MultipleChoiceField(
        label=_("Required at registration"),
        choices=MANDATORY_ATTRIBUTE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
