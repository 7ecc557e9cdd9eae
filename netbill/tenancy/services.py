"""Writes on the tenant itself: company settings and suspension."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import can

from .models import Tenant

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
