"""Settings → Payment Gateways: an ISP sets up a gateway's credentials, name, mode
(sandbox or live), order and whether customers may pay with it.

Credentials are kept encrypted (`PaymentGateway.credentials`); a secret left blank keeps
the stored one, so an admin never has to see or retype it; the audit trail names which
credentials changed, never their values. Several gateways can be active at once."""

from django.db import transaction
from django.utils.translation import gettext as _

from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.services import full_clean, require_permission

from .gateways import MODULES
from .models import PaymentGateway

MANAGE = "gateways.manage"
SETTINGS = ("display_name", "is_sandbox", "is_active", "sort_order")


def gateway_settings(gateway: PaymentGateway) -> dict:
    """What the audit trail may show of a gateway: everything but its credentials."""
    return {
        "display_name": gateway.display_name,
        "is_sandbox": gateway.is_sandbox,
        "is_active": gateway.is_active,
        "sort_order": gateway.sort_order,
    }


def missing_credentials(provider: str, credentials: dict) -> list[str]:
    """Names of the module's required credentials that are empty in `credentials`."""
    module = MODULES[provider]
    return [f.name for f in module.fields if f.required and not str(credentials.get(f.name, ""))]


def gateway_configure(
    *,
    by,
    tenant,
    provider: str,
    values: dict,
    display_name: str = "",
    is_sandbox: bool = True,
    is_active: bool = False,
    sort_order: int = 0,
) -> PaymentGateway:
    """Create or change the ISP's gateway for `provider`.

    `values` holds the module's credential fields: a secret left blank keeps the stored
    value; a plain field left blank is cleared. An active gateway needs every required
    credential. One transaction; one audit entry "gateway.configured" naming the
    changed credentials (never their values); the event "gateway.configured"."""
    require_permission(by, MANAGE)
    if tenant is None or by.tenant_id != tenant.pk:
        raise OutOfReach(_("This is outside your reach."), code="out_of_reach")
    if provider not in MODULES:
        raise BusinessRuleError(_("Unknown payment gateway."))
    module = MODULES[provider]
    display_name = " ".join(str(display_name or "").split())
    with transaction.atomic():
        gateway = (
            PaymentGateway.objects.select_for_update()
            .filter(tenant=tenant, provider=provider)
            .first()
        )
        created = gateway is None
        if created:
            gateway = PaymentGateway(tenant=tenant, provider=provider)
        before = None if created else gateway_settings(gateway)
        stored = gateway.get_credentials()
        credentials, changed = {}, []
        for field in module.fields:
            new = str(values.get(field.name) or "").strip()
            old = str(stored.get(field.name, ""))
            if field.secret and not new:
                new = old  # blank keeps the stored secret
            if new:
                credentials[field.name] = new
            if new != old:
                changed.append(field.name)
        if is_active:
            missing = missing_credentials(provider, credentials)
            if missing:
                raise BusinessRuleError(
                    {name: [_("Required while the gateway is active.")] for name in missing}
                )
        gateway.display_name = display_name
        gateway.is_sandbox = bool(is_sandbox)
        gateway.is_active = bool(is_active)
        gateway.sort_order = int(sort_order or 0)
        gateway.set_credentials(credentials)
        full_clean(gateway, exclude=["credentials"])
        gateway.save()
        after = {**gateway_settings(gateway), "credentials_changed": changed}
        audit_record(
            tenant=tenant,
            actor=by,
            action="gateway.configured",
            obj=gateway,
            before=before,
            after=after,
        )
        publish(
            "gateway.configured",
            tenant_id=tenant.pk,
            gateway_id=gateway.pk,
            provider=provider,
            is_active=gateway.is_active,
            created=created,
        )
    return gateway
