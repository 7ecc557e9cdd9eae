import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Zone


class ZoneFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Zone
        fields = ["q", "is_active"]
