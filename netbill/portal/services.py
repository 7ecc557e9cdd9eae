"""Writes of the portal app: Settings → Suspension Portal Settings."""

from django.db import transaction
from django.utils.translation import gettext as _

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import full_clean, require_permission

from .models import SuspensionPortalSettings

__all__ = ["SETTINGS_FIELDS", "suspension_portal_settings_update"]

SETTINGS_FIELDS = (
    "title",
    "message",
    "contact_phone",
    "contact_email",
    "contact_address",
    "logo",
    "show_pay_button",
)


def suspension_portal_settings_update(*, tenant, by, data: dict) -> SuspensionPortalSettings:
    """Save what a suspended customer sees on the suspension page (the ISP's one row,
    created on the first save). `by` needs portal.settings in this very ISP."""
    require_permission(by, "portal.settings")
    if by.tenant_id != tenant.pk:
        raise BusinessRuleError(_("You do not have permission to do this."), code="forbidden")
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise BusinessRuleError(_("Unknown settings: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        row, _created = SuspensionPortalSettings.objects.select_for_update().get_or_create(
            tenant=tenant
        )
        before = snapshot(row, list(SETTINGS_FIELDS))
        for name, value in data.items():
            setattr(row, name, value)
        full_clean(row)
        row.save()
        audit_record(
            tenant=tenant,
            actor=by,
            action="portal_settings.updated",
            obj=row,
            before=before,
            after=snapshot(row, list(SETTINGS_FIELDS)),
        )
        publish("portal_settings.updated", tenant_id=tenant.pk, settings_id=row.pk)
    return row
