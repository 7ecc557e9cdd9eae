"""The xlsx template of Customers → Import from Excel: one column per customer field
and per active custom field, mandatory ones marked “*”, an example row, and a second
sheet with the instructions and the values the user may use (operators, packages,
zones, billing profiles) as the user's reach sees them."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from netbill.core.permissions import restrict

from ..choices import ConnectionTypeChoices
from ..models import CustomField, MandatoryAttributes
from .mapping import FIELD_LABELS

__all__ = ["ALWAYS_REQUIRED", "template_columns", "template_xlsx"]

ALWAYS_REQUIRED = {"name", "mobile", "operator", "username", "package", "billing_profile"}


def template_columns(tenant_id) -> list[tuple[str, str, bool]]:
    """(field, header, mandatory) for every column of the template."""
    required = (
        set(
            MandatoryAttributes.objects.filter(tenant_id=tenant_id)
            .values_list("required", flat=True)
            .first()
            or []
        )
        | ALWAYS_REQUIRED
    )
    columns = []
    for key, label in FIELD_LABELS.items():
        mandatory = key in required
        columns.append((key, f"{label} *" if mandatory else str(label), mandatory))
    for cf in CustomField.objects.filter(tenant_id=tenant_id, is_active=True):
        columns.append(
            (f"custom:{cf.key}", f"{cf.name} *" if cf.mandatory else cf.name, cf.mandatory)
        )
    return columns


def template_xlsx(by) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    from netbill.accounts.models import Operator
    from netbill.catalog.models import BillingProfile, OperatorPackage
    from netbill.tenancy.models import Zone

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Customers")
    columns = template_columns(by.tenant_id)
    sheet.append([header for _field, header, _m in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    operator = by.operator
    package = (
        restrict(OperatorPackage.objects.all(), by, "customers.create")
        .select_related("master_package", "operator")
        .first()
    )
    profile = BillingProfile.objects.filter(tenant_id=by.tenant_id).first()
    example = {
        "name": "মোঃ রহিম উদ্দিন",
        "mobile": "01712345678",
        "address": "House 12, Road 3, Mirpur 10, Dhaka",
        "operator": package.operator.name if package else (operator.name if operator else ""),
        "connection_type": str(ConnectionTypeChoices.PPPOE.label),
        "username": "rahim01",
        "password": "Rahim@2024",
        "package": package.master_package.name if package else "",
        "billing_profile": profile.name if profile else "",
        "connection_date": "2024-01-15",
    }
    sheet.append([example.get(field, "") for field, _h, _m in columns])
    for index, (_field, header, _m) in enumerate(columns, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(
            12, len(header) + 4
        )

    notes = book.create_sheet(_("Instructions"))
    bold = Font(bold=True)
    lines = [
        (_("How to fill in this template"), True),
        (_("One customer per row; keep the header row. Columns marked * are required."), False),
        (_("Replace or delete the example row before uploading."), False),
        (
            _(
                "Operator: its name or its login username. Package: the package name on "
                "that operator's list. Zone, billing profile and IP pool: their names."
            ),
            False,
        ),
        (
            _("Connection type: %(types)s (PPPoE when empty).")
            % {"types": ", ".join(str(label) for _v, label in ConnectionTypeChoices.choices)},
            False,
        ),
        (_("Mobile: a Bangladeshi mobile number, e.g. 01712345678."), False),
        (_("Dates: YYYY-MM-DD or DD/MM/YYYY, or an Excel date."), False),
        (_("Do not merge cells; formulas are read by the value Excel saved."), False),
        ("", False),
    ]
    for text, is_title in lines:
        notes.append([text])
        if is_title:
            notes.cell(row=notes.max_row, column=1).font = bold
    notes.append([_("Operator"), _("Package")])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for item in (
        restrict(OperatorPackage.objects.all(), by, "customers.create")
        .select_related("master_package", "operator")
        .order_by("operator__path", "master_package__name")
    ):
        notes.append([item.operator.name, item.master_package.name])
    notes.append([])
    notes.append([_("Operators")])
    notes.cell(row=notes.max_row, column=1).font = bold
    for item in restrict(Operator.objects.all(), by, "customers.create").order_by("path"):
        notes.append([item.name])
    notes.append([])
    notes.append([_("Zones")])
    notes.cell(row=notes.max_row, column=1).font = bold
    for name in Zone.objects.filter(tenant_id=by.tenant_id, is_active=True).values_list(
        "name", flat=True
    ):
        notes.append([name])
    notes.append([])
    notes.append([_("Billing profiles")])
    notes.cell(row=notes.max_row, column=1).font = bold
    for name in BillingProfile.objects.filter(tenant_id=by.tenant_id).values_list(
        "name", flat=True
    ):
        notes.append([name])
    notes.column_dimensions["A"].width = 40
    notes.column_dimensions["B"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
