"""Every panel page under its contract (netbill.core.testing.contracts): anonymous, without
the permission, with it, from another operator's subtree and from another ISP.

`isp` is Alpha Net: Group Admin `ga` at the root, operators X and Y, sub-operator X1
under X, managers of X and Y, a NOC user, a sales manager and a card distributor.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import ApiKey, Operator, SalesNote, User
from netbill.core.models import AuditLog
from netbill.core.testing.contracts import (
    ActionViewContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
    PageContract,
    import_contract_modules,
)
from netbill.core.testing.crawl import iter_routes, panel_routes
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-pass-5678"


def tenant_users(isp):
    return User.objects.filter(tenant=isp.tenant)


#
# Operators
#


class TestOperatorList(ListViewContract):
    url_name = "accounts:operator_list"
    permission = "operators.view"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return [isp.op_x, isp.op_y, isp.sub_x1]

    def other_subtree_rows(self, isp):
        return [isp.op_x, isp.sub_x1]

    def prepare(self, isp):
        Operator.objects.filter(pk=isp.op_x.pk).update(credit_limit=Decimal("12345.67"))

    def check_page(self, response, isp):
        assert "12,345.67" in response.content.decode()

    def test_sales_manager_sees_operators_but_no_money(self, client, isp):
        self.ready(isp)
        client.force_login(isp.sales)
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        with in_scope(isp.tenant):
            assert self.listed(response) == {isp.op_x.pk, isp.op_y.pk, isp.sub_x1.pk}
        assert "12,345.67" not in response.content.decode()
        assert "Create" not in response.content.decode()


class TestOperatorDetail(DetailViewContract):
    url_name = "accounts:operator"
    permission = "operators.view"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.op_x

    def test_operator_sees_its_sub_operator(self, client, isp):
        client.force_login(isp.user_x)
        response = client.get(reverse(self.url_name, args=[isp.sub_x1.pk]))
        assert response.status_code == 200
        assert response.context["object"] == isp.sub_x1

    def test_sub_operator_cannot_look_upward(self, client, isp):
        user = set_codes(isp.user_x1, grant=["operators.view"])
        client.force_login(user)
        for node in (isp.op_x, isp.root, isp.op_y):
            assert client.get(reverse(self.url_name, args=[node.pk])).status_code == 404


class TestOperatorCreate(CreateViewContract):
    url_name = "accounts:operator_add"
    permission = "operators.create"
    model = Operator
    audit_action = "operator.created"
    events = ("operator.created",)
    not_applicable = {
        "other_subtree": "operators always hang below the root; there is no parent to choose"
    }

    def form_data(self, isp):
        return {
            "name": "Zeta Link",
            "mobile": "01819000001",
            "email": "zeta@example.com",
            "address": "Road 1, Dhaka",
            "credit_limit": "1500.50",
            "username": "zeta-op",
            "password": NEW_PASSWORD,
        }

    def created_lookup(self, isp):
        return {"name": "Zeta Link"}

    def expected(self, isp):
        return {
            "kind": Kind.OPERATOR,
            "parent": isp.root,
            "mobile": "+8801819000001",
            "email": "zeta@example.com",
            "address": "Road 1, Dhaka",
            "credit_limit": Decimal("1500.50"),
            "balance": Decimal("0.00"),
            "is_active": True,
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        assert obj.path == f"{isp.root.path}{obj.pk}/"
        login = User.objects.get(username="zeta-op")
        assert (login.role, login.operator_id, login.tenant_id) == (
            Role.OPERATOR,
            obj.pk,
            isp.tenant.pk,
        )
        assert login.check_password(NEW_PASSWORD)

    def test_an_operator_may_not_create_operators(self, client, isp):
        client.force_login(isp.user_x)
        with nothing_changes(isp.tenant, what="operator creates operator"):
            assert client.get(self.url_for(isp)).status_code == 403
            assert client.post(self.url_for(isp), self.form_data(isp)).status_code == 403

    def test_credit_limit_needs_its_own_code(self, client, isp):
        user = set_codes(isp.ga, revoke=["operators.credit_limit"])
        client.force_login(user)
        response = client.post(self.url_for(isp), self.form_data(isp))
        assert response.status_code == 302
        with in_scope(isp.tenant):
            assert Operator.objects.get(name="Zeta Link").credit_limit == Decimal("0.00")


class TestSubOperatorCreate(CreateViewContract):
    """An operator creates sub-operators only in its own subtree."""

    url_name = "accounts:sub_operator_add"
    permission = "sub_operators.manage"
    allowed = "user_x"
    other_subtree_user = "user_y"
    model = Operator
    audit_action = "operator.created"
    events = ("operator.created",)

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {
            "parent": isp.op_x.pk,
            "name": "Alpha Net X2",
            "mobile": "01819000002",
            "username": "x2-sub",
            "password": NEW_PASSWORD,
        }

    def created_lookup(self, isp):
        return {"name": "Alpha Net X2"}

    def expected(self, isp):
        return {
            "kind": Kind.SUB_OPERATOR,
            "parent": isp.op_x,
            "mobile": "+8801819000002",
            "credit_limit": Decimal("0.00"),
            "is_active": True,
        }

    def after_write(self, isp, obj, response):
        assert obj.path == f"{isp.op_x.path}{obj.pk}/"
        assert User.objects.get(username="x2-sub").role == Role.SUB_OPERATOR

    def test_group_admin_may_create_under_any_operator(self, client, isp):
        client.force_login(isp.ga)
        data = {**self.form_data(isp), "parent": isp.op_y.pk}
        assert client.post(self.url_for(isp), data).status_code == 302
        with in_scope(isp.tenant):
            assert Operator.objects.get(name="Alpha Net X2").parent == isp.op_y

    def test_sub_operators_have_no_sub_operators(self, client, isp):
        client.force_login(isp.ga)
        data = {**self.form_data(isp), "parent": isp.sub_x1.pk}
        with nothing_changes(isp.tenant, what="sub-operator below a sub-operator"):
            response = client.post(self.url_for(isp), data)
        assert response.status_code == 200
        assert "parent" in response.context["form"].errors


class TestOperatorEdit(EditViewContract):
    url_name = "accounts:operator_edit"
    permission = "operators.edit"
    other_subtree_user = "user_y"
    audit_action = "operator.updated"
    events = ("operator.updated",)

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {
            "name": "Alpha Net X Renamed",
            "mobile": "01819000003",
            "email": "x@example.com",
            "address": "Road 2",
            "is_active": "on",
        }

    def expected(self, isp):
        return {
            "name": "Alpha Net X Renamed",
            "mobile": "+8801819000003",
            "email": "x@example.com",
            "address": "Road 2",
            "is_active": True,
            "credit_limit": Decimal("0.00"),
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def test_sub_operators_are_not_edited_here(self, client, isp):
        client.force_login(isp.ga)
        url = reverse(self.url_name, args=[isp.sub_x1.pk])
        with nothing_changes(isp.tenant, what="operator edit on a sub-operator"):
            assert client.get(url).status_code == 404
            assert client.post(url, self.form_data(isp)).status_code == 404


class TestSubOperatorEdit(EditViewContract):
    url_name = "accounts:sub_operator_edit"
    permission = "sub_operators.manage"
    allowed = "user_x"
    other_subtree_user = "user_y"
    audit_action = "operator.updated"

    def target(self, isp):
        return isp.sub_x1

    def form_data(self, isp):
        return {"name": "Alpha Net X1 Renamed", "mobile": "", "email": "", "address": ""}

    def expected(self, isp):
        # The checkbox is absent from the POST: the sub-operator and its login go inactive.
        return {"name": "Alpha Net X1 Renamed", "mobile": "", "is_active": False}

    def after_write(self, isp, obj, response):
        assert User.objects.get(pk=isp.user_x1.pk).is_active is False

    def test_operators_are_not_edited_here(self, client, isp):
        client.force_login(isp.ga)
        url = reverse(self.url_name, args=[isp.op_x.pk])
        with nothing_changes(isp.tenant, what="sub-operator edit on an operator"):
            assert client.get(url).status_code == 404


class TestOperatorCreditLimit(EditViewContract):
    url_name = "accounts:operator_credit_limit"
    permission = "operators.credit_limit"
    other_subtree_user = "user_y"
    audit_action = "operator.credit_limit_set"

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {"credit_limit": "2500.50"}

    def expected(self, isp):
        return {"credit_limit": Decimal("2500.50"), "balance": Decimal("0.00")}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def test_nobody_sets_its_own_credit_limit(self, client, isp):
        user = set_codes(isp.user_x, grant=["operators.credit_limit"])
        client.force_login(user)
        with nothing_changes(isp.tenant, what="own credit limit"):
            response = client.post(self.url_for(isp), self.form_data(isp))
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()

    def test_the_root_has_no_credit_limit_page(self, client, isp):
        client.force_login(isp.ga)
        url = reverse(self.url_name, args=[isp.root.pk])
        with nothing_changes(isp.tenant, what="credit limit of the root"):
            assert client.post(url, self.form_data(isp)).status_code == 404


class TestSalesNoteAdd(ActionViewContract):
    url_name = "accounts:sales_note_add"
    permission = "sales_notes.add"
    allowed = "sales"
    other_subtree_user = "user_y"
    audit_action = "sales_note.added"

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {"body": "Wants 50 more ports in Mirpur."}

    def written_object(self, isp, target):
        return SalesNote._base_manager.get(operator=target)

    def audit_object(self, isp, obj):
        return obj.operator

    def expected(self, isp):
        return {
            "body": "Wants 50 more ports in Mirpur.",
            "author": isp.sales,
            "operator": isp.op_x,
            "tenant": isp.tenant,
        }

    def success_url(self, isp, obj):
        return isp.op_x.get_absolute_url()


#
# Staff users
#


class _StaffListContract(ListViewContract):
    role = None

    def expected_rows(self, isp):
        return tenant_users(isp).filter(role=self.role)


class TestManagerList(_StaffListContract):
    url_name = "accounts:manager_list"
    permission = "managers.manage"
    other_subtree_user = "user_x"
    role = Role.MANAGER

    def other_subtree_rows(self, isp):
        return [isp.manager_x]


class TestNocUserList(_StaffListContract):
    url_name = "accounts:noc_user_list"
    permission = "noc_users.manage"
    # An operator handed the code still sees no NOC user: they hang at the root.
    other_subtree_user = "user_x"
    role = Role.NOC

    def other_subtree_rows(self, isp):
        return []


class TestSalesManagerList(_StaffListContract):
    url_name = "accounts:sales_manager_list"
    permission = "sales_managers.manage"
    other_subtree_user = "user_x"
    role = Role.SALES_MANAGER

    def other_subtree_rows(self, isp):
        return []


class _StaffCreateContract(CreateViewContract):
    model = User
    audit_action = "user.created"
    events = ("user.created",)
    username = ""
    role = None

    def form_data(self, isp):
        return {
            "name": "New Staff",
            "mobile": "01819000004",
            "email": "staff@example.com",
            "username": self.username,
            "password": NEW_PASSWORD,
        }

    def created_lookup(self, isp):
        return {"username": self.username}

    def expected(self, isp):
        return {
            "role": self.role,
            "operator": self.target(isp) or isp.root,
            "name": "New Staff",
            "mobile": "+8801819000004",
            "is_active": True,
            "created_by": getattr(isp, self.allowed),
        }


class TestManagerCreate(_StaffCreateContract):
    url_name = "accounts:manager_add"
    permission = "managers.manage"
    other_subtree_user = "user_y"
    username = "new-manager"
    role = Role.MANAGER

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {**super().form_data(isp), "operator": isp.op_x.pk}

    def test_operator_creates_managers_for_itself(self, client, isp):
        client.force_login(isp.user_x)
        assert client.post(self.url_for(isp), self.form_data(isp)).status_code == 302
        manager = User.objects.get(username=self.username)
        assert (manager.operator_id, manager.created_by_id) == (isp.op_x.pk, isp.user_x.pk)


class TestNocUserCreate(_StaffCreateContract):
    url_name = "accounts:noc_user_add"
    permission = "noc_users.manage"
    username = "new-noc"
    role = Role.NOC
    not_applicable = {"other_subtree": "NOC users always work at the root of the ISP"}

    def form_data(self, isp):
        return {**super().form_data(isp), "codes": ["monitoring.view", "routers.view"]}

    def after_write(self, isp, obj, response):
        assert fresh_user(obj).permission_codes == {"monitoring.view", "routers.view"}

    def test_financial_codes_are_not_offered(self, client, isp):
        client.force_login(isp.ga)
        data = {**self.form_data(isp), "codes": ["monitoring.view", "bills.view"]}
        with nothing_changes(isp.tenant, what="NOC user with a financial code"):
            response = client.post(self.url_for(isp), data)
        assert response.status_code == 200
        assert "codes" in response.context["form"].errors


class TestSalesManagerCreate(_StaffCreateContract):
    url_name = "accounts:sales_manager_add"
    permission = "sales_managers.manage"
    username = "new-sales"
    role = Role.SALES_MANAGER
    not_applicable = {"other_subtree": "sales managers always work at the root of the ISP"}


class TestUserDetail(DetailViewContract):
    url_name = "accounts:user"
    permission = "users.view"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.manager_x


class TestUserEdit(EditViewContract):
    url_name = "accounts:user_edit"
    permission = "users.view"
    other_subtree_user = "user_y"
    audit_action = "user.updated"

    def target(self, isp):
        return isp.manager_x

    def form_data(self, isp):
        return {
            "name": "Manager X",
            "mobile": "01819000005",
            "email": "m@example.com",
            "is_active": "on",
        }

    def expected(self, isp):
        return {
            "name": "Manager X",
            "mobile": "+8801819000005",
            "email": "m@example.com",
            "is_active": True,
            "role": Role.MANAGER,
            "operator": isp.op_x,
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def test_editing_needs_the_code_for_the_role(self, client, isp):
        user = set_codes(isp.ga, revoke=["managers.manage"])
        client.force_login(user)
        with nothing_changes(isp.tenant, what="edit a manager without managers.manage"):
            assert client.get(self.url_for(isp)).status_code == 403
            assert client.post(self.url_for(isp), self.form_data(isp)).status_code == 403


class TestSpecialPermissionList(ListViewContract):
    url_name = "accounts:special_permission_list"
    permission = "permissions.manage"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return tenant_users(isp).exclude(role=Role.GROUP_ADMIN)

    def other_subtree_rows(self, isp):
        return [isp.user_x1, isp.manager_x, isp.cards]


class TestSpecialPermissionEdit(EditViewContract):
    url_name = "accounts:special_permissions"
    permission = "permissions.manage"
    other_subtree_user = "user_y"
    audit_action = "user.permissions_changed"

    def target(self, isp):
        return isp.manager_x

    def form_data(self, isp):
        return {"codes": ["customers.view", "dashboard.view"]}

    def expected(self, isp):
        return {"permission_codes": frozenset({"customers.view", "dashboard.view"})}

    def success_url(self, isp, obj):
        return reverse(self.url_name, args=[obj.pk])

    def test_no_one_grants_what_it_lacks(self, client, isp):
        client.force_login(isp.user_x)
        data = {"codes": ["customers.view", "operators.create"]}
        with nothing_changes(isp.tenant, what="escalation"):
            response = client.post(self.url_for(isp), data)
        assert response.status_code == 200
        assert response.context["form"].errors

    def test_own_and_group_admin_pages_are_404(self, client, isp):
        client.force_login(isp.ga)
        with nothing_changes(isp.tenant, what="special permissions of a Group Admin"):
            assert client.get(reverse(self.url_name, args=[isp.ga.pk])).status_code == 404
        client.force_login(isp.user_x)
        with nothing_changes(isp.tenant, what="own special permissions"):
            assert client.get(reverse(self.url_name, args=[isp.user_x.pk])).status_code == 404


#
# Settings
#


class TestActivityLog(ListViewContract):
    """The activity log of a user below the root shows what its subtree did."""

    url_name = "accounts:activity_log"
    permission = "activity_log.view"
    other_subtree_user = "user_x"

    def prepare(self, isp):
        # Something done in X's subtree, by X's own login.
        services.operator_create(
            by=fresh_user(isp.user_x),
            kind=Kind.SUB_OPERATOR,
            parent=isp.op_x,
            name=f"{isp.tenant.name} X3",
            username=f"{isp.tenant.slug}-x3",
            password=NEW_PASSWORD,
        )

    def expected_rows(self, isp):
        return AuditLog.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        subtree = [isp.user_x, isp.user_x1, isp.manager_x, isp.cards]
        return AuditLog.objects.filter(actor__in=subtree)


class TestCompanySettings(EditViewContract):
    url_name = "tenancy:company"
    permission = "editCompany"
    other_tenant_status = 302  # the page edits the caller's own ISP
    audit_action = "company.updated"
    events = ("tenant.updated",)
    not_applicable = {"other_subtree": "company settings belong to the ISP as a whole"}

    def target(self, isp):
        return isp.tenant

    def url_kwargs(self, target):
        return {}

    def form_data(self, isp):
        return {
            "name": "Alpha Net Ltd",
            "address": "House 1, Road 2, Dhaka",
            "phone": "+8809612000000",
            "email": "info@alpha.example",
            "website": "https://alpha.example",
            "currency": "bdt",
            "time_zone": "Asia/Dhaka",
            "invoice_prefix": "AN-",
            "invoice_footer": "Thank you.",
            "btrc_licence_no": "ISP-123",
        }

    def expected(self, isp):
        return {
            "name": "Alpha Net Ltd",
            "currency": "BDT",
            "invoice_prefix": "AN-",
            "btrc_licence_no": "ISP-123",
            "slug": "alpha",
            "is_active": True,
        }

    def success_url(self, isp, obj):
        return reverse(self.url_name)


class TestApiKeyList(ListViewContract):
    url_name = "accounts:api_keys"
    permission = "api.keys"
    other_subtree_user = "user_x"  # keys are per user: another user sees only its own

    def prepare(self, isp):
        services.api_key_create(by=fresh_user(isp.ga), name="ga key")
        services.api_key_create(by=fresh_user(isp.user_x), name="x key")

    def listed(self, response):
        return {key.pk for key in response.context["keys"]}

    def expected_rows(self, isp):
        return ApiKey.objects.filter(user=isp.ga)

    def other_subtree_rows(self, isp):
        return ApiKey.objects.filter(user=isp.user_x)


class TestApiKeyCreate(CreateViewContract):
    url_name = "accounts:api_keys"
    permission = "api.keys"
    methods = ("post",)
    success_status = 200  # the page shows the new token once
    model = ApiKey
    audit_action = "api_key.created"
    not_applicable = {"other_subtree": "a key always belongs to its creator"}

    def form_data(self, isp):
        return {"name": "Accounting export"}

    def created_lookup(self, isp):
        return {"name": "Accounting export"}

    def expected(self, isp):
        return {"user": isp.ga, "revoked_at": None}

    def after_write(self, isp, obj, response):
        token = response.context["new_token"]
        assert token.startswith(f"{obj.prefix}.")
        assert services.api_key_resolve(token) == obj


class TestApiKeyRevoke(ActionViewContract):
    url_name = "accounts:api_key_revoke"
    permission = "api.keys"
    other_subtree_user = "user_x"  # another user of the ISP holding api.keys
    audit_action = "api_key.revoked"

    def prepare(self, isp):
        isp.ga_key, isp.ga_token = services.api_key_create(by=fresh_user(isp.ga), name="ga")

    def target(self, isp):
        return isp.ga_key

    def expected(self, isp):
        return {"user": isp.ga}

    def success_url(self, isp, obj):
        return reverse("accounts:api_keys")

    def after_write(self, isp, obj, response):
        assert timezone.now() - timedelta(minutes=1) < obj.revoked_at <= timezone.now()
        assert services.api_key_resolve(isp.ga_token) is None


#
# Dashboards
#


class TestDashboard(PageContract):
    url_name = "reports:dashboard"
    permission = "dashboard.view"
    other_subtree_user = "user_x"

    def prepare(self, isp):
        Operator.objects.filter(pk=isp.op_x.pk).update(credit_limit=Decimal("100.00"))
        Operator.objects.filter(pk=isp.op_y.pk).update(credit_limit=Decimal("250.00"))
        # Recent activity: one entry by X's own login, the rest by the Group Admin.
        services.user_update(user=isp.manager_x, by=fresh_user(isp.user_x), data={"name": "M"})

    def check_page(self, response, isp, user):
        at_root = user.operator_id == isp.root.pk
        counts = {
            "operators": 2 if at_root else 1,
            "sub_operators": 1,
            "managers": 2 if at_root else 1,
            "noc_users": 1 if at_root else 0,
            "users": 9 if at_root else 4,
            "inactive": 0,
        }
        assert response.context["counts"] == counts
        money = response.context["money"]
        assert money["credit_limit"] == (Decimal("350.00") if at_root else Decimal("100.00"))
        # Below the root, recent activity is what the user's own subtree did.
        entries = AuditLog.objects.filter(tenant=isp.tenant)
        if not at_root:
            entries = entries.filter(actor__in=[isp.user_x, isp.user_x1, isp.manager_x, isp.cards])
        shown = [e.pk for e in response.context["activity"]]
        assert shown == [e.pk for e in entries[:10]]
        assert len(shown) == (10 if at_root else 1)


class TestNocDashboard(PageContract):
    url_name = "monitoring:noc_dashboard"
    permission = "monitoring.view"
    allowed = "noc"
    other_tenant_user = "noc"
    not_applicable = {"other_subtree": "the NOC works for the whole ISP; no operator data"}

    def check_page(self, response, isp, user):
        assert response.context["panel"] == "noc"
        assert response.context["noc_team"] == {"total": 1, "active": 1}
        assert 'class="nb-sidebar flex-shrink-0 nb-noc"' in response.content.decode()


#
# Platform (the SaaS owner): Group Admins get 403
#


class TestPlatformTenantList(ListViewContract):
    url_name = "accounts:platform_tenants"
    permission = "platform.manage"
    allowed = "platform_admin"
    denied = "ga"
    other_tenant_status = 403
    not_applicable = {"other_subtree": "platform pages are above every ISP's operator tree"}

    def listed(self, response):
        return {t.pk for t in response.context["tenants"]}

    def expected_rows(self, isp):
        return Tenant.objects.all()


class TestPlatformTenantCreate(CreateViewContract):
    url_name = "accounts:platform_tenant_add"
    permission = "platform.manage"
    allowed = "platform_admin"
    denied = "ga"
    other_tenant_status = 403
    model = Tenant
    audit_action = "tenant.created"
    events = ("tenant.created",)
    not_applicable = {"other_subtree": "platform pages are above every ISP's operator tree"}

    def form_data(self, isp):
        return {
            "name": "Gamma Net",
            "slug": "gamma",
            "admin_name": "Gamma Admin",
            "admin_mobile": "01819000006",
            "admin_email": "admin@gamma.example",
            "admin_username": "gamma-admin",
            "admin_password": NEW_PASSWORD,
        }

    def created_lookup(self, isp):
        return {"slug": "gamma"}

    def expected(self, isp):
        return {"name": "Gamma Net", "is_active": True}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        admin = User.objects.get(username="gamma-admin")
        assert (admin.role, admin.tenant_id, admin.mobile) == (
            Role.GROUP_ADMIN,
            obj.pk,
            "+8801819000006",
        )
        with in_scope(obj):
            assert admin.operator == Operator.objects.get(tenant=obj, kind=Kind.ROOT)


class TestPlatformTenantDetail(DetailViewContract):
    url_name = "accounts:platform_tenant"
    permission = "platform.manage"
    allowed = "platform_admin"
    denied = "ga"
    other_tenant_status = 403
    not_applicable = {"other_subtree": "platform pages are above every ISP's operator tree"}

    def target(self, isp):
        return isp.tenant

    def check_page(self, response, isp):
        assert list(response.context["admins"]) == [isp.ga]


class TestPlatformTenantToggle(ActionViewContract):
    url_name = "accounts:platform_tenant_toggle"
    permission = "platform.manage"
    allowed = "platform_admin"
    denied = "ga"
    other_tenant_status = 403
    audit_action = "tenant.suspended"
    events = ("tenant.status_changed",)
    not_applicable = {"other_subtree": "platform pages are above every ISP's operator tree"}

    def target(self, isp):
        return isp.tenant

    def expected(self, isp):
        return {"is_active": False}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        # A suspended ISP's users are sent back to the login page.
        client = Client()
        client.force_login(isp.ga)
        assert client.get(reverse("reports:dashboard")).status_code == 302


#
# Coverage: every panel page has a contract
#


def test_every_panel_page_has_a_contract():
    registry = import_contract_modules(Path(__file__).parent, "tests")
    covered = {c.url_name for c in registry if not c.api}
    pages = {r.name for r in panel_routes(iter_routes())}
    assert pages - covered == set(), "pages without a contract"
    assert covered - pages == set(), "contracts for pages that do not exist"
