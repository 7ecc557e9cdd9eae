"""core.audit: snapshots without secrets; actor and impersonator on every entry."""

import datetime
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile

from conftest import in_scope
from netbill.accounts.models import ApiKey
from netbill.core.audit import SECRET_FIELDS, _jsonable, audit_record, snapshot
from netbill.core.context import Actor, acting, current_actor
from netbill.core.models import AuditLog


def test_snapshot_of_a_user_leaves_out_the_password(isp):
    data = snapshot(isp.ga)
    assert "password" not in data
    assert isp.ga.password  # there was one to leave out
    assert data["username"] == "a-ga"
    assert data["tenant"] == isp.tenant.pk
    assert data["operator"] == isp.root.pk
    assert data["role"] == "group_admin"


def test_snapshot_of_an_api_key_leaves_out_its_hash(isp):
    key = ApiKey.objects.create(user=isp.ga, name="k", prefix="abcd1234", key_hash="f" * 64)
    data = snapshot(key)
    assert "key_hash" not in data
    assert data["prefix"] == "abcd1234"
    assert data["user"] == isp.ga.pk


def test_snapshot_never_copies_a_secret_even_when_asked(isp):
    assert snapshot(isp.ga, ["username", "password"]) == {"username": "a-ga"}


def test_secret_fields():
    assert {"password", "api_password", "secret", "key_hash", "radius_secret"} == SECRET_FIELDS


def test_snapshot_of_chosen_fields_is_json_ready(isp):
    op = isp.op_x
    data = snapshot(op, ["name", "balance", "credit_limit", "parent", "created_at"])
    assert data == {
        "name": "Alpha Net X",
        "parent": isp.root.pk,
        "balance": "0.00",
        "credit_limit": "0.00",
        "created_at": op.created_at.isoformat(),
    }


def test_jsonable():
    assert _jsonable(Decimal("1.50")) == "1.50"
    assert _jsonable(datetime.date(2025, 1, 31)) == "2025-01-31"
    assert _jsonable(datetime.time(9, 30)) == "09:30:00"
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert _jsonable(u) == "12345678-1234-5678-1234-567812345678"
    assert _jsonable("x") == "x"
    assert _jsonable(None) is None


def test_snapshot_of_a_file_field_is_its_name(isp):
    tenant = isp.tenant
    assert snapshot(tenant, ["logo"]) == {"logo": None}
    tenant.logo.save("x.png", ContentFile(b"png"), save=False)
    assert snapshot(tenant, ["logo"]) == {"logo": f"tenants/{tenant.pk}/logo.png"}


def test_audit_record_without_context(isp):
    with in_scope(isp.tenant):
        entry = audit_record(
            tenant=isp.tenant,
            actor=isp.user_x,
            action="operator.updated",
            obj=isp.sub_x1,
            before={"name": "old"},
            after={"name": "new"},
        )
        stored = AuditLog.objects.get(pk=entry.pk)
    assert stored.tenant_id == isp.tenant.pk
    assert stored.actor_id == isp.user_x.pk
    assert stored.actor_repr == "a-opx"
    assert stored.impersonator_id is None
    assert stored.impersonator_repr == ""
    assert stored.action == "operator.updated"
    assert stored.object_type == "accounts.operator"
    assert stored.object_id == str(isp.sub_x1.pk)
    assert stored.object_repr == "Alpha Net X1"
    assert stored.before == {"name": "old"}
    assert stored.after == {"name": "new"}
    assert stored.ip is None
    assert stored.changes == [("name", "old", "new")]


def test_audit_record_takes_the_impersonator_and_ip_from_the_context(isp):
    # The Group Admin works in operator X's panel through Get Access.
    with in_scope(isp.tenant), acting(Actor(isp.user_x.pk, isp.ga.pk, "203.0.113.9")):
        entry = audit_record(tenant=isp.tenant, actor=isp.user_x, action="customer.suspended")
    assert entry.actor_id == isp.user_x.pk
    assert entry.impersonator_id == isp.ga.pk
    assert entry.impersonator_repr == "a-ga"
    assert entry.ip == "203.0.113.9"
    assert current_actor() == Actor()  # the context ends with its block


def test_audit_record_by_the_system(isp):
    with in_scope(isp.tenant):
        entry = audit_record(
            tenant=isp.tenant,
            actor=None,
            action="bill_run.executed",
            object_type="billing.billrun",
            object_repr="2025-01",
        )
    assert entry.actor_id is None
    assert entry.actor_repr == "system"
    assert entry.object_type == "billing.billrun"
    assert entry.object_id == ""
    assert entry.object_repr == "2025-01"


def test_audit_record_truncates_a_long_repr(isp):
    with in_scope(isp.tenant):
        entry = audit_record(tenant=isp.tenant, actor=isp.ga, action="x", object_repr="y" * 500)
        assert len(AuditLog.objects.get(pk=entry.pk).object_repr) == 200


def test_changes_lists_only_what_changed():
    entry = AuditLog(before={"a": 1, "b": 2, "c": 3}, after={"a": 1, "b": 5, "d": 4})
    assert entry.changes == [("b", 2, 5), ("c", 3, None), ("d", None, 4)]
    assert AuditLog(before=None, after=None).changes == []


def test_nested_contexts_restore_the_outer_actor():
    outer, inner = Actor(user_id=1), Actor(user_id=2, impersonator_id=3)
    with acting(outer):
        with acting(inner):
            assert current_actor() == inner
        assert current_actor() == outer
    assert current_actor() == Actor(None, None, None)
