"""Template filters for the customer pages: status badges, byte counts, durations."""

from django import template
from django.utils.html import format_html

from ..choices import CustomerStatusChoices

register = template.Library()

# Bootstrap colours per status: what an ISP's staff scan a list for.
STATUS_CLASSES = {
    CustomerStatusChoices.ACTIVE: "text-bg-success",
    CustomerStatusChoices.SUSPENDED: "text-bg-warning",
    CustomerStatusChoices.DISABLED: "text-bg-secondary",
    CustomerStatusChoices.FUP: "text-bg-info",
}

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


@register.filter
def status_badge(status):
    """ "suspended" → a yellow "Suspended" badge."""
    try:
        label = CustomerStatusChoices(status).label
    except ValueError:
        label = status or "—"
    css = STATUS_CLASSES.get(status, "text-bg-light")
    return format_html('<span class="badge {} nb-status-{}">{}</span>', css, status, label)


@register.filter
def human_bytes(value):
    """9000000 → "8.58 MB" (binary units, as MikroTik shows them); None → "—"."""
    if value in (None, ""):
        return "—"
    try:
        size = float(int(value))
    except (TypeError, ValueError):
        return "—"
    for unit in _UNITS:
        if abs(size) < 1024 or unit == _UNITS[-1]:
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    return ""  # pragma: no cover - the loop always returns


@register.filter
def duration(seconds):
    """3725 → "1:02:05"; 90061 → "1d 1:01:01"; None → "—"."""
    if seconds in (None, ""):
        return "—"
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return "—"
    days, rest = divmod(max(total, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock
