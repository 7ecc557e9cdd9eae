"""The audit trail: every service write calls `audit_record`."""

import datetime
import decimal
import uuid

from django.db import models
from django.db.models.fields.files import FieldFile

from .context import current_actor
from .models import AuditLog

# Never copied into the audit log, whatever the model.
SECRET_FIELDS = {"password", "api_password", "secret", "key_hash", "radius_secret"}

# Amounts: the activity log shows them only to users who may see operator money. NOC
# users and sales managers may read the log but never hold a financial code.
MONEY_FIELDS = frozenset(
    {"balance", "credit_limit", "price", "operator_price", "customer_price", "custom_price"}
)


def _jsonable(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of `obj`, JSON-ready, secrets left out."""
    data = {}
    for field in obj._meta.concrete_fields:
        name = field.attname
        if name in SECRET_FIELDS or field.name in SECRET_FIELDS:
            continue
        if fields is not None and field.name not in fields and name not in fields:
            continue
        data[field.name] = _jsonable(getattr(obj, name))
    return data


def _entry(
    *, tenant, actor, action, obj, before, after, object_type, object_repr, ctx, impersonator
):
    actor_obj = actor if getattr(actor, "pk", None) else None
    return AuditLog(
        tenant=tenant,
        actor=actor_obj,
        actor_repr=str(actor_obj.get_username()) if actor_obj else "system",
        impersonator=impersonator,
        impersonator_repr=impersonator.get_username() if impersonator else "",
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=before,
        after=after,
        ip=ctx.ip,
    )


def _impersonator(ctx):
    if not ctx.impersonator_id:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model()._base_manager.filter(pk=ctx.impersonator_id).first()


def audit_bulk(
    *, tenant, actor, action: str, items: list[tuple[models.Model, dict | None, dict | None]]
) -> int:
    """One audit entry per (object, before, after), written in one statement per 1,000:
    what set-based services (imports, bulk changes) write instead of `audit_record`."""
    ctx = current_actor()
    impersonator = _impersonator(ctx)
    entries = [
        _entry(
            tenant=tenant,
            actor=actor,
            action=action,
            obj=obj,
            before=before,
            after=after,
            object_type=None,
            object_repr=None,
            ctx=ctx,
            impersonator=impersonator,
        )
        for obj, before, after in items
    ]
    AuditLog.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def audit_record(
    *,
    tenant,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    """Write one audit entry; the impersonator (if any) comes from the request context."""
    ctx = current_actor()
    entry = _entry(
        tenant=tenant,
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=after,
        object_type=object_type,
        object_repr=object_repr,
        ctx=ctx,
        impersonator=_impersonator(ctx),
    )
    entry.save()
    return entry
