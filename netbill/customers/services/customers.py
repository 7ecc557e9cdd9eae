"""Customers: create, edit, package change, custom pricing and status changes.

Each call is one transaction: every problem is reported at once, by field, and nothing
is saved unless all is well. The customer's RADIUS rows (radcheck, radreply,
radusergroup) are written in the same transaction (DESIGN.md §4: never "saved but not
applied"); the events go out after commit, and the radius app turns them into
CoA/Disconnect tasks.

Statuses choose the RADIUS group: active → the package group, FUP → its FUP group,
suspended → the tenant's walled garden, disabled → Access-Reject.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.money import quantize
from netbill.core.permissions import in_reach
from netbill.core.phone import normalize_mobile
from netbill.core.services import full_clean, require_permission
from netbill.radius.groups import customer_group, suspended_group_sync
from netbill.radius.services import radius_user_delete, radius_user_upsert

from ..choices import ConnectionTypeChoices, CustomerStatusChoices, CustomFieldTypeChoices
from ..models import Customer, CustomerStatusChange, CustomField, MandatoryAttributes

__all__ = [
    "CUSTOMER_FIELDS",
    "customer_change_package",
    "customer_change_status",
    "customer_create",
    "customer_disconnect",
    "customer_radius_entry",
    "customer_radius_sync",
    "customer_set_custom_price",
    "customer_update",
]

CREATE = "customers.create"
EDIT = "customers.edit"
SUSPEND = "customers.suspend"
DISCONNECT = "customers.disconnect"
CUSTOM_PRICE = "customers.custom_price"

# What Create Customer takes (custom_price needs customers.custom_price as well).
CUSTOMER_FIELDS = [
    "name",
    "mobile",
    "email",
    "address",
    "nid",
    "zone",
    "operator",
    "connection_type",
    "username",
    "password",
    "static_ip",
    "ip_pool",
    "mac_address",
    "package",
    "billing_profile",
    "custom_price",
    "custom_fields",
    "connection_date",
]
# What Edit Customer takes: everything but the price (Custom Pricing) and the status.
EDIT_FIELDS = [f for f in CUSTOMER_FIELDS if f != "custom_price"]
AUDIT_FIELDS = [f for f in CUSTOMER_FIELDS if f != "password"] + ["status", "status_reason"]

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MAC_RE = re.compile(r"^([0-9A-Fa-f]{2})([-:.]?)(?:[0-9A-Fa-f]{2}\2){4}[0-9A-Fa-f]{2}$")
NEEDS_LOGIN = {ConnectionTypeChoices.PPPOE, ConnectionTypeChoices.HOTSPOT}
SIMULTANEOUS_USE = 1


def _raise(errors: dict[str, list[str]]) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise BusinessRuleError(errors)


def _audit(customer, by, action, before=None, after=None) -> None:
    audit_record(
        tenant=customer.tenant, actor=by, action=action, obj=customer, before=before, after=after
    )


def _text(values, field, errors, *, max_length, required=False, label="") -> str:
    value = values.get(field)
    value = "" if value is None else " ".join(str(value).split())
    if required and not value:
        errors[field] = [_("%(label)s is required.") % {"label": label}]
    elif len(value) > max_length:
        errors[field] = [_("At most %(n)s characters.") % {"n": max_length}]
    return value


def _own(model, value, tenant_id, field, errors, message):
    """`value` (an instance or a pk) as this ISP's row of `model`, or an error."""
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    obj = model.objects.filter(tenant_id=tenant_id, pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        errors[field] = [message]
    return obj


def normalize_mac(value: str) -> str:
    """ "aa-bb-cc-dd-ee-ff", "aabb.ccdd.eeff"… → "AA:BB:CC:DD:EE:FF" (what MikroTik sends
    as Calling-Station-Id), or ValueError."""
    raw = (value or "").strip()
    if not MAC_RE.match(raw) and not re.fullmatch(r"[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){2}", raw):
        raise ValueError(raw)
    digits = re.sub(r"[^0-9A-Fa-f]", "", raw).upper()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _clean_custom_fields(tenant_id, raw, errors) -> dict:
    """The custom field values, keyed by key, typed as JSON (numbers as strings of a
    Decimal, dates as ISO dates); mandatory ones must be there."""
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        errors["custom_fields"] = [_("Give the custom fields as an object of key: value.")]
        return {}
    fields = {f.key: f for f in CustomField.objects.filter(tenant_id=tenant_id, is_active=True)}
    problems, clean = [], {}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        problems.append(_("Unknown custom field: %(keys)s.") % {"keys": ", ".join(unknown)})
    for key, field in fields.items():
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.mandatory:
                problems.append(_("“%(name)s” is required.") % {"name": field.name})
            continue
        if field.field_type == CustomFieldTypeChoices.NUMBER:
            try:
                number = Decimal(str(value).strip())
                if not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(_("“%(name)s” must be a number.") % {"name": field.name})
                continue
            clean[key] = str(number)
        elif field.field_type == CustomFieldTypeChoices.DATE:
            if isinstance(value, datetime.date):
                clean[key] = value.isoformat()
                continue
            try:
                clean[key] = datetime.date.fromisoformat(str(value).strip()).isoformat()
            except ValueError:
                problems.append(_("“%(name)s” must be a date (YYYY-MM-DD).") % {"name": field.name})
        elif field.field_type == CustomFieldTypeChoices.DROPDOWN:
            if str(value) not in field.choices:
                problems.append(
                    _("“%(value)s” is not one of the choices of “%(name)s”.")
                    % {"value": value, "name": field.name}
                )
                continue
            clean[key] = str(value)
        else:
            text = " ".join(str(value).split())
            if len(text) > 255:
                problems.append(_("“%(name)s” has at most 255 characters.") % {"name": field.name})
                continue
            clean[key] = text
    if problems:
        errors["custom_fields"] = problems
    return clean


def _money(value, field, errors):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter an amount, e.g. 1200 or 1200.50.")]
        return None
    if amount < 0:
        errors[field] = [_("The amount cannot be negative.")]
        return None
    if amount.as_tuple().exponent < -2:
        errors[field] = [_("At most 2 decimal places.")]
        return None
    return quantize(amount)


def _clean_static_ip(tenant_id, values, errors, exclude_pk):
    """The static address (inside one of the ISP's IPv4 pools, free) and its pool."""
    from netbill.network.models import IPPool

    raw = values.get("static_ip")
    pool_value = values.get("ip_pool")
    if raw in (None, ""):
        return None, None
    try:
        address = ipaddress.IPv4Address(str(raw).strip())
    except ValueError:
        errors["static_ip"] = [_("Enter a valid IPv4 address.")]
        return None, None
    pools = IPPool.objects.filter(tenant_id=tenant_id, family=4)
    if pool_value not in (None, ""):
        pools = pools.filter(pk=getattr(pool_value, "pk", pool_value))
        if not pools.exists():
            errors["ip_pool"] = [_("Choose one of your IPv4 pools.")]
            return None, None
    pool = None
    for candidate in pools.order_by("name"):
        try:
            network = ipaddress.IPv4Network(candidate.subnet, strict=False)
        except ValueError:  # pragma: no cover - stored subnets are validated
            continue
        inside = address in network
        if inside and network.prefixlen < 31:
            inside = address not in (network.network_address, network.broadcast_address)
        if inside:
            pool = candidate
            break
    if pool is None:
        errors["static_ip"] = [
            _("%(address)s is not inside %(where)s.")
            % {
                "address": address,
                "where": _("the chosen pool") if pool_value else _("any of your IPv4 pools"),
            }
        ]
        return None, None
    taken = Customer.objects.filter(tenant_id=tenant_id, static_ip=str(address))
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    holder = taken.values_list("username", flat=True).first()
    if holder is not None:
        errors["static_ip"] = [
            _("%(address)s is already given to the customer “%(username)s”.")
            % {"address": address, "username": holder}
        ]
        return None, None
    return str(address), pool


def _clean(*, by, tenant_id, values, exclude_pk=None, current: Customer | None = None) -> dict:
    """Check every field of a customer; raises BusinessRuleError with all problems."""
    from netbill.accounts.models import Operator
    from netbill.catalog.models import BillingProfile, OperatorPackage
    from netbill.tenancy.models import Zone

    errors: dict[str, list[str]] = {}
    clean: dict = {}
    required = set(
        MandatoryAttributes.objects.filter(tenant_id=tenant_id)
        .values_list("required", flat=True)
        .first()
        or []
    )

    clean["name"] = _text(values, "name", errors, max_length=128, required=True, label=_("Name"))
    try:
        clean["mobile"] = normalize_mobile(str(values.get("mobile") or ""))
    except ValidationError as exc:
        errors["mobile"] = list(exc.messages)
    clean["email"] = _text(
        values, "email", errors, max_length=254, required="email" in required, label=_("Email")
    )
    if clean["email"] and "email" not in errors:
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    clean["address"] = _text(
        values,
        "address",
        errors,
        max_length=255,
        required="address" in required,
        label=_("Address"),
    )
    clean["nid"] = _text(
        values, "nid", errors, max_length=32, required="nid" in required, label=_("NID")
    )
    if clean["nid"] and "nid" not in errors and not clean["nid"].isdigit():
        errors["nid"] = [_("An NID has digits only.")]

    clean["zone"] = _own(Zone, values.get("zone"), tenant_id, "zone", errors, _("Choose a zone."))
    if clean["zone"] is None and "zone" in required and "zone" not in errors:
        errors["zone"] = [_("Zone is required.")]

    operator = _own(
        Operator, values.get("operator"), tenant_id, "operator", errors, _("Choose an operator.")
    )
    if operator is None and "operator" not in errors:
        errors["operator"] = [_("Choose an operator.")]
    elif operator is not None and not in_reach(by, operator):
        errors["operator"] = [_("This operator is outside your reach.")]
        operator = None
    clean["operator"] = operator

    connection_type = values.get("connection_type") or ConnectionTypeChoices.PPPOE
    if connection_type not in ConnectionTypeChoices.values:
        errors["connection_type"] = [_("Choose PPPoE, Hotspot, Static IP or Other.")]
    clean["connection_type"] = connection_type

    username = str(values.get("username") or "").strip()
    if not username:
        errors["username"] = [_("Username is required.")]
    elif not USERNAME_RE.match(username):
        errors["username"] = [
            _(
                "2–64 characters: letters, digits, dot, dash, underscore or @, "
                "starting with a letter or digit."
            )
        ]
    else:
        taken = Customer.objects.filter(tenant_id=tenant_id, username__iexact=username)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["username"] = [
                _("The username “%(username)s” is already taken.") % {"username": username}
            ]
    clean["username"] = username

    password = values.get("password")
    password = "" if password is None else str(password)
    if password and (len(password) > 64 or any(c.isspace() for c in password)):
        errors["password"] = [_("At most 64 characters, without spaces.")]
    if not password and current is not None:
        password = current.password  # editing: empty keeps the old password
    if connection_type in NEEDS_LOGIN and not password and "password" not in errors:
        errors["password"] = [_("PPPoE and Hotspot customers need a password.")]
    clean["password"] = password

    static_ip, pool = _clean_static_ip(tenant_id, values, errors, exclude_pk)
    if connection_type == ConnectionTypeChoices.STATIC_IP and not static_ip:
        errors.setdefault("static_ip", [_("A Static IP customer needs an address.")])
    clean["static_ip"], clean["ip_pool"] = static_ip, pool

    mac = values.get("mac_address") or ""
    if mac:
        try:
            mac = normalize_mac(str(mac))
        except ValueError:
            errors["mac_address"] = [_("Enter a MAC address, e.g. AA:BB:CC:DD:EE:FF.")]
            mac = ""
    elif "mac_address" in required:
        errors["mac_address"] = [_("MAC address is required.")]
    clean["mac_address"] = mac

    package = _own(
        OperatorPackage,
        values.get("package"),
        tenant_id,
        "package",
        errors,
        _("Choose one of the operator's packages."),
    )
    if package is None and "package" not in errors:
        errors["package"] = [_("Choose a package.")]
    elif package is not None and operator is not None and package.operator_id != operator.pk:
        errors["package"] = [
            _("The package “%(package)s” is not one of %(operator)s's packages.")
            % {"package": package.master_package.name, "operator": operator.name}
        ]
    elif package is not None:
        allowed = package.master_package.connection_types
        if allowed and connection_type not in allowed:
            errors["connection_type"] = [
                _("The package “%(package)s” is not sold for this connection type.")
                % {"package": package.master_package.name}
            ]
    clean["package"] = package

    profile = _own(
        BillingProfile,
        values.get("billing_profile"),
        tenant_id,
        "billing_profile",
        errors,
        _("Choose a billing profile."),
    )
    if profile is None and "billing_profile" not in errors:
        errors["billing_profile"] = [_("Choose a billing profile.")]
    elif profile is not None and operator is not None:
        offered = profile.assignments.filter(operator__path__in=_ancestor_paths(operator.path))
        if not offered.exists():
            errors["billing_profile"] = [
                _("The billing profile “%(profile)s” is not assigned to %(operator)s.")
                % {"profile": profile.name, "operator": operator.name}
            ]
    clean["billing_profile"] = profile

    clean["custom_price"] = _money(values.get("custom_price"), "custom_price", errors)
    clean["custom_fields"] = _clean_custom_fields(tenant_id, values.get("custom_fields"), errors)

    connection_date = values.get("connection_date")
    if connection_date in (None, ""):
        connection_date = None
        if "connection_date" in required:
            errors["connection_date"] = [_("Connection date is required.")]
    elif not isinstance(connection_date, datetime.date):
        try:
            connection_date = datetime.date.fromisoformat(str(connection_date))
        except ValueError:
            errors["connection_date"] = [_("Enter a date (YYYY-MM-DD).")]
            connection_date = None
    clean["connection_date"] = connection_date

    _raise(errors)
    return clean


def _ancestor_paths(path: str) -> list[str]:
    """ "/1/4/9/" → ["/1/", "/1/4/", "/1/4/9/"]: the operator and those above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def customer_radius_entry(customer: Customer) -> dict | None:
    """The RADIUS user `customer` is (the arguments of `radius_user_upsert`), or None
    when it has no RADIUS login.

    PPPoE and Hotspot customers (and any customer with a password) log in: their
    password, the group their status chooses, Simultaneous-Use, the static IP as
    Framed-IP-Address and the MAC binding. A Static IP or Other customer without a
    password has no RADIUS login.
    """
    if customer.connection_type not in NEEDS_LOGIN and not customer.password:
        return None
    tenant = customer.tenant
    master = customer.package.master_package
    return {
        "username": customer.username,
        "password": str(customer.password),
        "groupname": customer_group(tenant, customer.status, master.pk, master.has_fup),
        "disabled": customer.status == CustomerStatusChoices.DISABLED,
        "simultaneous_use": SIMULTANEOUS_USE,
        "replies": {"Framed-IP-Address": customer.static_ip} if customer.static_ip else {},
        "calling_station_id": customer.mac_address or None,
    }


def customer_radius_sync(customer: Customer) -> None:
    """Write what FreeRADIUS needs for `customer` (call inside the caller's transaction);
    a customer without a RADIUS login (see `customer_radius_entry`) loses its rows."""
    tenant = customer.tenant
    entry = customer_radius_entry(customer)
    if entry is None:
        radius_user_delete(tenant=tenant, username=customer.username)
        return
    if customer.status == CustomerStatusChoices.SUSPENDED:
        suspended_group_sync(tenant)
    radius_user_upsert(tenant=tenant, **entry)


def _save(customer: Customer) -> None:
    full_clean(customer, exclude=["password"])
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:  # a concurrent save took the username or address
        raise BusinessRuleError(
            {"username": [_("This username or static IP was just taken; try again.")]}
        ) from exc


def customer_create(*, by, **values) -> Customer:
    """Customers → Create Customer. Saves the customer and its RADIUS rows in one
    transaction and publishes `customer.created` (billing makes the first bill)."""
    if set(values) - set(CUSTOMER_FIELDS):
        raise BusinessRuleError(_("Unknown fields."))
    require_permission(by, CREATE)
    if values.get("custom_price") not in (None, "") and not _may_price(by):
        raise BusinessRuleError({"custom_price": [_("You may not set custom prices.")]})
    with transaction.atomic():
        clean = _clean(by=by, tenant_id=by.tenant_id, values=values)
        refuse_if_at_credit_limit(clean["operator"])
        customer = Customer(tenant_id=by.tenant_id, created_by=by, **clean)
        customer.status = CustomerStatusChoices.ACTIVE
        customer.status_changed_at = timezone.now()
        _save(customer)
        CustomerStatusChange.objects.create(
            tenant_id=customer.tenant_id,
            customer=customer,
            from_status="",
            to_status=customer.status,
            reason=_("Created"),
            by=by,
        )
        customer_radius_sync(customer)
        _audit(customer, by, "customer.created", after=snapshot(customer, AUDIT_FIELDS))
        publish(
            "customer.created",
            tenant_id=customer.tenant_id,
            customer_id=customer.pk,
            operator_id=customer.operator_id,
            package_id=customer.package_id,
        )
    return customer


def refuse_if_at_credit_limit(operator) -> None:
    """A reseller whose balance has reached minus its credit limit creates no more
    customers until it settles (Operators → Credit Limit)."""
    if (
        operator is not None
        and operator.parent_id is not None
        and operator.balance < 0
        and -operator.balance >= operator.credit_limit
    ):
        raise BusinessRuleError(
            {
                "operator": [
                    _(
                        "%(operator)s has reached its credit limit (balance %(balance)s, "
                        "limit %(limit)s): add balance before creating customers."
                    )
                    % {
                        "operator": operator.name,
                        "balance": operator.balance,
                        "limit": operator.credit_limit,
                    }
                ]
            }
        )


def _may_price(by) -> bool:
    from netbill.core.permissions import can

    return can(by, CUSTOM_PRICE)


def _locked(customer: Customer) -> Customer:
    return (
        Customer.objects.select_for_update()
        .select_related("package__master_package")
        .get(pk=customer.pk)
    )


def customer_update(*, customer: Customer, by, data: dict) -> Customer:
    """Edit Customer. An empty password keeps the old one; a package change publishes
    `customer.package_changed` (a CoA with the new rate follows)."""
    if set(data) - set(EDIT_FIELDS):
        raise BusinessRuleError(_("These fields cannot be changed here."))
    require_permission(by, EDIT, customer)
    with transaction.atomic():
        current = _locked(customer)
        before = snapshot(current, AUDIT_FIELDS)
        old_username, old_package_id = current.username, current.package_id
        values = {f: getattr(current, f) for f in EDIT_FIELDS}
        values["password"] = ""
        values.update(data)
        clean = _clean(
            by=by,
            tenant_id=current.tenant_id,
            values=values,
            exclude_pk=current.pk,
            current=current,
        )
        for field, value in clean.items():
            if field != "custom_price":
                setattr(current, field, value)
        _save(current)
        if old_username != current.username:
            radius_user_delete(tenant=current.tenant, username=old_username)
        customer_radius_sync(current)
        _audit(current, by, "customer.updated", before, snapshot(current, AUDIT_FIELDS))
        publish("customer.updated", tenant_id=current.tenant_id, customer_id=current.pk)
        if current.package_id != old_package_id:
            _publish_package_changed(current, old_package_id)
    return current


def _publish_package_changed(customer: Customer, old_package_id: int) -> None:
    publish(
        "customer.package_changed",
        tenant_id=customer.tenant_id,
        customer_id=customer.pk,
        username=customer.username,
        old_package_id=old_package_id,
        package_id=customer.package_id,
    )


def customer_change_package(*, customer: Customer, package, by) -> Customer:
    """Move the customer to another of its operator's packages."""
    return customer_update(customer=customer, by=by, data={"package": package})


def customer_set_custom_price(*, customer: Customer, by, price) -> Customer:
    """Customers → profile → Custom Pricing: a price replacing the package's customer
    price on this customer's bills; empty goes back to the package price."""
    require_permission(by, CUSTOM_PRICE, customer)
    errors: dict[str, list[str]] = {}
    amount = _money(price, "custom_price", errors)
    _raise(errors)
    with transaction.atomic():
        current = _locked(customer)
        before = snapshot(current, ["custom_price"])
        current.custom_price = amount
        current.save(update_fields=["custom_price", "updated_at"])
        _audit(
            current, by, "customer.custom_price_set", before, snapshot(current, ["custom_price"])
        )
        publish("customer.price_changed", tenant_id=current.tenant_id, customer_id=current.pk)
    return current


def customer_change_status(
    *, customer: Customer, status: str, by, reason: str = "", system: bool = False
) -> Customer:
    """Make the customer active, suspended, disabled or FUP, with a reason.

    `by` needs customers.suspend unless `system` is set (FUP, auto-suspension; `by` may
    then be None). The RADIUS group follows in the same transaction, the change is kept
    in the status history and audited, and `customer.status_changed` makes the radius
    app send a Disconnect-Request (or a CoA for FUP) to the live session.
    """
    if status not in CustomerStatusChoices.values:
        raise BusinessRuleError({"status": [_("Choose active, suspended, disabled or FUP.")]})
    if not system:
        require_permission(by, SUSPEND, customer)
    reason = " ".join((reason or "").split())
    if not system and not reason:
        raise BusinessRuleError({"reason": [_("Give a reason for the change.")]})
    if len(reason) > 255:
        raise BusinessRuleError({"reason": [_("At most 255 characters.")]})
    with transaction.atomic():
        current = _locked(customer)
        if status == CustomerStatusChoices.FUP and not current.package.master_package.has_fup:
            raise BusinessRuleError(
                {"status": [_("The customer's package has no Fair Usage Policy.")]}
            )
        old = current.status
        if old == status:
            raise BusinessRuleError(
                {"status": [_("The customer is already %(status)s.") % {"status": status}]}
            )
        current.status = status
        current.status_reason = reason
        current.status_changed_at = timezone.now()
        current.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
        CustomerStatusChange.objects.create(
            tenant_id=current.tenant_id,
            customer=current,
            from_status=old,
            to_status=status,
            reason=reason,
            by=by if getattr(by, "pk", None) else None,
        )
        customer_radius_sync(current)
        _audit(
            current,
            by,
            "customer.status_changed",
            {"status": old},
            {"status": status, "status_reason": reason},
        )
        publish(
            "customer.status_changed",
            tenant_id=current.tenant_id,
            customer_id=current.pk,
            username=current.username,
            from_status=old,
            to_status=status,
            reason=reason,
        )
    return current


def customer_disconnect(*, customer: Customer, by) -> None:
    """Profile → Disconnect now: audited, then `customer.disconnect_requested` makes the
    radius app send a Disconnect-Request to the live session (its outcome shows on the
    profile). The customer's status stays as it is."""
    require_permission(by, DISCONNECT, customer)
    with transaction.atomic():
        _audit(customer, by, "customer.disconnect_requested")
        publish(
            "customer.disconnect_requested",
            tenant_id=customer.tenant_id,
            customer_id=customer.pk,
            username=customer.username,
        )
