"""CoA-Request and Disconnect-Request (RFC 5176) to the routers holding a live session.

After a change that affects a live session (DESIGN.md §4) the radius app tells the NAS:

- a rate change (package change, FUP on or off, a master package edited) is a
  CoA-Request carrying the new Mikrotik-Rate-Limit (and Mikrotik-Address-List), which
  RouterOS applies to the running session; if the router answers CoA-NAK, or nothing,
  a Disconnect-Request follows so that the customer redials into the new attributes;
- a status change into or out of suspended/disabled is a Disconnect-Request: the CPE
  redials and RADIUS answers with the walled garden, a reject, or the package again.

A session is named by User-Name + Acct-Session-Id (two identifying attributes, as
RouterOS requires), plus Framed-IP-Address when the session has one (hotspot). Every
packet and its outcome (ACK, NAK with its Error-Cause, timeout, error) is stored as a
`CoAAttempt`; a customer without an open session gets one "no session" row.

Only the tenant's own `radacct` rows and `nas` rows are looked at, so a session can
never lead to another ISP's router. The shared secret comes from the `nas` row; it is
never logged nor stored with the attempt.

Source address: RouterOS accepts CoA only from the address of its `/radius` entry
(NETBILL_RADIUS_ADDRESS). The socket is bound to that address when it is an address of
this machine; otherwise (the usual case behind NAT, or a dev machine) the kernel
chooses the source, and the router's firewall/NAT must map it.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from pyrad import packet
from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary

from .groups import expected_replies, fup_group, package_group
from .models import NAS, CoAAttempt, RadiusAccounting, RadiusUserGroup
from .services import group_name

__all__ = ["COA", "DISCONNECT", "online_usernames_of_package", "push", "radius_dictionary"]

log = logging.getLogger(__name__)

COA = CoAAttempt.Kind.COA
DISCONNECT = CoAAttempt.Kind.DISCONNECT
DEFAULT_COA_PORT = 3799
ERROR_CAUSE = 101  # RFC 5176 §3.5; read raw so the row keeps the number, not its name
# What a CoA-Request carries besides the session identification, from what RADIUS
# would send now (`expected_replies`).
COA_ATTRIBUTES = ("Mikrotik-Rate-Limit", "Mikrotik-Address-List")

DICTIONARY_PATH = Path(__file__).resolve().parent / "dictionary" / "dictionary"


@functools.cache
def radius_dictionary() -> Dictionary:
    """Our trimmed RADIUS dictionary (RFC 2865/2866/2869/5176 and MikroTik)."""
    return Dictionary(str(DICTIONARY_PATH))


@dataclass(frozen=True)
class _Target:
    """Where a session's packets go: the NAS address and CoA port, its secret and the
    router (for the attempt row)."""

    address: str
    port: int
    secret: str
    router: object | None

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return f"_Target({self.address}:{self.port})"


#
# Entry point
#


def push(*, tenant, username: str, action: str, reason: str) -> list[CoAAttempt]:
    """Send `action` ("coa" or "disconnect") to every open session of `username` in
    `tenant`, and store each packet's outcome; returns the attempts, in order.

    "coa" falls back to a Disconnect-Request on NAK or timeout (both attempts are
    kept). Blocking: call it from a Celery task (`tasks.coa_push_task`).
    """
    if action not in (COA, DISCONNECT):
        raise ValueError(f"unknown CoA action {action!r}")
    reason = (reason or "")[:128]
    sessions = list(
        RadiusAccounting.objects.filter(
            tenant=tenant, username=username, stop_time__isnull=True
        ).order_by("start_time", "id")
    )
    if not sessions:
        return [
            CoAAttempt.objects.create(
                tenant=tenant,
                username=username,
                kind=action,
                outcome=CoAAttempt.Outcome.NO_SESSION,
                reason=reason,
            )
        ]
    extra: dict[str, str] = {}
    if action == COA:
        replies = expected_replies(tenant, username)
        extra = {name: replies[name] for name in COA_ATTRIBUTES if replies.get(name)}
    attempts: list[CoAAttempt] = []
    for session in sessions:
        attempts.extend(_push_session(tenant, session, action, extra, reason))
    return attempts


def online_usernames_of_package(*, tenant_id: int, master_package_id: int) -> list[str]:
    """Usernames in the master package's group or its FUP group with an open session:
    the customers a change of the package's rate must reach now."""
    from netbill.tenancy.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    groups = [
        group_name(tenant, package_group(master_package_id)),
        group_name(tenant, fup_group(master_package_id)),
    ]
    members = RadiusUserGroup.objects.filter(tenant=tenant, groupname__in=groups).values("username")
    return list(
        RadiusAccounting.objects.filter(tenant=tenant, stop_time__isnull=True, username__in=members)
        .order_by("username")
        .values_list("username", flat=True)
        .distinct()
    )


def _push_session(tenant, session, action, extra, reason) -> list[CoAAttempt]:
    identity = {"User-Name": session.username, "Acct-Session-Id": session.session_id}
    if session.framed_ip_address and ":" not in session.framed_ip_address:
        # Framed-IP-Address is IPv4 only (RFC 2865 §5.8).
        identity["Framed-IP-Address"] = session.framed_ip_address
    base = {
        "tenant": tenant,
        "username": session.username,
        "nas_address": session.nas_ip_address,
        "session_id": session.session_id[:128],
        "reason": reason,
    }
    target = _target(tenant, session.nas_ip_address)
    if target is None:
        log.warning(
            "CoA for %s: no NAS of this ISP at %s; session %s not contacted",
            session.username,
            session.nas_ip_address,
            session.session_id,
        )
        return [
            CoAAttempt.objects.create(
                **base,
                kind=action,
                outcome=CoAAttempt.Outcome.ERROR,
                detail=f"No router of this ISP has the NAS address {session.nas_ip_address}.",
                attributes=identity,
            )
        ]
    base["router"] = target.router
    if action == COA and not extra:
        # Nothing RADIUS would change by CoA (no rate for this user any more): let the
        # customer redial and get whatever RADIUS says now.
        return [_send(target, DISCONNECT, identity, base, "No rate to change; disconnected.")]
    attempts = [_send(target, action, identity | extra, base)]
    if action == COA and attempts[0].outcome in (
        CoAAttempt.Outcome.NAK,
        CoAAttempt.Outcome.TIMEOUT,
    ):
        attempts.append(_send(target, DISCONNECT, identity, base, "Fallback after the CoA."))
    return attempts


def _target(tenant, nas_ip: str) -> _Target | None:
    """The tenant's NAS that reported the session: by nasname, else by router host."""
    nas = NAS.objects.filter(tenant=tenant, name=nas_ip).select_related("router").first()
    if nas is None:
        nas = (
            NAS.objects.filter(tenant=tenant, router__host=nas_ip)
            .select_related("router")
            .order_by("pk")
            .first()
        )
    if nas is None:
        return None
    router = nas.router
    port = nas.ports or (router.coa_port if router is not None else None) or DEFAULT_COA_PORT
    return _Target(address=nas_ip, port=port, secret=nas.secret, router=router)


#
# Sending
#


def _send(target: _Target, kind: str, attributes: dict[str, str], base: dict, detail=""):
    """Send one packet and store its outcome as a CoAAttempt."""
    outcome, error_cause = CoAAttempt.Outcome.ERROR, None
    try:
        reply = _exchange(target, kind, attributes)
    except Timeout:
        outcome = CoAAttempt.Outcome.TIMEOUT
        detail = detail or "No answer from the router."
    except (OSError, ValueError, KeyError, packet.PacketError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
    else:
        if reply.code in (packet.CoAACK, packet.DisconnectACK):
            outcome = CoAAttempt.Outcome.ACK
        elif reply.code in (packet.CoANAK, packet.DisconnectNAK):
            outcome = CoAAttempt.Outcome.NAK
            error_cause = _error_cause(reply)
        else:
            detail = f"Unexpected reply code {reply.code}."
    log.info(
        "%s %s session %s at %s:%s: %s%s",
        kind,
        attributes.get("User-Name"),
        attributes.get("Acct-Session-Id"),
        target.address,
        target.port,
        outcome,
        f" (Error-Cause {error_cause})" if error_cause else "",
    )
    return CoAAttempt.objects.create(
        **base,
        kind=kind,
        outcome=outcome,
        error_cause=error_cause,
        detail=detail[:255],
        attributes=attributes,
    )


def _exchange(target: _Target, kind: str, attributes: dict[str, str]):
    """One request/reply with the NAS; raises pyrad's Timeout when nothing valid came."""
    client = Client(
        server=target.address,
        coaport=target.port,
        secret=target.secret.encode(),
        dict=radius_dictionary(),
        # pyrad's `retries` counts every send, ours counts the sends after the first.
        retries=1 + max(0, int(settings.NETBILL_COA_RETRIES)),
        timeout=float(settings.NETBILL_COA_TIMEOUT),
    )
    try:
        source = _source_address(target.address)
        if source is not None:
            client.bind((source, 0))
        code = packet.CoARequest if kind == COA else packet.DisconnectRequest
        request = client.CreateCoAPacket(code=code)
        for name, value in attributes.items():
            request[name] = value
        return client.SendPacket(request)
    finally:
        # pyrad keeps its socket open between requests and has no public close.
        client._CloseSocket()


def _error_cause(reply) -> int | None:
    raw = reply.get(ERROR_CAUSE)
    if not raw or len(raw[0]) != 4:
        return None
    return int.from_bytes(raw[0], "big")


def _source_address(destination: str) -> str | None:
    """NETBILL_RADIUS_ADDRESS when this machine has it and it can reach `destination`
    (a loopback address only reaches loopback); None lets the kernel choose."""
    configured = getattr(settings, "NETBILL_RADIUS_ADDRESS", "") or ""
    try:
        source = ipaddress.ip_address(configured)
        target = ipaddress.ip_address(destination)
    except ValueError:
        return None
    if source.version != target.version or (source.is_loopback and not target.is_loopback):
        return None
    family = socket.AF_INET if source.version == 4 else socket.AF_INET6
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((str(source), 0))
    except OSError:
        return None  # not an address of this machine
    return str(source)
