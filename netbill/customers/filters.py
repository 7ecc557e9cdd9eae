import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import CustomFieldTypeChoices
from .models import CustomField


class CustomFieldFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    field_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=CustomFieldTypeChoices.choices
    )
    mandatory = django_filters.BooleanFilter(label=_("Mandatory"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = CustomField
        fields = ["q", "field_type", "mandatory", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(key__icontains=value))
