"""The customer portal (/portal/<isp>/), the suspension portal (/portal/<isp>/suspended/)
and the panel page Settings → Suspension Portal Settings.

Portal pages run as TenantPublicView (the ISP from the URL, its scope and time zone);
the customer comes from the portal session (auth.py), never from anything the visitor
sends, and every object a page shows is the customer's own. The suspension portal
knows the customer only by the client address of an open RADIUS session.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.views import BaseView
from netbill.customers.choices import CustomerStatusChoices
from netbill.payments.choices import TxnSourceChoices
from netbill.payments.gateway_services import active_gateways, customer_due, payment_start
from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.models import Payment
from netbill.payments.public_views import client_ip, urls_builder
from netbill.tenancy.models import Tenant
from netbill.tenancy.public import TenantPublicView

from .auth import (
    LoginRefused,
    PortalLoginRequired,
    login_check,
    portal_customer,
    portal_login,
    portal_logout,
)
from .forms import (
    IspCodeForm,
    PayForm,
    PortalLoginForm,
    RedeemForm,
    SuspensionPortalSettingsForm,
    add_errors,
)
from .queries import (
    customer_by_ip,
    customer_payment,
    masked_name,
    payment_allocations,
    portal_summary,
    suspension_settings_for,
)
from .services import suspension_portal_settings_update

S = CustomerStatusChoices


def _home(tenant) -> str:
    return reverse("portal:home", kwargs={"isp": tenant.slug})


#
# /portal/: which ISP?
#


class PortalIndexView(View):
    """The portal's front door: the customer types its ISP's code and lands on that
    ISP's portal. No list of ISPs is ever shown."""

    template_name = "portal/index.html"

    def get(self, request):
        return render(request, self.template_name, {"form": IspCodeForm()})

    def post(self, request):
        form = IspCodeForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["code"]
            if Tenant.objects.filter(slug=code, is_active=True).exists():
                return HttpResponseRedirect(reverse("portal:home", kwargs={"isp": code}))
            form.add_error("code", _("No ISP uses this code. Check it on your bill."))
        return render(request, self.template_name, {"form": form}, status=200)


#
# Login and logout
#


class PortalLoginView(TenantPublicView):
    template_name = "portal/login.html"

    def safe_next(self, request) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        home = _home(self.tenant)
        if target.startswith(home) and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return home

    def page(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "isp": self.tenant,
                "form": form,
                "next": self.safe_next(request),
                "title": _("Log in"),
            },
            status=status,
        )

    def get(self, request):
        if portal_customer(request, self.tenant) is not None:
            return HttpResponseRedirect(self.safe_next(request))
        return self.page(request, PortalLoginForm())

    def post(self, request):
        form = PortalLoginForm(request.POST)
        if not form.is_valid():
            return self.page(request, form)
        try:
            customer = login_check(
                tenant=self.tenant,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except LoginRefused as exc:
            form.add_error(None, exc.message)
            return self.page(request, form)
        portal_login(request, customer)
        return HttpResponseRedirect(self.safe_next(request))


class PortalLogoutView(TenantPublicView):
    http_method_names = ["post"]

    def post(self, request):
        portal_logout(request)
        messages.info(request, _("You have logged out."))
        return HttpResponseRedirect(reverse("portal:login", kwargs={"isp": self.tenant.slug}))


#
# The customer's pages
#


class PortalHomeView(TenantPublicView, PortalLoginRequired):
    """Status, package, expiry, dues, usage this cycle, payments, and a recharge card."""

    def get(self, request):
        return render(
            request,
            "portal/home.html",
            {
                "isp": self.tenant,
                "customer": self.customer,
                "summary": portal_summary(self.customer),
                "gateways": active_gateways(self.tenant),
                "redeem_form": RedeemForm(),
                "S": S,
                "title": _("My account"),
            },
        )


class PortalPayView(TenantPublicView, PortalLoginRequired):
    """Pay with one of the ISP's active gateways; a gateway that is down says so here
    and the customer picks another."""

    template_name = "portal/pay.html"

    def page(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "isp": self.tenant,
                "customer": self.customer,
                "form": form,
                "due": customer_due(self.customer),
                "title": _("Pay"),
            },
            status=status,
        )

    def form(self, data=None):
        due = customer_due(self.customer)
        return PayForm(
            data,
            gateways=active_gateways(self.tenant),
            initial={"amount": due if due > 0 else ""},
        )

    def get(self, request):
        return self.page(request, self.form())

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                txn = payment_start(
                    customer=self.customer,
                    gateway=form.chosen_gateway(),
                    urls_for=urls_builder(request, self.tenant),
                    amount=form.cleaned_data.get("amount"),
                    source=TxnSourceChoices.PORTAL,
                    client_ip=client_ip(request),
                )
            except GatewayUnavailable as exc:
                form.add_error(None, str(exc))
            except BusinessRuleError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(txn.redirect_url)
        return self.page(request, form)


class PortalReceiptView(TenantPublicView, PortalLoginRequired):
    """A printable receipt of one of the customer's own payments."""

    model = Payment  # what the pk names (for the URL crawlers)

    def get(self, request, pk: int):
        payment = customer_payment(self.customer, pk)
        if payment is None:
            raise Http404
        return render(
            request,
            "portal/receipt.html",
            {
                "isp": self.tenant,
                "object": payment,
                "allocations": list(payment_allocations(payment)),
                "currency": self.tenant.currency,
                "title": payment.receipt_number,
            },
        )


class PortalRedeemView(TenantPublicView, PortalLoginRequired):
    """Recharge with a card: the card's value is paid to the customer's account."""

    template_name = "portal/redeem.html"

    def page(self, request, form):
        return render(
            request,
            self.template_name,
            {"isp": self.tenant, "customer": self.customer, "form": form, "title": _("Recharge")},
        )

    def get(self, request):
        return self.page(request, RedeemForm())

    def post(self, request):
        # Written alongside this app (recharge cards); imported here so the portal
        # loads even while that module is being changed.
        from netbill.payments.cards import card_redeem

        form = RedeemForm(request.POST)
        if form.is_valid():
            try:
                payment = card_redeem(
                    tenant=self.tenant,
                    pin=form.cleaned_data["pin"],
                    customer=self.customer,
                    by=None,
                    subject=f"customer:{self.customer.pk}",
                )
            except BusinessRuleError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Card redeemed: %(amount)s %(currency)s paid to your account.")
                    % {"amount": payment.amount, "currency": self.tenant.currency},
                )
                return HttpResponseRedirect(_home(self.tenant))
        return self.page(request, form)


#
# The suspension portal
#


class SuspensionPortalView(TenantPublicView):
    """Where the router sends a suspended customer's browsing. The customer is the one
    whose open RADIUS session in this ISP has the visitor's address (REMOTE_ADDR; a
    forwarded-for header is not believed): its masked name, what it owes, and a Pay
    button. Anybody else sees the general message and a link to the portal login."""

    template_name = "portal/suspended.html"

    def page(self, request, customer, form, status=200):
        config = suspension_settings_for(self.tenant)
        context = {
            "isp": self.tenant,
            "config": config,
            "customer": customer,
            "title": config.title or _("Service suspended"),
            "form": form,
        }
        if customer is not None:
            context.update(
                masked_name=masked_name(customer.name),
                due=customer_due(customer),
                suspended=customer.status == S.SUSPENDED,
            )
        response = render(request, self.template_name, context, status=status)
        # What it shows depends on the visitor's address: no cache may keep it.
        add_never_cache_headers(response)
        return response

    def pay_form(self, customer, data=None):
        config = suspension_settings_for(self.tenant)
        if customer is None or not config.show_pay_button:
            return None
        if customer.status == S.DISABLED or customer_due(customer) <= 0:
            return None
        return PayForm(data, gateways=active_gateways(self.tenant), with_amount=False)

    def get(self, request):
        customer = customer_by_ip(self.tenant, client_ip(request))
        return self.page(request, customer, self.pay_form(customer))

    def post(self, request):
        customer = customer_by_ip(self.tenant, client_ip(request))
        form = self.pay_form(customer, request.POST)
        if form is None:
            return self.page(request, customer, None, status=400)
        if form.is_valid():
            try:
                txn = payment_start(
                    customer=customer,
                    gateway=form.chosen_gateway(),
                    urls_for=urls_builder(request, self.tenant),
                    source=TxnSourceChoices.SUSPENSION,
                    client_ip=client_ip(request),
                )
            except GatewayUnavailable as exc:
                form.add_error(None, str(exc))
            except BusinessRuleError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(txn.redirect_url)
        return self.page(request, customer, form)


#
# Settings → Suspension Portal Settings (panel)
#


class SuspensionPortalSettingsView(BaseView, FormView):
    """Settings → Suspension Portal Settings: the title, message, contact details and
    logo a suspended customer sees, and whether the page offers to pay."""

    permission_required = "portal.settings"
    template_name = "portal/settings.html"
    form_class = SuspensionPortalSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = suspension_settings_for(self.request.user.tenant)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Suspension Portal Settings"),
            preview_url=reverse("portal:suspended", kwargs={"isp": self.request.user.tenant.slug}),
        )
        return context

    def form_valid(self, form):
        try:
            suspension_portal_settings_update(
                tenant=self.request.user.tenant, by=self.request.user, data=form.values()
            )
        except BusinessRuleError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Suspension portal settings saved."))
        return redirect("portal_settings:edit")
