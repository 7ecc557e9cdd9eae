"""Pages of one ISP that need no panel login: the customer portal, the suspension
portal, payment links and gateway callbacks. The ISP comes from the URL (`isp`, its
slug); the view runs in that ISP's tenant scope and time zone.

This is a reviewed place where a scope is entered (core/tests/test_scoping.py): the
tenant is never taken from anything the visitor sends but the URL's slug, and every
query inside is confined to it like any panel request.
"""

from django.http import Http404
from django.utils import timezone
from django.views import View
from django_scopes import scope

from .models import Tenant


class TenantPublicView(View):
    """Base class of the public pages of one ISP: `self.tenant` is the ISP."""

    tenant: Tenant

    def dispatch(self, request, *args, **kwargs):
        slug = kwargs.pop("isp", None)
        tenant = Tenant.objects.filter(slug=slug, is_active=True).first() if slug else None
        if tenant is None:
            raise Http404("No such ISP.")
        self.tenant = tenant
        timezone.activate(tenant.zone)
        try:
            # The panel user's scope, if a panel user is logged in in the same browser,
            # is replaced by the scope of the ISP in the URL for this view.
            with scope(tenant=tenant.pk):
                response = super().dispatch(request, *args, **kwargs)
                # Template responses render after the view returns: render them here,
                # inside the scope, so lazy querysets in the template are confined too.
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
                return response
        finally:
            timezone.deactivate()
