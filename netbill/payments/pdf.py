"""The money receipt as a PDF (reportlab), with the ISP's branding.

reportlab's built-in fonts (Helvetica here) cover Latin-1 only, and reportlab does not
shape complex scripts: Bengali needs conjuncts and reordered vowel signs that only a
shaping engine (HarfBuzz, as browsers have) produces. The PDF is therefore drawn in
English (`translation.override("en")`), and a Bengali name in it shows as missing
glyphs. The HTML receipt (payments:receipt), printed from the browser, is the one that
shows Bengali correctly; embedding a Bengali TTF would still leave it unshaped.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from netbill.core.pdf import tenant_logo
from netbill.core.templatetags.netbill import money

__all__ = ["receipt_pdf"]


def receipt_pdf(payment, allocations) -> bytes:
    """The receipt of `payment` (its `allocations`, with their bills) as PDF bytes."""
    with translation.override("en"):
        return _build(payment, allocations)


def _build(payment, allocations) -> bytes:
    tenant = payment.tenant
    currency = tenant.currency
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)

    def p(text, style=None):
        return Paragraph(escape(str(text)), style or styles["BodyText"])

    story = []
    logo = tenant_logo(tenant, max_width_mm=60)
    if logo is not None:
        story.append(logo)
    story.append(Paragraph(f"<b>{escape(tenant.name)}</b>", styles["Heading2"]))
    for line in (tenant.address, tenant.phone, tenant.email):
        if line:
            story.append(p(line, small))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(escape(_("Money receipt")), styles["Heading3"]))

    received = timezone.localtime(payment.received_at, tenant.zone)
    customer = payment.customer
    head = [
        [_("Receipt number"), payment.receipt_number],
        [_("Date"), received.strftime("%Y-%m-%d %H:%M")],
        [_("Customer"), f"{customer.name} ({customer.username})"],
        [_("Method"), payment.get_method_display()],
    ]
    if payment.reference:
        head.append([_("Reference"), payment.reference])
    story.append(_table([[p(a), p(b)] for a, b in head], widths=(35 * mm, 85 * mm)))
    story.append(Spacer(1, 4 * mm))

    rows = [[p(_("Bill")), p(_("Period")), p(_("Paid") + f" ({currency})")]]
    for allocation in allocations:
        bill = allocation.bill
        rows.append(
            [
                p(bill.number),
                p(f"{bill.period_start:%Y-%m-%d} – {bill.period_end:%Y-%m-%d}"),
                p(money(allocation.amount)),
            ]
        )
    if payment.advance_amount:
        rows.append([p(_("Advance (credit)")), p(""), p(money(payment.advance_amount))])
    rows.append([p(_("Total received")), p(""), p(money(payment.amount))])
    table = _table(rows, widths=(40 * mm, 50 * mm, 30 * mm), header=True)
    story.append(table)
    story.append(Spacer(1, 6 * mm))
    by = payment.received_by
    story.append(
        p(_("Received by: %(name)s") % {"name": (by.get_full_name() or by.username) if by else "—"})
    )
    if tenant.invoice_footer:
        story.append(Spacer(1, 4 * mm))
        story.append(p(tenant.invoice_footer, small))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{payment.receipt_number} {tenant.name}",
        author=tenant.name,
    )
    doc.build(story)
    return buffer.getvalue()


def _table(rows, *, widths, header=False):
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table
