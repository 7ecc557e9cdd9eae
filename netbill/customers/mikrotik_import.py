"""Customers → Import from MikroTik: a router's PPP secrets become customers with their
RADIUS rows; afterwards, an explicit and separate step disables the imported secrets on
the router once RADIUS is confirmed for them.

Reading. `read_router` prints /ppp/profile and /ppp/secret through the RouterOS adapter
within READ_BUDGET; a router that cannot be read gives a snapshot with the error (the
adapter's own words), never an exception.

Planning. `plan_import` turns each secret into a Create Customer row and runs the rows
through `imports.validate.validate_rows` (the rules and messages of Create Customer,
set-based), or skips the secret with the reason:

* username = the secret's name, password = its password, connection type PPPoE; only
  secrets of service "any" or "pppoe" are imported (an l2tp/sstp/ovpn/pptp secret is
  usually a site tunnel, not a subscriber);
* package = what the user mapped the secret's router profile to (an unmapped profile
  skips the secret);
* static IP = remote-address when it lies in one of the ISP's IPv4 pools (otherwise it
  is left out, with a note: the customer then gets an address from the package's pool);
* MAC binding = caller-id when it is a MAC address (otherwise left out, with a note);
* name and mobile come from the comment: the first Bangladeshi mobile number in it
  (01XXXXXXXXX, +8801…, with or without spaces or dashes) is the mobile and the rest of
  the comment is the name; without a comment the username is the name.
  **Mobile rule.** Create Customer requires a mobile. A secret whose comment holds none
  is skipped ("no mobile number in the comment") unless the user gives a contact mobile
  on the form, which is then used for every such secret (typically the ISP's office
  number, corrected later). We never invent numbers;
* a disabled secret is skipped unless "include disabled secrets" is ticked; it is then
  imported as a *disabled* customer (RADIUS rejects it, as the router did);
* a username that is already a customer (any operator, case-insensitive) is skipped.

Importing runs as a background job (`mikrotik_import_task`): it reads the router again,
plans again with the saved choices (so the job does what the router holds now, and no
password is stored outside the customer rows), and creates the valid rows with
`customers_bulk_create` in one transaction.

Disabling secrets. While a secret is enabled, RouterOS authenticates that user locally
and never asks RADIUS, so RADIUS must be proven before the secret goes. A secret is
offered for disabling only when all of these hold:

1. a customer with exactly that username exists in netbill, within the user's reach;
2. RADIUS holds the same password (radcheck Cleartext-Password equals the secret's), so
   the customer's CPE will log in with what it already has;
3. RADIUS is confirmed for it, either
   a. **by a RADIUS login**: an Access-Accept for that username in radpostauth at or
      after the customer's creation; or
   b. **by the user**: they tick "a test login through RADIUS on this router succeeded",
      which is offered only when this router already shows at least one secret
      confirmed by (a): the pilot the user disabled by hand and saw reconnect.

An open radacct session is deliberately *not* proof: RouterOS sends accounting for
locally authenticated users too, so a session shows that accounting arrives, not that
RADIUS would accept the login. The disabling job (`mikrotik_disable_task`) reads the
router again, checks each secret again, runs `/ppp/secret/set =.id=… =disabled=yes` for
each, reports per secret and audits the run on the router.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from netbill.core.audit import audit_bulk, audit_record
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import can, restrict
from netbill.core.phone import try_normalize_mobile
from netbill.core.services import require_permission
from netbill.core.tasks import TenantTask
from netbill.network.routeros import RouterClient, RouterError, is_true

from .models import Customer
from .services.customers import normalize_mac

__all__ = [
    "DisableCandidate",
    "DisablePlan",
    "ImportPlan",
    "PlanRow",
    "RouterProfile",
    "RouterSecret",
    "RouterSnapshot",
    "disable_plan",
    "actor_params",
    "match_packages",
    "may_disable",
    "mikrotik_disable_run",
    "mikrotik_disable_task",
    "mikrotik_import_run",
    "mikrotik_import_task",
    "plan_import",
    "profile_key",
    "read_router",
]

CREATE = "customers.create"
ROUTERS = "routers.manage"
IMPORT_KIND = "customers.mikrotik_import"
DISABLE_KIND = "customers.mikrotik_disable"
IMPORT_REASON = "Imported from MikroTik"

# Connect, log in and print both menus: a router with thousands of secrets answers in a
# second or two; an unreachable one fails within the connect timeout.
READ_BUDGET = 20.0
SECRET_PROPS = [
    ".id",
    "name",
    "password",
    "profile",
    "service",
    "remote-address",
    "caller-id",
    "disabled",
    "comment",
]
PROFILE_PROPS = [".id", "name", "rate-limit", "remote-address", "local-address"]
IMPORTED_SERVICES = frozenset({"any", "pppoe"})
ACCEPT = "Access-Accept"
BATCH = 1000

# A Bangladeshi mobile inside free text: 01[3-9] and eight more digits, optionally after
# 88/+88, with spaces or dashes anywhere between the digits.
MOBILE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+?88[\s-]?)?01[3-9](?:[\s-]?\d){8}(?!\d)")
NAME_TRIM = " \t,;:|/-–—()[]"


#
# Reading the router
#


@dataclass(frozen=True)
class RouterSecret:
    """One /ppp/secret row as the router printed it (values in RouterOS's spelling)."""

    id: str
    name: str
    password: str = ""
    profile: str = ""
    service: str = "any"
    remote_address: str = ""
    caller_id: str = ""
    disabled: bool = False
    comment: str = ""

    @classmethod
    def from_row(cls, row: dict[str, str]) -> RouterSecret:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            password=row.get("password", ""),
            profile=row.get("profile", "") or "default",
            service=row.get("service", "") or "any",
            remote_address=row.get("remote-address", ""),
            caller_id=row.get("caller-id", ""),
            disabled=is_true(row.get("disabled", "false")),
            comment=row.get("comment", ""),
        )


@dataclass(frozen=True)
class RouterProfile:
    """One /ppp/profile row."""

    name: str
    rate_limit: str = ""
    remote_address: str = ""

    @property
    def key(self) -> str:
        return profile_key(self.name)


@dataclass
class RouterSnapshot:
    """What `read_router` found: the secrets and profiles, or the error."""

    router: object
    secrets: list[RouterSecret] = field(default_factory=list)
    profiles: list[RouterProfile] = field(default_factory=list)
    error: str = ""
    error_kind: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def profile_names(self) -> list[str]:
        """Profiles the router defines, plus any a secret names but the router lacks."""
        names = [p.name for p in self.profiles]
        for secret in self.secrets:
            if secret.profile not in names:
                names.append(secret.profile)
        return names

    def secret_counts(self) -> Counter:
        return Counter(s.profile for s in self.secrets)


def profile_key(name: str) -> str:
    """A stable form-field key for a router profile name (any characters allowed)."""
    return "map_" + hashlib.sha256(name.encode()).hexdigest()[:12]


def read_router(router) -> RouterSnapshot:
    """/ppp/profile and /ppp/secret of `router`; the error (with the router's or the
    socket's own words) instead of an exception when it cannot be read."""
    from netbill.network.services.routers import KIND_LABELS

    snapshot = RouterSnapshot(router=router)
    try:
        with RouterClient.for_router(router, total_timeout=READ_BUDGET) as ros:
            profiles = ros.print("/ppp/profile", proplist=PROFILE_PROPS)
            secrets = ros.print("/ppp/secret", proplist=SECRET_PROPS)
    except RouterError as exc:
        label = KIND_LABELS.get(exc.kind, KIND_LABELS["error"])
        snapshot.error = f"{label}: {exc.message}"
        snapshot.error_kind = exc.kind
        return snapshot
    snapshot.profiles = [
        RouterProfile(
            name=row.get("name", ""),
            rate_limit=row.get("rate-limit", ""),
            remote_address=row.get("remote-address", ""),
        )
        for row in profiles
        if row.get("name")
    ]
    snapshot.secrets = [RouterSecret.from_row(row) for row in secrets if row.get("name")]
    return snapshot


#
# Matching profiles to packages
#


def _norm(name: str) -> str:
    return "".join(c for c in (name or "").casefold() if c.isalnum())


def match_packages(profile_names, packages) -> dict[str, int]:
    """Router profile name → operator package pk, matched by name: the package's PPPoE
    profile name first, then the master package's name (ignoring case, spaces and
    punctuation). Unmatched profiles are left out."""
    by_profile, by_master = {}, {}
    for package in packages:
        master = package.master_package
        if master.pppoe_profile is not None:
            by_profile.setdefault(_norm(master.pppoe_profile.name), package.pk)
        by_master.setdefault(_norm(master.name), package.pk)
    matched = {}
    for name in profile_names:
        key = _norm(name)
        if not key:
            continue
        pk = by_profile.get(key) or by_master.get(key)
        if pk is not None:
            matched[name] = pk
    return matched


#
# The plan
#


@dataclass
class PlanRow:
    """One secret: created (with the customer values) or skipped (with the reason)."""

    secret: RouterSecret
    action: str  # "create" or "skip"
    reason: str = ""
    name: str = ""
    mobile: str = ""
    static_ip: str = ""
    mac_address: str = ""
    package_name: str = ""
    notes: list[str] = field(default_factory=list)
    clean: dict | None = None

    @property
    def creates(self) -> bool:
        return self.action == "create"


@dataclass
class ImportPlan:
    rows: list[PlanRow] = field(default_factory=list)

    @property
    def to_create(self) -> list[PlanRow]:
        return [r for r in self.rows if r.creates]

    @property
    def skipped(self) -> list[PlanRow]:
        return [r for r in self.rows if not r.creates]

    @property
    def create_count(self) -> int:
        return len(self.to_create)

    @property
    def skip_count(self) -> int:
        return len(self.rows) - self.create_count

    def skip_reasons(self) -> list[tuple[str, int]]:
        """(reason kind, count), most frequent first."""
        counts = Counter(r.reason.split(":")[0] for r in self.skipped)
        return counts.most_common()


def mobile_and_name(comment: str, username: str) -> tuple[str, str]:
    """(mobile in E.164 or "", name) from a secret's comment."""
    comment = " ".join((comment or "").split())
    mobile = ""
    name = comment
    for match in MOBILE_IN_TEXT.finditer(comment):
        digits = re.sub(r"[\s-]", "", match.group(0))
        normalized = try_normalize_mobile(digits)
        if normalized:
            mobile = normalized
            name = (comment[: match.start()] + " " + comment[match.end() :]).strip()
            break
    name = " ".join(name.split()).strip(NAME_TRIM).strip()
    return mobile, (name or username)[:128]


def _pool_networks(tenant_id):
    from netbill.network.models import IPPool

    networks = []
    for subnet in IPPool.objects.filter(tenant_id=tenant_id, family=4).values_list(
        "subnet", flat=True
    ):
        try:
            networks.append(ipaddress.IPv4Network(subnet, strict=False))
        except ValueError:  # pragma: no cover - stored subnets are validated
            continue
    return networks


def _in_pools(address: str, networks) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    for network in networks:
        ends = (network.network_address, network.broadcast_address)
        if ip in network and (network.prefixlen >= 31 or ip not in ends):
            return True
    return False


def _first_error(errors: dict[str, list[str]]) -> str:
    parts = []
    for name, messages in errors.items():
        parts.append(f"{name.replace('_', ' ')}: {' '.join(str(m) for m in messages)}")
    return "; ".join(parts)


def plan_import(
    *,
    by,
    router,
    snapshot: RouterSnapshot,
    profile_map: dict[str, int],
    operator,
    billing_profile,
    zone=None,
    include_disabled: bool = False,
    default_mobile: str = "",
) -> ImportPlan:
    """Each secret of `snapshot` as a customer to create, or skipped with the reason
    (see the module docstring for the rules). Reads the database only (set-based)."""
    from netbill.catalog.models import OperatorPackage

    from .imports.validate import validate_rows

    require_permission(by, CREATE)
    packages = {
        p.pk: p
        for p in OperatorPackage.objects.filter(
            tenant_id=by.tenant_id, pk__in=[pk for pk in profile_map.values() if pk]
        ).select_related("master_package")
    }
    networks = _pool_networks(by.tenant_id)
    plan = ImportPlan()
    raw_rows, raw_plan_rows = [], []
    for secret in snapshot.secrets:
        row = PlanRow(secret=secret, action="skip")
        plan.rows.append(row)
        mobile, row.name = mobile_and_name(secret.comment, secret.name)
        package = packages.get(profile_map.get(secret.profile) or 0)
        if package is not None:
            row.package_name = package.master_package.name
        if secret.disabled and not include_disabled:
            row.reason = _("disabled on the router (tick “Include disabled secrets”)")
            continue
        if secret.service not in IMPORTED_SERVICES:
            row.reason = _("service %(service)s: only PPPoE secrets are imported") % {
                "service": secret.service
            }
            continue
        if package is None:
            row.reason = _("profile not mapped: “%(profile)s” has no package") % {
                "profile": secret.profile
            }
            continue
        if not mobile:
            if not default_mobile:
                row.reason = _("no mobile number in the comment (give a contact mobile)")
                continue
            mobile = default_mobile
            row.notes.append(_("the contact mobile is used"))
        row.mobile = mobile
        if secret.remote_address:
            if _in_pools(secret.remote_address, networks):
                row.static_ip = secret.remote_address
            else:
                row.notes.append(
                    _("remote-address %(address)s is outside your IPv4 pools: not kept")
                    % {"address": secret.remote_address}
                )
        if secret.caller_id:
            try:
                row.mac_address = normalize_mac(secret.caller_id)
            except ValueError:
                row.notes.append(
                    _("caller-id “%(value)s” is not a MAC address: not kept")
                    % {"value": secret.caller_id}
                )
        raw_rows.append(
            {
                "name": row.name,
                "mobile": mobile,
                "operator": operator,
                "connection_type": "pppoe",
                "username": secret.name,
                "password": secret.password,
                "static_ip": row.static_ip,
                "mac_address": row.mac_address,
                "package": package,
                "billing_profile": billing_profile,
                "zone": zone,
            }
        )
        raw_plan_rows.append(row)
    if not raw_rows:
        return plan
    report = validate_rows(by=by, rows=raw_rows, update_existing=False)
    for index, clean in report.valid:
        row = raw_plan_rows[index]
        row.action, row.clean = "create", clean
    for index, errors in report.errors.items():
        row = raw_plan_rows[index]
        if index in report.existing:
            row.reason = _("already a customer: the username “%(username)s” is taken") % {
                "username": row.secret.name
            }
        else:
            row.reason = _("invalid data: %(errors)s") % {"errors": _first_error(errors)}
    return plan


#
# The import job
#


def _job_user(job):
    from netbill.accounts.models import User

    user = (
        User.objects.select_related("operator", "tenant").filter(pk=job.created_by_id).first()
        if job.created_by_id
        else None
    )
    if user is None or not user.is_active:
        raise BusinessRuleError(_("The user who started this job no longer exists."))
    return user


def _router_of(user, router_id):
    from netbill.network.models import Router

    router = Router.objects.filter(tenant_id=user.tenant_id, pk=router_id).first()
    if router is None:
        raise BusinessRuleError(_("The router no longer exists."))
    return router


def _own_or_none(model, tenant_id, pk):
    if not pk:
        return None
    obj = model.objects.filter(tenant_id=tenant_id, pk=pk).first()
    if obj is None:
        raise BusinessRuleError(
            _("A choice of the import no longer exists (%(what)s).")
            % {"what": model._meta.verbose_name}
        )
    return obj


def actor_params() -> dict:
    """Who asked, for the job's params: the activity log then names the impersonator and
    the address of the request, as it would have inline."""
    from netbill.core.context import current_actor

    actor = current_actor()
    return {"impersonator_id": actor.impersonator_id, "ip": actor.ip}


def _acting_for(job):
    from netbill.core.context import Actor, acting

    asked = job.params.get("actor") or {}
    return acting(
        Actor(
            user_id=job.created_by_id,
            impersonator_id=asked.get("impersonator_id"),
            ip=asked.get("ip"),
        )
    )


def _read_or_fail(router) -> RouterSnapshot:
    snapshot = read_router(router)
    if not snapshot.ok:
        raise BusinessRuleError(
            _("Could not read %(router)s: %(error)s")
            % {"router": router.name, "error": snapshot.error}
        )
    return snapshot


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def mikrotik_import_run(job) -> None:
    """The import job's work (inside `job_running`): read, plan, create in one go."""
    from netbill.accounts.models import Operator
    from netbill.catalog.models import BillingProfile
    from netbill.tenancy.models import Zone

    from .services.bulk import customers_bulk_create
    from .services.customers import customer_change_status

    params = job.params
    by = _job_user(job)
    require_permission(by, CREATE)
    router = _router_of(by, params.get("router_id"))
    operator = _own_or_none(Operator, by.tenant_id, params.get("operator_id"))
    billing_profile = _own_or_none(BillingProfile, by.tenant_id, params.get("billing_profile_id"))
    zone = _own_or_none(Zone, by.tenant_id, params.get("zone_id"))
    snapshot = _read_or_fail(router)
    job.set_total(len(snapshot.secrets))
    plan = plan_import(
        by=by,
        router=router,
        snapshot=snapshot,
        profile_map={k: int(v) for k, v in (params.get("profile_map") or {}).items() if v},
        operator=operator,
        billing_profile=billing_profile,
        zone=zone,
        include_disabled=bool(params.get("include_disabled")),
        default_mobile=params.get("default_mobile") or "",
    )
    creating = plan.to_create
    job.advance(plan.skip_count)
    with transaction.atomic():
        pks = (
            customers_bulk_create(
                by=by, clean_rows=[r.clean for r in creating], reason=IMPORT_REASON
            )
            if creating
            else []
        )
        # A disabled secret stays blocked: its customer is disabled (RADIUS rejects it).
        disabled_names = [r.secret.name for r in creating if r.secret.disabled]
        if disabled_names:
            for customer in Customer.objects.filter(
                tenant_id=by.tenant_id, username__in=disabled_names
            ):
                customer_change_status(
                    customer=customer,
                    status="disabled",
                    by=by,
                    reason=_("Disabled on the router when imported"),
                    system=True,
                )
    job.advance(len(creating))
    skipped = plan.skipped
    message = _("%(created)s customers imported from %(router)s, %(skipped)s secrets skipped.") % {
        "created": len(pks),
        "router": router.name,
        "skipped": len(skipped),
    }
    sheet = _xlsx(
        [_("Secret"), _("Profile"), _("Outcome"), _("Reason or notes")],
        [
            [
                r.secret.name,
                r.secret.profile,
                _("created") if r.creates else _("skipped"),
                "; ".join(r.notes) if r.creates else r.reason,
            ]
            for r in plan.rows
        ],
    )
    job.finish(
        message=message,
        result={
            "router": router.name,
            "secrets_read": len(plan.rows),
            "created": len(pks),
            "skipped": len(skipped),
            "created_usernames": [r.secret.name for r in creating],
            "skipped_rows": [{"username": r.secret.name, "reason": r.reason} for r in skipped],
        },
        result_file=(f"mikrotik-import-{router.pk}.xlsx", sheet),
    )


@shared_task(base=TenantTask, name="customers.mikrotik_import_task")
def mikrotik_import_task(*, tenant_id: int, job_id: int) -> None:
    from netbill.core.jobs import job_running

    with job_running(job_id) as job, _acting_for(job):
        mikrotik_import_run(job)


#
# Disabling imported secrets
#


@dataclass
class DisableCandidate:
    """One enabled secret of the router and whether it may be disabled (see module)."""

    secret: RouterSecret
    state: str  # confirmed, ready, not_customer, password_differs, already_disabled
    customer_id: int | None = None
    accepted_at: datetime | None = None

    @property
    def label(self) -> str:
        labels = {
            "confirmed": _("confirmed: RADIUS accepted a login"),
            "ready": _("ready: needs your confirmation of a test login"),
            "not_customer": _("not a customer in netbill (import it first)"),
            "password_differs": _("RADIUS holds another password: the login would fail"),
            "already_disabled": _("already disabled on the router"),
        }
        return labels[self.state]


@dataclass
class DisablePlan:
    candidates: list[DisableCandidate] = field(default_factory=list)

    def of(self, state: str) -> list[DisableCandidate]:
        return [c for c in self.candidates if c.state == state]

    @property
    def confirmed(self) -> list[DisableCandidate]:
        return self.of("confirmed")

    @property
    def ready(self) -> list[DisableCandidate]:
        return self.of("ready")

    @property
    def pilot_seen(self) -> bool:
        """The router shows RADIUS working: a secret of it confirmed by a login."""
        return bool(self.confirmed)

    def eligible(self, *, include_ready: bool) -> list[DisableCandidate]:
        rows = list(self.confirmed)
        if include_ready and self.pilot_seen:
            rows += self.ready
        return rows

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.state for c in self.candidates))


def disable_plan(*, by, snapshot: RouterSnapshot) -> DisablePlan:
    """Every secret of the router with its state (see the module docstring); reads the
    database in batches of BATCH usernames."""
    from netbill.radius.models import RadiusCheck, RadiusPostAuth

    require_permission(by, CREATE)
    require_permission(by, ROUTERS)
    plan = DisablePlan()
    secrets = snapshot.secrets
    names = [s.name for s in secrets]
    customers: dict[str, tuple[int, datetime]] = {}
    passwords: dict[str, str] = {}
    accepts: dict[str, datetime] = {}
    reach = restrict(Customer.objects.all(), by, CREATE)
    for start in range(0, len(names), BATCH):
        chunk = names[start : start + BATCH]
        for pk, username, created_at in reach.filter(username__in=chunk).values_list(
            "pk", "username", "created_at"
        ):
            customers[username] = (pk, created_at)
        known = [n for n in chunk if n in customers]
        if not known:
            continue
        for username, value in RadiusCheck.objects.filter(
            tenant_id=by.tenant_id, username__in=known, attribute="Cleartext-Password"
        ).values_list("username", "value"):
            passwords[username] = value
        for username, last in (
            RadiusPostAuth.objects.filter(tenant_id=by.tenant_id, username__in=known, reply=ACCEPT)
            .values("username")
            .annotate(last=Max("auth_date"))
            .values_list("username", "last")
        ):
            accepts[username] = last
    for secret in secrets:
        found = customers.get(secret.name)
        if secret.disabled:
            state = "already_disabled"
        elif found is None:
            state = "not_customer"
        elif passwords.get(secret.name) != secret.password:
            state = "password_differs"
        elif accepts.get(secret.name) is not None and accepts[secret.name] >= found[1]:
            state = "confirmed"
        else:
            state = "ready"
        plan.candidates.append(
            DisableCandidate(
                secret=secret,
                state=state,
                customer_id=found[0] if found else None,
                accepted_at=accepts.get(secret.name) if state == "confirmed" else None,
            )
        )
    return plan


def mikrotik_disable_run(job) -> None:
    """The disabling job's work: read the router, check each secret again, disable the
    eligible ones one by one (progress per secret), audit the run on the router."""
    from netbill.network.services.routers import KIND_LABELS

    params = job.params
    by = _job_user(job)
    require_permission(by, CREATE)
    require_permission(by, ROUTERS)
    router = _router_of(by, params.get("router_id"))
    snapshot = _read_or_fail(router)
    plan = disable_plan(by=by, snapshot=snapshot)
    wanted = set(params.get("names") or [])
    include_ready = bool(params.get("include_ready"))
    eligible = {c.secret.name: c for c in plan.eligible(include_ready=include_ready)}
    states = {c.secret.name: c for c in plan.candidates}
    outcomes: list[tuple[str, str, str]] = []  # (secret, outcome, detail)
    todo = []
    for name in sorted(wanted):
        if name in eligible:
            todo.append(eligible[name])
        elif name in states:
            outcomes.append((name, "skipped", states[name].label))
        else:
            outcomes.append((name, "skipped", _("no longer on the router")))
    job.set_total(len(wanted))
    job.advance(len(wanted) - len(todo))
    disabled: list[str] = []
    error = ""
    if todo:
        try:
            with RouterClient.for_router(router) as ros:
                for candidate in todo:
                    try:
                        ros.set("/ppp/secret", {"disabled": "yes"}, item_id=candidate.secret.id)
                    except RouterError as exc:
                        if exc.kind != "trap":
                            raise
                        outcomes.append((candidate.secret.name, "failed", exc.message))
                    else:
                        disabled.append(candidate.secret.name)
                        outcomes.append((candidate.secret.name, "disabled", ""))
                    job.advance(1)
        except RouterError as exc:
            label = KIND_LABELS.get(exc.kind, KIND_LABELS["error"])
            error = f"{label}: {exc.message}"
            done = {name for name, _o, _d in outcomes}
            for candidate in todo:
                if candidate.secret.name not in done:
                    outcomes.append((candidate.secret.name, "failed", error))
    with transaction.atomic():
        after = {"disabled": disabled, "count": len(disabled)}
        if error:
            after["error"] = error
        audit_record(
            tenant=router.tenant,
            actor=by,
            action="router.ppp_secrets_disabled",
            obj=router,
            after=after,
        )
        # And on each customer's own trail (one statement per 1,000).
        done_names = set(disabled)
        ids = {c.secret.name: c.customer_id for c in todo if c.secret.name in done_names}
        audit_bulk(
            tenant=router.tenant,
            actor=by,
            action="customer.router_secret_disabled",
            items=[
                (customer, None, {"router": router.name, "secret": customer.username})
                for customer in Customer.objects.filter(
                    tenant_id=by.tenant_id, pk__in=list(ids.values())
                )
            ],
        )
    failed = [o for o in outcomes if o[1] == "failed"]
    skipped = [o for o in outcomes if o[1] == "skipped"]
    message = _(
        "%(disabled)s secrets disabled on %(router)s, %(skipped)s skipped, %(failed)s failed."
    ) % {
        "disabled": len(disabled),
        "router": router.name,
        "skipped": len(skipped),
        "failed": len(failed),
    }
    if error:
        message += " " + error
    outcomes.sort()
    job.finish(
        message=message,
        result={
            "router": router.name,
            "disabled": len(disabled),
            "skipped": len(skipped),
            "failed": len(failed),
            "secrets": [{"secret": n, "outcome": o, "detail": d} for n, o, d in outcomes],
        },
        result_file=(
            f"mikrotik-disable-{router.pk}.xlsx",
            _xlsx([_("Secret"), _("Outcome"), _("Detail")], [list(o) for o in outcomes]),
        ),
    )


@shared_task(base=TenantTask, name="customers.mikrotik_disable_task")
def mikrotik_disable_task(*, tenant_id: int, job_id: int) -> None:
    from netbill.core.jobs import job_running

    with job_running(job_id) as job, _acting_for(job):
        mikrotik_disable_run(job)


def may_disable(user) -> bool:
    return can(user, CREATE) and can(user, ROUTERS)
