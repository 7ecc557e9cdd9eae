"""The billing pages: the bill list's filters and totals, the bill page, the printable
invoice, cancelling, Billing Settings, exemptions, and the customer profile's billing
section (which NOC users never see)."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.billing import profile_section
from netbill.billing.choices import BillStatusChoices
from netbill.billing.models import Bill, BillingSettings
from netbill.billing.tests.helpers import billed_customer
from netbill.billing.views import url_or_empty
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup
from netbill.tenancy.models import Tenant
from netbill.tenancy.tests.helpers import make_zone

pytestmark = pytest.mark.django_db

D = Decimal
NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture(autouse=True)
def billing_section():
    # BillingConfig.ready() does this once the integrator wires it; it is idempotent.
    profile_section.register()


@pytest.fixture
def bills(isp):
    """Rahim (operator X, zone Mirpur) and Yasmin (operator Y), each with a first bill
    (26–30 November: 100.00) and a December bill (600.00)."""
    setup_x = customer_setup(isp, pool_subnet="10.70.0.0/22", label="Bill X")
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.71.0.0/22", label="Bill Y")
    zone = make_zone(by=isp.ga, name="Mirpur")
    # In the ISP's scope, as a request would be: the first bills are issued on commit.
    with in_scope(isp.tenant):
        rahim, _ = billed_customer(isp, setup_x, name="Rahim Uddin", username="rahim", zone=zone)
        yasmin, _ = billed_customer(isp, setup_y, name="Yasmin Akter", username="yasmin")
        rows = {
            (b.customer_id, b.period_start >= DECEMBER): b
            for b in Bill.objects.select_related("tenant")
        }
    isp.setup_x, isp.setup_y, isp.zone = setup_x, setup_y, zone
    isp.rahim, isp.yasmin = rahim, yasmin
    isp.rahim_first, isp.rahim_dec = rows[(rahim.pk, False)], rows[(rahim.pk, True)]
    isp.yasmin_first, isp.yasmin_dec = rows[(yasmin.pk, False)], rows[(yasmin.pk, True)]
    assert isp.rahim_first.total == D("100.00") and isp.rahim_dec.total == D("600.00")
    return isp


def pay(isp, customer, amount):
    from netbill.payments.services import payment_receive

    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return payment_receive(
            customer=customer, by=fresh_user(isp.ga), amount=D(amount), reference="counter"
        )


def cancel(isp, bill, reason="Duplicate"):
    from netbill.billing.services import bill_cancel

    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return bill_cancel(bill=bill, by=fresh_user(isp.ga), reason=reason)


def listed(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("billing:bill_list"), params)
    assert response.status_code == 200
    return response, {row.record.pk for row in response.context["table"].paginated_rows}


#
# Bills & Payments → Bills
#


def test_list_filters(client, bills):
    isp, ga = bills, fresh_user(bills.ga)
    every = {isp.rahim_first.pk, isp.rahim_dec.pk, isp.yasmin_first.pk, isp.yasmin_dec.pk}
    assert listed(client, ga)[1] == every
    assert listed(client, ga, operator=isp.op_y.pk)[1] == {isp.yasmin_first.pk, isp.yasmin_dec.pk}
    assert listed(client, ga, zone=isp.zone.pk)[1] == {isp.rahim_first.pk, isp.rahim_dec.pk}
    assert listed(client, ga, billing_profile=isp.setup_y.billing.pk)[1] == {
        isp.yasmin_first.pk,
        isp.yasmin_dec.pk,
    }
    assert listed(client, ga, period="2026-12")[1] == {isp.rahim_dec.pk, isp.yasmin_dec.pk}
    assert listed(client, ga, period="2026-11")[1] == {isp.rahim_first.pk, isp.yasmin_first.pk}
    assert listed(client, ga, period="2027-01")[1] == set()
    assert listed(client, ga, kind="first")[1] == {isp.rahim_first.pk, isp.yasmin_first.pk}
    assert listed(client, ga, q="rahim")[1] == {isp.rahim_first.pk, isp.rahim_dec.pk}
    assert listed(client, ga, q="Akter")[1] == {isp.yasmin_first.pk, isp.yasmin_dec.pk}
    assert listed(client, ga, q=isp.yasmin_dec.number)[1] == {isp.yasmin_dec.pk}
    assert listed(client, ga, q=isp.yasmin_dec.number.lower())[1] == {isp.yasmin_dec.pk}
    pay(isp, isp.rahim, "100")  # pays the first bill, the oldest
    assert listed(client, ga, status="paid")[1] == {isp.rahim_first.pk}
    assert listed(client, ga, status="unpaid")[1] == every - {isp.rahim_first.pk}


def test_list_rejects_a_bad_month_and_lists_nothing(client, bills):
    response, rows = listed(client, fresh_user(bills.ga), period="2026-13")
    assert rows == set()
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_list_totals_cover_the_whole_filtered_list(client, bills):
    isp, ga = bills, fresh_user(bills.ga)
    response, _rows = listed(client, ga)
    table = response.context["table"]
    assert table.totals == {"total": D("1400.00"), "due": D("1400.00")}
    assert ">1,400.00<" in response.content.decode()
    pay(isp, isp.rahim, "150")  # 100 on the first bill, 50 on December
    cancel(isp, isp.yasmin_dec)
    table = listed(client, ga)[0].context["table"]
    # The cancelled bill's total is listed; nobody owes it.
    assert table.totals == {"total": D("1400.00"), "due": D("650.00")}
    table = listed(client, ga, operator=isp.op_x.pk)[0].context["table"]
    assert table.totals == {"total": D("700.00"), "due": D("550.00")}
    # A page of one row still sums the whole filtered list.
    client.force_login(ga)
    table = client.get(reverse("billing:bill_list"), {"per_page": 1}).context["table"]
    assert len(list(table.paginated_rows)) == 1
    assert table.totals["total"] == D("1400.00")


def test_list_is_confined_to_the_subtree(client, bills):
    isp = bills
    rows = listed(client, fresh_user(isp.user_y))[1]
    assert rows == {isp.yasmin_first.pk, isp.yasmin_dec.pk}
    table = listed(client, fresh_user(isp.user_y))[0].context["table"]
    assert table.totals["total"] == D("700.00")


def test_list_query_count_does_not_grow_with_rows(client, bills, django_assert_max_num_queries):
    client.force_login(fresh_user(bills.ga))
    client.get(reverse("billing:bill_list"))  # warm caches (sessions, menu)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("billing:bill_list"))
    assert len(list(response.context["table"].paginated_rows)) == 4


#
# The bill page
#


def test_bill_page_shows_line_allocations_and_ledger(client, bills):
    isp = bills
    payment = pay(isp, isp.rahim, "150")
    client.force_login(fresh_user(isp.ga))
    body = client.get(reverse("billing:bill", args=[isp.rahim_dec.pk])).content.decode()
    assert 'id="bill-total">600.00<' in body
    assert 'id="bill-paid">50.00<' in body
    assert 'id="bill-due">550.00<' in body
    assert "nb-bill-partial" in body
    assert 'id="bill-period">2026-12-01 – 2026-12-31<' in body
    assert f"#{isp.rahim_dec.journal_entry_id}" in body
    assert payment.receipt_number in body
    assert reverse("billing:bill_cancel", args=[isp.rahim_dec.pk]) in body
    link = url_or_empty("payments:payment", payment.pk)
    assert (f'href="{link}"' in body) == bool(link)


def test_bill_page_of_a_cancelled_bill(client, bills):
    isp = bills
    cancel(isp, isp.yasmin_dec, "Moved away")
    client.force_login(fresh_user(isp.ga))
    body = client.get(reverse("billing:bill", args=[isp.yasmin_dec.pk])).content.decode()
    assert 'id="bill-cancel-reason">Moved away<' in body
    assert "nb-bill-cancelled" in body
    assert 'id="bill-due">0.00<' in body
    assert reverse("billing:bill_cancel", args=[isp.yasmin_dec.pk]) not in body


def test_bill_page_hides_cancel_without_bills_edit(client, bills):
    isp = bills
    user = set_codes(fresh_user(isp.ga), revoke=["bills.edit"])
    client.force_login(user)
    body = client.get(reverse("billing:bill", args=[isp.rahim_dec.pk])).content.decode()
    assert reverse("billing:bill_cancel", args=[isp.rahim_dec.pk]) not in body
    assert reverse("billing:bill_invoice", args=[isp.rahim_dec.pk]) in body


#
# The invoice
#


def brand(isp, *, logo=False):
    Tenant.objects.filter(pk=isp.tenant.pk).update(
        address="House 7, Road 3\nMirpur, Dhaka",
        phone="+8809612000111",
        email="billing@alpha.example",
        website="https://alpha.example",
        btrc_licence_no="ISP-4242",
        invoice_footer="Pay by bKash 01700000000.",
        invoice_prefix="AN",
        currency="BDT",
    )
    tenant = Tenant.objects.get(pk=isp.tenant.pk)
    if logo:
        import io

        from django.core.files.base import ContentFile
        from PIL import Image

        data = io.BytesIO()
        Image.new("RGB", (60, 30), (200, 20, 20)).save(data, "PNG")
        tenant.logo.save("logo.png", ContentFile(data.getvalue()))
    return tenant


def test_invoice_shows_branding_customer_and_amounts(client, bills):
    isp = bills
    tenant = brand(isp, logo=True)
    pay(isp, isp.rahim, "150")
    client.force_login(fresh_user(isp.ga))
    body = client.get(reverse("billing:bill_invoice", args=[isp.rahim_dec.pk])).content.decode()
    assert f'id="invoice-number">AN-{isp.rahim_dec.pk:06d}<' in body  # the ISP's prefix
    assert f'src="{tenant.logo.url}"' in body
    assert "House 7, Road 3<br>Mirpur, Dhaka" in body
    for text in ("+8809612000111", "billing@alpha.example", "https://alpha.example"):
        assert text in body
    assert "ISP-4242" in body
    assert 'id="invoice-footer">Pay by bKash 01700000000.<' in body
    assert "Rahim Uddin" in body and "rahim" in body
    assert 'id="invoice-period">2026-12-01 – 2026-12-31<' in body
    assert 'id="invoice-total">600.00 BDT<' in body
    assert 'id="invoice-paid">50.00 BDT<' in body
    assert 'id="invoice-due">550.00 BDT<' in body
    assert "window.print()" in body
    assert "nb-sidebar" not in body


def test_invoice_without_a_logo_and_with_vat(client, bills):
    isp = bills
    with in_scope(isp.tenant):
        Bill.objects.filter(pk=isp.rahim_dec.pk).update(
            vat_rate=D("15"), vat_inclusive=True, vat_amount=D("78.26")
        )
    client.force_login(fresh_user(isp.ga))
    body = client.get(reverse("billing:bill_invoice", args=[isp.rahim_dec.pk])).content.decode()
    assert "invoice-logo" not in body
    assert 'id="invoice-vat">78.26<' in body
    assert "15% inclusive" in body


#
# Cancelling
#


def test_cancel_reverses_the_bill(client, bills):
    isp = bills
    client.force_login(fresh_user(isp.ga))
    url = reverse("billing:bill_cancel", args=[isp.yasmin_dec.pk])
    assert client.get(url).status_code == 200
    with in_scope(isp.tenant):
        owed = queries.customer_receivable(isp.tenant, isp.yasmin.pk)
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url, {"reason": "  Wrong   package "})
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:bill", args=[isp.yasmin_dec.pk])
    with in_scope(isp.tenant):
        bill = Bill.objects.get(pk=isp.yasmin_dec.pk)
        assert bill.status == BillStatusChoices.CANCELLED
        assert bill.cancel_reason == "Wrong package"
        assert queries.customer_receivable(isp.tenant, isp.yasmin.pk) == owed - D("600.00")
        assert queries.trial_balance_difference(isp.tenant) == 0


@pytest.mark.parametrize("state", ["paid", "cancelled"])
def test_cancel_refuses_paid_and_cancelled_bills(client, bills, state):
    isp = bills
    if state == "paid":
        pay(isp, isp.rahim, "100")
        expected = "is paid; reverse its payment before cancelling it."
    else:
        cancel(isp, isp.rahim_first)
        expected = "is already cancelled."
    client.force_login(fresh_user(isp.ga))
    url = reverse("billing:bill_cancel", args=[isp.rahim_first.pk])
    with nothing_changes(isp.tenant, what=f"cancelling a {state} bill"):
        response = client.post(url, {"reason": "again"})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == [f"Bill {isp.rahim_first.number} {expected}"]
    assert expected in response.content.decode()


def test_cancel_needs_a_reason(client, bills):
    isp = bills
    client.force_login(fresh_user(isp.ga))
    url = reverse("billing:bill_cancel", args=[isp.rahim_dec.pk])
    with nothing_changes(isp.tenant, what="no reason"):
        response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]


#
# Settings → Billing Settings
#


def test_settings_page_reads_without_writing_and_saves(client, isp):
    client.force_login(fresh_user(isp.ga))
    url = reverse("billing:settings")
    with nothing_changes(isp.tenant, what="GET"):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["suspension_breaker_percent"] == D("10.00")
    response = client.post(
        url, {"first_bill": "none", "run_hour": "0", "suspension_breaker_percent": "5"}
    )
    assert response.status_code == 302 and response["Location"] == url
    with in_scope(isp.tenant):
        row = BillingSettings.objects.get(tenant=isp.tenant)
        assert (row.first_bill, row.run_hour, row.suspension_breaker_percent) == (
            "none",
            0,
            D("5.00"),
        )
    assert client.get(url).context["form"].initial["first_bill"] == "none"


@pytest.mark.parametrize(
    ("field", "value"),
    [("run_hour", "24"), ("suspension_breaker_percent", "100.01"), ("first_bill", "twice")],
)
def test_settings_refuse_bad_values(client, isp, field, value):
    client.force_login(fresh_user(isp.ga))
    data = {"first_bill": "full", "run_hour": "2", "suspension_breaker_percent": "10"}
    data[field] = value
    with nothing_changes(isp.tenant, what=f"bad {field}"):
        response = client.post(reverse("billing:settings"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]


def test_operators_cannot_change_billing_settings(client, isp):
    client.force_login(fresh_user(isp.user_x))
    assert client.get(reverse("billing:settings")).status_code == 403


#
# Exemptions
#


def test_exemptions_save_and_show_on_the_profile(client, bills):
    isp = bills
    client.force_login(fresh_user(isp.ga))
    url = reverse("billing:customer_exemptions", args=[isp.rahim.pk])
    response = client.post(url, {"never_auto_suspend": "on", "suspension_extended_until": ""})
    assert response.status_code == 302
    body = client.get(reverse("customers:customer", args=[isp.rahim.pk])).content.decode()
    assert 'id="billing-never-suspend">Yes<' in body
    response = client.post(url, {"suspension_extended_until": "2026-12-20"})
    assert response.status_code == 302
    with in_scope(isp.tenant):
        rahim = Customer.objects.get(pk=isp.rahim.pk)
    assert (rahim.never_auto_suspend, rahim.suspension_extended_until) == (
        False,
        date(2026, 12, 20),
    )
    with in_scope(isp.tenant):
        assert (
            AuditLog.objects.filter(
                action="customer.billing_exemptions", object_id=str(isp.rahim.pk)
            ).count()
            == 2
        )


def test_exemptions_refuse_a_promise_in_the_past(client, bills):
    isp = bills
    client.force_login(fresh_user(isp.ga))
    url = reverse("billing:customer_exemptions", args=[isp.rahim.pk])
    with nothing_changes(isp.tenant, what="promise in the past"):
        response = client.post(url, {"suspension_extended_until": "2020-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["suspension_extended_until"] == [
        "A promise to pay lies today or later."
    ]


#
# The customer profile's billing section
#


def profile(client, user, customer):
    client.force_login(user)
    response = client.get(reverse("customers:customer", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_profile_section_shows_money_to_billing_users(client, bills):
    isp = bills
    pay(isp, isp.rahim, "150")
    with in_scope(isp.tenant):
        Customer.objects.filter(pk=isp.rahim.pk).update(expiry_date=date(2027, 1, 31))
    body = profile(client, fresh_user(isp.ga), isp.rahim)
    assert 'id="billing-section"' in body
    assert 'id="billing-owes">550.00' in body
    assert 'id="billing-advance-balance">0.00' in body
    assert 'id="billing-expiry">2027-01-31<' in body
    assert reverse("billing:bill", args=[isp.rahim_dec.pk]) in body
    assert reverse("billing:bill", args=[isp.rahim_first.pk]) in body
    assert reverse("billing:customer_exemptions", args=[isp.rahim.pk]) in body
    for name, marker in (
        ("payments:receive", "billing-receive"),
        ("payments:advance", "billing-advance"),
    ):
        link = url_or_empty(name, isp.rahim.pk)
        assert (f'id="{marker}"' in body) == bool(link)
        if link:
            assert f'href="{link}"' in body


def test_profile_section_advance_and_no_bills(client, isp):
    setup = customer_setup(isp, pool_subnet="10.72.0.0/22", label="Free")
    with in_scope(isp.tenant):
        customer, _ = billed_customer(isp, setup, on=date(2026, 11, 26))
        Bill.objects.filter(customer=customer).update(status="paid", paid_amount=D("100.00"))
        Customer.objects.filter(pk=customer.pk).update(advance_balance=D("250.00"))
    body = profile(client, fresh_user(isp.ga), customer)
    assert 'id="billing-owes">0.00' in body
    assert 'id="billing-advance-balance">250.00' in body


def test_profile_section_without_buttons_for_users_without_those_codes(client, bills):
    isp = bills
    user = set_codes(fresh_user(isp.ga), revoke=["payments.receive", "customers.suspend"])
    body = profile(client, user, isp.rahim)
    assert 'id="billing-section"' in body
    assert 'id="billing-receive"' not in body and 'id="billing-advance"' not in body
    assert 'id="billing-exemptions-form"' not in body


@pytest.mark.parametrize("who", ["noc", "manager_x"])
def test_profile_section_hidden_from_users_without_bills_view(client, bills, who):
    # NOC users never see money; a manager (customers and payments only) neither.
    isp = bills
    body = profile(client, fresh_user(getattr(isp, who)), isp.rahim)
    assert 'id="billing-section"' not in body
    assert isp.rahim_dec.number not in body
    assert "Advance balance" not in body


def test_noc_users_reach_no_billing_page(client, bills):
    isp = bills
    client.force_login(fresh_user(isp.noc))
    pk = isp.rahim_dec.pk
    for url in (
        reverse("billing:bill_list"),
        reverse("billing:bill", args=[pk]),
        reverse("billing:bill_invoice", args=[pk]),
        reverse("billing:bill_invoice_pdf", args=[pk]),
        reverse("billing:bill_cancel", args=[pk]),
        reverse("billing:settings"),
    ):
        assert client.get(url).status_code == 403, url
