"""IP & PPPoE Management: IP pools and PPPoE profiles, with every rule they obey.

Each write is one transaction with an audit entry and a domain event after commit.
Addresses are checked with netaddr, strictly: a subnet must be a network address of
the pool's family, ranges lie inside it without overlapping each other, and the pools
of one ISP never overlap (another ISP may reuse the same private space). Each ISP has
one protected suspended-users pool, made when the ISP is made: RADIUS sends suspended
customers to it by name, so it can be re-addressed but never renamed or deleted.
"""

import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from netaddr import AddrFormatError, IPAddress, IPNetwork, IPRange

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import full_clean, require_permission

from .. import ratelimit
from ..choices import IPPoolFamilyChoices as Family
from ..choices import IPPoolKindChoices as Kind
from ..models import IPPool, PPPoEProfile
from ..queries import pool_profiles, pool_ranges, pools_overlapping

__all__ = [
    "IMPORT_COLUMNS",
    "ImportRow",
    "SUSPENDED_POOL",
    "ip_pool_create",
    "ip_pool_delete",
    "ip_pool_ensure_suspended",
    "ip_pool_update",
    "pppoe_profile_create",
    "pppoe_profile_delete",
    "pppoe_profile_import_apply",
    "pppoe_profile_import_check",
    "pppoe_profile_update",
]

CODE = "ip_pools.manage"
POOL_FIELDS = ["name", "family", "subnet", "ranges", "kind", "is_protected", "comment"]
PROFILE_FIELDS = [
    "name",
    "ipv4_pool",
    "ipv6_pool",
    "local_address",
    "dns_servers",
    "rate_limit",
    "comment",
]
MAX_RANGES = 64
MAX_DNS_SERVERS = 4

# The pool every ISP starts with. 100.64.0.0/10 is shared address space (RFC 6598),
# which no customer-facing pool of a small ISP normally uses.
SUSPENDED_POOL = {
    "name": "suspended-users",
    "family": Family.IPV4,
    "subnet": "100.64.0.0/22",
    "ranges": "100.64.0.10-100.64.3.250",
    "kind": Kind.SUSPENDED,
    "comment": "Suspended customers get addresses here (walled garden). Protected.",
}

# The pool's name is also its /ip/pool name on the router (Framed-Pool): no spaces.
_POOL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


#
# Guards
#


def _require(by, obj=None) -> None:
    """Refuse unless `by` may manage pools (and reaches `obj`). `by=None` is the system."""
    if by is not None:
        require_permission(by, CODE, obj)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise BusinessRuleError({k: v for k, v in errors.items() if v})


#
# Addresses
#


def _family_label(version: int) -> str:
    return "IPv6" if version == 6 else "IPv4"


def parse_address(text: str, version: int | None = None) -> IPAddress:
    """A single address written exactly (no "10.1", no leading zeros), or ValueError."""
    text = (text or "").strip()
    try:
        address = IPAddress(text)
    except (AddrFormatError, ValueError, TypeError) as exc:
        raise ValueError(
            _("“%(value)s” is not an %(family)s address.")
            % {"value": text, "family": _family_label(version or 4) if version else "IP"}
        ) from exc
    if version is not None and address.version != version:
        raise ValueError(
            _("%(value)s is an %(other)s address; %(family)s is needed here.")
            % {
                "value": text,
                "other": _family_label(address.version),
                "family": _family_label(version),
            }
        )
    return address


def _clean_subnet(value: str, family: int) -> tuple[IPNetwork | None, list[str]]:
    value = (value or "").strip()
    label = _family_label(family)
    if not value:
        return None, [_("Enter the subnet, e.g. 10.20.0.0/22.")]
    if "/" not in value:
        return None, [
            _("Write the subnet with its prefix length, e.g. %(example)s.")
            % {"example": "2001:db8:100::/48" if family == 6 else "10.20.0.0/22"}
        ]
    try:
        network = IPNetwork(value)
    except (AddrFormatError, ValueError, TypeError):
        return None, [
            _("“%(value)s” is not an %(family)s subnet.") % {"value": value, "family": label}
        ]
    if network.version != family:
        return None, [
            _("%(value)s is an %(other)s subnet; this is an %(family)s pool.")
            % {"value": value, "other": _family_label(network.version), "family": label}
        ]
    if network.ip != network.network:
        return None, [
            _("%(value)s is not a network address; did you mean %(cidr)s?")
            % {"value": value, "cidr": network.cidr}
        ]
    return network.cidr, []


def _parse_range(part: str, family: int) -> IPRange:
    if "/" in part:
        try:
            network = IPNetwork(part)
        except (AddrFormatError, ValueError, TypeError) as exc:
            raise ValueError(
                _("“%(value)s” is not an %(family)s range.")
                % {"value": part, "family": _family_label(family)}
            ) from exc
        if network.version != family:
            raise ValueError(
                _("%(value)s is not an %(family)s range.")
                % {"value": part, "family": _family_label(family)}
            )
        return IPRange(network.first, network.last)
    start_text, sep, end_text = part.partition("-")
    start = parse_address(start_text, family)
    end = parse_address(end_text, family) if sep else start
    if start > end:
        raise ValueError(
            _("In %(value)s the start comes after the end.") % {"value": part.replace(" ", "")}
        )
    return IPRange(start, end)


def _default_range(network: IPNetwork) -> IPRange:
    """The whole subnet, less its network address (and broadcast, for IPv4 wider than /31)."""
    first, last = network.first, network.last
    if network.size > 2:
        first += 1
        if network.version == 4:
            last -= 1
    return IPRange(IPAddress(first, network.version), IPAddress(last, network.version))


def _range_text(r: IPRange) -> str:
    first, last = IPAddress(r.first, r.version), IPAddress(r.last, r.version)
    return str(first) if r.size == 1 else f"{first}-{last}"


def _clean_ranges(value: str, network: IPNetwork | None, family: int):
    """(ranges, errors): parsed, inside the subnet, sorted and not overlapping."""
    parts = [p.strip() for p in re.split(r"[,;\n]+", value or "") if p.strip()]
    if not parts:
        return ([_default_range(network)] if network is not None else []), []
    if len(parts) > MAX_RANGES:
        return [], [_("At most %(n)s ranges per pool.") % {"n": MAX_RANGES}]
    ranges, errors = [], []
    for part in parts:
        try:
            ranges.append(_parse_range(re.sub(r"\s*-\s*", "-", part), family))
        except ValueError as exc:
            errors.append(str(exc))
    if errors or network is None:
        return ranges, errors
    for r in ranges:
        if not (network.first <= r.first and r.last <= network.last):
            errors.append(
                _("The range %(range)s lies outside the subnet %(subnet)s.")
                % {"range": _range_text(r), "subnet": network}
            )
    ranges.sort(key=lambda r: r.first)
    for before, after in zip(ranges, ranges[1:], strict=False):
        if after.first <= before.last:
            errors.append(
                _("The ranges %(a)s and %(b)s overlap.")
                % {"a": _range_text(before), "b": _range_text(after)}
            )
    return ranges, errors


#
# IP pools
#


def _validate_pool(*, tenant_id, values: dict, exclude_pk=None) -> dict:
    """Check a pool's values; returns them cleaned, or raises with every problem found."""
    errors: dict[str, list[str]] = {}
    family = {"4": Family.IPV4, "6": Family.IPV6}.get(str(values.get("family")))
    if family is None:
        _raise({"family": [_("Choose IPv4 or IPv6.")]})
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif not _POOL_NAME.fullmatch(name):
        errors["name"] = [
            _(
                "Use letters, digits, dots, dashes and underscores only, starting with a "
                "letter or digit: the name is also the pool's name on the router."
            )
        ]
    elif (
        IPPool.objects.filter(tenant_id=tenant_id, name__iexact=name)
        .exclude(pk=exclude_pk)
        .exists()
    ):
        errors["name"] = [_("A pool named “%(name)s” already exists.") % {"name": name}]
    if values.get("kind") not in Kind.values:
        errors["kind"] = [_("Choose normal, suspended or FUP.")]
    network, subnet_errors = _clean_subnet(values.get("subnet"), family)
    if subnet_errors:
        errors["subnet"] = subnet_errors
    elif network is not None:
        clashes = pools_overlapping(tenant_id=tenant_id, network=network, exclude_pk=exclude_pk)
        if clashes:
            errors["subnet"] = [
                _("%(subnet)s overlaps the pool “%(name)s” (%(other)s).")
                % {"subnet": network, "name": other.name, "other": other.subnet}
                for other in clashes
            ]
    ranges, range_errors = _clean_ranges(values.get("ranges"), network, family)
    if range_errors:
        errors["ranges"] = range_errors
    _raise(errors)
    return {
        "name": name,
        "family": family,
        "subnet": str(network),
        "ranges": ",".join(_range_text(r) for r in ranges),
        "kind": values["kind"],
        "comment": (values.get("comment") or "").strip(),
    }


def ip_pool_create(
    *,
    by,
    family: int,
    name: str,
    subnet: str,
    ranges: str = "",
    kind: str = Kind.NORMAL,
    comment: str = "",
) -> IPPool:
    """IP & PPPoE Management → IPv4/IPv6 Pools → Create. Empty ranges mean the whole
    subnet (less its network and broadcast addresses)."""
    _require(by)
    tenant_id = by.tenant_id
    with transaction.atomic():
        clean = _validate_pool(
            tenant_id=tenant_id,
            values={
                "family": family,
                "name": name,
                "subnet": subnet,
                "ranges": ranges,
                "kind": kind,
                "comment": comment,
            },
        )
        pool = IPPool(tenant_id=tenant_id, **clean)
        full_clean(pool)
        pool.save()
        audit_record(
            tenant=pool.tenant,
            actor=by,
            action="ip_pool.created",
            obj=pool,
            after=snapshot(pool, POOL_FIELDS),
        )
        publish("ip_pool.created", tenant_id=tenant_id, ip_pool_id=pool.pk)
    return pool


def ip_pool_update(*, pool: IPPool, by, data: dict) -> IPPool:
    """Edit a pool. The family is fixed once made; the protected pool keeps its name and
    kind (RADIUS finds it by name) but may be re-addressed."""
    allowed = {"name", "subnet", "ranges", "kind", "comment"}
    if set(data) - allowed:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    _require(by, pool)
    with transaction.atomic():
        current = IPPool.objects.select_for_update().get(pk=pool.pk)
        errors = {}
        if current.is_protected:
            if "name" in data and (data["name"] or "").strip() != current.name:
                errors["name"] = [
                    _(
                        "The pool “%(name)s” is protected: it cannot be renamed, because "
                        "RADIUS sends suspended customers to it by name."
                    )
                    % {"name": current.name}
                ]
            if "kind" in data and data["kind"] != current.kind:
                errors["kind"] = [
                    _("The pool “%(name)s” is protected: its kind cannot change.")
                    % {"name": current.name}
                ]
        _raise(errors)
        before = snapshot(current, POOL_FIELDS)
        values = {f: getattr(current, f) for f in ("family", *allowed)}
        values.update(data)
        clean = _validate_pool(tenant_id=current.tenant_id, values=values, exclude_pk=current.pk)
        for name, value in clean.items():
            setattr(current, name, value)
        full_clean(current)
        current.save()
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="ip_pool.updated",
            obj=current,
            before=before,
            after=snapshot(current, POOL_FIELDS),
        )
        publish("ip_pool.updated", tenant_id=current.tenant_id, ip_pool_id=current.pk)
    return current


def ip_pool_delete(*, pool: IPPool, by) -> None:
    """Delete a pool that is neither protected nor handed out by a PPPoE profile."""
    _require(by, pool)
    with transaction.atomic():
        current = IPPool.objects.select_for_update().get(pk=pool.pk)
        if current.is_protected:
            raise BusinessRuleError(
                _(
                    "The pool “%(name)s” is protected: it cannot be deleted, because RADIUS "
                    "sends suspended customers to it."
                )
                % {"name": current.name},
                code="protected",
            )
        users = list(pool_profiles(current).values_list("name", flat=True))
        static = current.static_customers.count()
        if static:
            raise BusinessRuleError(
                _(
                    "The pool “%(name)s” holds the static addresses of %(count)s customer(s); "
                    "move them to another pool first."
                )
                % {"name": current.name, "count": static},
                code="in_use",
            )
        if users:
            raise BusinessRuleError(
                _(
                    "The pool “%(name)s” is used by the PPPoE profile(s) %(profiles)s; "
                    "move them to another pool first."
                )
                % {"name": current.name, "profiles": ", ".join(f"“{u}”" for u in users)},
                code="in_use",
            )
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="ip_pool.deleted",
            obj=current,
            before=snapshot(current, POOL_FIELDS),
        )
        pk, tenant_id = current.pk, current.tenant_id
        try:
            with transaction.atomic():
                current.delete()
        except ProtectedError as exc:
            # Higher apps point at pools too (a package's FUP pool); name what holds it.
            holders = sorted({str(obj) for obj in exc.protected_objects})
            raise BusinessRuleError(
                _("The pool “%(name)s” is still used by %(holders)s; change those first.")
                % {"name": current.name, "holders": ", ".join(f"“{h}”" for h in holders)},
                code="in_use",
            ) from exc
        publish("ip_pool.deleted", tenant_id=tenant_id, ip_pool_id=pk)


def ip_pool_ensure_suspended(*, tenant_id: int) -> IPPool:
    """Give the ISP its protected suspended-users pool, unless it has one (idempotent).

    Called by the task that follows "tenant.created", and by the demo seed directly.
    Runs as the system, inside the tenant's scope.
    """
    existing = IPPool.objects.filter(
        tenant_id=tenant_id, is_protected=True, kind=Kind.SUSPENDED
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            clean = _validate_pool(tenant_id=tenant_id, values=dict(SUSPENDED_POOL))
            pool = IPPool(tenant_id=tenant_id, is_protected=True, **clean)
            full_clean(pool)
            pool.save()
            audit_record(
                tenant=pool.tenant,
                actor=None,
                action="ip_pool.created",
                obj=pool,
                after=snapshot(pool, POOL_FIELDS),
            )
            publish("ip_pool.created", tenant_id=tenant_id, ip_pool_id=pool.pk)
    except IntegrityError:
        # Made at the same moment by another worker (the seed and the task): keep theirs.
        return IPPool.objects.get(tenant_id=tenant_id, is_protected=True, kind=Kind.SUSPENDED)
    return pool


#
# PPPoE profiles
#

PROFILE_LABELS = {
    "name": gettext_lazy("Name"),
    "ipv4_pool": gettext_lazy("IPv4 pool"),
    "ipv6_pool": gettext_lazy("IPv6 pool"),
    "local_address": gettext_lazy("Local address"),
    "dns_servers": gettext_lazy("DNS servers"),
    "rate_limit": gettext_lazy("Rate limit"),
    "comment": gettext_lazy("Comment"),
}


def _clean_pool_choice(pool, tenant_id, family, *, required) -> list[str]:
    label = _family_label(family)
    if pool is None:
        return [_("Choose an %(family)s pool.") % {"family": label}] if required else []
    # Choices come from the scoped manager, but the service checks again (OpenWISP's
    # _validate_org_relation): a pool of another ISP is never accepted.
    if pool.tenant_id != tenant_id:
        return [_("Choose one of your own pools.")]
    if pool.family != family:
        return [_("“%(name)s” is not an %(family)s pool.") % {"name": pool.name, "family": label}]
    return []


def _clean_profile(*, tenant_id, values: dict, exclude_pk=None) -> tuple[dict, dict]:
    """(cleaned values, errors by field) for a PPPoE profile."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    name = " ".join((values.get("name") or "").split())
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 64:
        errors["name"] = [_("At most 64 characters.")]
    elif (
        PPPoEProfile.objects.filter(tenant_id=tenant_id, name__iexact=name)
        .exclude(pk=exclude_pk)
        .exists()
    ):
        errors["name"] = [_("A PPPoE profile named “%(name)s” already exists.") % {"name": name}]
    clean["name"] = name

    ipv4_pool, ipv6_pool = values.get("ipv4_pool"), values.get("ipv6_pool")
    if problems := _clean_pool_choice(ipv4_pool, tenant_id, 4, required=True):
        errors["ipv4_pool"] = problems
    if problems := _clean_pool_choice(ipv6_pool, tenant_id, 6, required=False):
        errors["ipv6_pool"] = problems
    clean["ipv4_pool"], clean["ipv6_pool"] = ipv4_pool, ipv6_pool

    local = (values.get("local_address") or "").strip()
    clean["local_address"] = None
    if local:
        try:
            address = parse_address(local, 4)
        except ValueError as exc:
            errors["local_address"] = [str(exc)]
        else:
            clean["local_address"] = str(address)
            if "ipv4_pool" not in errors and any(address in r for r in pool_ranges(ipv4_pool)):
                errors["local_address"] = [
                    _(
                        "%(address)s lies inside the ranges of the pool “%(pool)s”: "
                        "a customer could be given it too."
                    )
                    % {"address": address, "pool": ipv4_pool.name}
                ]

    dns_parts = [p for p in re.split(r"[,\s]+", values.get("dns_servers") or "") if p]
    dns = []
    for part in dns_parts:
        try:
            dns.append(str(parse_address(part)))
        except ValueError as exc:
            errors.setdefault("dns_servers", []).append(str(exc))
    if len(dns_parts) > MAX_DNS_SERVERS:
        errors.setdefault("dns_servers", []).append(
            _("At most %(n)s DNS servers.") % {"n": MAX_DNS_SERVERS}
        )
    clean["dns_servers"] = ",".join(dns)

    rate = (values.get("rate_limit") or "").strip()
    clean["rate_limit"] = ""
    if rate:
        try:
            clean["rate_limit"] = ratelimit.normalize(rate)
        except ratelimit.RateLimitError as exc:
            errors["rate_limit"] = [str(exc)]

    clean["comment"] = (values.get("comment") or "").strip()
    if len(clean["comment"]) > 255:
        errors["comment"] = [_("At most 255 characters.")]
    return clean, errors


def _profile_save(profile: PPPoEProfile, clean: dict) -> PPPoEProfile:
    for name, value in clean.items():
        setattr(profile, name, value)
    full_clean(profile)
    profile.save()
    return profile


def pppoe_profile_create(
    *,
    by,
    name: str,
    ipv4_pool: IPPool | None,
    ipv6_pool: IPPool | None = None,
    local_address: str = "",
    dns_servers: str = "",
    rate_limit: str = "",
    comment: str = "",
) -> PPPoEProfile:
    """IP & PPPoE Management → PPPoE Profiles → Create. The rate limit is stored in its
    canonical Mikrotik-Rate-Limit form ("5M" becomes "5M/5M")."""
    _require(by)
    values = {
        "name": name,
        "ipv4_pool": ipv4_pool,
        "ipv6_pool": ipv6_pool,
        "local_address": local_address,
        "dns_servers": dns_servers,
        "rate_limit": rate_limit,
        "comment": comment,
    }
    with transaction.atomic():
        clean, errors = _clean_profile(tenant_id=by.tenant_id, values=values)
        _raise(errors)
        profile = _profile_save(PPPoEProfile(tenant_id=by.tenant_id), clean)
        _audit_profile_created(profile, by)
    return profile


def _audit_profile_created(profile: PPPoEProfile, by) -> None:
    audit_record(
        tenant=profile.tenant,
        actor=by,
        action="pppoe_profile.created",
        obj=profile,
        after=snapshot(profile, PROFILE_FIELDS),
    )
    publish("pppoe_profile.created", tenant_id=profile.tenant_id, pppoe_profile_id=profile.pk)


def pppoe_profile_update(*, profile: PPPoEProfile, by, data: dict) -> PPPoEProfile:
    """Edit a PPPoE profile (any of its fields)."""
    if set(data) - set(PROFILE_FIELDS):
        raise BusinessRuleError(_("These fields cannot be changed here."))
    _require(by, profile)
    with transaction.atomic():
        current = PPPoEProfile.objects.select_for_update().get(pk=profile.pk)
        before = snapshot(current, PROFILE_FIELDS)
        values = {f: getattr(current, f) for f in PROFILE_FIELDS}
        values.update(data)
        clean, errors = _clean_profile(
            tenant_id=current.tenant_id, values=values, exclude_pk=current.pk
        )
        _raise(errors)
        _profile_save(current, clean)
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="pppoe_profile.updated",
            obj=current,
            before=before,
            after=snapshot(current, PROFILE_FIELDS),
        )
        publish("pppoe_profile.updated", tenant_id=current.tenant_id, pppoe_profile_id=current.pk)
    return current


def pppoe_profile_delete(*, profile: PPPoEProfile, by) -> None:
    """Delete a PPPoE profile."""
    _require(by, profile)
    with transaction.atomic():
        current = PPPoEProfile.objects.select_for_update().get(pk=profile.pk)
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="pppoe_profile.deleted",
            obj=current,
            before=snapshot(current, PROFILE_FIELDS),
        )
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("pppoe_profile.deleted", tenant_id=tenant_id, pppoe_profile_id=pk)


#
# Upload PPP Profiles: check every row, then create all of them or none
#

IMPORT_COLUMNS = (
    "name",
    "ipv4_pool",
    "ipv6_pool",
    "local_address",
    "dns_servers",
    "rate_limit",
    "comment",
)
REQUIRED_COLUMNS = ("name", "ipv4_pool")
MAX_IMPORT_ROWS = 500


@dataclass
class ImportRow:
    """One row of an uploaded file: its line number, its values and what is wrong."""

    line: int
    values: dict
    errors: list[str] = field(default_factory=list)
    clean: dict = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors


def _resolve_pool(name: str, pools: dict, family: int) -> tuple[IPPool | None, str | None]:
    if not name:
        return None, None
    pool = pools.get(name) or pools.get(name.lower())
    if pool is None:
        return None, _("Unknown %(family)s pool “%(name)s”.") % {
            "family": _family_label(family),
            "name": name,
        }
    if pool.family != family:
        return None, _("“%(name)s” is an %(other)s pool, not %(family)s.") % {
            "name": name,
            "other": _family_label(pool.family),
            "family": _family_label(family),
        }
    return pool, None


def pppoe_profile_import_check(*, by, rows: list[dict]) -> list[ImportRow]:
    """Check uploaded rows (each a dict of the IMPORT_COLUMNS plus its "line") against the
    rules of a single create, plus names repeated within the file. Writes nothing."""
    _require(by)
    tenant_id = by.tenant_id
    pools = {}
    for pool in IPPool.objects.filter(tenant_id=tenant_id):
        pools[pool.name] = pool
        pools.setdefault(pool.name.lower(), pool)
    seen: dict[str, int] = {}
    checked = []
    for raw in rows:
        values = {c: str(raw.get(c) or "").strip() for c in IMPORT_COLUMNS}
        row = ImportRow(line=int(raw.get("line") or 0), values=values)
        errors: dict[str, list[str]] = {}
        ipv4_pool, problem = _resolve_pool(values["ipv4_pool"], pools, 4)
        if problem:
            errors["ipv4_pool"] = [problem]
        ipv6_pool, problem = _resolve_pool(values["ipv6_pool"], pools, 6)
        if problem:
            errors["ipv6_pool"] = [problem]
        clean, found = _clean_profile(
            tenant_id=tenant_id, values={**values, "ipv4_pool": ipv4_pool, "ipv6_pool": ipv6_pool}
        )
        for name, messages in found.items():
            errors.setdefault(name, messages)
        key = clean["name"].lower()
        if key and key in seen:
            errors.setdefault("name", []).append(
                _("The name “%(name)s” is also on line %(line)s.")
                % {"name": clean["name"], "line": seen[key]}
            )
        elif key:
            seen[key] = row.line
        row.clean = clean
        row.errors = [
            f"{PROFILE_LABELS[name]}: {message}"
            for name in IMPORT_COLUMNS
            for message in errors.get(name, [])
        ]
        checked.append(row)
    return checked


def pppoe_profile_import_apply(*, by, rows: list[dict]) -> list[PPPoEProfile]:
    """Create every profile of an upload in one transaction, or none: the rows are
    checked again here (the preview may be stale), and one bad row stops them all."""
    _require(by)
    if not rows:
        raise BusinessRuleError(_("The file holds no profiles."))
    if len(rows) > MAX_IMPORT_ROWS:
        raise BusinessRuleError(_("At most %(n)s profiles per upload.") % {"n": MAX_IMPORT_ROWS})
    try:
        with transaction.atomic():
            checked = pppoe_profile_import_check(by=by, rows=rows)
            problems = [
                _("Line %(line)s: %(error)s") % {"line": row.line, "error": error}
                for row in checked
                for error in row.errors
            ]
            if problems:
                raise BusinessRuleError(problems, code="invalid_rows")
            created = []
            for row in checked:
                profile = _profile_save(PPPoEProfile(tenant_id=by.tenant_id), row.clean)
                _audit_profile_created(profile, by)
                created.append(profile)
    except IntegrityError as exc:
        # Someone created a profile of the same name meanwhile: nothing of ours is saved.
        raise BusinessRuleError(
            _("A profile with one of these names was created meanwhile; upload the file again.")
        ) from exc
    return created
