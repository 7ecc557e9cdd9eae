"""Placeholder: the portal's pages are being written."""

from django.shortcuts import render

from netbill.tenancy.public import TenantPublicView


class PortalHomeView(TenantPublicView):
    def get(self, request):
        return render(request, "public_base.html", {"isp": self.tenant, "title": "Portal"})
