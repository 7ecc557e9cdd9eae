"""Customer settings: custom fields and mandatory attributes.

Each write is one transaction: checked (every problem at once, by field), `full_clean`,
saved, audited, and announced after commit. Both belong to the whole ISP and only
holders of custom_fields.manage (the Group Admin by default) write them.
"""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import full_clean, require_permission

from ..choices import CustomFieldTypeChoices
from ..constants import MANDATORY_ATTRIBUTE_KEYS, MAX_DROPDOWN_CHOICES
from ..models import CustomField, MandatoryAttributes

__all__ = [
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "mandatory_attributes_update",
]

CUSTOM_FIELDS = "custom_fields.manage"
CUSTOM_FIELD_FIELDS = ["name", "key", "field_type", "choices", "mandatory", "order", "is_active"]
MAX_ORDER = 32767


def _audit(obj, by, action, before=None, after=None) -> None:
    audit_record(tenant=obj.tenant, actor=by, action=action, obj=obj, before=before, after=after)


def _raise(errors: dict[str, list[str]]) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise BusinessRuleError(errors)


#
# Custom fields
#


def _clean_choices(field_type, raw, errors) -> list[str]:
    if raw in (None, ""):
        raw = []
    if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
        errors["choices"] = [_("Give the choices as a list of texts.")]
        return []
    choices = [" ".join(c.split()) for c in raw]
    choices = [c for c in choices if c]
    if field_type != CustomFieldTypeChoices.DROPDOWN:
        if choices:
            errors["choices"] = [_("Only a dropdown field has choices.")]
        return []
    if not choices:
        errors["choices"] = [_("A dropdown needs at least one choice.")]
    elif len(choices) > MAX_DROPDOWN_CHOICES:
        errors["choices"] = [_("At most %(n)s choices.") % {"n": MAX_DROPDOWN_CHOICES}]
    elif any(len(c) > 64 for c in choices):
        errors["choices"] = [_("A choice has at most 64 characters.")]
    else:
        seen, repeated = set(), []
        for choice in choices:
            if choice.casefold() in seen:
                repeated.append(choice)
            seen.add(choice.casefold())
        if repeated:
            errors["choices"] = [
                _("Each choice once: “%(choice)s” is repeated.") % {"choice": repeated[0]}
            ]
    return choices


def _clean_custom_field(*, tenant_id, values, exclude_pk=None) -> dict:
    errors: dict[str, list[str]] = {}
    others = CustomField.objects.filter(tenant_id=tenant_id).exclude(pk=exclude_pk)
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 64:
        errors["name"] = [_("At most 64 characters.")]
    elif others.filter(name__iexact=name).exists():
        errors["name"] = [_("A custom field named “%(name)s” already exists.") % {"name": name}]
    key = str(values.get("key") or "").strip() or slugify(name).replace("-", "_")
    if not key:
        errors["key"] = [_("Enter a key: letters, digits, _ or -.")]
    elif len(key) > 64:
        errors["key"] = [_("At most 64 characters.")]
    elif slugify(key) != key.lower() or key != key.lower():
        errors["key"] = [_("Use lower-case letters, digits, _ or - only.")]
    elif others.filter(key=key).exists():
        errors["key"] = [_("Another custom field uses the key “%(key)s”.") % {"key": key}]
    field_type = values.get("field_type")
    if field_type not in CustomFieldTypeChoices.values:
        errors["field_type"] = [_("Choose text, number, date or dropdown.")]
    choices = _clean_choices(field_type, values.get("choices"), errors)
    order = values.get("order")
    if order in (None, ""):
        order = 0
    try:
        order = int(order)
        if isinstance(values.get("order"), bool) or not 0 <= order <= MAX_ORDER:
            raise ValueError
    except (TypeError, ValueError):
        errors["order"] = [_("Enter a whole number from 0 to %(high)s.") % {"high": MAX_ORDER}]
        order = 0
    _raise(errors)
    return {
        "name": name,
        "key": key,
        "field_type": field_type,
        "choices": choices,
        "mandatory": bool(values.get("mandatory", False)),
        "order": order,
        "is_active": bool(values.get("is_active", True)),
    }


def custom_field_create(
    *,
    by,
    name: str,
    field_type: str,
    key: str = "",
    choices: list[str] | None = None,
    mandatory: bool = False,
    order: int = 0,
    is_active: bool = True,
) -> CustomField:
    """Customers → Custom Fields → Create."""
    require_permission(by, CUSTOM_FIELDS)
    values = {
        "name": name,
        "key": key,
        "field_type": field_type,
        "choices": choices,
        "mandatory": mandatory,
        "order": order,
        "is_active": is_active,
    }
    with transaction.atomic():
        clean = _clean_custom_field(tenant_id=by.tenant_id, values=values)
        field = CustomField(tenant_id=by.tenant_id, **clean)
        full_clean(field)
        field.save()
        _audit(field, by, "custom_field.created", after=snapshot(field, CUSTOM_FIELD_FIELDS))
        publish("custom_field.created", tenant_id=field.tenant_id, custom_field_id=field.pk)
    return field


def custom_field_update(*, field: CustomField, by, data: dict) -> CustomField:
    """Edit a custom field. Values customers already hold are kept as they are."""
    if set(data) - set(CUSTOM_FIELD_FIELDS):
        raise BusinessRuleError(_("These fields cannot be changed here."))
    require_permission(by, CUSTOM_FIELDS, field)
    with transaction.atomic():
        current = CustomField.objects.select_for_update().get(pk=field.pk)
        before = snapshot(current, CUSTOM_FIELD_FIELDS)
        values = {f: getattr(current, f) for f in CUSTOM_FIELD_FIELDS}
        values.update(data)
        clean = _clean_custom_field(
            tenant_id=current.tenant_id, values=values, exclude_pk=current.pk
        )
        for name, value in clean.items():
            setattr(current, name, value)
        full_clean(current)
        current.save()
        _audit(current, by, "custom_field.updated", before, snapshot(current, CUSTOM_FIELD_FIELDS))
        publish("custom_field.updated", tenant_id=current.tenant_id, custom_field_id=current.pk)
    return current


def custom_field_delete(*, field: CustomField, by) -> None:
    """Delete a custom field definition."""
    require_permission(by, CUSTOM_FIELDS, field)
    with transaction.atomic():
        current = CustomField.objects.select_for_update().get(pk=field.pk)
        _audit(current, by, "custom_field.deleted", before=snapshot(current, CUSTOM_FIELD_FIELDS))
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("custom_field.deleted", tenant_id=tenant_id, custom_field_id=pk)


#
# Mandatory attributes
#


def mandatory_attributes_for(tenant_id) -> MandatoryAttributes:
    """The ISP's row, or an unsaved empty one (nothing required) before the first save."""
    row = MandatoryAttributes.objects.filter(tenant_id=tenant_id).first()
    return row or MandatoryAttributes(tenant_id=tenant_id, required=[])


def mandatory_attributes_update(*, by, required: list[str]) -> MandatoryAttributes:
    """Customers → Mandatory Attributes: which built-in fields registration requires."""
    require_permission(by, CUSTOM_FIELDS)
    unknown = [k for k in required if k not in MANDATORY_ATTRIBUTE_KEYS]
    if unknown:
        raise BusinessRuleError({"required": [_("Unknown field “%(key)s”.") % {"key": unknown[0]}]})
    # Kept in the fixed order of the list, each once.
    wanted = [k for k in MANDATORY_ATTRIBUTE_KEYS if k in set(required)]
    with transaction.atomic():
        row, _created = MandatoryAttributes.objects.select_for_update().get_or_create(
            tenant_id=by.tenant_id
        )
        before = snapshot(row, ["required"])
        row.required = wanted
        full_clean(row)
        row.save()
        _audit(row, by, "mandatory_attributes.updated", before, snapshot(row, ["required"]))
        publish("mandatory_attributes.updated", tenant_id=row.tenant_id)
    return row
