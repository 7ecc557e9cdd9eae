"""The permission check of the base classes cannot be replaced by a subclass."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from netbill.core.api import TenantViewSet
from netbill.core.views import BaseView


def test_a_view_cannot_replace_as_view():
    with pytest.raises(ImproperlyConfigured, match="as_view"):

        class Sneaky(BaseView):
            permission_required = "dashboard.view"

            @classmethod
            def as_view(cls, **initkwargs):
                return lambda request: None


@pytest.mark.parametrize(
    "method", ["get_permissions", "check_permissions", "check_object_permissions"]
)
def test_a_viewset_cannot_replace_its_permission_methods(method):
    with pytest.raises(ImproperlyConfigured, match=method):
        type(
            "Sneaky",
            (TenantViewSet,),
            {"permission_codes": {"*": "operators.view"}, method: lambda self, *a: []},
        )
