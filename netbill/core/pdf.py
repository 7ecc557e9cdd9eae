"""What the printable PDFs (invoices, receipts) share: the ISP's logo and escaped text.

reportlab's built-in fonts cover Latin-1 only and reportlab does not shape complex
scripts, so PDFs are drawn in English (callers use `translation.override("en")`); the
HTML print views are the ones that show Bengali correctly.
"""

import io
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph


def paragraph(text, style) -> Paragraph:
    """A paragraph of user text (names, addresses): escaped, newlines kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def tenant_logo(tenant, *, max_width_mm: float = 40, max_height_mm: float = 18):
    """The ISP's logo scaled into the box, or None when it has none or it cannot be
    read (a broken upload must never stop an invoice or a receipt)."""
    if not tenant.logo:
        return None
    try:
        with tenant.logo.open("rb") as handle:
            data = io.BytesIO(handle.read())
        width, height = ImageReader(data).getSize()
    except Exception:  # noqa: BLE001
        return None
    data.seek(0)
    scale = min(max_width_mm * mm / width, max_height_mm * mm / height, 1) if height else 1
    image = Image(data, width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image
