"""Writes on the tenant itself: company settings and suspension; and its customer zones."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import can
from netbill.core.services import full_clean, require_permission

from .models import Tenant, Zone

COMPANY_FIELDS = (
    "name",
    "logo",
    "address",
    "phone",
    "email",
    "website",
    "currency",
    "time_zone",
    "invoice_prefix",
    "invoice_footer",
    "btrc_licence_no",
)


def tenant_update_company(*, tenant: Tenant, by, data: dict) -> Tenant:
    """Settings → Company Settings. Only company fields change; slug and status do not.

    `by` must hold editCompany in this very tenant (None: the system, e.g. seed_demo).
    """
    if by is not None and (by.tenant_id != tenant.pk or not can(by, "editCompany")):
        raise BusinessRuleError(_("You do not have permission to do this."), code="forbidden")
    unknown = set(data) - set(COMPANY_FIELDS)
    if unknown:
        raise BusinessRuleError(
            _("Unknown company fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = snapshot(tenant, list(COMPANY_FIELDS))
        for field, value in data.items():
            setattr(tenant, field, value)
        try:
            tenant.full_clean()
        except ValidationError as exc:
            # Shown on the form's fields (a bare ValidationError would be a server error).
            raise BusinessRuleError(exc.message_dict) from exc
        tenant.save()
        audit_record(
            tenant=tenant,
            actor=by,
            action="company.updated",
            obj=tenant,
            before=before,
            after=snapshot(tenant, list(COMPANY_FIELDS)),
        )
        publish("tenant.updated", tenant_id=tenant.pk)
    return tenant


def tenant_set_active(*, tenant: Tenant, by, active: bool) -> Tenant:
    """Suspend or reinstate an ISP. A suspended tenant's users cannot log in.

    Only platform admins do this (None: the system).
    """
    if by is not None and not can(by, "platform.manage"):
        raise BusinessRuleError(_("Only platform admins suspend ISPs."), code="forbidden")
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if tenant.is_active == active:
            return tenant
        before = {"is_active": tenant.is_active}
        tenant.is_active = active
        tenant.save(update_fields=["is_active"])
        audit_record(
            tenant=tenant,
            actor=by,
            action="tenant.reinstated" if active else "tenant.suspended",
            obj=tenant,
            before=before,
            after={"is_active": active},
        )
        publish("tenant.status_changed", tenant_id=tenant.pk, active=active)
    return tenant


#
# Customer zones
#

ZONES = "zones.manage"
ZONE_FIELDS = ["name", "description", "is_active"]


def _clean_zone(*, tenant_id, values, exclude_pk=None) -> dict:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 64:
        errors["name"] = [_("At most 64 characters.")]
    elif (
        Zone.objects.filter(tenant_id=tenant_id, name__iexact=name).exclude(pk=exclude_pk).exists()
    ):
        errors["name"] = [_("A zone named “%(name)s” already exists.") % {"name": name}]
    description = str(values.get("description") or "").strip()
    if len(description) > 255:
        errors["description"] = [_("At most 255 characters.")]
    if errors:
        raise BusinessRuleError(errors)
    return {
        "name": name,
        "description": description,
        "is_active": bool(values.get("is_active", True)),
    }


def _zone_audit(zone, by, action, before=None, after=None) -> None:
    audit_record(tenant=zone.tenant, actor=by, action=action, obj=zone, before=before, after=after)


def zone_create(*, by, name: str, description: str = "", is_active: bool = True) -> Zone:
    """Customers → Customer Zones → Create (the Group Admin's: zones.manage)."""
    require_permission(by, ZONES)
    values = {"name": name, "description": description, "is_active": is_active}
    with transaction.atomic():
        zone = Zone(tenant_id=by.tenant_id, **_clean_zone(tenant_id=by.tenant_id, values=values))
        full_clean(zone)
        zone.save()
        _zone_audit(zone, by, "zone.created", after=snapshot(zone, ZONE_FIELDS))
        publish("zone.created", tenant_id=zone.tenant_id, zone_id=zone.pk)
    return zone


def zone_update(*, zone: Zone, by, data: dict) -> Zone:
    """Rename, describe or (de)activate a zone; an inactive zone is offered to no new
    customer but stays on the customers already in it."""
    if set(data) - set(ZONE_FIELDS):
        raise BusinessRuleError(_("These fields cannot be changed here."))
    require_permission(by, ZONES, zone)
    with transaction.atomic():
        current = Zone.objects.select_for_update().get(pk=zone.pk)
        before = snapshot(current, ZONE_FIELDS)
        values = {f: getattr(current, f) for f in ZONE_FIELDS}
        values.update(data)
        clean = _clean_zone(tenant_id=current.tenant_id, values=values, exclude_pk=current.pk)
        for field, value in clean.items():
            setattr(current, field, value)
        full_clean(current)
        current.save()
        _zone_audit(current, by, "zone.updated", before, snapshot(current, ZONE_FIELDS))
        publish("zone.updated", tenant_id=current.tenant_id, zone_id=current.pk)
    return current


def zone_delete(*, zone: Zone, by) -> None:
    """Delete a zone that no customer is in (the customers would lose their area)."""
    require_permission(by, ZONES, zone)
    with transaction.atomic():
        current = Zone.objects.select_for_update().get(pk=zone.pk)
        in_use = current.customers.count()
        if in_use:
            raise BusinessRuleError(
                _("This zone is used by %(n)s customers; move them to another zone first.")
                % {"n": in_use}
            )
        _zone_audit(current, by, "zone.deleted", before=snapshot(current, ZONE_FIELDS))
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("zone.deleted", tenant_id=tenant_id, zone_id=pk)
