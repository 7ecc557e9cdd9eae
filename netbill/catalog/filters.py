import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbill.accounts.models import Operator
from netbill.core.permissions import restrict

from .choices import BillingProfileTypeChoices, MasterPackageValidityChoices, VATProfileModeChoices
from .models import BillingProfile, MasterPackage, OperatorPackage, VATProfile


class VATProfileFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    mode = django_filters.ChoiceFilter(label=_("Mode"), choices=VATProfileModeChoices.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = VATProfile
        fields = ["q", "mode", "is_active"]


class BillingProfileFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    billing_type = django_filters.ChoiceFilter(
        label=_("Billing type"), choices=BillingProfileTypeChoices.choices
    )

    class Meta:
        model = BillingProfile
        fields = ["q", "billing_type"]


class MasterPackageFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    validity = django_filters.ChoiceFilter(
        label=_("Validity"), choices=MasterPackageValidityChoices.choices
    )

    class Meta:
        model = MasterPackage
        fields = ["q", "validity"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(pppoe_profile__name__icontains=value))


def _operators(request):
    if request is None:
        return Operator.objects.none()
    # Only operators the viewer reaches, like every other choice list.
    return restrict(Operator.objects.all(), request.user, "packages.view").order_by("path")


class OperatorPackageFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), field_name="master_package__name", lookup_expr="icontains"
    )
    operator = django_filters.ModelChoiceFilter(label=_("Operator"), queryset=_operators)

    class Meta:
        model = OperatorPackage
        fields = ["q", "operator"]
