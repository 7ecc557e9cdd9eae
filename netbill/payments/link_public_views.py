"""The public page of a payment link (/pay/<isp>/link/<signed token>/).

No login: the signed token is the key. The page shows whose link it is (name partly
masked), what is due now and the ISP's active gateways; choosing one starts a gateway
payment for what is due now and sends the customer to the gateway. A tampered or
unknown link (or another ISP's) is "not valid" (404); an expired one says so (410)."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.core.exceptions import BusinessRuleError
from netbill.tenancy.public import TenantPublicView

from .choices import TxnSourceChoices
from .gateway_services import active_gateways, customer_due, payment_start
from .gateways import GatewayUnavailable
from .links import LinkExpired, LinkInvalid, link_opened, link_resolve, mask_name
from .public_views import client_ip, urls_builder

TEMPLATE = "payments/link_public.html"


class PaymentLinkView(TenantPublicView):
    """What a customer sees on opening a payment link, and the gateway choice."""

    def _refusal(self, request, exc):
        isp = self.tenant
        if isinstance(exc, LinkExpired):
            expired_on = timezone.localtime(exc.link.expires_at)
            message = _("This payment link expired on %(date)s. Ask %(isp)s for a new one.") % {
                "date": expired_on.strftime("%Y-%m-%d"),
                "isp": isp.name,
            }
            status, state = 410, "expired"
        else:
            message = _("This payment link is not valid. Ask %(isp)s for a new one.") % {
                "isp": isp.name
            }
            status, state = 404, "invalid"
        return render(
            request,
            TEMPLATE,
            {"isp": isp, "title": _("Payment link"), "state": state, "message": message},
            status=status,
        )

    def _page(self, request, link, *, error: str = "", status: int = 200):
        customer = link.customer
        due = customer_due(customer)
        return render(
            request,
            TEMPLATE,
            {
                "isp": self.tenant,
                "title": _("Pay your bill"),
                "state": "open" if due > 0 else "nothing_due",
                "link": link,
                "customer_name": mask_name(customer.name),
                "username": customer.username,
                "due": due,
                "currency": self.tenant.currency,
                "gateways": active_gateways(self.tenant) if due > 0 else [],
                "error": error,
            },
            status=status,
        )

    def get(self, request, signed: str):
        try:
            link = link_resolve(self.tenant, signed)
        except (LinkInvalid, LinkExpired) as exc:
            return self._refusal(request, exc)
        link_opened(link)
        return self._page(request, link)

    def post(self, request, signed: str):
        try:
            link = link_resolve(self.tenant, signed)
        except (LinkInvalid, LinkExpired) as exc:
            return self._refusal(request, exc)
        link_opened(link)
        wanted = request.POST.get("gateway", "")
        gateway = next((g for g in active_gateways(self.tenant) if g.provider == wanted), None)
        if gateway is None:
            return self._page(
                request, link, error=_("Choose one of the ways to pay below."), status=400
            )
        try:
            txn = payment_start(
                customer=link.customer,
                gateway=gateway,
                urls_for=urls_builder(request, self.tenant),
                source=TxnSourceChoices.LINK,
                link=link,
                client_ip=client_ip(request),
            )
        except (GatewayUnavailable, BusinessRuleError) as exc:
            message = " ".join(getattr(exc, "messages", None) or [str(exc)])
            return self._page(request, link, error=message, status=200)
        return HttpResponseRedirect(txn.redirect_url)
