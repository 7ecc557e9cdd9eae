"""Match a spreadsheet's column headers to customer fields.

Headers are compared without case, spaces, punctuation or the “*” the template puts on
mandatory columns, against each field's label and the names ISPs' own spreadsheets use
("Mobile No", "Phone", "Customer Name", "PPPoE User", Bengali headers…). Custom fields
are matched by name or key and named "custom:<key>" in a mapping.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import CustomField

__all__ = ["FIELD_LABELS", "auto_map", "field_choices", "normalize_header", "rows_from_mapping"]

IGNORE = ""
CUSTOM = "custom:"

# The built-in fields a column can fill, with the label the template uses.
FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "mobile": gettext_lazy("Mobile"),
    "email": gettext_lazy("Email"),
    "address": gettext_lazy("Address"),
    "nid": gettext_lazy("NID"),
    "zone": gettext_lazy("Zone"),
    "operator": gettext_lazy("Operator"),
    "connection_type": gettext_lazy("Connection type"),
    "username": gettext_lazy("Username"),
    "password": gettext_lazy("Password"),
    "static_ip": gettext_lazy("Static IP"),
    "ip_pool": gettext_lazy("IP pool"),
    "mac_address": gettext_lazy("MAC address"),
    "package": gettext_lazy("Package"),
    "billing_profile": gettext_lazy("Billing profile"),
    "custom_price": gettext_lazy("Custom price"),
    "connection_date": gettext_lazy("Connection date"),
}

ALIASES = {
    "name": [
        "customer name", "client name", "full name", "subscriber name", "customer",
        "client", "নাম", "গ্রাহকের নাম",
    ],
    "mobile": [
        "mobile no", "mobile number", "phone", "phone no", "phone number", "cell",
        "contact", "contact no", "contact number", "mobile no.", "মোবাইল", "মোবাইল নম্বর",
        "ফোন",
    ],
    "email": ["e-mail", "email address", "mail", "ইমেইল"],
    "address": ["full address", "present address", "location", "house", "ঠিকানা"],
    "nid": [
        "national id", "nid no", "nid number", "nid card", "national id number",
        "জাতীয় পরিচয়পত্র", "এনআইডি",
    ],
    "zone": ["area", "zone name", "region", "এলাকা", "জোন"],
    "operator": ["reseller", "sub operator", "operator name", "pop", "অপারেটর"],
    "connection_type": ["connection", "type", "service type", "conn type"],
    "username": [
        "user name", "user", "user id", "userid", "login", "pppoe user", "pppoe username",
        "pppoe id", "customer id", "client id", "id", "ইউজারনেম",
    ],
    "password": ["pass", "pppoe password", "secret", "pwd", "পাসওয়ার্ড"],
    "static_ip": ["ip", "ip address", "static ip address", "fixed ip", "remote address"],
    "ip_pool": ["pool", "pool name", "ip pool name"],
    "mac_address": ["mac", "mac address", "mac id", "caller id", "calling station id"],
    "package": [
        "package name", "plan", "profile", "bandwidth", "speed", "internet package",
        "প্যাকেজ",
    ],
    "billing_profile": ["billing", "billing cycle", "bill profile"],
    "custom_price": ["price", "monthly bill", "bill", "monthly fee", "fee", "amount", "বিল"],
    "connection_date": [
        "join date", "joining date", "connection", "start date", "activation date",
        "created", "সংযোগের তারিখ",
    ],
}  # fmt: skip


def normalize_header(text) -> str:
    """ "Mobile No. *" → "mobileno"; Bengali letters are kept as they are."""
    return "".join(c for c in str(text or "").casefold() if c.isalnum())


def field_choices(tenant_id) -> list[tuple[str, str]]:
    """What a column can be mapped to: nothing, a built-in field or a custom field."""
    choices = [(IGNORE, _("— Do not import —"))]
    choices += [(key, str(label)) for key, label in FIELD_LABELS.items()]
    for cf in CustomField.objects.filter(tenant_id=tenant_id, is_active=True):
        choices.append((CUSTOM + cf.key, _("Custom field: %(name)s") % {"name": cf.name}))
    return choices


def auto_map(headers: list[str], tenant_id) -> list[str]:
    """One field per header (or IGNORE); no field is given to two columns."""
    table: dict[str, str] = {}
    for cf in CustomField.objects.filter(tenant_id=tenant_id, is_active=True):
        table.setdefault(normalize_header(cf.name), CUSTOM + cf.key)
        table.setdefault(normalize_header(cf.key), CUSTOM + cf.key)
    for key, label in FIELD_LABELS.items():
        table[normalize_header(key)] = key
        table[normalize_header(label)] = key
    for key, aliases in ALIASES.items():
        for alias in aliases:
            table.setdefault(normalize_header(alias), key)
    used, mapping = set(), []
    for header in headers:
        field = table.get(normalize_header(header), IGNORE)
        if field and field in used:
            field = IGNORE
        used.add(field)
        mapping.append(field)
    return mapping


def rows_from_mapping(rows: list[list], mapping: list[str]) -> list[dict]:
    """Sheet rows → dicts for validate_rows (custom fields gathered in custom_fields).
    Only mapped columns appear, so that an update leaves unmapped fields alone."""
    plain = [(i, f) for i, f in enumerate(mapping) if f and not f.startswith(CUSTOM)]
    custom = [(i, f[len(CUSTOM) :]) for i, f in enumerate(mapping) if f.startswith(CUSTOM)]
    out = []
    for row in rows:
        values = {f: row[i] for i, f in plain}
        if custom:
            values["custom_fields"] = {k: row[i] for i, k in custom}
        out.append(values)
    return out
