"""The sidebar: sections in the FAQ's order, each shown only when one of its items opens."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import resolve, reverse

from netbill.core import menu
from netbill.core.menu import SECTIONS, MenuItem, menu_for
from netbill.core.permissions import BY_CODE


def shown(user, panel="main"):
    return [
        (str(section), [str(e["label"]) for e in entries])
        for section, entries in menu_for(user, panel)
    ]


def test_sections_follow_the_faq():
    assert [str(s) for s in SECTIONS] == [
        "Dashboard",
        "Operators",
        "Operators & Managers",
        "Customers",
        "Routers & Packages",
        "IP & PPPoE Management",
        "Bills & Payments",
        "Recharge Cards",
        "SMS & Notifications",
        "Monitoring",
        "Accounting",
        "Reports",
        "Settings",
        "Platform",
    ]


def test_every_registered_item_is_well_formed():
    assert menu._items, "apps register their pages in ready()"
    for item in menu._items:
        assert item.section in SECTIONS, f"{item.label}: its section would never be shown"
        assert item.code in BY_CODE
        assert item.panel in ("main", "noc")
        reverse(item.url_name)


def test_every_item_links_to_a_page_its_code_opens():
    # A menu entry must never lead to a 403: the page checks the item's own code.
    for item in menu._items:
        view = resolve(reverse(item.url_name)).func
        assert view.permission_required == item.code, item.url_name


def test_group_admin(isp):
    assert shown(isp.ga) == [
        ("Dashboard", ["Dashboard"]),
        (
            "Operators",
            ["Create Operator", "Create Sub-Operator", "Operator List", "Account Balance"],
        ),
        ("Operators & Managers", ["Managers", "NOC Users"]),
        (
            "Customers",
            [
                "Customer Zones",
                "Customer List",
                "Create Customer",
                "Import from Excel",
                "Import from MikroTik",
                "Multiple Customer Update",
                "Bulk Update Users",
                "Custom Fields",
                "Mandatory Attributes",
            ],
        ),
        (
            "Routers & Packages",
            [
                "Routers",
                "VPN Accounts",
                "Master Packages",
                "Operator Packages",
                "Billing Profiles",
            ],
        ),
        ("IP & PPPoE Management", ["IPv4 Pools", "IPv6 Pools", "PPPoE Profiles"]),
        (
            "Bills & Payments",
            [
                "Bills",
                "Bill Runs",
                "Manage Bulk Bills",
                "Customer Payments",
                "Verify Payments",
                "Payment Link Broadcast",
            ],
        ),
        ("Recharge Cards", ["Card Batches", "Create Batch", "Redeem Card", "Card Distributors"]),
        ("Monitoring", ["NOC Panel"]),
        ("Accounting", ["Accounts", "Journal", "Trial Balance"]),
        (
            "Settings",
            [
                "Company Settings",
                "Special Permissions",
                "Sales Managers",
                "Activity Log",
                "API Keys",
                "VAT Profiles",
                "Billing Settings",
                "Payment Gateways",
                "Suspension Portal Settings",
            ],
        ),
    ]


def test_operator(isp):
    assert shown(isp.user_x) == [
        ("Dashboard", ["Dashboard"]),
        ("Operators", ["Create Sub-Operator", "Operator List", "Account Balance"]),
        ("Operators & Managers", ["Managers"]),
        (
            "Customers",
            [
                "Customer List",
                "Create Customer",
                "Import from Excel",
                "Multiple Customer Update",
                "Bulk Update Users",
            ],
        ),
        ("Routers & Packages", ["Operator Packages"]),
        (
            "Bills & Payments",
            [
                "Bills",
                "Manage Bulk Bills",
                "Customer Payments",
                "Verify Payments",
                "Payment Link Broadcast",
            ],
        ),
        ("Recharge Cards", ["Card Batches", "Redeem Card", "Card Distributors"]),
        ("Settings", ["Special Permissions", "Activity Log", "API Keys"]),
    ]


def test_sub_operator_and_manager_and_card_distributor(isp):
    assert shown(isp.user_x1) == [
        ("Dashboard", ["Dashboard"]),
        (
            "Customers",
            [
                "Customer List",
                "Create Customer",
                "Import from Excel",
                "Multiple Customer Update",
                "Bulk Update Users",
            ],
        ),
        ("Routers & Packages", ["Operator Packages"]),
        ("Bills & Payments", ["Bills", "Manage Bulk Bills", "Customer Payments"]),
    ]
    assert shown(isp.manager_x) == [
        ("Dashboard", ["Dashboard"]),
        ("Customers", ["Customer List"]),
    ]
    assert shown(isp.cards) == [
        ("Dashboard", ["Dashboard"]),
        ("Recharge Cards", ["Card Batches", "Redeem Card"]),
    ]


def test_sales_manager(isp):
    assert shown(isp.sales) == [("Operators", ["Operator List"])]


NETWORK_SECTIONS = [
    ("Routers & Packages", ["Routers", "VPN Accounts"]),
    ("IP & PPPoE Management", ["IPv4 Pools", "IPv6 Pools", "PPPoE Profiles"]),
]


def test_noc_user(isp):
    # NOC users manage the network: its pages are in both panels. They find customers
    # (customers.view) in the main panel.
    customers = ("Customers", ["Customer List"])
    assert shown(isp.noc) == [customers, *NETWORK_SECTIONS, ("Monitoring", ["NOC Panel"])]
    assert shown(isp.noc, "noc") == [("Dashboard", ["NOC Dashboard"]), *NETWORK_SECTIONS]


def test_platform_admin(platform_admin):
    assert shown(platform_admin) == [("Platform", ["ISPs"])]
    assert shown(platform_admin, "noc") == []


def test_anonymous_sees_no_menu():
    assert menu_for(AnonymousUser()) == []


def test_entries_carry_their_url(isp):
    entries = dict(menu_for(isp.ga))
    settings_entries = {str(e["label"]): (e["url"], e["url_name"]) for e in entries["Settings"]}
    assert settings_entries["Company Settings"] == ("/settings/company/", "tenancy:company")


def test_a_revoked_code_hides_its_item_and_an_empty_section(isp, fresh):
    from conftest import in_scope
    from netbill.accounts.models import PermissionOverride

    with in_scope(isp.tenant):
        PermissionOverride.objects.create(
            tenant=isp.tenant, user=isp.user_x, code="managers.manage", granted=False
        )
    assert shown(fresh(isp.user_x)) == [
        ("Dashboard", ["Dashboard"]),
        ("Operators", ["Create Sub-Operator", "Operator List", "Account Balance"]),
        (
            "Customers",
            [
                "Customer List",
                "Create Customer",
                "Import from Excel",
                "Multiple Customer Update",
                "Bulk Update Users",
            ],
        ),
        ("Routers & Packages", ["Operator Packages"]),
        (
            "Bills & Payments",
            [
                "Bills",
                "Manage Bulk Bills",
                "Customer Payments",
                "Verify Payments",
                "Payment Link Broadcast",
            ],
        ),
        ("Recharge Cards", ["Card Batches", "Redeem Card", "Card Distributors"]),
        ("Settings", ["Special Permissions", "Activity Log", "API Keys"]),
    ]


@pytest.fixture
def items(monkeypatch):
    """A private registry, so that test items never reach the real sidebar."""
    registry = []
    monkeypatch.setattr(menu, "_items", registry)
    return registry


def test_sections_come_in_faq_order_whatever_the_registration_order(isp, items):
    menu.register(
        MenuItem("Settings", "Company Settings", "tenancy:company", "editCompany"),
        MenuItem("Operators", "Operator List", "accounts:operator_list", "operators.view"),
        MenuItem("Dashboard", "Dashboard", "reports:dashboard", "dashboard.view"),
    )
    assert shown(isp.ga) == [
        ("Dashboard", ["Dashboard"]),
        ("Operators", ["Operator List"]),
        ("Settings", ["Company Settings"]),
    ]


def test_register_is_idempotent(isp, items):
    item = MenuItem("Dashboard", "Dashboard", "reports:dashboard", "dashboard.view")
    menu.register(item)
    menu.register(item)
    assert items == [item]


def test_a_section_appears_when_any_one_of_its_items_opens(isp, items):
    menu.register(
        MenuItem("Settings", "Company Settings", "tenancy:company", "editCompany"),
        MenuItem("Settings", "API Keys", "accounts:api_keys", "api.keys"),
    )
    assert shown(isp.user_x) == [("Settings", ["API Keys"])]
    assert shown(isp.manager_x) == []
