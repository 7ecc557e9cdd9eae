from django import template

register = template.Library()

_CLASSES = {
    "select": "form-select",
    "nullbooleanselect": "form-select",
    "selectmultiple": "form-select",
    "checkbox": "form-check-input",
    "clearablefile": "form-control",
    "file": "form-control",
}


@register.filter
def nb_widget(field):
    """Render a bound field with Bootstrap's class for its widget (and is-invalid)."""
    css = _CLASSES.get(field.widget_type, "form-control")
    if field.errors:
        css += " is-invalid"
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def money(value):
    """12345.5 → "12,345.50" (the currency code is shown beside it by the template)."""
    from decimal import Decimal, InvalidOperation

    from netbill.core.money import quantize

    try:
        return f"{quantize(Decimal(str(value if value is not None else 0))):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return ""
