"""The payments pages end to end: Receive Payment and Advance Payment (oldest bills
first, the rest as advance, one payment per form however often it is sent, bad
amounts refused), the payment page, the receipt (HTML and PDF) and Customer Payments."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.models import Allocation, Payment
from netbill.payments.services import payment_receive

pytestmark = pytest.mark.django_db

D = Decimal


def _billed(isp, *args, **kwargs):
    # In the ISP's scope: the first bill is issued by the customer.created subscriber
    # when the creation commits.
    with in_scope(isp.tenant):
        return billed_customer(isp, *args, **kwargs)


def _open_bills(customer):
    return list(
        Bill.objects.filter(customer=customer, status__in=("unpaid", "partial")).order_by(
            "due_date", "period_start", "pk"
        )
    )


def _post(client, customer, *, kind="receive", token=None, **values):
    data = {"amount": "100", "method": "cash", "reference": "", "note": "", **values}
    data["token"] = token or uuid.uuid4().hex
    return client.post(reverse(f"payments:{kind}", args=[customer.pk]), data)


@pytest.fixture
def billed(isp):
    customer, _run = _billed(isp)
    return customer


def test_receive_page_shows_what_is_owed_oldest_first(client, isp, billed):
    client.force_login(isp.user_x)
    response = client.get(reverse("payments:receive", args=[billed.pk]))
    assert response.status_code == 200
    with in_scope(isp.tenant):
        bills = _open_bills(billed)
    assert len(bills) == 2
    body = response.content.decode()
    assert [b.pk for b in response.context["bills"]] == [b.pk for b in bills]
    assert body.index(f'data-bill="{bills[0].pk}"') < body.index(f'data-bill="{bills[1].pk}"')
    due = sum(b.total - b.paid_amount for b in bills)
    assert response.context["total_due"] == due
    assert f'id="total-due">{due:,.2f} BDT' in body
    assert 'id="advance-balance">0.00 BDT' in body
    # A fresh token each time the form is drawn.
    token = response.context["form"].initial["token"]
    assert uuid.UUID(token).hex == token
    again = client.get(reverse("payments:receive", args=[billed.pk]))
    assert again.context["form"].initial["token"] != token


def test_payment_pays_oldest_bills_first_and_the_rest_is_advance_on_the_receipt(
    client, isp, billed
):
    with in_scope(isp.tenant):
        first, second = _open_bills(billed)
        due = first.due + second.due
    client.force_login(isp.user_x)
    amount = due + D("150.00")
    response = _post(client, billed, amount=str(amount), reference="Slip 7")
    with in_scope(isp.tenant):
        payment = Payment.objects.get(customer=billed)
        assert response.status_code == 302
        assert response["Location"] == reverse("payments:receipt", args=[payment.pk])
        allocations = list(Allocation.objects.filter(payment=payment).order_by("id"))
        assert [(a.bill_id, a.amount) for a in allocations] == [
            (first.pk, first.due),
            (second.pk, second.due),
        ]
        assert payment.advance_amount == D("150.00")
        assert payment.received_by_id == isp.user_x.pk
        # Operator X's own cash stays with X: it is posted against X's deposit.
        assert payment.collector_id == isp.op_x.pk
        assert not Bill.objects.filter(customer=billed).exclude(status="paid").exists()
        billed.refresh_from_db()
        assert billed.advance_balance == D("150.00")
        assert queries.customer_advance(isp.tenant, billed.pk) == D("150.00")
        assert queries.trial_balance_difference(isp.tenant) == 0
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    body = receipt.content.decode()
    assert payment.receipt_number in body
    assert body.index(first.number) < body.index(second.number)
    assert 'id="receipt-advance"' in body and "150.00" in body
    assert f'id="receipt-total">{amount:,.2f} BDT' in body
    assert "Alpha Net" in body  # the company's name heads it
    assert isp.user_x.username in body or (isp.user_x.get_full_name() in body)
    assert "Payment RCPT-" in body  # the success message


def test_double_click_records_one_payment(client, isp, billed):
    client.force_login(isp.user_x)
    token = uuid.uuid4().hex
    first = _post(client, billed, amount="300", token=token)
    second = _post(client, billed, amount="300", token=token)
    with in_scope(isp.tenant):
        payments = list(Payment.objects.filter(customer=billed))
        assert len(payments) == 1
        entries = JournalEntry.objects.filter(source="payment").count()
        assert entries == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    followed = client.get(second["Location"])
    assert "already sent" in followed.content.decode()
    # A new form (a new token) is a new payment.
    _post(client, billed, amount="300")
    with in_scope(isp.tenant):
        assert Payment.objects.filter(customer=billed).count() == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("abc", "Enter an amount"),
        ("1.234", "two decimal places"),
        ("", "This field is required"),
        ("NaN", "Enter an amount"),
    ],
)
def test_bad_amounts_are_field_errors_and_nothing_is_posted(client, isp, billed, amount, message):
    client.force_login(isp.user_x)
    with nothing_changes(isp.tenant, what=f"amount {amount!r}"):
        response = _post(client, billed, amount=amount)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["amount"], errors
    assert message in " ".join(errors["amount"])


def test_missing_or_forged_token_is_refused(client, isp, billed):
    client.force_login(isp.user_x)
    url = reverse("payments:receive", args=[billed.pk])
    for token in ("", "not-a-uuid"):
        with nothing_changes(isp.tenant, what=f"token {token!r}"):
            response = client.post(url, {"amount": "100", "method": "cash", "token": token})
        assert response.status_code == 200
        assert "expired" in " ".join(response.context["form"].errors["token"])


def test_bank_method_and_unknown_method(client, isp, billed):
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="unknown method"):
        response = _post(client, billed, amount="100", method="gateway")
    assert "method" in response.context["form"].errors
    _post(client, billed, amount="100", method="bank")
    with in_scope(isp.tenant):
        payment = Payment.objects.get(customer=billed)
        assert payment.method == "bank"
        assert payment.collector_id is None
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_advance_payment_is_credit(client, isp):
    customer, _run = _billed(isp, on=date(2026, 1, 1))
    with in_scope(isp.tenant):
        owed = sum(b.due for b in _open_bills(customer))
    client.force_login(isp.ga)
    page = client.get(reverse("payments:advance", args=[customer.pk]))
    assert page.status_code == 200
    assert "Advance Payment" in page.content.decode()
    response = _post(client, customer, kind="advance", amount=str(owed + D("500")))
    assert response.status_code == 302
    with in_scope(isp.tenant):
        payment = Payment.objects.get(customer=customer)
        assert payment.kind == "advance"
        assert payment.advance_amount == D("500.00")
        customer.refresh_from_db()
        assert customer.advance_balance == D("500.00")
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_other_subtree_cannot_receive(client, isp, billed):
    client.force_login(isp.user_y)
    with nothing_changes(isp.tenant, what="operator Y"):
        assert client.get(reverse("payments:receive", args=[billed.pk])).status_code == 404
        assert _post(client, billed, amount="100").status_code == 404


def test_payment_page_shows_allocations_advance_entry_and_audit(client, isp, billed):
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        first, second = _open_bills(billed)
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment = payment_receive(
                customer=billed,
                by=ga,
                amount=first.due + second.due + D("20"),
                idempotency_key="t1",
            )
    client.force_login(isp.ga)
    response = client.get(reverse("payments:payment", args=[payment.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert first.number in body and second.number in body
    assert reverse("billing:bill", args=[first.pk]) in body
    assert 'id="payment-advance">20.00' in body
    assert f"#{payment.journal_entry_id}" in body
    assert reverse("accounting:journal_entry", args=[payment.journal_entry_id]) in body
    assert "payment.received" in body
    assert reverse("payments:receipt", args=[payment.pk]) in body
    assert reverse("payments:receipt_pdf", args=[payment.pk]) in body


def test_receipt_pdf(client, isp, billed, monkeypatch):
    import reportlab.rl_config

    # Uncompressed, so that the text can be read back.
    monkeypatch.setattr(reportlab.rl_config, "pageCompression", 0)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        first, second = _open_bills(billed)
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment = payment_receive(
                customer=billed, by=ga, amount=first.due + second.due + D("20")
            )
    client.force_login(isp.ga)
    response = client.get(reverse("payments:receipt_pdf", args=[payment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{payment.receipt_number}.pdf"' in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"%PDF")
    for text in (payment.receipt_number, "Alpha Net", first.number, "Advance", "20.00"):
        assert text.encode() in data, text


def test_customer_payments_totals_and_filters(client, isp):
    setup_x = customer_setup(isp, label="List X")
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="List Y")
    cx, _ = _billed(isp, setup_x)
    cy, _ = _billed(isp, setup_y)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        p1 = payment_receive(customer=cx, by=ga, amount="100.00")
        p2 = payment_receive(customer=cx, by=ga, amount="250.50", method="bank")
        p3 = payment_receive(customer=cy, by=ga, amount="40.00", kind="advance")
    client.force_login(isp.ga)
    url = reverse("payments:payment_list")

    def listed(query=""):
        response = client.get(url + query)
        assert response.status_code == 200
        rows = {row.record.pk for row in response.context["table"].paginated_rows}
        return rows, response.context["totals"], response.content.decode()

    rows, totals, body = listed()
    assert rows == {p1.pk, p2.pk, p3.pk}
    assert totals == {"count": 3, "amount": D("390.50")}
    assert 'id="payment-total" data-amount="390.50">390.50 BDT' in body
    assert listed("?method=bank")[0] == {p2.pk}
    assert listed("?kind=advance")[1] == {"count": 1, "amount": D("40.00")}
    assert listed(f"?operator={isp.op_y.pk}")[0] == {p3.pk}
    today = p1.received_at.astimezone(isp.tenant.zone).date()
    assert listed(f"?received_from={today}&received_to={today}")[0] == {p1.pk, p2.pk, p3.pk}
    assert listed("?received_from=2001-01-01&received_to=2001-01-31")[1]["count"] == 0
    assert listed(f"?q={cy.username}")[0] == {p3.pk}
    # Operator Y sees its own customers' payments and their sum only.
    client.force_login(isp.user_y)
    rows, totals, _body = listed()
    assert rows == {p3.pk}
    assert totals == {"count": 1, "amount": D("40.00")}
    # HTMX filter requests get the table with its totals.
    response = client.get(url + "?method=bank", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="payment-totals"' in response.content.decode()
    assert "<form" not in response.content.decode()


def test_customer_payments_zone_and_collector_filters(client, isp):
    from netbill.tenancy.tests.helpers import make_zone

    zone = make_zone(by=isp.ga, name="North")
    setup = customer_setup(isp, label="Zone X")
    in_zone, _ = _billed(isp, setup, zone=zone)
    other, _ = _billed(isp, setup)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        p1 = payment_receive(customer=in_zone, by=fresh_user(isp.user_x), amount="10")
        p2 = payment_receive(customer=other, by=fresh_user(isp.ga), amount="20")
    client.force_login(isp.ga)
    url = reverse("payments:payment_list")

    def listed(query):
        response = client.get(url + query)
        return {row.record.pk for row in response.context["table"].paginated_rows}

    assert listed(f"?zone={zone.pk}") == {p1.pk}
    assert listed(f"?collector={isp.op_x.pk}") == {p1.pk}
    assert listed(f"?received_by={isp.ga.pk}") == {p2.pk}


def test_manager_without_payments_view_goes_back_to_the_customer(client, isp, billed):
    client.force_login(isp.manager_x)
    response = _post(client, billed, amount="100")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer", args=[billed.pk])
    with in_scope(isp.tenant):
        assert Payment.objects.filter(customer=billed, received_by=isp.manager_x).count() == 1


def test_receipt_pdf_with_logo_and_bengali_name(client, isp, monkeypatch):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(buffer, format="PNG")
    isp.tenant.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    customer, _run = _billed(isp, name="রহিম উদ্দিন")
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment = payment_receive(customer=customer, by=fresh_user(isp.ga), amount="10")
    client.force_login(isp.ga)
    response = client.get(reverse("payments:receipt_pdf", args=[payment.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert b"/Subtype /Image" in response.content
    html = client.get(reverse("payments:receipt", args=[payment.pk])).content.decode()
    assert 'id="receipt-logo"' in html and "রহিম উদ্দিন" in html
