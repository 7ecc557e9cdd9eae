"""Customers → Multiple Customer Update: one change applied to many customers at once.

A package change, a status change, a billing-profile reassignment or a zone change,
for every customer of a selection, in one transaction and with a fixed number of
queries whatever the selection's size (a few per batch of `BATCH_SIZE` customers):

- the rules of the single services hold for every customer (the package is the
  customer's operator's, FUP only on packages with a Fair Usage Policy, a reason for
  a status change, the billing profile offered to the customer's operator), and one
  customer breaking them refuses the whole change, saying how many do;
- the customers are updated with one UPDATE, the status history and the activity log
  get one row per customer (bulk_create), and the RADIUS rows follow in the same
  transaction: radusergroup re-pointed with one UPDATE per target group, the
  `Auth-Type := Reject` rows of disabled customers added or removed in bulk;
- after commit one event (`customers.bulk_status_changed`,
  `customers.bulk_package_changed`, `customers.bulk_updated`) tells the radius app,
  which sends CoA/Disconnect to the customers that are online only.

Customers already holding the chosen value are left as they are and counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import django_filters
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from netbill.catalog.models import BillingProfile
from netbill.core.context import current_actor
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.models import AuditLog
from netbill.core.permissions import restrict
from netbill.core.services import require_permission
from netbill.radius.groups import customer_group, suspended_group_sync
from netbill.radius.models import RadiusCheck, RadiusUserGroup

from ..choices import ConnectionTypeChoices, CustomerStatusChoices
from ..filters import CustomerFilterSet, _reachable
from ..models import Customer, CustomerStatusChange
from .customers import NEEDS_LOGIN

__all__ = [
    "BULK_CHANGES",
    "BulkCustomerFilterSet",
    "BulkResult",
    "customers_bulk_change",
    "customers_bulk_selection",
]

EDIT = "customers.edit"
SUSPEND = "customers.suspend"

PACKAGE, STATUS, BILLING_PROFILE, ZONE = "package", "status", "billing_profile", "zone"
BULK_CHANGES = (PACKAGE, STATUS, BILLING_PROFILE, ZONE)
# The permission each change needs (as the single services: a status change needs
# customers.suspend, the rest is Edit Customer).
CHANGE_PERMISSION = {PACKAGE: EDIT, STATUS: SUSPEND, BILLING_PROFILE: EDIT, ZONE: EDIT}

# Customers per UPDATE / IN (...) list: one statement for the usual selection, a few for
# a whole ISP; within SQLite's bound-parameter limit (999) where that applies.
BATCH_SIZE = 5000


@dataclass(frozen=True)
class BulkResult:
    """What a bulk change did: how many customers were selected, how many changed, how
    many already had the value (left as they were)."""

    change: str
    selected: int
    changed: int
    unchanged: int
    customer_ids: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        return {"selected": self.selected, "changed": self.changed, "unchanged": self.unchanged}


@dataclass
class _Row:
    """One selected customer, as much of it as the change needs (no model instance: no
    password decryption, no per-row query)."""

    pk: int
    tenant_id: int
    name: str
    username: str
    status: str
    connection_type: str
    has_password: bool
    operator_id: int
    operator_path: str
    package_id: int
    master_id: int
    has_fup: bool
    zone_id: int | None
    billing_profile_id: int | None

    @property
    def has_login(self) -> bool:
        # As customer_radius_sync: Static IP and Other customers without a password
        # have no RADIUS rows.
        return self.connection_type in NEEDS_LOGIN or self.has_password

    def __str__(self) -> str:
        return f"{self.name} ({self.username})"


_ROW_FIELDS = (
    "pk",
    "tenant_id",
    "name",
    "username",
    "status",
    "connection_type",
    "has_password",
    "operator_id",
    "operator__path",
    "package_id",
    "package__master_package_id",
    "package__master_package__fup_data_limit_gb",
    "zone_id",
    "billing_profile_id",
)


def _batches(items: list, size: int = BATCH_SIZE):
    limit = connection.features.max_query_params
    if limit:
        size = min(size, limit - 50)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows(customers: QuerySet) -> list[_Row]:
    """The selection, locked, in one query."""
    queryset = (
        Customer.objects.filter(pk__in=customers.order_by().values("pk"))
        .annotate(
            has_password=Case(
                When(Q(password="") | Q(password__isnull=True), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    rows = []
    for values in queryset.values_list(*_ROW_FIELDS):
        values = list(values)
        values[11] = values[11] is not None  # fup_data_limit_gb → has_fup
        rows.append(_Row(*values))
    return rows


def _check_reach(by, rows: list[_Row]) -> None:
    """Re-check what the view's `restrict` already did: every customer in `by`'s tenant
    and operator subtree. One outsider refuses the whole change."""
    path = by.reach_path or ""
    outside = [
        r
        for r in rows
        if r.tenant_id != by.tenant_id or not path or not r.operator_path.startswith(path)
    ]
    if outside:
        raise OutOfReach(
            ngettext(
                "%(n)s of the selected customers is outside your reach.",
                "%(n)s of the selected customers are outside your reach.",
                len(outside),
            )
            % {"n": len(outside)},
            code="out_of_reach",
        )


def _own(queryset, value, tenant_id, message):
    pk = getattr(value, "pk", value)
    obj = None
    if pk not in (None, "") and str(pk).isdigit():
        obj = queryset.filter(tenant_id=tenant_id, pk=pk).first()
    if obj is None:
        raise BusinessRuleError({"value": [message]})
    return obj


def _refuse_some(message: str, count: int, total: int, **params):
    """Refuse the whole change: `message` (an ngettext of `count`) says how many of the
    selected customers break the rule."""
    raise BusinessRuleError({"value": [message % {"n": count, "total": total, **params}]})


#
# Audit
#


class _AuditRows:
    """AuditLog rows as `audit_record` writes them (actor, impersonator from the request
    context, IP), built in memory and saved with one bulk_create."""

    def __init__(self, *, tenant_id: int, by):
        ctx = current_actor()
        impersonator = None
        if ctx.impersonator_id:
            impersonator = get_user_model().objects.filter(pk=ctx.impersonator_id).first()
        actor = by if getattr(by, "pk", None) else None
        self.common = {
            "tenant_id": tenant_id,
            "actor": actor,
            "actor_repr": str(actor.get_username()) if actor else "system",
            "impersonator": impersonator,
            "impersonator_repr": impersonator.get_username() if impersonator else "",
            "object_type": Customer._meta.label_lower,
            "ip": ctx.ip,
        }
        self.rows: list[AuditLog] = []

    def add(self, row: _Row, action: str, before: dict, after: dict) -> None:
        self.rows.append(
            AuditLog(
                **self.common,
                action=action,
                object_id=str(row.pk),
                object_repr=str(row)[:200],
                before=before,
                after=after,
            )
        )

    def save(self) -> None:
        AuditLog.objects.bulk_create(self.rows, batch_size=1000)


#
# RADIUS, set-based
#


def _repoint_groups(tenant, targets: dict[str, list[str]]) -> None:
    """radusergroup: the given usernames now in the given group, one UPDATE per group
    (and per batch). Users without rows (no RADIUS login) are not touched."""
    for groupname, usernames in targets.items():
        for batch in _batches(usernames):
            RadiusUserGroup.objects.filter(tenant=tenant, username__in=batch).update(
                groupname=groupname
            )


def _set_rejected(tenant, usernames: list[str], rejected: bool) -> None:
    """Add (or remove) `Auth-Type := Reject` for `usernames` in bulk, as
    radius_user_upsert(disabled=…) writes it."""
    for batch in _batches(usernames):
        RadiusCheck.objects.filter(
            tenant=tenant, username__in=batch, attribute="Auth-Type"
        ).delete()
    if rejected:
        RadiusCheck.objects.bulk_create(
            (
                RadiusCheck(
                    tenant=tenant, username=u, attribute="Auth-Type", op=":=", value="Reject"
                )
                for u in usernames
            ),
            batch_size=1000,
        )


#
# Selection
#


class BulkCustomerFilterSet(CustomerFilterSet):
    """The Customer List's filters and the billing profile: the selection of a Multiple
    Customer Update (the page and its background job use the same)."""

    billing_profile = django_filters.ModelChoiceFilter(
        label=_("Billing profile"), queryset=_reachable(BillingProfile, ["name"])
    )

    class Meta(CustomerFilterSet.Meta):
        fields = [*CustomerFilterSet.Meta.fields, "billing_profile"]


FILTER_FIELDS = ("q", "status", "zone", "package", "operator", "connection_type", "billing_profile")


def customers_bulk_selection(*, by, filters: dict, ids: list[int] | None = None) -> QuerySet:
    """The customers a Multiple Customer Update applies to: those within `by`'s reach
    matching `filters` (the page's filters), cut down to `ids` when the user picked
    some. Raises BusinessRuleError for a filter value that is not a valid choice (an
    ignored filter would widen the selection)."""
    base = restrict(Customer.objects.all(), by, EDIT)
    data = {k: v for k, v in (filters or {}).items() if k in FILTER_FIELDS and v not in (None, "")}
    filterset = BulkCustomerFilterSet(data, queryset=base, request=SimpleNamespace(user=by))
    if not filterset.is_valid():
        raise BusinessRuleError(
            _("The selection's filters are not valid: %(errors)s")
            % {"errors": "; ".join(m for ms in filterset.errors.values() for m in ms)}
        )
    queryset = filterset.qs
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset


#
# The service
#


def customers_bulk_change(
    *,
    by,
    customers: QuerySet,
    change: str,
    value,
    reason: str = "",
    progress: Callable[[int], None] | None = None,
) -> BulkResult:
    """Customers → Multiple Customer Update: apply one change to every customer of
    `customers` (a queryset already `restrict`ed to `by`; re-checked here).

    `change` is "package" (an OperatorPackage of the customers' operator), "status"
    (active, suspended, disabled or fup, with a `reason`), "billing_profile" (offered to
    each customer's operator or one above it) or "zone". One transaction: either every
    selected customer changes, or none does. `progress(n)` (a background job's
    `advance`) hears of each batch of customers updated.
    """
    if change not in BULK_CHANGES:
        raise BusinessRuleError({"change": [_("Choose package, status, billing profile or zone.")]})
    require_permission(by, CHANGE_PERMISSION[change])
    reason = " ".join((reason or "").split())
    if change == STATUS:
        if value not in CustomerStatusChoices.values:
            raise BusinessRuleError({"value": [_("Choose active, suspended, disabled or FUP.")]})
        if not reason:
            raise BusinessRuleError({"reason": [_("Give a reason for the change.")]})
    if len(reason) > 255:
        raise BusinessRuleError({"reason": [_("At most 255 characters.")]})

    with transaction.atomic():
        rows = _rows(customers)
        if not rows:
            raise BusinessRuleError(_("No customers are selected."))
        _check_reach(by, rows)
        tenant = by.tenant
        apply = {
            PACKAGE: _change_package,
            STATUS: _change_status,
            BILLING_PROFILE: _change_billing_profile,
            ZONE: _change_zone,
        }[change]
        changed = apply(
            by=by, tenant=tenant, rows=rows, value=value, reason=reason, progress=progress
        )
    return BulkResult(
        change=change,
        selected=len(rows),
        changed=len(changed),
        unchanged=len(rows) - len(changed),
        customer_ids=tuple(r.pk for r in changed),
    )


def _update(rows: list[_Row], progress=None, **values) -> None:
    values["updated_at"] = timezone.now()
    for batch in _batches([r.pk for r in rows]):
        Customer.objects.filter(pk__in=batch).update(**values)
        if progress is not None:
            progress(len(batch))


def _change_status(*, by, tenant, rows, value, reason, progress) -> list[_Row]:
    status = value
    changing = [r for r in rows if r.status != status]
    if status == CustomerStatusChoices.FUP:
        without = [r for r in changing if not r.has_fup]
        if without:
            _refuse_some(
                ngettext(
                    "%(n)s of the %(total)s selected customers has a package without a Fair "
                    "Usage Policy; nothing was changed.",
                    "%(n)s of the %(total)s selected customers have a package without a Fair "
                    "Usage Policy; nothing was changed.",
                    len(without),
                ),
                len(without),
                len(rows),
            )
    if not changing:
        return []
    now = timezone.now()
    _update(changing, progress, status=status, status_reason=reason, status_changed_at=now)
    by_user = by if getattr(by, "pk", None) else None
    CustomerStatusChange.objects.bulk_create(
        (
            CustomerStatusChange(
                tenant_id=r.tenant_id,
                customer_id=r.pk,
                from_status=r.status,
                to_status=status,
                reason=reason,
                by=by_user,
            )
            for r in changing
        ),
        batch_size=1000,
    )

    # RADIUS: the group the new status chooses, and the reject for disabled.
    logins = [r for r in changing if r.has_login]
    if status == CustomerStatusChoices.SUSPENDED and logins:
        suspended_group_sync(tenant)
    targets: dict[str, list[str]] = defaultdict(list)
    for r in logins:
        targets[customer_group(tenant, status, r.master_id, r.has_fup)].append(r.username)
    _repoint_groups(tenant, targets)
    if status == CustomerStatusChoices.DISABLED:
        _set_rejected(tenant, [r.username for r in logins], rejected=True)
    else:
        was_disabled = [r.username for r in logins if r.status == CustomerStatusChoices.DISABLED]
        if was_disabled:
            _set_rejected(tenant, was_disabled, rejected=False)

    audit = _AuditRows(tenant_id=tenant.pk, by=by)
    for r in changing:
        audit.add(
            r,
            "customer.status_changed",
            {"status": r.status},
            {"status": status, "status_reason": reason},
        )
    audit.save()
    publish(
        "customers.bulk_status_changed",
        tenant_id=tenant.pk,
        usernames=[r.username for r in changing],
        changes=[(r.username, r.status, status) for r in changing],
        to_status=status,
        reason=reason,
    )
    return changing


def _change_package(*, by, tenant, rows, value, reason, progress) -> list[_Row]:
    from netbill.catalog.models import OperatorPackage

    package = _own(
        OperatorPackage.objects.select_related("operator", "master_package"),
        value,
        tenant.pk,
        _("Choose one of the operator's packages."),
    )
    master = package.master_package
    others = [r for r in rows if r.operator_id != package.operator_id]
    if others:
        _refuse_some(
            ngettext(
                "%(n)s of the %(total)s selected customers is not a customer of %(operator)s, "
                "whose package “%(package)s” is; nothing was changed.",
                "%(n)s of the %(total)s selected customers are not customers of %(operator)s, "
                "whose package “%(package)s” is; nothing was changed.",
                len(others),
            ),
            len(others),
            len(rows),
            operator=package.operator.name,
            package=master.name,
        )
    allowed = master.connection_types
    if allowed:
        wrong = [r for r in rows if r.connection_type not in allowed]
        if wrong:
            labels = dict(ConnectionTypeChoices.choices)
            kinds = sorted({str(labels.get(r.connection_type, r.connection_type)) for r in wrong})
            _refuse_some(
                ngettext(
                    "%(n)s of the %(total)s selected customers has a connection type "
                    "(%(kinds)s) the package “%(package)s” is not sold for; nothing was "
                    "changed.",
                    "%(n)s of the %(total)s selected customers have a connection type "
                    "(%(kinds)s) the package “%(package)s” is not sold for; nothing was "
                    "changed.",
                    len(wrong),
                ),
                len(wrong),
                len(rows),
                kinds=", ".join(kinds),
                package=master.name,
            )
    changing = [r for r in rows if r.package_id != package.pk]
    if not changing:
        return []
    _update(changing, progress, package_id=package.pk)

    has_fup = master.has_fup
    targets: dict[str, list[str]] = defaultdict(list)
    for r in changing:
        if r.has_login and r.status != CustomerStatusChoices.SUSPENDED:
            # Suspended customers stay in the walled garden whatever their package.
            targets[customer_group(tenant, r.status, master.pk, has_fup)].append(r.username)
    _repoint_groups(tenant, targets)

    audit = _AuditRows(tenant_id=tenant.pk, by=by)
    for r in changing:
        audit.add(r, "customer.updated", {"package": r.package_id}, {"package": package.pk})
    audit.save()
    publish(
        "customers.bulk_package_changed",
        tenant_id=tenant.pk,
        usernames=[r.username for r in changing],
        changes=[(r.username, r.package_id, package.pk) for r in changing],
        package_id=package.pk,
    )
    return changing


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _change_billing_profile(*, by, tenant, rows, value, reason, progress) -> list[_Row]:
    profile = _own(BillingProfile.objects.all(), value, tenant.pk, _("Choose a billing profile."))
    offered = set(profile.assignments.values_list("operator__path", flat=True))
    outside = [r for r in rows if not offered.intersection(_ancestor_paths(r.operator_path))]
    if outside:
        _refuse_some(
            ngettext(
                "The billing profile “%(profile)s” is not assigned to the operator of %(n)s "
                "of the %(total)s selected customers; nothing was changed.",
                "The billing profile “%(profile)s” is not assigned to the operators of %(n)s "
                "of the %(total)s selected customers; nothing was changed.",
                len(outside),
            ),
            len(outside),
            len(rows),
            profile=profile.name,
        )
    return _change_field(by, tenant, rows, "billing_profile", profile.pk, progress)


def _change_zone(*, by, tenant, rows, value, reason, progress) -> list[_Row]:
    from netbill.tenancy.models import Zone

    zone = _own(Zone.objects.all(), value, tenant.pk, _("Choose a zone."))
    return _change_field(by, tenant, rows, "zone", zone.pk, progress)


def _change_field(by, tenant, rows, field: str, pk: int, progress) -> list[_Row]:
    """Zone and billing profile: the customers' row only (RADIUS does not see them)."""
    attr = f"{field}_id"
    changing = [r for r in rows if getattr(r, attr) != pk]
    if not changing:
        return []
    _update(changing, progress, **{attr: pk})
    audit = _AuditRows(tenant_id=tenant.pk, by=by)
    for r in changing:
        audit.add(r, "customer.updated", {field: getattr(r, attr)}, {field: pk})
    audit.save()
    publish(
        "customers.bulk_updated",
        tenant_id=tenant.pk,
        field=field,
        value=pk,
        customer_ids=[r.pk for r in changing],
    )
    return changing


def customers_bulk_set_status(*, tenant, customers: QuerySet, status: str, reason: str) -> int:
    """The system changes the status of many customers at once (auto-suspension):
    no acting user and no permission check, otherwise the same as the bulk change
    (history, RADIUS groups, audit, `customers.bulk_status_changed`)."""
    if status not in CustomerStatusChoices.values:
        raise BusinessRuleError({"value": [_("Choose active, suspended, disabled or FUP.")]})
    with transaction.atomic():
        rows = _rows(customers.filter(tenant=tenant))
        if not rows:
            return 0
        changed = _change_status(
            by=None, tenant=tenant, rows=rows, value=status, reason=reason, progress=None
        )
    return len(changed)
