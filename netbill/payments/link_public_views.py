"""The public page of a payment link (/pay/<isp>/link/<signed token>/)."""

from django.http import Http404

from netbill.tenancy.public import TenantPublicView


class PaymentLinkView(TenantPublicView):
    def get(self, request, signed: str):
        raise Http404
