"""Catalog: VAT profiles, billing profiles, master packages and operator packages.

Each write is one transaction: checked (every problem at once, by field), `full_clean`,
saved, audited, and announced after commit. Related objects are checked to belong to the
same ISP (OpenWISP's _validate_org_relation) even though form and serializer choices
already come from the scoped manager; operators must also lie in the caller's reach.
Only holders of packages.manage (the Group Admin by default) write packages and billing
profiles; VAT profiles are company settings (editCompany).
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.money import quantize
from netbill.core.permissions import in_reach
from netbill.core.services import full_clean, require_permission
from netbill.network.choices import IPPoolKindChoices
from netbill.radius.groups import package_groups_delete, package_groups_sync

from .choices import (
    BillingProfileTypeChoices,
    MasterPackageConnectionTypeChoices,
    MasterPackageValidityChoices,
    VATProfileModeChoices,
)
from .models import (
    BillingProfile,
    BillingProfileAssignment,
    MasterPackage,
    OperatorPackage,
    VATProfile,
)

__all__ = [
    "billing_profile_create",
    "billing_profile_delete",
    "billing_profile_update",
    "master_package_create",
    "master_package_delete",
    "master_package_update",
    "operator_package_assign",
    "operator_package_delete",
    "operator_package_update",
    "vat_profile_create",
    "vat_profile_delete",
    "vat_profile_update",
]

PACKAGES = "packages.manage"
SETTINGS = "editCompany"

VAT_FIELDS = ["name", "rate", "mode", "is_active"]
BILLING_FIELDS = [
    "name",
    "billing_type",
    "due_day",
    "grace_days",
    "auto_billing",
    "auto_suspension",
]
PACKAGE_FIELDS = [
    "name",
    "download_kbps",
    "upload_kbps",
    "burst_download_kbps",
    "burst_upload_kbps",
    "burst_threshold_download_kbps",
    "burst_threshold_upload_kbps",
    "burst_time_seconds",
    "price",
    "validity",
    "validity_days",
    "pppoe_profile",
    "connection_types",
    "vat_profile",
    "fup_data_limit_gb",
    "fup_download_kbps",
    "fup_upload_kbps",
    "fup_pool",
]
BURST_FIELDS = PACKAGE_FIELDS[3:8]
FUP_SPEED_FIELDS = ["fup_download_kbps", "fup_upload_kbps"]
OPERATOR_PACKAGE_FIELDS = ["operator", "master_package", "operator_price", "customer_price"]
MAX_KBPS = 1_000_000_000  # 1 Tbit/s, the rate limit's own bound
MAX_VALIDITY_DAYS = 3650


#
# Guards
#


def _require(by, code, obj=None) -> None:
    """`require_permission`, except that `by=None` is the system (the demo seed)."""
    if by is not None:
        require_permission(by, code, obj)


def _raise(errors: dict[str, list[str]]) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise BusinessRuleError(errors)


def _name(values, errors, model, tenant_id, exclude_pk, what) -> str:
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 64:
        errors["name"] = [_("At most 64 characters.")]
    elif (
        model.objects.filter(tenant_id=tenant_id, name__iexact=name).exclude(pk=exclude_pk).exists()
    ):
        errors["name"] = [
            _("%(what)s named “%(name)s” already exists.") % {"what": what, "name": name}
        ]
    return name


def _int(values, field, errors, *, low, high, required, label) -> int | None:
    value = values.get(field)
    if value is None or value == "":
        if required:
            errors[field] = [_("Enter %(what)s.") % {"what": label}]
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if isinstance(value, bool) or str(number) != str(value).strip():
        errors[field] = [_("Enter a whole number.")]
        return None
    if not low <= number <= high:
        errors[field] = [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return number


def _decimal(value) -> Decimal | None:
    if isinstance(value, float):
        return None  # never a float: money and rates are parsed from text
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _money(values, field, errors) -> Decimal | None:
    number = _decimal(values.get(field))
    if number is None:
        errors[field] = [_("Enter an amount, e.g. 500 or 499.50.")]
        return None
    if number < 0:
        errors[field] = [_("An amount cannot be negative.")]
        return None
    if number != quantize(number):
        errors[field] = [_("At most two decimal places.")]
        return None
    if number >= Decimal("1e12"):
        errors[field] = [_("The amount is too large.")]
        return None
    return quantize(number)


def _same_tenant(obj, tenant_id, field, errors, message) -> None:
    if obj is not None and obj.tenant_id != tenant_id:
        errors[field] = [message]


def _audit(obj, by, action, before=None, after=None) -> None:
    audit_record(tenant=obj.tenant, actor=by, action=action, obj=obj, before=before, after=after)


#
# VAT profiles
#


def _clean_vat(*, tenant_id, values, exclude_pk=None) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {"name": _name(values, errors, VATProfile, tenant_id, exclude_pk, _("A VAT profile"))}
    rate = _decimal(values.get("rate"))
    if rate is None:
        errors["rate"] = [_("Enter the rate in percent, e.g. 5 or 7.5.")]
    elif not Decimal("0") <= rate <= Decimal("100"):
        errors["rate"] = [_("The rate must be from 0 to 100 percent.")]
    elif rate != rate.quantize(Decimal("0.0001")):
        errors["rate"] = [_("At most four decimal places.")]
    clean["rate"] = rate
    if values.get("mode") not in VATProfileModeChoices.values:
        errors["mode"] = [_("Choose inclusive or exclusive.")]
    clean["mode"] = values.get("mode")
    clean["is_active"] = bool(values.get("is_active", True))
    _raise(errors)
    return clean


def vat_profile_create(*, by, name: str, rate, mode: str, is_active: bool = True) -> VATProfile:
    """Settings → VAT Profiles → Create."""
    _require(by, SETTINGS)
    values = {"name": name, "rate": rate, "mode": mode, "is_active": is_active}
    with transaction.atomic():
        clean = _clean_vat(tenant_id=by.tenant_id, values=values)
        profile = VATProfile(tenant_id=by.tenant_id, **clean)
        full_clean(profile)
        profile.save()
        _audit(profile, by, "vat_profile.created", after=snapshot(profile, VAT_FIELDS))
        publish("vat_profile.created", tenant_id=profile.tenant_id, vat_profile_id=profile.pk)
    return profile


def vat_profile_update(*, profile: VATProfile, by, data: dict) -> VATProfile:
    """Edit a VAT profile (bills already made keep the tax they were made with)."""
    if set(data) - set(VAT_FIELDS):
        raise BusinessRuleError(_("These fields cannot be changed here."))
    _require(by, SETTINGS, profile)
    with transaction.atomic():
        current = VATProfile.objects.select_for_update().get(pk=profile.pk)
        before = snapshot(current, VAT_FIELDS)
        values = {f: getattr(current, f) for f in VAT_FIELDS}
        values.update(data)
        clean = _clean_vat(tenant_id=current.tenant_id, values=values, exclude_pk=current.pk)
        for field, value in clean.items():
            setattr(current, field, value)
        full_clean(current)
        current.save()
        _audit(current, by, "vat_profile.updated", before, snapshot(current, VAT_FIELDS))
        publish("vat_profile.updated", tenant_id=current.tenant_id, vat_profile_id=current.pk)
    return current


def vat_profile_delete(*, profile: VATProfile, by) -> None:
    """Delete a VAT profile no master package uses."""
    _require(by, SETTINGS, profile)
    with transaction.atomic():
        current = VATProfile.objects.select_for_update().get(pk=profile.pk)
        users = list(current.master_packages.values_list("name", flat=True))
        if users:
            raise BusinessRuleError(
                _("The VAT profile “%(name)s” is used by the master package(s) %(packages)s.")
                % {"name": current.name, "packages": ", ".join(f"“{u}”" for u in users)},
                code="in_use",
            )
        _audit(current, by, "vat_profile.deleted", before=snapshot(current, VAT_FIELDS))
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("vat_profile.deleted", tenant_id=tenant_id, vat_profile_id=pk)


#
# Billing profiles
#


def _clean_billing(*, tenant_id, values, exclude_pk=None) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {
        "name": _name(values, errors, BillingProfile, tenant_id, exclude_pk, _("A billing profile"))
    }
    if values.get("billing_type") not in BillingProfileTypeChoices.values:
        errors["billing_type"] = [_("Choose monthly, daily or free.")]
    clean["billing_type"] = values.get("billing_type")
    due = values.get("due_day")
    if due in (None, "") or str(due).strip().lower() in ("last", "0"):
        clean["due_day"] = 0
    else:
        clean["due_day"] = _int(
            values, "due_day", errors, low=1, high=28, required=True, label=_("a due day")
        )
        if "due_day" in errors:
            errors["due_day"] = [
                _(
                    "The due day is a day from 1 to 28, or the last day of the month "
                    "(29–31 do not exist in every month)."
                )
            ]
    clean["grace_days"] = _int(
        values, "grace_days", errors, low=0, high=60, required=True, label=_("the grace days")
    )
    clean["auto_billing"] = bool(values.get("auto_billing"))
    clean["auto_suspension"] = bool(values.get("auto_suspension"))
    _raise(errors)
    return clean


def _clean_operators(by, tenant_id, operators) -> list:
    """The operators to assign: each in this ISP and in the caller's reach."""
    operators = list(operators or [])
    for operator in operators:
        if operator.tenant_id != tenant_id or (by is not None and not in_reach(by, operator)):
            raise BusinessRuleError(
                {"operators": [_("Choose operators within your reach.")]}, code="out_of_reach"
            )
    return operators


def _set_operators(profile: BillingProfile, operators: list) -> None:
    wanted = {o.pk: o for o in operators}
    existing = set(profile.assignments.values_list("operator_id", flat=True))
    profile.assignments.exclude(operator_id__in=wanted).delete()
    for pk, operator in wanted.items():
        if pk not in existing:
            row = BillingProfileAssignment(
                tenant_id=profile.tenant_id, billing_profile=profile, operator=operator
            )
            full_clean(row)
            row.save()


def _refuse_in_use(customers: int, name: str) -> None:
    """Customers hold on to their package and billing profile: move them first."""
    if customers:
        raise BusinessRuleError(
            ngettext(
                "“%(name)s” is used by %(count)s customer; move it to another one first.",
                "“%(name)s” is used by %(count)s customers; move them to another one first.",
                customers,
            )
            % {"name": name, "count": customers},
            code="in_use",
        )


def _billing_snapshot(profile: BillingProfile) -> dict:
    data = snapshot(profile, BILLING_FIELDS)
    data["operators"] = sorted(profile.assignments.values_list("operator_id", flat=True))
    return data


def billing_profile_create(
    *,
    by,
    name: str,
    billing_type: str = BillingProfileTypeChoices.MONTHLY,
    due_day=1,
    grace_days=0,
    auto_billing: bool = True,
    auto_suspension: bool = True,
    operators=(),
) -> BillingProfile:
    """Routers & Packages → Billing Profiles → Create. A due day of 0 (or "last") is the
    last day of the month; days 29–31 are refused because February lacks them."""
    _require(by, PACKAGES)
    values = {
        "name": name,
        "billing_type": billing_type,
        "due_day": due_day,
        "grace_days": grace_days,
        "auto_billing": auto_billing,
        "auto_suspension": auto_suspension,
    }
    with transaction.atomic():
        clean = _clean_billing(tenant_id=by.tenant_id, values=values)
        chosen = _clean_operators(by, by.tenant_id, operators)
        profile = BillingProfile(tenant_id=by.tenant_id, **clean)
        full_clean(profile)
        profile.save()
        _set_operators(profile, chosen)
        _audit(profile, by, "billing_profile.created", after=_billing_snapshot(profile))
        publish(
            "billing_profile.created", tenant_id=profile.tenant_id, billing_profile_id=profile.pk
        )
    return profile


def billing_profile_update(*, profile: BillingProfile, by, data: dict) -> BillingProfile:
    """Edit a billing profile; `operators`, if given, is the new set of operators. An
    operator beyond the caller's reach keeps its assignment untouched."""
    if set(data) - {*BILLING_FIELDS, "operators"}:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    _require(by, PACKAGES, profile)
    with transaction.atomic():
        current = BillingProfile.objects.select_for_update().get(pk=profile.pk)
        before = _billing_snapshot(current)
        values = {f: getattr(current, f) for f in BILLING_FIELDS}
        values.update({k: v for k, v in data.items() if k != "operators"})
        clean = _clean_billing(tenant_id=current.tenant_id, values=values, exclude_pk=current.pk)
        if "operators" in data:
            chosen = _clean_operators(by, current.tenant_id, data["operators"])
            if by is not None:
                # Assignments to operators the caller cannot see are not its to remove.
                hidden = [
                    a.operator
                    for a in current.assignments.select_related("operator")
                    if not in_reach(by, a.operator)
                ]
                chosen += hidden
        for field, value in clean.items():
            setattr(current, field, value)
        full_clean(current)
        current.save()
        if "operators" in data:
            _set_operators(current, chosen)
        _audit(current, by, "billing_profile.updated", before, _billing_snapshot(current))
        publish(
            "billing_profile.updated", tenant_id=current.tenant_id, billing_profile_id=current.pk
        )
    return current


def billing_profile_delete(*, profile: BillingProfile, by) -> None:
    """Delete a billing profile (its operator assignments go with it)."""
    _require(by, PACKAGES, profile)
    with transaction.atomic():
        current = BillingProfile.objects.select_for_update().get(pk=profile.pk)
        _refuse_in_use(current.customers.count(), current.name)
        _audit(current, by, "billing_profile.deleted", before=_billing_snapshot(current))
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("billing_profile.deleted", tenant_id=tenant_id, billing_profile_id=pk)


#
# Master packages
#


def _clean_package(*, tenant_id, values, exclude_pk=None) -> dict:
    """(cleaned values) for a master package, or BusinessRuleError with every problem."""
    errors: dict[str, list[str]] = {}
    clean: dict = {
        "name": _name(values, errors, MasterPackage, tenant_id, exclude_pk, _("A package"))
    }

    def speed(field, required, label):
        return _int(values, field, errors, low=1, high=MAX_KBPS, required=required, label=label)

    clean["download_kbps"] = speed("download_kbps", True, _("the download speed"))
    clean["upload_kbps"] = speed("upload_kbps", True, _("the upload speed"))

    given = [f for f in BURST_FIELDS if values.get(f) not in (None, "")]
    for f in BURST_FIELDS:
        clean[f] = None
    if given and len(given) != len(BURST_FIELDS):
        for f in BURST_FIELDS:
            if f not in given:
                errors[f] = [_("A burst needs its rates, thresholds and time together.")]
    elif given:
        for f in BURST_FIELDS[:4]:
            clean[f] = speed(f, True, _("a speed"))
        clean["burst_time_seconds"] = _int(
            values, "burst_time_seconds", errors, low=1, high=86_400, required=True, label=""
        )
        for direction in ("download", "upload"):
            rate = clean[f"{direction}_kbps"]
            burst = clean[f"burst_{direction}_kbps"]
            threshold = clean[f"burst_threshold_{direction}_kbps"]
            if rate and burst and burst <= rate:
                errors[f"burst_{direction}_kbps"] = [
                    _("The burst rate must be faster than the normal rate.")
                ]
            if rate and threshold and threshold > rate:
                errors[f"burst_threshold_{direction}_kbps"] = [
                    _("The burst threshold must not exceed the normal rate.")
                ]

    clean["price"] = _money(values, "price", errors)

    validity = values.get("validity")
    clean["validity"], clean["validity_days"] = validity, None
    if validity not in MasterPackageValidityChoices.values:
        errors["validity"] = [_("Choose monthly or a number of days.")]
    elif validity == MasterPackageValidityChoices.DAYS:
        clean["validity_days"] = _int(
            values,
            "validity_days",
            errors,
            low=1,
            high=MAX_VALIDITY_DAYS,
            required=True,
            label=_("the number of days"),
        )

    kinds = values.get("connection_types") or []
    if isinstance(kinds, str):
        kinds = [kinds]
    allowed = MasterPackageConnectionTypeChoices.values
    if not kinds:
        errors["connection_types"] = [_("Allow at least one connection type.")]
    elif any(k not in allowed for k in kinds):
        errors["connection_types"] = [_("Choose PPPoE, Hotspot, Static IP or Other.")]
    # Stored in the choices' order, once each, so equal sets compare equal.
    clean["connection_types"] = [k for k in allowed if k in kinds]

    profile = values.get("pppoe_profile")
    _same_tenant(
        profile, tenant_id, "pppoe_profile", errors, _("Choose one of your PPPoE profiles.")
    )
    if profile is None and MasterPackageConnectionTypeChoices.PPPOE in kinds:
        errors["pppoe_profile"] = [_("A package for PPPoE needs a PPPoE profile.")]
    clean["pppoe_profile"] = profile

    vat = values.get("vat_profile")
    _same_tenant(vat, tenant_id, "vat_profile", errors, _("Choose one of your VAT profiles."))
    clean["vat_profile"] = vat

    clean["fup_data_limit_gb"] = _int(
        values, "fup_data_limit_gb", errors, low=1, high=1_000_000, required=False, label=""
    )
    pool = values.get("fup_pool")
    for f in FUP_SPEED_FIELDS:
        clean[f] = None
    clean["fup_pool"] = None
    has_limit = values.get("fup_data_limit_gb") not in (None, "")
    if has_limit:
        clean["fup_download_kbps"] = speed("fup_download_kbps", True, _("the FUP download speed"))
        clean["fup_upload_kbps"] = speed("fup_upload_kbps", True, _("the FUP upload speed"))
        for direction in ("download", "upload"):
            fup, rate = clean[f"fup_{direction}_kbps"], clean[f"{direction}_kbps"]
            if fup and rate and fup >= rate:
                errors[f"fup_{direction}_kbps"] = [
                    _("The FUP speed must be slower than the package's speed.")
                ]
        if pool is not None:
            if pool.tenant_id != tenant_id:
                errors["fup_pool"] = [_("Choose one of your own pools.")]
            elif pool.kind != IPPoolKindChoices.FUP:
                errors["fup_pool"] = [
                    _("“%(name)s” is not a FUP pool; choose a pool of kind FUP.")
                    % {"name": pool.name}
                ]
        clean["fup_pool"] = pool
    else:
        for f in [*FUP_SPEED_FIELDS, "fup_pool"]:
            if values.get(f) not in (None, ""):
                errors[f] = [_("Set the FUP data limit first, or leave this empty.")]
    _raise(errors)
    return clean


def _package_save(package: MasterPackage, clean: dict) -> MasterPackage:
    """Save the package and, in the same transaction, its RADIUS groups."""
    for field, value in clean.items():
        setattr(package, field, value)
    full_clean(package)
    package.save()
    package_groups_sync(package)
    return package


def master_package_create(*, by, **values) -> MasterPackage:
    """Routers & Packages → Master Packages → Create (the Group Admin only). `values` are
    the fields of PACKAGE_FIELDS; related objects must be this ISP's."""
    if set(values) - set(PACKAGE_FIELDS):
        raise BusinessRuleError(_("Unknown fields."))
    _require(by, PACKAGES)
    with transaction.atomic():
        clean = _clean_package(tenant_id=by.tenant_id, values=values)
        package = _package_save(MasterPackage(tenant_id=by.tenant_id), clean)
        _audit(package, by, "master_package.created", after=snapshot(package, PACKAGE_FIELDS))
        publish("master_package.created", tenant_id=package.tenant_id, master_package_id=package.pk)
    return package


def master_package_update(*, package: MasterPackage, by, data: dict) -> MasterPackage:
    """Edit a master package. Its operator packages follow (they hold only prices);
    `master_package.updated` lets RADIUS and CoA catch up."""
    if set(data) - set(PACKAGE_FIELDS):
        raise BusinessRuleError(_("These fields cannot be changed here."))
    _require(by, PACKAGES, package)
    with transaction.atomic():
        current = MasterPackage.objects.select_for_update().get(pk=package.pk)
        before = snapshot(current, PACKAGE_FIELDS)
        values = {f: getattr(current, f) for f in PACKAGE_FIELDS}
        values.update(data)
        clean = _clean_package(tenant_id=current.tenant_id, values=values, exclude_pk=current.pk)
        _package_save(current, clean)
        _audit(current, by, "master_package.updated", before, snapshot(current, PACKAGE_FIELDS))
        publish("master_package.updated", tenant_id=current.tenant_id, master_package_id=current.pk)
    return current


def master_package_delete(*, package: MasterPackage, by) -> None:
    """Delete a master package no operator package uses."""
    _require(by, PACKAGES, package)
    with transaction.atomic():
        current = MasterPackage.objects.select_for_update().get(pk=package.pk)
        operators = list(
            current.operator_packages.order_by("operator__path").values_list(
                "operator__name", flat=True
            )
        )
        if operators:
            raise BusinessRuleError(
                _(
                    "The package “%(name)s” is assigned to %(operators)s; remove those "
                    "operator packages first."
                )
                % {"name": current.name, "operators": ", ".join(f"“{o}”" for o in operators)},
                code="in_use",
            )
        _audit(current, by, "master_package.deleted", before=snapshot(current, PACKAGE_FIELDS))
        pk, tenant_id = current.pk, current.tenant_id
        package_groups_delete(current.tenant, pk)
        current.delete()
        publish("master_package.deleted", tenant_id=tenant_id, master_package_id=pk)


#
# Operator packages
#


def _clean_prices(values, errors) -> dict:
    clean = {
        "operator_price": _money(values, "operator_price", errors),
        "customer_price": _money(values, "customer_price", errors),
    }
    low, high = clean["operator_price"], clean["customer_price"]
    if low is not None and high is not None and high < low:
        errors["customer_price"] = [
            _(
                "The customer price (%(customer)s) is below the operator's price "
                "(%(operator)s): the operator would lose money on every customer."
            )
            % {"customer": high, "operator": low}
        ]
    return clean


def operator_package_assign(
    *, by, operator, master_package: MasterPackage, operator_price, customer_price
) -> OperatorPackage:
    """Assign a master package to an operator in reach, at the operator's price and the
    customer price. Each operator has a master package at most once."""
    _require(by, PACKAGES)
    tenant_id = by.tenant_id
    errors: dict[str, list[str]] = {}
    if operator is None or operator.tenant_id != tenant_id or not in_reach(by, operator):
        errors["operator"] = [_("Choose an operator within your reach.")]
    if master_package is None or master_package.tenant_id != tenant_id:
        errors["master_package"] = [_("Choose one of your master packages.")]
    values = {"operator_price": operator_price, "customer_price": customer_price}
    with transaction.atomic():
        clean = _clean_prices(values, errors)
        if not errors and (
            OperatorPackage.objects.filter(
                tenant_id=tenant_id, operator=operator, master_package=master_package
            ).exists()
        ):
            errors["master_package"] = [
                _("“%(operator)s” already has the package “%(package)s”.")
                % {"operator": operator.name, "package": master_package.name}
            ]
        _raise(errors)
        package = OperatorPackage(
            tenant_id=tenant_id, operator=operator, master_package=master_package, **clean
        )
        full_clean(package)
        package.save()
        _audit(
            package,
            by,
            "operator_package.assigned",
            after=snapshot(package, OPERATOR_PACKAGE_FIELDS),
        )
        publish("operator_package.assigned", tenant_id=tenant_id, operator_package_id=package.pk)
    return package


def operator_package_update(*, package: OperatorPackage, by, data: dict) -> OperatorPackage:
    """Change an operator package's prices (its operator and master package are fixed)."""
    if set(data) - {"operator_price", "customer_price"}:
        raise BusinessRuleError(_("Only the prices can be changed."))
    _require(by, PACKAGES, package)
    with transaction.atomic():
        current = OperatorPackage.objects.select_for_update().get(pk=package.pk)
        before = snapshot(current, OPERATOR_PACKAGE_FIELDS)
        values = {
            "operator_price": current.operator_price,
            "customer_price": current.customer_price,
        }
        values.update(data)
        errors: dict[str, list[str]] = {}
        clean = _clean_prices(values, errors)
        _raise(errors)
        for field, value in clean.items():
            setattr(current, field, value)
        full_clean(current)
        current.save()
        _audit(
            current,
            by,
            "operator_package.updated",
            before,
            snapshot(current, OPERATOR_PACKAGE_FIELDS),
        )
        publish(
            "operator_package.updated",
            tenant_id=current.tenant_id,
            operator_package_id=current.pk,
        )
    return current


def operator_package_delete(*, package: OperatorPackage, by) -> None:
    """Take a package off an operator's shelf."""
    _require(by, PACKAGES, package)
    with transaction.atomic():
        current = OperatorPackage.objects.select_for_update().get(pk=package.pk)
        _refuse_in_use(current.customers.count(), str(current))
        _audit(
            current,
            by,
            "operator_package.deleted",
            before=snapshot(current, OPERATOR_PACKAGE_FIELDS),
        )
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("operator_package.deleted", tenant_id=tenant_id, operator_package_id=pk)
