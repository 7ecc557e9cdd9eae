"""Every billing page under its contract (netbill.core.testing.contracts): Bills &
Payments → Bills (list, bill page, printable invoice, PDF, cancel), Settings → Billing
Settings, and the customer profile's exemptions form.

Bills belong to the customer's operator: operator Y (user_y) reaches none of operator
X's bills, and the other ISP none at all. Billing Settings belong to the whole ISP.
"""

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope

from conftest import in_scope
from netbill.billing.models import Bill, BillingSettings
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.contracts import (
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.customers.tests.helpers import customer_setup

pytestmark = pytest.mark.django_db

DECEMBER = date(2026, 12, 1)


def prepare_bills(isp):
    """Per ISP: a customer of operator X and one of operator Y, each with its first
    bill and its December bill."""
    setup_x = customer_setup(isp, pool_subnet="10.70.0.0/22", label="Bill X")
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.71.0.0/22", label="Bill Y")
    isp.billed_x, _ = billed_customer(isp, setup_x, name="Rahim Biller", username="rahimb")
    isp.billed_y, _ = billed_customer(isp, setup_y, name="Yasmin Biller", username="yasminb")
    with in_scope(isp.tenant):
        isp.bill_x = Bill.objects.get(customer=isp.billed_x, period_start=DECEMBER)
        isp.bill_x_first = Bill.objects.exclude(pk=isp.bill_x.pk).get(customer=isp.billed_x)


class _Bills:
    permission = "bills.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_bills(isp)

    def target(self, isp):
        return isp.bill_x


class TestBillList(_Bills, ListViewContract):
    url_name = "billing:bill_list"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return Bill.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return Bill.objects.filter(tenant=isp.tenant, operator=isp.op_y)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert reverse("billing:bill", args=[isp.bill_x.pk]) in body
        assert isp.bill_x.number in body and "nb-bill-unpaid" in body
        assert "<tfoot" in body  # the totals row


class TestBillDetail(_Bills, DetailViewContract):
    url_name = "billing:bill"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert f'id="bill-number">{isp.bill_x.number}<' in body
        assert 'id="bill-total">600.00<' in body
        assert reverse("billing:bill_invoice", args=[isp.bill_x.pk]) in body
        assert reverse("billing:bill_cancel", args=[isp.bill_x.pk]) in body


class TestBillInvoice(_Bills, DetailViewContract):
    url_name = "billing:bill_invoice"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert f'id="invoice-company-name">{isp.tenant.name}<' in body
        assert 'class="nb-sidebar' not in body  # standalone: no menu
        assert "window.print()" in body


class TestBillInvoicePDF(_Bills, DetailViewContract):
    url_name = "billing:bill_invoice_pdf"

    def test_with_permission(self, client, isp, request):
        # A file, not a page: the bill's str() is not in it as text.
        from netbill.core.testing.state import nothing_changes

        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="with permission"):
            response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{isp.bill_x.number}.pdf"'
        )
        assert response.content.startswith(b"%PDF")


class TestBillCancel(_Bills, EditViewContract):
    url_name = "billing:bill_cancel"
    permission = "bills.edit"
    audit_action = "bill.cancelled"
    events = ("bill.cancelled",)

    def form_data(self, isp):
        return {"reason": "Billed twice by mistake"}

    def expected(self, isp):
        return {"status": "cancelled", "cancel_reason": "Billed twice by mistake"}

    def success_url(self, isp, obj):
        return reverse("billing:bill", args=[obj.pk])

    def test_with_permission(self, client, isp, request):
        # bill_cancel's on-commit restore check reads the customer. In a request it runs
        # when the service's transaction commits, inside the request's tenant scope; in
        # a test the callbacks wait for the end of the test's block, after the request,
        # so the block gets the scope the request had.
        with in_scope(isp.tenant):
            super().test_with_permission(client, isp, request)


class TestBillingSettings(EditViewContract):
    url_name = "billing:settings"
    permission = "billing.settings"
    other_tenant_status = 302  # the page edits the caller's own ISP
    audit_action = "billing.settings_updated"
    not_applicable = {"other_subtree": "billing settings belong to the ISP as a whole"}

    def target(self, isp):
        return isp.tenant

    def url_kwargs(self, target):
        return {}

    def form_data(self, isp):
        return {"first_bill": "full", "run_hour": "3", "suspension_breaker_percent": "12.5"}

    def written_object(self, isp, target):
        with scope(tenant=isp.tenant.pk):
            return BillingSettings.objects.get(tenant=isp.tenant)

    def expected(self, isp):
        from decimal import Decimal

        return {
            "first_bill": "full",
            "run_hour": 3,
            "suspension_breaker_percent": Decimal("12.50"),
        }

    def success_url(self, isp, obj):
        return reverse(self.url_name)


class TestCustomerExemptions(_Bills, EditViewContract):
    url_name = "billing:customer_exemptions"
    permission = "customers.suspend"
    audit_action = "customer.billing_exemptions"

    def target(self, isp):
        return isp.billed_x

    def form_data(self, isp):
        return {"never_auto_suspend": "on", "suspension_extended_until": "2099-01-31"}

    def expected(self, isp):
        return {"never_auto_suspend": True, "suspension_extended_until": date(2099, 1, 31)}

    def success_url(self, isp, obj):
        return reverse("customers:customer", args=[obj.pk])
