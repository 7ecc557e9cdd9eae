"""Panel pages of online payments: Settings → Payment Gateways (the list of every
provider and one settings page each), Bills & Payments → Verify Payments (the attempts
waiting for a verdict, each with its checks and callbacks; Verify and Refund), and
Customer Payments → Reverse.

Every write is one service call: `gateway_admin.gateway_configure`,
`gateway_services.txn_verify`, `gateway_services.txn_refund`,
`reversal.payment_reverse`."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import FormView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.pagination import CappedPaginator
from netbill.core.permissions import can, restrict
from netbill.core.views import (
    BaseView,
    ObjectActionView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    PanelTemplateView,
    add_service_error,
)

from . import gateway_services
from .choices import CheckTriggerChoices, TxnStatusChoices
from .filters import GatewayTransactionFilterSet
from .forms_gateways import GatewayForm, ReasonForm
from .gateway_admin import gateway_configure, missing_credentials
from .gateways import MODULES
from .models import GatewayCallback, GatewayTransaction, Payment, PaymentGateway
from .reversal import payment_reverse
from .tables import VERIFIABLE, GatewayTransactionTable, txn_badge

MANAGE = "gateways.manage"
VERIFY = "payments.verify"
REVERSE = "payments.reverse"

CHECKS_SHOWN = 100
CALLBACKS_SHOWN = 100


def _safe_next(request, default: str) -> str:
    """The `next` the form sent (a page of this site), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


#
# Settings → Payment Gateways
#


class GatewayListView(PanelTemplateView):
    """Settings → Payment Gateways: every provider netbill can talk to, set up or
    not, with whether it is active and in sandbox or live mode."""

    permission_required = MANAGE
    template_name = "payments/gateway_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        configured = {
            g.provider: g for g in restrict(PaymentGateway.objects.all(), self.request.user, MANAGE)
        }
        rows = []
        for provider, module in MODULES.items():
            gateway = configured.get(provider)
            credentials = gateway.get_credentials() if gateway is not None else {}
            rows.append(
                {
                    "provider": provider,
                    "label": module.label,
                    "gateway": gateway,
                    "missing": [
                        f.label
                        for f in module.fields
                        if f.name in missing_credentials(provider, credentials)
                    ],
                    "supports_refund": module.supports_refund,
                    "edit_url": reverse("payments:gateway_edit", kwargs={"provider": provider}),
                }
            )
        rows.sort(
            key=lambda r: (
                r["gateway"] is None,
                r["gateway"].sort_order if r["gateway"] else 0,
                str(r["label"]).lower(),
            )
        )
        context.update(title=_("Payment Gateways"), rows=rows)
        return context


class GatewayEditView(BaseView, FormView):
    """Settings → Payment Gateways → one provider: its credentials (secrets are never
    shown back), the name customers see, sandbox or live, Active and the order."""

    permission_required = MANAGE
    template_name = "payments/gateway_edit.html"
    form_class = GatewayForm

    def dispatch(self, request, *args, **kwargs):
        provider = kwargs.get("provider")
        if provider not in MODULES:
            raise Http404
        self.provider = provider
        self.module = MODULES[provider]
        self.gateway = (
            restrict(PaymentGateway.objects.all(), request.user, MANAGE)
            .filter(provider=provider)
            .first()
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(module=self.module, gateway=self.gateway)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            gateway = gateway_configure(
                by=self.request.user,
                tenant=self.request.user.tenant,
                provider=self.provider,
                values=form.values(),
                display_name=data["display_name"],
                is_sandbox=data["is_sandbox"],
                is_active=data["is_active"],
                sort_order=data["sort_order"],
            )
        except BusinessRuleError as exc:
            add_service_error(form, exc, form.field_map())
            return self.form_invalid(form)
        messages.success(
            self.request, _("%(gateway)s settings saved.") % {"gateway": gateway.label}
        )
        return HttpResponseRedirect(reverse("payments:gateway_list"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kwargs = {"isp": self.request.user.tenant.slug, "provider": self.provider}
        context.update(
            title=_("Payment gateway: %(gateway)s") % {"gateway": self.module.label},
            module=self.module,
            gateway=self.gateway,
            # What the ISP enters in the gateway's merchant panel.
            return_url=self.request.build_absolute_uri(
                reverse("payments_public:gateway_return", kwargs=kwargs)
            ),
            ipn_url=self.request.build_absolute_uri(
                reverse("payments_public:gateway_ipn", kwargs=kwargs)
            ),
        )
        return context


#
# Bills & Payments → Verify Payments
#


def _transactions():
    return GatewayTransaction.objects.select_related(
        "tenant", "gateway", "customer", "payment", "bill", "link"
    )


class GatewayTransactionListView(ObjectListView):
    """Bills & Payments → Verify Payments: online payments still waiting for a verdict
    (initiated, pending or held), newest first, each with a Verify button that asks
    the gateway now. Status "All" finds the settled ones too."""

    permission_required = VERIFY
    model = GatewayTransaction
    filterset_class = GatewayTransactionFilterSet
    table_class = GatewayTransactionTable
    template_name = "payments/verify_payments.html"
    title = _lazy("Verify Payments")

    def get_base_queryset(self):
        return _transactions().order_by("-created_at", "-id")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Always bound, so that the default status ("waiting") applies to a bare URL.
        kwargs["data"] = self.request.GET
        return kwargs

    def get_table_pagination(self, table):
        options = super().get_table_pagination(table)
        options = options if isinstance(options, dict) else {}
        options["paginator_class"] = CappedPaginator
        return options

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["currency"] = self.request.user.tenant.currency
        return context


class GatewayTransactionView(ObjectView):
    """One online payment attempt: what we asked for, every check of it (when, why,
    what the gateway said, what we concluded, by whom), every callback received, and
    the payment it became. Verify asks the gateway now; Refund (where the gateway
    supports it) gives the money back and reverses the payment."""

    permission_required = VERIFY
    model = GatewayTransaction
    template_name = "payments/gateway_txn.html"

    def get_base_queryset(self):
        return _transactions()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        txn = self.object
        user = self.request.user
        module = MODULES.get(txn.provider)
        context.update(
            title=txn.reference,
            status_badge=txn_badge(txn),
            checks=list(txn.checks.select_related("by").order_by("-id")[:CHECKS_SHOWN]),
            callbacks=list(
                GatewayCallback.objects.filter(txn=txn).order_by("-id")[:CALLBACKS_SHOWN]
            ),
            may_verify=txn.status in VERIFIABLE,
            may_refund=(
                module is not None
                and module.supports_refund
                and txn.status == TxnStatusChoices.SUCCEEDED
                and txn.payment_id is not None
                and can(user, REVERSE, txn)
            ),
            refund_unsupported=module is not None and not module.supports_refund,
            show_payment=can(user, "payments.view"),
            currency=txn.currency,
        )
        return context


class GatewayTransactionVerifyView(ObjectActionView):
    """Verify: ask the gateway, server to server, what became of the payment. A
    verified, matching payment is credited once; the check is kept either way."""

    permission_required = VERIFY
    model = GatewayTransaction

    def get_base_queryset(self):
        return _transactions()

    def perform(self, obj):
        before = obj.status
        txn = gateway_services.txn_verify(
            obj, trigger=CheckTriggerChoices.MANUAL, by=self.request.user
        )
        values = {
            "reference": txn.reference,
            "status": txn.get_status_display(),
            "detail": txn.detail or "—",
        }
        if txn.status == TxnStatusChoices.SUCCEEDED and before != txn.status:
            messages.success(self.request, _("%(reference)s is paid: %(detail)s") % values)
        elif before not in VERIFIABLE:
            messages.info(
                self.request,
                _("%(reference)s is already settled (%(status)s); nothing was asked.") % values,
            )
        elif txn.status == TxnStatusChoices.HELD:
            messages.warning(
                self.request, _("%(reference)s is held for review: %(detail)s") % values
            )
        else:
            messages.info(self.request, _("%(reference)s: %(status)s. %(detail)s") % values)
        return None

    def get_success_url(self, obj):
        return _safe_next(self.request, obj.get_absolute_url())


class GatewayTransactionRefundView(ObjectEditView):
    """Refund a succeeded online payment in full through the gateway (where it
    supports refunds): the gateway gives the money back and the payment is reversed
    in the same transaction."""

    permission_required = REVERSE
    model = GatewayTransaction
    form_class = ReasonForm
    template_name = "payments/gateway_txn_refund.html"

    def get_base_queryset(self):
        return _transactions()

    def save(self, form, instance):
        txn = gateway_services.txn_refund(
            txn=instance, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        self.success_message = _("%(reference)s refunded: %(detail)s") % {
            "reference": txn.reference,
            "detail": txn.detail,
        }
        return txn

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Refund %(reference)s") % {"reference": self.object.reference},
            txn=self.object,
        )
        return context


#
# Customer Payments → Reverse
#


class PaymentReverseView(ObjectEditView):
    """Reverse a payment: a mirror journal entry, its bills back to unpaid or partly
    paid, a recharge card it used active again. The reason is required and kept."""

    permission_required = REVERSE
    model = Payment
    form_class = ReasonForm
    template_name = "payments/payment_reverse.html"

    def get_base_queryset(self):
        return Payment.objects.select_related("tenant", "customer", "operator")

    def save(self, form, instance):
        payment = payment_reverse(
            payment=instance, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        self.success_message = _("Payment %(receipt)s reversed.") % {
            "receipt": payment.receipt_number
        }
        return payment

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = self.object
        context.update(
            title=_("Reverse payment %(receipt)s") % {"receipt": payment.receipt_number},
            payment=payment,
            currency=payment.tenant.currency,
            allocations=list(
                payment.allocations.select_related("bill").order_by("bill__due_date", "bill_id")
            ),
        )
        return context
