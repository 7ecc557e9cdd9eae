"""Validate many customer rows at once with the rules of Create Customer.

`services.customers._clean` checks one customer with a handful of queries; an import
of 50,000 rows cannot afford that. Here every lookup (operators, packages, zones,
billing profiles and their assignments, pools, custom fields, mandatory attributes,
the usernames and static IPs already taken) is read once, and the rows are checked in
memory with the same rules and the same messages. Duplicates within the file
(username, static IP) are errors on every row that carries them, since no one can
tell which of them is meant.

Foreign keys may be given as an instance, a primary key or a name (what a spreadsheet
holds): the operator by its name or its user's username, the package by its master
package's name on that operator's shelf, the zone, billing profile and IP pool by name.

`tests/test_import_validate.py` runs the same bad inputs through `_clean` and here and
compares the messages, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext as _

from netbill.core.permissions import can, in_reach
from netbill.core.phone import normalize_mobile
from netbill.core.services import require_permission

from ..choices import ConnectionTypeChoices, CustomFieldTypeChoices
from ..models import Customer, CustomField, MandatoryAttributes
from ..services.customers import (
    CUSTOMER_FIELDS,
    EDIT_FIELDS,
    NEEDS_LOGIN,
    USERNAME_RE,
    _ancestor_paths,
    _money,
    normalize_mac,
)

__all__ = ["ValidationReport", "validate_rows"]

CREATE = "customers.create"
EDIT = "customers.edit"
CUSTOM_PRICE = "customers.custom_price"
FK_FIELDS = ("operator", "package", "zone", "billing_profile", "ip_pool")
PROGRESS_STEP = 1000
_MISSING = object()  # a name or key that matches nothing


@dataclass
class ValidationReport:
    """What `validate_rows` found, by row index (the position in `rows`).

    `valid`: new customers, with clean values for `Customer(tenant=…, **clean)`.
    `errors`: row → field → messages. `existing`: rows whose username is taken
    (an error, unless updating). `updates`: existing customers and the changed clean
    fields (for `customer_update`); `unchanged`: existing rows with nothing to change.
    """

    valid: list[tuple[int, dict]] = field(default_factory=list)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    existing: dict[int, Customer] = field(default_factory=dict)
    updates: list[tuple[int, Customer, dict]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.valid),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            "invalid": len(self.errors),
        }


def _key(value) -> str:
    return " ".join(str(value).split()).casefold()


class _Lookups:
    """Everything the rules look up, read once per batch."""

    def __init__(self, by):
        from netbill.accounts.models import Operator, User
        from netbill.catalog.models import BillingProfile, BillingProfileAssignment, OperatorPackage
        from netbill.network.models import IPPool
        from netbill.tenancy.models import Zone

        tenant_id = by.tenant_id
        self.tenant_id = tenant_id
        self.required = set(
            MandatoryAttributes.objects.filter(tenant_id=tenant_id)
            .values_list("required", flat=True)
            .first()
            or []
        )
        operators = list(Operator.objects.filter(tenant_id=tenant_id))
        self.operators = {o.pk: o for o in operators}
        self.operator_names = {_key(o.name): o for o in operators}
        for username, operator_id in User.objects.filter(
            tenant_id=tenant_id, operator__isnull=False
        ).values_list("username", "operator_id"):
            self.operator_names.setdefault(_key(username), self.operators.get(operator_id))
        packages = list(
            OperatorPackage.objects.filter(tenant_id=tenant_id).select_related("master_package")
        )
        self.packages = {p.pk: p for p in packages}
        self.package_names = {(p.operator_id, _key(p.master_package.name)): p for p in packages}
        self.master_names = {_key(p.master_package.name) for p in packages}
        zones = list(Zone.objects.filter(tenant_id=tenant_id))
        self.zones = {z.pk: z for z in zones}
        self.zone_names = {_key(z.name): z for z in zones}
        profiles = list(BillingProfile.objects.filter(tenant_id=tenant_id))
        self.profiles = {p.pk: p for p in profiles}
        self.profile_names = {_key(p.name): p for p in profiles}
        self.assigned = set(
            BillingProfileAssignment.objects.filter(tenant_id=tenant_id).values_list(
                "billing_profile_id", "operator__path"
            )
        )
        pools = list(IPPool.objects.filter(tenant_id=tenant_id, family=4).order_by("name"))
        self.pools = {p.pk: p for p in pools}
        self.pool_names = {_key(p.name): p for p in pools}
        self.networks = []
        for pool in pools:
            try:
                self.networks.append((pool, ipaddress.IPv4Network(pool.subnet, strict=False)))
            except ValueError:  # pragma: no cover - stored subnets are validated
                continue
        self.custom_fields = {
            f.key: f for f in CustomField.objects.filter(tenant_id=tenant_id, is_active=True)
        }
        self.usernames: dict[str, int] = {}
        self.static_ips: dict[str, tuple[int, str]] = {}
        for pk, username, static_ip in Customer.objects.filter(tenant_id=tenant_id).values_list(
            "pk", "username", "static_ip"
        ):
            self.usernames[username.lower()] = pk
            if static_ip:
                self.static_ips[static_ip] = (pk, username)
        self.may_price = can(by, CUSTOM_PRICE)
        self.may_edit = can(by, EDIT)

    def resolve(self, value, by_pk: dict, by_name: dict | None):
        """An instance, a pk or a name → the row, None when empty, _MISSING otherwise."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, models.Model):
            return by_pk.get(value.pk, _MISSING)
        if by_name is not None and not isinstance(value, bool):
            found = by_name.get(_key(value))
            if found is not None:
                return found
        if isinstance(value, int) and not isinstance(value, bool):
            return by_pk.get(value, _MISSING)
        if isinstance(value, str) and value.strip().isdigit():
            return by_pk.get(int(value.strip()), _MISSING)
        return _MISSING


def _is_name(value) -> bool:
    return isinstance(value, str) and not value.strip().isdigit()


# -- Coercion of what spreadsheets hold (before the rules) ---------------------------

_CONNECTION_TYPES = {}
for _value, _label in ConnectionTypeChoices.choices:
    for _text_ in (_value, str(_label)):
        _CONNECTION_TYPES["".join(c for c in _text_.casefold() if c.isalnum())] = _value


def _coerce(value):
    """Spreadsheet cells: whole floats → int, midnight datetimes → dates."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def _date(value):
    """A date, an ISO date or a day-first date (25/12/2024, 25-12-2024) → date, or raise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _prepare(raw: dict) -> dict:
    values = {k: _coerce(v) for k, v in raw.items() if k != "custom_fields"}
    if "custom_fields" in raw:
        cf = raw["custom_fields"]
        values["custom_fields"] = (
            {k: _coerce(v) for k, v in cf.items()} if isinstance(cf, dict) else cf
        )
    ct = values.get("connection_type")
    if isinstance(ct, str) and ct.strip():
        values["connection_type"] = _CONNECTION_TYPES.get(
            "".join(c for c in ct.casefold() if c.isalnum()), ct.strip()
        )
    cd = values.get("connection_date")
    if cd not in (None, "") and not isinstance(cd, datetime.date):
        with contextlib.suppress(ValueError):  # the rule below gives the message
            values["connection_date"] = _date(cd)
    return values


# -- The rules (the same as services.customers._clean) --------------------------------


def _text(values, name, errors, *, max_length, required=False, label="") -> str:
    value = values.get(name)
    value = "" if value is None else " ".join(str(value).split())
    if required and not value:
        errors[name] = [_("%(label)s is required.") % {"label": label}]
    elif len(value) > max_length:
        errors[name] = [_("At most %(n)s characters.") % {"n": max_length}]
    return value


def _custom_fields(fields, raw, errors) -> dict:
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        errors["custom_fields"] = [_("Give the custom fields as an object of key: value.")]
        return {}
    problems, clean = [], {}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        problems.append(_("Unknown custom field: %(keys)s.") % {"keys": ", ".join(unknown)})
    for key, cf in fields.items():
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if cf.mandatory:
                problems.append(_("“%(name)s” is required.") % {"name": cf.name})
            continue
        if cf.field_type == CustomFieldTypeChoices.NUMBER:
            try:
                number = Decimal(str(value).strip())
                if not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(_("“%(name)s” must be a number.") % {"name": cf.name})
                continue
            clean[key] = str(number)
        elif cf.field_type == CustomFieldTypeChoices.DATE:
            if isinstance(value, datetime.date):
                clean[key] = value.isoformat()
                continue
            try:
                clean[key] = datetime.date.fromisoformat(str(value).strip()).isoformat()
            except ValueError:
                problems.append(_("“%(name)s” must be a date (YYYY-MM-DD).") % {"name": cf.name})
        elif cf.field_type == CustomFieldTypeChoices.DROPDOWN:
            if str(value) not in cf.choices:
                problems.append(
                    _("“%(value)s” is not one of the choices of “%(name)s”.")
                    % {"value": value, "name": cf.name}
                )
                continue
            clean[key] = str(value)
        else:
            text = " ".join(str(value).split())
            if len(text) > 255:
                problems.append(_("“%(name)s” has at most 255 characters.") % {"name": cf.name})
                continue
            clean[key] = text
    if problems:
        errors["custom_fields"] = problems
    return clean


def _static_ip(lk: _Lookups, values, errors, exclude_pk):
    raw = values.get("static_ip")
    pool_value = values.get("ip_pool")
    if raw in (None, ""):
        return None, None
    try:
        address = ipaddress.IPv4Address(str(raw).strip())
    except ValueError:
        errors["static_ip"] = [_("Enter a valid IPv4 address.")]
        return None, None
    networks = lk.networks
    if pool_value not in (None, ""):
        chosen = lk.resolve(pool_value, lk.pools, lk.pool_names)
        if chosen is _MISSING or chosen is None:
            errors["ip_pool"] = [_("Choose one of your IPv4 pools.")]
            return None, None
        networks = [(p, n) for p, n in networks if p.pk == chosen.pk]
    pool = None
    for candidate, network in networks:
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
    holder = lk.static_ips.get(str(address))
    if holder is not None and holder[0] != exclude_pk:
        errors["static_ip"] = [
            _("%(address)s is already given to the customer “%(username)s”.")
            % {"address": address, "username": holder[1]}
        ]
        return None, None
    return str(address), pool


def _clean_row(lk: _Lookups, by, values, errors, *, exclude_pk=None, current=None) -> dict:
    """One row, by the rules of `_clean` (the same order, fields and messages)."""
    required = lk.required
    clean: dict = {}
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
        values, "address", errors, max_length=255, required="address" in required,
        label=_("Address"),
    )  # fmt: skip
    clean["nid"] = _text(
        values, "nid", errors, max_length=32, required="nid" in required, label=_("NID")
    )
    if clean["nid"] and "nid" not in errors and not clean["nid"].isdigit():
        errors["nid"] = [_("An NID has digits only.")]

    zone_value = values.get("zone")
    zone = lk.resolve(zone_value, lk.zones, lk.zone_names)
    if zone is _MISSING:
        errors["zone"] = [
            _("There is no zone “%(name)s”.") % {"name": zone_value}
            if _is_name(zone_value)
            else _("Choose a zone.")
        ]
        zone = None
    if zone is None and "zone" in required and "zone" not in errors:
        errors["zone"] = [_("Zone is required.")]
    clean["zone"] = zone

    op_value = values.get("operator")
    operator = lk.resolve(op_value, lk.operators, lk.operator_names)
    if operator is _MISSING:
        errors["operator"] = [
            _("There is no operator “%(name)s”.") % {"name": op_value}
            if _is_name(op_value)
            else _("Choose an operator.")
        ]
        operator = None
    elif operator is None:
        errors["operator"] = [_("Choose an operator.")]
    elif not in_reach(by, operator):
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
        holder = lk.usernames.get(username.lower())
        if holder is not None and holder != exclude_pk:
            errors["username"] = [
                _("The username “%(username)s” is already taken.") % {"username": username}
            ]
    clean["username"] = username

    password = values.get("password")
    password = "" if password is None else str(password)
    if password and (len(password) > 64 or any(c.isspace() for c in password)):
        errors["password"] = [_("At most 64 characters, without spaces.")]
    if not password and current is not None:
        password = current.password
    if connection_type in NEEDS_LOGIN and not password and "password" not in errors:
        errors["password"] = [_("PPPoE and Hotspot customers need a password.")]
    clean["password"] = password

    static_ip, pool = _static_ip(lk, values, errors, exclude_pk)
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

    pkg_value = values.get("package")
    package = None
    if (
        operator is not None
        and not _blank(pkg_value)
        and not isinstance(pkg_value, models.Model | bool)
        and (operator.pk, _key(pkg_value)) in lk.package_names
    ):
        # A name on the operator's shelf (even one of digits only, such as "20").
        package = lk.package_names[(operator.pk, _key(pkg_value))]
    elif _is_name(pkg_value):
        if operator is not None:
            package = lk.package_names.get((operator.pk, _key(pkg_value)))
            if package is None and _key(pkg_value) in lk.master_names:
                errors["package"] = [
                    _("The package “%(package)s” is not one of %(operator)s's packages.")
                    % {"package": pkg_value.strip(), "operator": operator.name}
                ]
            elif package is None:
                errors["package"] = [_("There is no package “%(name)s”.") % {"name": pkg_value}]
        elif _key(pkg_value) not in lk.master_names:
            errors["package"] = [_("There is no package “%(name)s”.") % {"name": pkg_value}]
        else:
            # Which shelf the name means depends on the operator, whose error is shown.
            errors["package"] = []
    else:
        package = lk.resolve(pkg_value, lk.packages, None)
        if package is _MISSING:
            errors["package"] = [_("Choose one of the operator's packages.")]
            package = None
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

    bp_value = values.get("billing_profile")
    profile = lk.resolve(bp_value, lk.profiles, lk.profile_names)
    if profile is _MISSING:
        errors["billing_profile"] = [
            _("There is no billing profile “%(name)s”.") % {"name": bp_value}
            if _is_name(bp_value)
            else _("Choose a billing profile.")
        ]
        profile = None
    elif profile is None:
        errors["billing_profile"] = [_("Choose a billing profile.")]
    elif operator is not None:
        paths = _ancestor_paths(operator.path)
        if not any((profile.pk, path) in lk.assigned for path in paths):
            errors["billing_profile"] = [
                _("The billing profile “%(profile)s” is not assigned to %(operator)s.")
                % {"profile": profile.name, "operator": operator.name}
            ]
    clean["billing_profile"] = profile

    clean["custom_price"] = _money(values.get("custom_price"), "custom_price", errors)
    if clean["custom_price"] is not None and current is None and not lk.may_price:
        errors["custom_price"] = [_("You may not set custom prices.")]
    clean["custom_fields"] = _custom_fields(lk.custom_fields, values.get("custom_fields"), errors)

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
    return clean


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _current_values(lk: _Lookups, current: Customer) -> dict:
    """The customer's editable values, its foreign keys taken from the lookups (no query
    per row)."""
    tables = {"operator": lk.operators, "package": lk.packages, "zone": lk.zones,
              "billing_profile": lk.profiles, "ip_pool": lk.pools}  # fmt: skip
    values = {}
    for name in EDIT_FIELDS:
        if name in tables:
            pk = getattr(current, f"{name}_id")
            values[name] = None if pk is None else tables[name].get(pk, _MISSING)
        else:
            values[name] = getattr(current, name)
    return values


def _update_values(lk: _Lookups, current: Customer, raw: dict) -> dict:
    """An existing customer's values with the row's non-blank cells on top: a blank cell
    keeps what the customer has (an import never clears a field by omission)."""
    values = _current_values(lk, current)
    values["password"] = ""
    for name, value in raw.items():
        if name == "custom_fields" and isinstance(value, dict):
            merged = dict(current.custom_fields or {})
            merged.update({k: v for k, v in value.items() if not _blank(v)})
            values["custom_fields"] = merged
        elif name in EDIT_FIELDS and not _blank(value):
            values[name] = value
    return values


def _changes(lk: _Lookups, current: Customer, clean: dict) -> dict:
    """The clean values that differ from what the customer has."""
    old_values = _current_values(lk, current)
    changed = {}
    for name in EDIT_FIELDS:
        new, old = clean[name], old_values[name]
        if name in FK_FIELDS:
            same = getattr(new, "pk", None) == getattr(old, "pk", None)
        else:
            same = (new or None) == (old or None)
        if not same:
            changed[name] = new
    return changed


def validate_rows(
    *, by, rows: list[dict], update_existing: bool = False, on_progress=None
) -> ValidationReport:
    """Check `rows` (dicts keyed by CUSTOMER_FIELDS, raw cell values) as Create Customer
    would, in memory after one read of every lookup. See ValidationReport.
    `on_progress(n)` is called after every PROGRESS_STEP rows (a job's progress bar)."""
    require_permission(by, CREATE)
    lk = _Lookups(by)
    report = ValidationReport()
    cleaned: dict[int, dict] = {}
    unknown_fields = set()
    for raw in rows:
        unknown_fields |= set(raw) - set(CUSTOMER_FIELDS)
    if unknown_fields:
        raise ValueError(f"Unknown fields: {sorted(unknown_fields)}")

    # Existing customers named by the rows, read in one query per 1,000.
    existing_pks = {}
    for index, raw in enumerate(rows):
        name = str(raw.get("username") or "").strip().lower()
        if name and name in lk.usernames:
            existing_pks[index] = lk.usernames[name]
    by_pk = {}
    pks = sorted(set(existing_pks.values()))
    for start in range(0, len(pks), 1000):
        for customer in Customer.objects.filter(
            tenant_id=lk.tenant_id, pk__in=pks[start : start + 1000]
        ):
            customer.operator = lk.operators[customer.operator_id]  # reach without a query
            by_pk[customer.pk] = customer
    for index, pk in existing_pks.items():
        if pk in by_pk:
            report.existing[index] = by_pk[pk]

    for index, raw in enumerate(rows):
        if on_progress and index and index % PROGRESS_STEP == 0:
            on_progress(PROGRESS_STEP)
        errors: dict[str, list[str]] = {}
        current = report.existing.get(index) if update_existing else None
        if current is not None and (not lk.may_edit or not in_reach(by, current)):
            # Not theirs to change: the same answer as for a taken username.
            current = None
        if current is not None:
            values = _prepare(_update_values(lk, current, raw))
            clean = _clean_row(lk, by, values, errors, exclude_pk=current.pk, current=current)
        else:
            clean = _clean_row(lk, by, _prepare(raw), errors)
        if errors:
            report.errors[index] = {k: v for k, v in errors.items() if v}
        else:
            cleaned[index] = clean

    if on_progress and rows:
        on_progress(len(rows) - (len(rows) - 1) // PROGRESS_STEP * PROGRESS_STEP)

    # Duplicates within the file: every row carrying the same username or address.
    seen_user: dict[str, list[int]] = {}
    seen_ip: dict[str, list[int]] = {}
    for index, raw in enumerate(rows):
        name = str(raw.get("username") or "").strip().lower()
        if name:
            seen_user.setdefault(name, []).append(index)
        ip = cleaned.get(index, {}).get("static_ip")
        if ip:
            seen_ip.setdefault(ip, []).append(index)
    for groups, name, message in (
        (seen_user, "username", _("The username “%(value)s” is in the file more than once.")),
        (seen_ip, "static_ip", _("%(value)s is given to more than one row of the file.")),
    ):
        for value, indexes in groups.items():
            if len(indexes) < 2:
                continue
            for index in indexes:
                cleaned.pop(index, None)
                row_errors = report.errors.setdefault(index, {})
                row_errors.setdefault(name, []).append(message % {"value": value})

    for index in sorted(cleaned):
        clean = cleaned[index]
        current = report.existing.get(index)
        if current is not None and update_existing:
            changes = _changes(lk, current, clean)
            if changes:
                report.updates.append((index, current, changes))
            else:
                report.unchanged.append(index)
        else:
            report.valid.append((index, clean))
    return report
