import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import VPNAccount

ACTIVE_CHOICES = [("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))]


class VPNAccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    is_active = django_filters.BooleanFilter(
        label=_("Active"), widget=forms.Select(choices=ACTIVE_CHOICES)
    )

    class Meta:
        model = VPNAccount
        fields = ["q", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(tunnel_address__icontains=value)
            | Q(public_key__icontains=value)
        )
