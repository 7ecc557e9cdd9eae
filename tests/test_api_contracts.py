"""Every /api/v1/ endpoint and action under its contract (netbill.core.testing.contracts):
anonymous (401), without the permission (403), with it, from another operator's
subtree (404) and from another ISP (404, with a session and with an API key)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import ApiKey, Operator, User
from netbill.core.testing.contracts import (
    APIActionContract,
    APICreateContract,
    APIDetailContract,
    APIListContract,
    APIUpdateContract,
    import_contract_modules,
)
from netbill.core.testing.crawl import api_routes, iter_routes
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-pass-5678"


def post_json(client, url, data):
    return client.post(url, data, content_type="application/json")


#
# Operators
#


class TestOperatorAPIList(APIListContract):
    url_name = "api:operator-list"
    permission = "operators.view"
    other_subtree_user = "user_x"

    def prepare(self, isp):
        Operator.objects.filter(pk=isp.op_y.pk).update(balance=Decimal("321.09"))

    def expected_rows(self, isp):
        return [isp.op_x, isp.op_y, isp.sub_x1]

    def other_subtree_rows(self, isp):
        return [isp.op_x, isp.sub_x1]

    def check_page(self, response, isp):
        by_id = {item["id"]: item for item in response.json()["results"]}
        assert by_id[isp.op_y.pk]["balance"] == "321.09"
        assert by_id[isp.op_y.pk]["credit_limit"] == "0.00"

    def test_money_needs_operators_balance(self, client, isp):
        self.ready(isp)
        client.force_login(isp.sales)
        results = client.get(self.url_for(isp)).json()["results"]
        assert len(results) == 3
        assert all("balance" not in r and "credit_limit" not in r for r in results)


class TestOperatorAPIDetail(APIDetailContract):
    url_name = "api:operator-detail"
    permission = "operators.view"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.op_x

    def expected_data(self, isp):
        return {
            "name": isp.op_x.name,
            "kind": Kind.OPERATOR,
            "parent": isp.root.pk,
            "path": isp.op_x.path,
            "balance": "0.00",
        }

    def test_the_root_is_not_served(self, client, isp):
        client.force_login(isp.ga)
        url = reverse(self.url_name, args=[isp.root.pk])
        assert client.get(url).status_code == 404


class TestOperatorAPICreate(APICreateContract):
    url_name = "api:operator-list"
    permission = "operators.create"
    model = Operator
    audit_action = "operator.created"
    events = ("operator.created",)
    not_applicable = {
        "other_subtree": "operators always hang below the root; there is no parent to choose"
    }

    def api_create_data(self, isp):
        return {
            "kind": Kind.OPERATOR,
            "name": "Zeta Link",
            "username": "zeta-op",
            "password": NEW_PASSWORD,
            "mobile": "01819000001",
            "credit_limit": "1500.50",
        }

    def created_lookup(self, isp):
        return {"name": "Zeta Link"}

    def expected(self, isp):
        return {
            "kind": Kind.OPERATOR,
            "parent": isp.root,
            "mobile": "+8801819000001",
            "credit_limit": Decimal("1500.50"),
            "is_active": True,
        }

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        assert response.json()["credit_limit"] == "1500.50"
        assert "password" not in response.json()
        assert User.objects.get(username="zeta-op").operator_id == obj.pk

    def test_an_operator_may_not_create_operators(self, client, isp):
        client.force_login(isp.user_x)
        with nothing_changes(isp.tenant, what="operator creates an operator"):
            response = post_json(client, self.url_for(isp), self.api_create_data(isp))
        assert response.status_code == 403


class TestSubOperatorAPICreate(APICreateContract):
    """An operator creates sub-operators only in its own subtree."""

    url_name = "api:operator-list"
    permission = "sub_operators.manage"
    allowed = "user_x"
    other_subtree_user = "user_y"
    model = Operator
    audit_action = "operator.created"
    events = ("operator.created",)

    def target(self, isp):
        return isp.op_x

    def api_create_data(self, isp):
        return {
            "kind": Kind.SUB_OPERATOR,
            "parent": isp.op_x.pk,
            "name": "Alpha Net X2",
            "username": "x2-sub",
            "password": NEW_PASSWORD,
            "mobile": "01819000002",
        }

    def created_lookup(self, isp):
        return {"name": "Alpha Net X2"}

    def expected(self, isp):
        return {"kind": Kind.SUB_OPERATOR, "parent": isp.op_x, "credit_limit": Decimal("0.00")}

    def test_an_operator_may_not_set_credit_limits(self, client, isp):
        client.force_login(isp.user_x)
        data = {**self.api_create_data(isp), "credit_limit": "10.00"}
        with nothing_changes(isp.tenant, what="operator sets a credit limit"):
            response = post_json(client, self.url_for(isp), data)
        assert response.status_code == 400
        assert "credit_limit" in response.json()


class TestOperatorAPIPatch(APIUpdateContract):
    url_name = "api:operator-detail"
    permission = "operators.edit"
    other_subtree_user = "user_y"
    audit_action = "operator.updated"
    events = ("operator.updated",)

    def target(self, isp):
        return isp.op_x

    def api_update_data(self, isp):
        return {"name": "Alpha Net X Renamed", "address": "Road 2", "credit_limit": "99.00"}

    def expected(self, isp):
        # credit_limit is read-only on edit: it has its own page and code.
        return {
            "name": "Alpha Net X Renamed",
            "address": "Road 2",
            "credit_limit": Decimal("0.00"),
            "is_active": True,
        }

    def test_an_operator_may_not_edit_itself_without_the_code(self, client, isp):
        client.force_login(isp.user_x)
        with nothing_changes(isp.tenant, what="operator edits itself"):
            response = client.patch(
                self.url_for(isp), {"name": "Mine"}, content_type="application/json"
            )
        assert response.status_code == 403


class TestOperatorAPIPut(TestOperatorAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {
            "name": "Alpha Net X Renamed",
            "mobile": "01819000003",
            "email": "x@example.com",
            "address": "Road 2",
            "is_active": True,
        }

    def expected(self, isp):
        return {
            "name": "Alpha Net X Renamed",
            "mobile": "+8801819000003",
            "email": "x@example.com",
            "address": "Road 2",
            "is_active": True,
        }


class TestSubOperatorAPIPatch(APIUpdateContract):
    url_name = "api:operator-detail"
    permission = "sub_operators.manage"
    allowed = "user_x"
    other_subtree_user = "user_y"
    audit_action = "operator.updated"

    def target(self, isp):
        return isp.sub_x1

    def api_update_data(self, isp):
        return {"is_active": False}

    def expected(self, isp):
        return {"is_active": False, "name": isp.sub_x1.name}

    def after_write(self, isp, obj, response):
        assert User.objects.get(pk=isp.user_x1.pk).is_active is False


#
# Users
#


class TestUserAPIList(APIListContract):
    url_name = "api:user-list"
    permission = "users.view"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return User.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return [isp.user_x, isp.user_x1, isp.manager_x, isp.cards]

    def check_page(self, response, isp):
        assert all("password" not in item for item in response.json()["results"])


class TestUserAPIDetail(APIDetailContract):
    url_name = "api:user-detail"
    permission = "users.view"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.manager_x

    def expected_data(self, isp):
        return {
            "username": isp.manager_x.username,
            "role": Role.MANAGER,
            "operator": isp.op_x.pk,
            "permission_codes": sorted(fresh_user(isp.manager_x).permission_codes),
        }


class _StaffAPICreate(APICreateContract):
    url_name = "api:user-list"
    model = User
    audit_action = "user.created"
    events = ("user.created",)
    role = None
    username = ""

    def api_create_data(self, isp):
        return {
            "role": self.role,
            "username": self.username,
            "password": NEW_PASSWORD,
            "name": "New Staff",
            "mobile": "01819000004",
        }

    def created_lookup(self, isp):
        return {"username": self.username}

    def expected(self, isp):
        return {
            "role": self.role,
            "operator": self.target(isp) or isp.root,
            "name": "New Staff",
            "mobile": "+8801819000004",
            "created_by": getattr(isp, self.allowed),
        }


class TestManagerAPICreate(_StaffAPICreate):
    permission = "managers.manage"
    other_subtree_user = "user_y"
    role = Role.MANAGER
    username = "new-manager"

    def target(self, isp):
        return isp.op_x

    def api_create_data(self, isp):
        return {**super().api_create_data(isp), "operator": isp.op_x.pk}


class TestNocUserAPICreate(_StaffAPICreate):
    permission = "noc_users.manage"
    role = Role.NOC
    username = "new-noc"
    not_applicable = {"other_subtree": "NOC users always work at the root of the ISP"}

    def test_an_operator_may_not_create_noc_users(self, client, isp):
        client.force_login(isp.user_x)
        with nothing_changes(isp.tenant, what="operator creates a NOC user"):
            response = post_json(client, self.url_for(isp), self.api_create_data(isp))
        assert response.status_code == 403


class TestSalesManagerAPICreate(_StaffAPICreate):
    permission = "sales_managers.manage"
    role = Role.SALES_MANAGER
    username = "new-sales"
    not_applicable = {"other_subtree": "sales managers always work at the root of the ISP"}

    def test_other_roles_cannot_be_created_here(self, client, isp):
        client.force_login(isp.ga)
        for role in (Role.GROUP_ADMIN, Role.OPERATOR, Role.PLATFORM_ADMIN):
            data = {**self.api_create_data(isp), "role": role}
            with nothing_changes(isp.tenant, what=f"create a {role} through the API"):
                response = post_json(client, self.url_for(isp), data)
            assert response.status_code == 400


class TestUserAPIPatch(APIUpdateContract):
    url_name = "api:user-detail"
    permission = "managers.manage"  # the code that governs managers
    other_subtree_user = "user_y"
    audit_action = "user.updated"

    def target(self, isp):
        return isp.manager_x

    def api_update_data(self, isp):
        return {"name": "Manager X", "email": "m@example.com", "role": Role.GROUP_ADMIN}

    def expected(self, isp):
        # role is read-only once the user exists.
        return {"name": "Manager X", "email": "m@example.com", "role": Role.MANAGER}


class TestUserAPIPut(TestUserAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {"name": "Manager X", "mobile": "01819000005", "email": "", "is_active": False}

    def expected(self, isp):
        return {"name": "Manager X", "mobile": "+8801819000005", "is_active": False}


#
# API keys: always the caller's own
#


class TestApiKeyAPIList(APIListContract):
    url_name = "api:api-key-list"
    permission = "api.keys"
    other_subtree_user = "user_x"  # another user of the same ISP sees only its own keys

    def prepare(self, isp):
        services.api_key_create(by=fresh_user(isp.ga), name="ga key")
        services.api_key_create(by=fresh_user(isp.user_x), name="x key")

    def expected_rows(self, isp):
        return ApiKey.objects.filter(user=isp.ga)

    def other_subtree_rows(self, isp):
        return ApiKey.objects.filter(user=isp.user_x)

    def check_page(self, response, isp):
        assert all("key_hash" not in k and "token" not in k for k in response.json()["results"])


class TestApiKeyAPICreate(APICreateContract):
    url_name = "api:api-key-list"
    permission = "api.keys"
    model = ApiKey
    audit_action = "api_key.created"
    not_applicable = {"other_subtree": "a key always belongs to its creator"}

    def api_create_data(self, isp):
        return {"name": "Accounting export"}

    def created_lookup(self, isp):
        return {"name": "Accounting export"}

    def expected(self, isp):
        return {"user": isp.ga, "revoked_at": None}

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        assert services.api_key_resolve(response.json()["token"]) == obj


class TestApiKeyAPIRevoke(APIActionContract):
    url_name = "api:api-key-revoke"
    permission = "api.keys"
    other_subtree_user = "user_x"
    audit_action = "api_key.revoked"

    def prepare(self, isp):
        isp.ga_key, isp.ga_token = services.api_key_create(by=fresh_user(isp.ga), name="ga")

    def target(self, isp):
        return isp.ga_key

    def expected(self, isp):
        return {"user": isp.ga, "name": "ga"}

    def after_write(self, isp, obj, response):
        assert obj.revoked_at is not None
        assert response.json()["revoked_at"] is not None
        assert services.api_key_resolve(isp.ga_token) is None


def test_a_revoked_key_is_refused(client, isp):
    with in_scope(isp.tenant):
        key, token = services.api_key_create(by=fresh_user(isp.ga), name="k")
        services.api_key_revoke(key=key, by=fresh_user(isp.ga))
    response = client.get(
        reverse("api:operator-list"), headers={"Authorization": f"Api-Key {token}"}
    )
    assert response.status_code == 401


#
# Coverage: every endpoint and method has a contract
#


def test_every_api_endpoint_and_method_has_a_contract():
    registry = import_contract_modules(Path(__file__).parent, "tests")
    covered = {(c.url_name, c.method) for c in registry if c.api}
    endpoints = {(r.name, method) for r in api_routes(iter_routes()) for method in r.actions}
    assert endpoints - covered == set(), "endpoints without a contract"
    assert covered - endpoints == set(), "contracts for endpoints that do not exist"
