"""Panel pages of payment links: Send Payment Link (from the customer profile) and Bills &
Payments → Payment Link Broadcast (a background job with its page and CSV).

Both need payment_links.send; customers, zones and operators are those of the user's
reach. Every write is one service call (`links.payment_link_create`) or a job whose
task calls it."""

from django.db import OperationalError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.generic import FormView

from netbill.core.context import current_actor
from netbill.core.jobs import job_create
from netbill.core.models import BackgroundJob
from netbill.core.permissions import restrict
from netbill.core.views import BaseView, JobFileView, JobView, ObjectEditView
from netbill.customers.models import Customer

from .forms_links import PaymentLinkBroadcastForm, PaymentLinkSendForm
from .links import (
    BROADCAST_JOB_KIND,
    PERMISSION,
    STATUS_LABELS,
    broadcast_customers,
    link_status,
    link_url,
    payment_link_create,
)
from .models import PaymentLink

RECENT_LINKS = 10

STATUS_BADGES = {
    "paid": "text-bg-success",
    "expired": "text-bg-secondary",
    "opened": "text-bg-info",
    "sent": "text-bg-primary",
}


def base_url(request) -> str:
    """The site's address as the visitor used it ("https://billing.example.net")."""
    return request.build_absolute_uri("/").rstrip("/")


def link_rows(links, request) -> list[dict]:
    now, base = timezone.now(), base_url(request)
    rows = []
    for link in links:
        status = link_status(link, now)
        rows.append(
            {
                "link": link,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "badge": STATUS_BADGES[status],
                "url": link_url(link, base),
            }
        )
    return rows


def recent_links(customer, user):
    return restrict(
        PaymentLink.objects.filter(customer=customer).select_related("tenant", "created_by"),
        user,
        PERMISSION,
    ).order_by("-created_at", "-id")


#
# Send Payment Link
#


class PaymentLinkSendView(ObjectEditView):
    """Customer profile → Send Payment Link: make a link for what the customer owes
    now; the page then shows it with a Copy button, and the customer's recent links."""

    permission_required = PERMISSION
    model = Customer
    form_class = PaymentLinkSendForm
    template_name = "payments/link_send.html"

    def get_base_queryset(self):
        return Customer.objects.select_related("tenant", "operator")

    def save(self, form, instance):
        link = payment_link_create(
            customer=instance,
            by=self.request.user,
            channel=form.cleaned_data["channel"],
            valid_days=form.cleaned_data["valid_days"],
        )
        self.success_message = _("Payment link made for %(amount)s %(currency)s.") % {
            "amount": f"{link.amount:,.2f}",
            "currency": instance.tenant.currency,
        }
        return link

    def get_success_url(self, obj=None):
        return reverse("payments:link_send", args=[self.object.pk]) + f"?link={obj.pk}"

    def get_context_data(self, **kwargs):
        from .gateway_services import customer_due

        context = super().get_context_data(**kwargs)
        customer, user = self.object, self.request.user
        links = list(recent_links(customer, user)[:RECENT_LINKS])
        rows = link_rows(links, self.request)
        created = None
        wanted = self.request.GET.get("link", "")
        if wanted.isdigit():
            created = next((r for r in rows if r["link"].pk == int(wanted)), None)
        context.update(
            title=_("Send Payment Link: %(customer)s") % {"customer": customer.username},
            customer=customer,
            due=customer_due(customer),
            currency=customer.tenant.currency,
            links=rows,
            created=created,
        )
        return context


#
# Payment Link Broadcast
#


class PaymentLinkBroadcastView(BaseView, FormView):
    """Bills & Payments → Payment Link Broadcast: choose customers by zone, operator and
    payment status; Preview counts them; Send makes their links in the background."""

    permission_required = PERMISSION
    form_class = PaymentLinkBroadcastForm
    template_name = "payments/link_broadcast.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.request.method == "GET" and "payment_status" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Payment Link Broadcast")
        form = context["form"]
        context["preview_count"] = None
        if self.request.method == "GET" and form.is_bound and form.is_valid():
            context["preview_count"] = self.customers(form).count()
        context["recent_jobs"] = restrict(
            BackgroundJob.objects.filter(kind=BROADCAST_JOB_KIND),
            self.request.user,
            PERMISSION,
        ).order_by("-created_at", "-id")[:5]
        return context

    def customers(self, form):
        data = form.cleaned_data
        return broadcast_customers(
            user=self.request.user,
            zone=data.get("zone"),
            operator=data.get("operator"),
            payment_status=data["payment_status"],
        )

    def form_valid(self, form):
        from .link_tasks import payment_link_broadcast_task

        user, ctx, data = self.request.user, current_actor(), form.cleaned_data
        job = job_create(
            by=user,
            kind=BROADCAST_JOB_KIND,
            title=str(_("Payment Link Broadcast")),
            params={
                "zone": data["zone"].pk if data.get("zone") else None,
                "operator": data["operator"].pk if data.get("operator") else None,
                "payment_status": data["payment_status"],
                "channel": data["channel"],
                "valid_days": data["valid_days"],
                "base_url": base_url(self.request),
                "actor": {"impersonator_id": ctx.impersonator_id, "ip": ctx.ip},
            },
        )
        task_kwargs = {"tenant_id": job.tenant_id, "job_id": job.pk}

        def enqueue():
            try:
                payment_link_broadcast_task.delay(**task_kwargs)
            except OperationalError:
                # The broker is unreachable: run it here rather than leave it pending.
                payment_link_broadcast_task.apply(kwargs=task_kwargs)

        transaction.on_commit(enqueue)
        return HttpResponseRedirect(reverse("payments:link_broadcast_job", args=[job.pk]))


class PaymentLinkBroadcastJobView(JobView):
    """A broadcast's page: progress, then how many links were made and the CSV."""

    permission_required = PERMISSION
    kinds = (BROADCAST_JOB_KIND,)
    file_url_name = "payments:link_broadcast_file"
    back_url_name = "payments:link_broadcast"
    back_label = _l("Payment Link Broadcast")
    result_labels = {
        "customers": _l("Customers matched"),
        "links": _l("Links made"),
        "skipped": _l("Skipped (nothing due)"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.object.result or {}
        context["result_rows"] = [
            (label, result[key]) for key, label in self.result_labels.items() if key in result
        ]
        return context


class PaymentLinkBroadcastFileView(JobFileView):
    """The broadcast's CSV: username, name, mobile, amount, link."""

    permission_required = PERMISSION
    kinds = (BROADCAST_JOB_KIND,)
