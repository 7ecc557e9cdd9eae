import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbill.core.permissions import restrict

from ..choices import IPPoolFamilyChoices, IPPoolKindChoices
from ..models import IPPool, PPPoEProfile


class IPPoolFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    family = django_filters.ChoiceFilter(label=_("Family"), choices=IPPoolFamilyChoices.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=IPPoolKindChoices.choices)

    class Meta:
        model = IPPool
        fields = ["q", "family", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(subnet__icontains=value)
            | Q(ranges__icontains=value)
            | Q(comment__icontains=value)
        )


def _pools(family):
    def queryset(request):
        if request is None:
            return IPPool.objects.none()
        # Only the viewer's own pools, like every other choice list.
        return restrict(IPPool.objects.filter(family=family), request.user, "ip_pools.manage")

    return queryset


class PPPoEProfileFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    ipv4_pool = django_filters.ModelChoiceFilter(label=_("IPv4 pool"), queryset=_pools(4))
    ipv6_pool = django_filters.ModelChoiceFilter(label=_("IPv6 pool"), queryset=_pools(6))

    class Meta:
        model = PPPoEProfile
        fields = ["q", "ipv4_pool", "ipv6_pool"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(rate_limit__icontains=value)
            | Q(dns_servers__icontains=value)
            | Q(comment__icontains=value)
        )
