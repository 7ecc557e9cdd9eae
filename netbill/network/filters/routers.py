import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import RouterStatusChoices
from ..models import Router

ACTIVE_CHOICES = [("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))]


class RouterFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RouterStatusChoices.choices)
    is_active = django_filters.BooleanFilter(
        label=_("Active"), widget=forms.Select(choices=ACTIVE_CHOICES)
    )

    class Meta:
        model = Router
        fields = ["q", "status", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(host__icontains=value)
            | Q(identity__icontains=value)
            | Q(location__icontains=value)
        )
