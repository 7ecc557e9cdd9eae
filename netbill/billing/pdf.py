"""The invoice as a PDF (Bill → PDF), with the same content as the printable HTML view:
the ISP's branding from its company settings, the customer, the period, the bill's line
with its VAT, and what is paid and due.

Limitation: reportlab's built-in (standard 14) fonts cover Latin-1 only and reportlab
does not shape complex scripts, so Bengali text (a company or customer name written in
Bengali) cannot be rendered properly here; characters outside Latin-1 come out as
boxes. We use the default font (Helvetica) and accept that; the HTML print view renders
Bengali correctly in the browser and is the one to use for Bengali invoices. Shaping
Bengali would need a TTF font with a shaping engine (HarfBuzz), which reportlab lacks.
"""

import io

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from netbill.core.pdf import paragraph, tenant_logo
from netbill.core.templatetags.netbill import money

from .choices import BillStatusChoices
from .models import Bill

__all__ = ["invoice_filename", "invoice_pdf"]


def invoice_filename(bill: Bill) -> str:
    return f"{bill.number}.pdf"


_p = paragraph


def invoice_pdf(bill: Bill) -> bytes:
    """The invoice of `bill` as PDF bytes (A4), in English (see the module's note)."""
    with translation.override("en"):
        return _build(bill)


def _build(bill: Bill) -> bytes:
    tenant, customer = bill.tenant, bill.customer
    currency = tenant.currency
    styles = getSampleStyleSheet()
    normal, small = styles["Normal"], styles["BodyText"]
    small.fontSize, small.leading = 8, 10
    heading = styles["Heading1"]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("Invoice %(number)s") % {"number": bill.number},
        author=tenant.name,
    )
    story = []

    # The company: logo, name and contact details, BTRC licence.
    company = [_p(tenant.name, styles["Heading2"])]
    for value in (tenant.address, tenant.phone, tenant.email, tenant.website):
        if value:
            company.append(_p(value, small))
    if tenant.btrc_licence_no:
        company.append(_p(_("BTRC licence no. %(no)s") % {"no": tenant.btrc_licence_no}, small))
    logo = tenant_logo(tenant)
    header = Table([[logo or "", company]], colWidths=[45 * mm, None])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, Spacer(1, 6 * mm)]

    title = _("Invoice")
    if bill.status == BillStatusChoices.CANCELLED:
        title = _("Invoice (cancelled)")
    story.append(_p(title, heading))

    # Who is billed, and the invoice's dates.
    bill_to = [_p(_("Bill to"), styles["Heading4"]), _p(customer.name, normal)]
    for value in (
        _("Username: %(u)s") % {"u": customer.username},
        customer.mobile,
        customer.address,
    ):
        if value:
            bill_to.append(_p(value, small))
    facts = [
        [_("Invoice no."), bill.number],
        [_("Issue date"), f"{bill.issue_date:%Y-%m-%d}"],
        [_("Due date"), f"{bill.due_date:%Y-%m-%d}"],
        [_("Period"), f"{bill.period_start:%Y-%m-%d} - {bill.period_end:%Y-%m-%d}"],
        [_("Status"), bill.get_status_display()],
    ]
    facts_table = Table(facts, colWidths=[28 * mm, 45 * mm])
    facts_table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.grey),
            ]
        )
    )
    parties = Table([[bill_to, facts_table]], colWidths=[None, 75 * mm])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [parties, Spacer(1, 6 * mm)]

    # The line, then the sums.
    vat_label = (_("%(rate)s%% inclusive") if bill.vat_inclusive else _("%(rate)s%% exclusive")) % {
        "rate": f"{bill.vat_rate.normalize():f}"
    }
    rows = [
        [_("Description"), _("Price"), _("Discount"), _("VAT rate"), _("VAT"), _("Total")],
        [
            _p(
                f"{bill.package_name} ({bill.period_start:%Y-%m-%d} - {bill.period_end:%Y-%m-%d})",
                small,
            ),
            money(bill.price),
            money(bill.discount),
            vat_label,
            money(bill.vat_amount),
            money(bill.total),
        ],
        ["", "", "", "", _("Total"), f"{money(bill.total)} {currency}"],
        ["", "", "", "", _("Paid"), f"{money(bill.paid_amount)} {currency}"],
        [
            "",
            "",
            "",
            "",
            _("Due"),
            f"{money(bill.due if bill.is_open else 0)} {currency}",
        ],
    ]
    lines = Table(rows, colWidths=[None, 24 * mm, 22 * mm, 28 * mm, 22 * mm, 30 * mm])
    lines.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("FONTNAME", (4, 2), (-1, -1), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(lines)
    if bill.status == BillStatusChoices.CANCELLED and bill.cancel_reason:
        story += [
            Spacer(1, 4 * mm),
            _p(_("Cancelled: %(reason)s") % {"reason": bill.cancel_reason}, small),
        ]
    if tenant.invoice_footer:
        story += [Spacer(1, 10 * mm), _p(tenant.invoice_footer, small)]
    doc.build(story)
    return buffer.getvalue()
