"""The invoice PDF (Bill → PDF): a real PDF with the same content as the print view."""

import base64
import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.billing.models import Bill
from netbill.billing.pdf import invoice_pdf
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)\s*endstream", re.S)


def pdf_text(data: bytes) -> str:
    """The text drawn in a reportlab PDF: every content stream decoded (ASCII85 then
    Flate, reportlab's defaults), the strings of its text operators joined."""
    chunks = []
    for header, body in _STREAM.findall(data):
        if b"/Subtype /Image" in header:
            continue
        if b"ASCII85Decode" in header:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"FlateDecode" in header:
            body = zlib.decompress(body)
        chunks += re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body)
    text = b" ".join(chunks).decode("latin-1")
    return re.sub(r"\\(.)", r"\1", text)


@pytest.fixture
def bill(isp):
    Tenant.objects.filter(pk=isp.tenant.pk).update(
        address="House 7, Road 3",
        phone="+8809612000111",
        email="billing@alpha.example",
        website="https://alpha.example",
        btrc_licence_no="ISP-4242",
        invoice_footer="Pay by bKash (01700000000) & thank you.",
    )
    setup = customer_setup(isp, pool_subnet="10.73.0.0/22", label="PDF")
    with in_scope(isp.tenant):
        customer, _ = billed_customer(isp, setup, name="Rahim <Uddin>", username="rahimpdf")
        return Bill.objects.select_related("tenant", "customer").get(
            customer=customer, period_start=date(2026, 12, 1)
        )


def test_pdf_carries_the_invoice_content(bill):
    data = invoice_pdf(bill)
    assert data.startswith(b"%PDF-")
    # Paragraphs draw each markup fragment on its own: compare without the spacing.
    text = re.sub(r"\s+", "", pdf_text(data))
    for expected in (
        bill.number,
        "Alpha Net",
        "House 7, Road 3",
        "+8809612000111",
        "billing@alpha.example",
        "ISP-4242",
        "Rahim <Uddin>",
        "Username: rahimpdf",
        "2026-12-01 - 2026-12-31",
        "600.00 BDT",
        "Pay by bKash (01700000000) & thank you.",
    ):
        assert re.sub(r"\s+", "", expected) in text, f"{expected!r} not in the PDF: {text}"


def test_pdf_of_a_partly_paid_bill_shows_paid_and_due(isp, bill):
    with in_scope(isp.tenant):
        Bill.objects.filter(pk=bill.pk).update(paid_amount=Decimal("50.00"), status="partial")
        bill.refresh_from_db()
    text = pdf_text(invoice_pdf(bill))
    assert "50.00 BDT" in text and "550.00 BDT" in text
    assert "Partially paid" in text


def test_pdf_with_a_logo(isp, bill):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (80, 40), (20, 120, 200)).save(data, "PNG")
    tenant = Tenant.objects.get(pk=isp.tenant.pk)
    tenant.logo.save("logo.png", ContentFile(data.getvalue()))
    bill.tenant = tenant
    pdf = invoice_pdf(bill)
    assert b"/Subtype /Image" in pdf
    assert bill.number in pdf_text(pdf)


def test_pdf_download(client, isp, bill):
    client.force_login(fresh_user(isp.ga))
    with nothing_changes(isp.tenant, what="PDF download"):
        response = client.get(reverse("billing:bill_invoice_pdf", args=[bill.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{bill.number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert bill.number in pdf_text(response.content)


def test_pdf_of_another_subtree_is_404(client, isp, bill):
    client.force_login(fresh_user(isp.user_y))
    response = client.get(reverse("billing:bill_invoice_pdf", args=[bill.pk]))
    assert response.status_code == 404
