import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbill.core.models import AuditLog
from netbill.core.permissions import restrict

from .choices import OperatorKindChoices, UserRoleChoices
from .models import Operator, User

ACTIVE_CHOICES = [("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))]


class OperatorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(choices=OperatorKindChoices.choices)
    is_active = django_filters.BooleanFilter(
        label=_("Active"), widget=forms.Select(choices=ACTIVE_CHOICES)
    )

    class Meta:
        model = Operator
        fields = ["q", "kind", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(mobile__icontains=value) | Q(email__icontains=value)
        )


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(choices=UserRoleChoices.choices)
    is_active = django_filters.BooleanFilter(
        label=_("Active"), widget=forms.Select(choices=ACTIVE_CHOICES)
    )

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value) | Q(name__icontains=value) | Q(mobile__icontains=value)
        )


class AuditLogFilterSet(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(
        label=_("User"),
        # Only the people whose entries the viewer may read (its own subtree).
        queryset=lambda request: (
            restrict(User.in_tenant.all(), request.user, "activity_log.view")
            if request
            else User.in_tenant.none()
        ),
    )
    object_type = django_filters.ChoiceFilter(label=_("Object type"), choices=[])
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte"
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = AuditLog
        fields = ["actor", "object_type", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = self.queryset.order_by().values_list("object_type", flat=True).distinct()
        self.filters["object_type"].extra["choices"] = [(t, t) for t in sorted(types)]
