"""The printable card sheet of a recharge card batch (reportlab): ten cards to an A4
page, two across, each with the ISP's name, the value, the serial, the PIN and the
last day it is valid, ready to cut.

The PINs are printed only on the sheet handed over when the batch is created (they
are not stored anywhere); a later sheet shows the serials with the PINs masked but for
their last four characters. Drawn in English, as every PDF here (netbill/core/pdf.py).
"""

import io

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from netbill.core.templatetags.netbill import money

from .cards import format_pin, masked_pin

__all__ = ["card_sheet_filename", "card_sheet_pdf"]

COLUMNS, ROWS = 2, 5
MARGIN_X, MARGIN_Y = 12 * mm, 12 * mm
GAP = 4 * mm


def card_sheet_filename(batch, with_pins: bool) -> str:
    suffix = "pins" if with_pins else "serials"
    return f"cards-{batch.prefix}-{suffix}.pdf"


def card_sheet_pdf(batch, cards, pins: list[str] | None = None) -> bytes:
    """The sheet of `cards` (in serial order). `pins`, when given, are the batch's PINs
    in the same order (only right after creation); otherwise the PINs are masked."""
    with translation.override("en"):
        return _build(batch, list(cards), pins)


def _build(batch, cards, pins) -> bytes:
    tenant = batch.tenant
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Recharge cards %(prefix)s") % {"prefix": batch.prefix})
    pdf.setAuthor(tenant.name)
    page_w, page_h = A4
    card_w = (page_w - 2 * MARGIN_X - (COLUMNS - 1) * GAP) / COLUMNS
    card_h = (page_h - 2 * MARGIN_Y - (ROWS - 1) * GAP) / ROWS
    value = f"{money(batch.value)} {tenant.currency}"
    valid = _("Valid until %(date)s") % {"date": formats.date_format(batch.valid_until, "Y-m-d")}
    per_page = COLUMNS * ROWS
    if not cards:
        pdf.drawString(MARGIN_X, page_h - MARGIN_Y, _("This batch has no cards."))
    for index, card in enumerate(cards):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN_X + col * (card_w + GAP)
        y = page_h - MARGIN_Y - (row + 1) * card_h - row * GAP
        pin = format_pin(pins[index]) if pins else masked_pin(card.pin_last4).replace("•", "*")
        _card(pdf, x, y, card_w, card_h, tenant.name, value, card.serial, pin, valid)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _card(pdf, x, y, w, h, company, value, serial, pin, valid) -> None:
    pdf.setStrokeColor(colors.grey)
    pdf.setDash(3, 2)
    pdf.roundRect(x, y, w, h, 3 * mm)
    pdf.setDash()
    pad = 5 * mm
    top = y + h - pad
    pdf.setFillColor(colors.black)
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(x + pad, top - 3 * mm, company[:48])
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x + pad, top - 8 * mm, _("Recharge card"))
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawRightString(x + w - pad, top - 5 * mm, value)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x + pad, top - 17 * mm, _("PIN"))
    pdf.setFont("Courier-Bold", 15)
    pdf.drawString(x + pad, top - 24 * mm, pin)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x + pad, y + pad, _("Serial %(serial)s") % {"serial": serial})
    pdf.drawRightString(x + w - pad, y + pad, valid)
