"""Public pages of the payments app (no panel login; the ISP from the URL): the Sandbox
gateway's checkout page, the gateways' return and IPN endpoints, and the result page a
customer lands on after paying."""

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from netbill.tenancy.public import TenantPublicView

from .choices import TxnStatusChoices
from .gateway_services import callback_receive
from .gateways import CallbackRequest, Urls
from .gateways.sandbox import sandbox_signature
from .models import GatewayTransaction, PaymentGateway


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def callback_request(request) -> CallbackRequest:
    return CallbackRequest(
        method=request.method,
        query=request.GET.dict(),
        form=request.POST.dict() if request.method == "POST" else {},
        body=request.body if request.method == "POST" else b"",
        headers={k.lower(): v for k, v in request.headers.items()},
        remote_ip=client_ip(request),
    )


def urls_builder(request, tenant):
    """What `payment_start` needs to tell a gateway where to come back."""

    def build(txn) -> Urls:
        kwargs = {"isp": tenant.slug, "provider": txn.provider}
        return Urls(
            return_url=request.build_absolute_uri(
                reverse("payments_public:gateway_return", kwargs=kwargs)
            ),
            ipn_url=request.build_absolute_uri(
                reverse("payments_public:gateway_ipn", kwargs=kwargs)
            ),
        )

    return build


def result_url(txn) -> str:
    return reverse(
        "payments_public:result", kwargs={"isp": txn.tenant.slug, "reference": txn.reference}
    )


class _GatewayView(TenantPublicView):
    def gateway(self, provider: str) -> PaymentGateway:
        gateway = PaymentGateway.objects.filter(tenant=self.tenant, provider=provider).first()
        if gateway is None:
            raise Http404
        return gateway


@method_decorator(csrf_exempt, name="dispatch")  # gateways post back without our token
class GatewayReturnView(_GatewayView):
    """The customer's browser coming back from the gateway (GET or POST). Nothing is
    believed from it: the gateway is asked, then the customer sees the result."""

    def get(self, request, provider: str):
        gateway = self.gateway(provider)
        result = callback_receive(gateway=gateway, request=callback_request(request))
        if result.txn is None:
            return render(
                request,
                "payments/public_result.html",
                {"isp": self.tenant, "txn": None, "message": result.message, "title": _("Payment")},
                status=400,
            )
        return HttpResponseRedirect(result_url(result.txn))

    post = get


@method_decorator(csrf_exempt, name="dispatch")
class GatewayIpnView(_GatewayView):
    """Server-to-server notifications (IPN, webhook). 200 once taken (a replay too), 400
    when refused; the gateway's retries then stop or go on accordingly."""

    def post(self, request, provider: str):
        gateway = self.gateway(provider)
        result = callback_receive(gateway=gateway, request=callback_request(request))
        status = 200 if result.accepted else 400
        return JsonResponse({"accepted": result.accepted, "message": result.message}, status=status)

    get = post


class PaymentResultView(TenantPublicView):
    """Where the customer lands after paying: paid (with the receipt), pending, failed."""

    def get(self, request, reference: str):
        txn = (
            GatewayTransaction.objects.filter(tenant=self.tenant, reference=reference)
            .select_related("payment", "customer", "gateway")
            .first()
        )
        if txn is None:
            raise Http404
        return render(
            request,
            "payments/public_result.html",
            {"isp": self.tenant, "txn": txn, "title": _("Payment"), "S": TxnStatusChoices},
        )


class SandboxCheckoutView(TenantPublicView):
    """The Sandbox gateway's own checkout page (its "site"): Pay, Fail or Cancel."""

    def txn(self, reference: str) -> GatewayTransaction:
        txn = (
            GatewayTransaction.objects.filter(
                tenant=self.tenant, reference=reference, provider="sandbox"
            )
            .select_related("gateway", "customer")
            .first()
        )
        if txn is None:
            raise Http404
        return txn

    def get(self, request, reference: str):
        txn = self.txn(reference)
        return render(
            request,
            "payments/sandbox_checkout.html",
            {
                "isp": self.tenant,
                "txn": txn,
                "merchant": txn.gateway.get_credentials().get("merchant_name") or self.tenant.name,
                "title": _("Sandbox checkout"),
            },
        )

    def post(self, request, reference: str):
        action = request.POST.get("action")
        if action not in ("paid", "failed", "cancelled"):
            messages.error(request, _("Choose Pay, Fail or Cancel."))
            return HttpResponseRedirect(request.path)
        with transaction.atomic():
            txn = GatewayTransaction.objects.select_for_update().get(pk=self.txn(reference).pk)
            record = (txn.meta or {}).get("sandbox") or {}
            if not record.get("state"):
                record = {"state": action, "amount": str(txn.amount)}
                if action == "paid":
                    record["trx_id"] = "SBX" + secrets.token_hex(6).upper()
                txn.meta = {**(txn.meta or {}), "sandbox": record}
                txn.save(update_fields=["meta", "updated_at"])
        result = {"paid": "success", "failed": "failure", "cancelled": "cancel"}[record["state"]]
        back = (txn.meta or {}).get("return_url") or reverse(
            "payments_public:gateway_return",
            kwargs={"isp": self.tenant.slug, "provider": "sandbox"},
        )
        query = urlencode(
            {
                "reference": txn.reference,
                "result": result,
                "sig": sandbox_signature(txn.reference, result),
            }
        )
        sep = "&" if "?" in back else "?"
        return HttpResponseRedirect(f"{back}{sep}{query}")
