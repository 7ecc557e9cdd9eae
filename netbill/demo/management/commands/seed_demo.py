"""manage.py seed_demo: the demo ISP that `make run` shows (idempotent).

Every capability adds realistic demo data here, so a newcomer sees it working.
"""

import datetime
import os
from contextlib import contextmanager
from decimal import ROUND_UP, Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scope

from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.accounts.roles import ROLE_DEFAULTS
from netbill.demo.payments import DEMO_PORTAL_CUSTOMER, DEMO_PORTAL_SUSPENDED, seed_payments
from netbill.tenancy.models import Tenant
from netbill.tenancy.services import tenant_update_company

DEMO_PASSWORD = "netbill-demo"  # noqa: S105 (printed for the newcomer; demo only)
DEMO_SLUG = "dhaka-fiber"
OTHER_SLUG = "ctg-broadband"


# The RouterOS simulator `make run` starts (tools/devrun.py passes the same port).
DEMO_ROUTER_PORT_ENV = "NETBILL_DEMO_ROUTER_PORT"
DEMO_ROUTER_PORT = 18728
DEMO_ROUTER_USER = "netbill"
# Nothing listens here: the second demo router stays offline.
DEMO_OFFLINE_PORT = 18739


def demo_router_port() -> int:
    return int(os.environ.get(DEMO_ROUTER_PORT_ENV) or DEMO_ROUTER_PORT)


def _seed_routers(tenant, admin) -> None:
    """Demo routers (issue 3): "Mirpur Core CCR" is the RouterOS simulator that `make run`
    starts (Test Connection and Configure for RADIUS work); "Uttara Edge" sits behind a
    tunnel that is down, so it shows as offline."""
    from netbill.network.services.routers import router_create

    router_create(
        by=admin,
        name="Mirpur Core CCR",
        host="127.0.0.1",
        api_port=demo_router_port(),
        api_username=DEMO_ROUTER_USER,
        api_password=DEMO_PASSWORD,
        radius_secret="dhaka-fiber-radius",
        location="Mirpur-10 POP, rack 1",
    )
    router_create(
        by=admin,
        name="Uttara Edge",
        host="127.0.0.1",
        api_port=DEMO_OFFLINE_PORT,
        api_username=DEMO_ROUTER_USER,
        api_password=DEMO_PASSWORD,
        radius_secret="dhaka-fiber-radius",
        location="Uttara Sector 7 (behind NAT, reached over its VPN tunnel)",
    )


def _check_offline_router(tenant) -> None:
    """A real status check of "Uttara Edge" (refused at once, on this machine), so that the
    list shows it offline from the start. Outside the seeding transaction: no network I/O
    runs inside one. The simulator is not up yet, so the other router waits for beat's
    first check, a few seconds after `make run` starts."""
    from netbill.network.models import Router
    from netbill.network.services.routers import router_refresh_status

    with scope(tenant=tenant.pk):
        for router in Router.objects.filter(name="Uttara Edge"):
            router_refresh_status(router=router)


def _seed_pools_and_vpn(tenant, admin) -> None:
    """Demo IP pools, PPPoE profiles and a VPN account (issue 3).

    The protected suspended-users pool comes from the "tenant.created" task, which
    `make run` queues to its broker only once this transaction commits; the same
    (idempotent) service is called here so the demo has it at once, and the task then
    finds it and changes nothing. "Uttara Edge" is reached over the VPN account.
    """
    from netbill.network.models import Router
    from netbill.network.services.pools import (
        ip_pool_create,
        ip_pool_ensure_suspended,
        pppoe_profile_create,
    )
    from netbill.network.services.routers import router_update
    from netbill.network.services.vpn import vpn_account_create

    ip_pool_ensure_suspended(tenant_id=tenant.pk)
    mirpur = ip_pool_create(
        by=admin,
        family=4,
        name="pppoe-mirpur",
        subnet="10.20.0.0/22",
        ranges="10.20.0.10-10.20.3.250",
        comment="Mirpur home customers (PPPoE)",
    )
    uttara = ip_pool_create(
        by=admin,
        family=4,
        name="pppoe-uttara",
        subnet="10.30.0.0/23",
        ranges="10.30.0.10-10.30.1.250",
        comment="Uttara customers (PPPoE)",
    )
    fup = ip_pool_create(
        by=admin,
        family=4,
        name="fup-pool",
        subnet="10.99.0.0/24",
        ranges="10.99.0.10-10.99.0.250",
        kind="fup",
        comment="Customers over their Fair Usage Policy limit",
    )
    mirpur_v6 = ip_pool_create(
        by=admin,
        family=6,
        name="v6-mirpur",
        subnet="2001:db8:100::/48",  # the documentation prefix (RFC 3849)
        ranges="2001:db8:100::10-2001:db8:100::ffff",
        comment="IPv6 for Mirpur (dual stack)",
    )
    dns = "8.8.8.8,1.1.1.1"
    for name, pool, pool_v6, local, rate in (
        ("5 Mbps", mirpur, mirpur_v6, "10.20.0.1", "5M/5M"),
        ("10 Mbps", mirpur, mirpur_v6, "10.20.0.1", "10M/10M 12M/12M 8M/8M 10/10"),
        ("20 Mbps Business", uttara, None, "10.30.0.1", "20M/20M 25M/25M 16M/16M 8/8 2 10M/10M"),
        ("FUP 1 Mbps", fup, None, "10.99.0.1", "1M/1M"),
    ):
        pppoe_profile_create(
            by=admin,
            name=name,
            ipv4_pool=pool,
            ipv6_pool=pool_v6,
            local_address=local,
            dns_servers=dns,
            rate_limit=rate,
        )
    tunnel = vpn_account_create(by=admin, name="Uttara Edge tunnel")
    for router in Router.objects.filter(name="Uttara Edge"):
        router_update(router=router, by=admin, data={"vpn_account": tunnel})


def _seed_catalog(tenant, admin) -> None:
    """Demo VAT, billing profiles, master packages and operator packages (issue 4); the
    month-end, daily and prepaid billing profiles (issue 6).

    Prices are BDT; the operators buy at a discount and sell at the customer price.
    """
    from netbill.catalog.services import (
        billing_profile_create,
        master_package_create,
        operator_package_assign,
        vat_profile_create,
    )
    from netbill.network.models import IPPool, PPPoEProfile

    profiles = {p.name: p for p in PPPoEProfile.objects.all()}
    fup_pool = IPPool.objects.get(name="fup-pool")
    mirpur = Operator.objects.get(name="Mirpur Link")
    uttara = Operator.objects.get(name="Uttara Net")
    vat = vat_profile_create(by=admin, name="VAT 5%", rate=Decimal("5"), mode="exclusive")
    billing_profile_create(
        by=admin,
        name="1st of month",
        due_day=1,
        grace_days=5,
        operators=[admin.operator, mirpur, uttara],
    )
    billing_profile_create(
        by=admin, name="15th of month", due_day=15, grace_days=5, operators=[uttara]
    )
    # Businesses pay at the end of the month; a few home users top up a balance that
    # pays a day at a time, or buy a month of validity in advance.
    billing_profile_create(
        by=admin, name="Month end", due_day=0, grace_days=7, operators=[admin.operator, uttara]
    )
    billing_profile_create(
        by=admin, name="Daily (from balance)", billing_type="daily", grace_days=2,
        operators=[mirpur],
    )  # fmt: skip
    billing_profile_create(
        by=admin, name="Prepaid validity", billing_type="prepaid", grace_days=0,
        auto_suspension=False, operators=[mirpur],
    )  # fmt: skip
    common = {"validity": "monthly", "vat_profile": vat}
    home5 = master_package_create(
        by=admin,
        name="Home 5 Mbps",
        download_kbps=5_000,
        upload_kbps=5_000,
        price=Decimal("500"),
        pppoe_profile=profiles["5 Mbps"],
        connection_types=["pppoe", "hotspot"],
        **common,
    )
    home10 = master_package_create(
        by=admin,
        name="Home 10 Mbps",
        download_kbps=10_000,
        upload_kbps=10_000,
        burst_download_kbps=12_000,
        burst_upload_kbps=12_000,
        burst_threshold_download_kbps=8_000,
        burst_threshold_upload_kbps=8_000,
        burst_time_seconds=10,
        price=Decimal("800"),
        pppoe_profile=profiles["10 Mbps"],
        connection_types=["pppoe"],
        fup_data_limit_gb=300,
        fup_download_kbps=2_000,
        fup_upload_kbps=2_000,
        fup_pool=fup_pool,
        **common,
    )
    business = master_package_create(
        by=admin,
        name="Business 20 Mbps",
        download_kbps=20_000,
        upload_kbps=20_000,
        price=Decimal("2500"),
        pppoe_profile=profiles["20 Mbps Business"],
        connection_types=["pppoe", "static_ip"],
        **common,
    )
    for operator, package, operator_price, customer_price in (
        (mirpur, home5, "400", "500"),
        (mirpur, home10, "650", "800"),
        (uttara, home5, "420", "550"),
        (uttara, home10, "680", "850"),
        (uttara, business, "2100", "2500"),
    ):
        operator_package_assign(
            by=admin,
            operator=operator,
            master_package=package,
            operator_price=Decimal(operator_price),
            customer_price=Decimal(customer_price),
        )


def _seed_customer_settings(tenant, admin) -> None:
    """Demo customer zones, custom fields and mandatory attributes (issue 4, item 3)."""
    from netbill.customers.services import custom_field_create, mandatory_attributes_update
    from netbill.tenancy.services import zone_create

    for name in ("Mirpur-10", "Mirpur-2", "Uttara Sector 7", "Uttara Sector 10"):
        zone_create(by=admin, name=name)
    custom_field_create(by=admin, name="Building / flat", field_type="text", mandatory=True)
    custom_field_create(by=admin, name="ONU serial", field_type="text", order=1)
    custom_field_create(
        by=admin,
        name="Preferred bill day",
        field_type="dropdown",
        choices=["1", "10", "20"],
        order=2,
    )
    mandatory_attributes_update(by=admin, required=["address", "zone"])


# Demo customers (issue 4): name, username, mobile (after +880), operator, zone, package and
# house. Operators: "mirpur" (Mirpur Link), "mirpur10" (its sub-operator Mirpur-10 Point),
# "uttara" (Uttara Net). Packages: "home5", "home10" (with FUP), "business". The rest of
# the address follows the zone (AREAS).
DEMO_CUSTOMERS = [
    ("Abdur Rahim", "rahim", "1711234501", "mirpur", "Mirpur-10", "home10", "House 7, Road 3"),
    ("Fatema Khatun", "fatema", "1812234502", "mirpur", "Mirpur-10", "home5", "House 22, Road 6"),
    ("Mohammad Karim", "karim", "1913234503", "mirpur", "Mirpur-10", "home10", "House 3, Avenue 4"),
    ("Nasrin Akter", "nasrin", "1614234504", "mirpur", "Mirpur-2", "home5", "House 15, Road 1"),
    (
        "Jahangir Alam",
        "jahangir",
        "1515234505",
        "mirpur",
        "Mirpur-2",
        "home10",
        "House 41, Road 11",
    ),
    ("Sharmin Sultana", "sharmin", "1716234506", "mirpur", "Mirpur-2", "home5", "House 9, Lane 3"),
    ("Mizanur Rahman", "mizan", "1317234507", "mirpur", "Mirpur-10", "home10", "House 18, Road 2"),
    ("Rokeya Begum", "rokeya", "1818234508", "mirpur", "Mirpur-10", "home5", "House 5, Road 8"),
    ("Tanvir Hasan", "tanvir", "1919234509", "mirpur", "Mirpur-2", "home10", "House 27, Road 4"),
    ("Shirin Akhter", "shirin", "1611234510", "mirpur", "Mirpur-2", "home5", "House 12, Road 9"),
    ("Anisur Rahman", "anis", "1712234511", "mirpur", "Mirpur-10", "home10", "House 33, Road 5"),
    ("Farhana Yasmin", "farhana", "1813234512", "mirpur", "Mirpur-10", "home5", "House 2, Road 12"),
    ("Kamrul Islam", "kamrul", "1914234513", "mirpur", "Mirpur-2", "home10", "House 48, Road 7"),
    ("Sumaiya Islam", "sumaiya", "1515234514", "mirpur", "Mirpur-10", "home5", "House 11, Road 1"),
    ("Habibur Rahman", "habib", "1716234515", "mirpur10", "Mirpur-10", "home5", "House 6, Road 2"),
    ("Nazma Parvin", "nazma", "1317234516", "mirpur10", "Mirpur-10", "home5", "House 19, Road 4"),
    ("Saiful Islam", "saiful", "1818234517", "mirpur10", "Mirpur-10", "home5", "House 25, Road 6"),
    ("Laila Arjumand", "laila", "1919234518", "mirpur10", "Mirpur-10", "home5", "House 8, Road 10"),
    (
        "Rashedul Haque",
        "rashed",
        "1611234519",
        "mirpur10",
        "Mirpur-10",
        "home5",
        "House 30, Road 3",
    ),
    (
        "Taslima Nasreen",
        "taslima",
        "1712234520",
        "mirpur10",
        "Mirpur-10",
        "home5",
        "House 14, Road 7",
    ),
    ("Shafiqul Alam", "shafiq", "1813234521", "mirpur10", "Mirpur-10", "home5", "House 4, Road 9"),
    (
        "Mousumi Akter",
        "mousumi",
        "1914234522",
        "mirpur10",
        "Mirpur-10",
        "home5",
        "House 21, Road 5",
    ),
    (
        "Rafiqul Islam",
        "rafiq",
        "1515234523",
        "uttara",
        "Uttara Sector 7",
        "home10",
        "House 10, Road 17",
    ),
    (
        "Sabina Yasmin",
        "sabina",
        "1716234524",
        "uttara",
        "Uttara Sector 7",
        "home5",
        "House 3, Road 23",
    ),
    (
        "Delwar Hossain",
        "delwar",
        "1317234525",
        "uttara",
        "Uttara Sector 10",
        "home10",
        "House 52, Road 5",
    ),
    (
        "Shahnaz Parveen",
        "shahnaz",
        "1818234526",
        "uttara",
        "Uttara Sector 10",
        "home5",
        "House 17, Road 12",
    ),
    (
        "Golam Mostafa",
        "mostafa",
        "1919234527",
        "uttara",
        "Uttara Sector 7",
        "home10",
        "House 8, Road 31",
    ),
    (
        "Rehana Parvin",
        "rehana",
        "1611234528",
        "uttara",
        "Uttara Sector 7",
        "home5",
        "House 29, Road 15",
    ),
    (
        "Nurul Amin",
        "nurul",
        "1712234529",
        "uttara",
        "Uttara Sector 10",
        "home10",
        "House 6, Road 2",
    ),
    (
        "Jesmin Ara",
        "jesmin",
        "1813234530",
        "uttara",
        "Uttara Sector 10",
        "home5",
        "House 44, Road 8",
    ),
    (
        "Arifur Rahman",
        "arif",
        "1914234531",
        "uttara",
        "Uttara Sector 7",
        "home10",
        "House 13, Road 20",
    ),
    (
        "Monira Begum",
        "monira",
        "1515234532",
        "uttara",
        "Uttara Sector 7",
        "home5",
        "House 37, Road 26",
    ),
    (
        "Zahidul Islam",
        "zahid",
        "1716234533",
        "uttara",
        "Uttara Sector 10",
        "home10",
        "House 21, Road 9",
    ),
    (
        "Shamima Nasrin",
        "shamima",
        "1317234534",
        "uttara",
        "Uttara Sector 10",
        "home5",
        "House 2, Road 14",
    ),
    (
        "Mahbubur Rahman",
        "mahbub",
        "1818234535",
        "uttara",
        "Uttara Sector 7",
        "home10",
        "House 16, Road 28",
    ),
    (
        "Nilufar Yasmin",
        "nilufar",
        "1919234536",
        "uttara",
        "Uttara Sector 10",
        "home5",
        "House 9, Road 3",
    ),
    (
        "Imran Hossain",
        "imran",
        "1611234537",
        "uttara",
        "Uttara Sector 7",
        "home10",
        "House 40, Road 11",
    ),
]
# Businesses on static addresses (Uttara's business package, outside the dynamic range).
DEMO_STATIC_CUSTOMERS = [
    (
        "Uttara Pharma Ltd.",
        "uttara-pharma",
        "1711234541",
        "Uttara Sector 7",
        "10.30.1.251",
        "Plot 5, Sonargaon Janapath",
    ),
    (
        "Green Leaf Restaurant",
        "greenleaf",
        "1811234542",
        "Uttara Sector 7",
        "10.30.1.252",
        "House 1, Road 7",
    ),
    (
        "Mim Computer Point",
        "mim-computer",
        "1911234543",
        "Uttara Sector 10",
        "10.30.1.253",
        "Shop 12, Rajlakshmi Complex",
    ),
]
AREAS = {
    "Mirpur-10": "Mirpur-10",
    "Mirpur-2": "Section 2, Mirpur",
    "Uttara Sector 7": "Sector 7, Uttara",
    "Uttara Sector 10": "Sector 10, Uttara",
}
DEMO_SUSPENDED = ("nasrin", "jahangir", "laila", "shahnaz", "mostafa")
# Of those, the auto-suspension run of the demo's last day suspends these two (they
# stopped paying last month); the others were suspended by hand earlier.
DEMO_AUTO_SUSPENDED = ("shahnaz", "mostafa")
# Billing (issue 6): who is billed daily from a balance, who buys prepaid validity,
# who paid months ahead, who paid part of a bill and promised the rest.
DEMO_DAILY = "sumaiya"
DEMO_PREPAID = "farhana"
DEMO_ADVANCE = "mizan"
DEMO_PARTIAL = "karim"
DEMO_NEVER_SUSPEND = "uttara-pharma"
# Months of bills before the current one.
DEMO_BILLING_MONTHS = 3
DEMO_DISABLED = "rehana"
DEMO_FUP = "anis"
DEMO_ONLINE = (
    "rahim", "fatema", "karim", "sharmin", "mizan", "tanvir", "habib", "saiful",
    "rafiq", "sabina", "delwar", "nurul", "arif", "uttara-pharma", "greenleaf",
)  # fmt: skip


def _seed_import(tenant, admin) -> None:
    """A finished Customers → Import from Excel (issue 5): Uttara Net's migration sheet,
    ten subscribers imported, two rows rejected (a bad mobile, a username already taken),
    with the rejected-rows file to download from the job page. It runs the wizard's own
    steps (file, matched columns, check, import) in this process."""
    import io

    import openpyxl
    from django.core.files.base import ContentFile

    from netbill.core.jobs import job_create
    from netbill.customers.imports.mapping import auto_map
    from netbill.customers.imports.tasks import (
        VALIDATE_KIND,
        import_run_task,
        import_validate_task,
    )

    names = [
        "Rubina Akter", "Kawsar Ahmed", "Sabbir Hossain", "Tahmina Khatun", "Rakib Hasan",
        "Moushumi Das", "Shafiqul Alam", "Nadia Sultana", "Arif Chowdhury", "Lipi Rani Saha",
    ]  # fmt: skip
    rows = [
        [name, f"0171{5550000 + n:07d}"[:11], "Uttara Net", f"utt-{n + 101}", f"ut{n}@{n + 451}",
         "Home 5 Mbps", "1st of month", f"House {n + 3}, Road 11, Sector 10, Uttara, Dhaka",
         "Uttara Sector 10", f"Flat {n + 1}B"]
        for n, name in enumerate(names)
    ]  # fmt: skip
    rows.append(["Jamal Uddin", "0171-55", "Uttara Net", "utt-bad-mobile", "x1@9", "Home 5 Mbps",
                 "1st of month", "Sector 12, Uttara", "Uttara Sector 10", "Flat 9C"])  # fmt: skip
    rows.append(["Imran Hossain (again)", "01711555999", "Uttara Net", "imran", "x2@9",
                 "Home 5 Mbps", "1st of month", "Sector 7, Uttara", "Uttara Sector 7",
                 "Flat 2A"])  # fmt: skip
    headers = ["Customer Name", "Mobile No", "Operator", "PPPoE User", "Password", "Package",
               "Billing Profile", "Address", "Zone", "Building / flat"]  # fmt: skip
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    job = job_create(
        by=admin,
        kind="customers.import",
        title="Import uttara-migration.xlsx",
        params={
            "filename": "uttara-migration.xlsx",
            "headers": headers,
            "rows": len(rows),
            "mapping": auto_map(headers, tenant.pk),
        },
        input_file=ContentFile(data.getvalue(), name="uttara-migration.xlsx"),
    )
    check = job_create(
        by=admin,
        kind=VALIDATE_KIND,
        title="Check uttara-migration.xlsx",
        params={"import_job": job.pk},
    )
    job.params = {**job.params, "validation_job": check.pk}
    job.save(update_fields=["params"])
    import_validate_task.apply(kwargs={"tenant_id": tenant.pk, "job_id": check.pk})
    import_run_task.apply(kwargs={"tenant_id": tenant.pk, "job_id": job.pk})


def _seed_customers(tenant, admin) -> None:
    """Demo customers (issue 4): 40 subscribers of Mirpur Link, its sub-operator and
    Uttara Net on the demo packages, three of them on static addresses; three suspended
    by hand for an unpaid bill (two more are auto-suspended by the billing history), one
    disabled, one past its FUP limit. RADIUS sessions at the demo router's NAS (some
    online now, the rest finished) and a few CoA attempts.

    Everything goes through `customer_create` and `customer_change_status`, so the RADIUS
    rows are what the services write. Sessions and CoA attempts are history that
    FreeRADIUS and the CoA task write in real life, so they are rows here. Suspended,
    disabled and FUP customers have no open session: the status changes' CoA tasks, which
    run after this commit, find nothing to push.
    """
    import datetime
    import random

    from django.utils import timezone

    from netbill.catalog.models import BillingProfile, MasterPackage, OperatorPackage
    from netbill.catalog.services import operator_package_assign
    from netbill.customers.services import customer_change_status, customer_create
    from netbill.network.models import Router
    from netbill.radius.models import CoAAttempt, RadiusAccounting
    from netbill.tenancy.models import Zone

    operators = {
        "mirpur": Operator.objects.get(name="Mirpur Link"),
        "mirpur10": Operator.objects.get(name="Mirpur-10 Point"),
        "uttara": Operator.objects.get(name="Uttara Net"),
    }
    masters = {
        "home5": MasterPackage.objects.get(name="Home 5 Mbps"),
        "home10": MasterPackage.objects.get(name="Home 10 Mbps"),
        "business": MasterPackage.objects.get(name="Business 20 Mbps"),
    }
    # The sub-operator sells Home 5 Mbps from its own shelf (its billing profile is its
    # parent's "1st of month").
    operator_package_assign(
        by=admin,
        operator=operators["mirpur10"],
        master_package=masters["home5"],
        operator_price=Decimal("430"),
        customer_price=Decimal("550"),
    )
    shelf = {
        (p.operator_id, p.master_package_id): p
        for p in OperatorPackage.objects.select_related("master_package")
    }
    zones = {z.name: z for z in Zone.objects.all()}
    first_of_month = BillingProfile.objects.get(name="1st of month")
    fifteenth = BillingProfile.objects.get(name="15th of month")
    month_end = BillingProfile.objects.get(name="Month end")
    special = {
        DEMO_DAILY: BillingProfile.objects.get(name="Daily (from balance)"),
        DEMO_PREPAID: BillingProfile.objects.get(name="Prepaid validity"),
    }
    rng = random.Random(2024)
    today = timezone.localdate()

    def package_of(operator_key, package_key):
        return shelf[(operators[operator_key].pk, masters[package_key].pk)]

    def mac() -> str:
        return "E4:8D:8C:" + ":".join(f"{rng.randrange(256):02X}" for _ in range(3))

    customers = {}
    for n, (name, username, mobile, op, zone, package, address) in enumerate(DEMO_CUSTOMERS):
        customers[username] = customer_create(
            by=admin,
            name=name,
            mobile="+880" + mobile,
            address=f"{address}, {AREAS[zone]}, Dhaka",
            zone=zones[zone],
            operator=operators[op],
            connection_type="pppoe",
            username=username,
            password=f"{username.split('.')[0]}@{4100 + n * 37}",
            package=package_of(op, package),
            billing_profile=special.get(username)
            or (fifteenth if op == "uttara" and n % 3 == 0 else first_of_month),
            custom_fields={
                "building_flat": f"Flat {rng.randint(1, 9)}{'ABCD'[n % 4]}",
                "onu_serial": f"HWTC{rng.randrange(16**8):08X}",
                "preferred_bill_day": ["1", "10", "20"][n % 3],
            },
            connection_date=today - datetime.timedelta(days=30 + 19 * n),
        )
    for n, (name, username, mobile, zone, address_ip, address) in enumerate(DEMO_STATIC_CUSTOMERS):
        customers[username] = customer_create(
            by=admin,
            name=name,
            mobile="+880" + mobile,
            email=f"it@{username.replace('-', '')}.example",
            address=f"{address}, {AREAS[zone]}, Dhaka",
            zone=zones[zone],
            operator=operators["uttara"],
            connection_type="static_ip",
            username=username,
            # A PPPoE login as well: RADIUS gives it the static address.
            password=f"{username.split('-')[0]}@{7300 + n * 41}",
            static_ip=address_ip,
            package=package_of("uttara", "business"),
            billing_profile=month_end,
            custom_fields={"building_flat": f"Level {n + 2}"},
            connection_date=today - datetime.timedelta(days=400 + 60 * n),
        )
    for username in set(DEMO_SUSPENDED) - set(DEMO_AUTO_SUSPENDED):
        customers[username] = customer_change_status(
            customer=customers[username], status="suspended", by=admin, reason="Unpaid bill"
        )
    customers[DEMO_DISABLED] = customer_change_status(
        customer=customers[DEMO_DISABLED],
        status="disabled",
        by=admin,
        reason="Connection closed: moved to Chattogram",
    )
    customers[DEMO_FUP] = customer_change_status(
        customer=customers[DEMO_FUP],
        status="fup",
        by=admin,
        reason="Used 300 GB of the Fair Usage Policy this month",
    )

    # RADIUS sessions at "Mirpur Core CCR" (its NAS address is the router's address).
    router = Router.objects.get(name="Mirpur Core CCR")
    now = timezone.now()
    causes = ["User-Request", "Lost-Carrier", "Lost-Service", "Admin-Reset", "Port-Error"]
    sessions = []
    seq = 0
    for n, (username, customer) in enumerate(sorted(customers.items())):
        pool = "10.30" if customer.operator_id == operators["uttara"].pk else "10.20"
        ip = customer.static_ip or f"{pool}.{n // 200}.{20 + n % 200}"
        caller = mac()
        history = [(3 + 2 * i, rng.randint(4, 40)) for i in range(rng.randint(1, 3))]
        if username in DEMO_ONLINE:
            history.append((0, rng.randint(1, 60)))
        for days_ago, hours in history:
            seq += 1
            start = now - datetime.timedelta(days=days_ago, hours=hours, minutes=rng.randint(0, 59))
            online = days_ago == 0
            stop = None if online else start + datetime.timedelta(hours=hours)
            last = now - datetime.timedelta(seconds=rng.randint(5, 290)) if online else stop
            seconds = int((last - start).total_seconds())
            # Home users download about 10× what they upload (~1–6 Mbit/s on average).
            down = seconds * rng.randint(120_000, 750_000)
            sessions.append(
                RadiusAccounting(
                    tenant=tenant,
                    session_id=f"81{seq:06x}",
                    unique_id=f"{tenant.slug}-{username}-{seq:06d}",
                    username=username,
                    nas_ip_address=router.host,
                    nas_port_id=f"<pppoe-{username}>",
                    nas_port_type="Virtual",
                    start_time=start,
                    update_time=last,
                    stop_time=stop,
                    interval=300,
                    session_time=seconds,
                    authentic="RADIUS",
                    input_octets=down // rng.randint(8, 14),
                    output_octets=down,
                    called_station_id="pppoe-mirpur",
                    calling_station_id=caller,
                    terminate_cause=None if online else rng.choice(causes),
                    service_type="Framed-User",
                    framed_protocol="PPP",
                    framed_ip_address=ip,
                )
            )
    RadiusAccounting.objects.bulk_create(sessions)

    # What the CoA task recorded for earlier changes.
    for username, kind, outcome, cause, reason, detail in (
        ("nasrin", "disconnect", "ack", None, "status active → suspended", ""),
        ("jahangir", "disconnect", "nak", 503, "status active → suspended",
         "Session-Context-Not-Found"),
        ("anis", "coa", "ack", None, "status active → fup", ""),
        ("tanvir", "coa", "timeout", None, "package changed", "No reply after 3 tries"),
    ):  # fmt: skip
        session_id = f"81{rng.randrange(16**6):06x}"
        CoAAttempt.objects.create(
            tenant=tenant,
            username=username,
            router=router,
            nas_address=router.host,
            session_id=session_id,
            kind=kind,
            outcome=outcome,
            error_cause=cause,
            reason=reason,
            detail=detail,
            attributes={"User-Name": username, "Acct-Session-Id": session_id},
        )


def demo_customer_password(username: str) -> str:
    """The PPPoE (and customer portal) password `_seed_customers` gives a demo customer."""
    for n, row in enumerate(DEMO_CUSTOMERS):
        if row[1] == username:
            return f"{username.split('.')[0]}@{4100 + n * 37}"
    raise KeyError(username)


@contextmanager
def _clock(tenant, day):
    """Let the services run as on `day` (10:00 in the ISP's time zone; today: now).

    The demo's billing history is written by the real services, and they date what they
    write (journal entries, payments, bill runs, expiry dates) from the clock: for a
    history of several months, the clock is set back while each day's work is done."""
    from unittest import mock

    from django.utils import timezone

    real_now = timezone.now()
    moment = datetime.datetime.combine(day, datetime.time(10), tenant.zone)
    moment = min(moment.astimezone(datetime.UTC), real_now)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _seed_billing(tenant, admin) -> None:
    """Billing history (issue 6): bills of the last DEMO_BILLING_MONTHS months and this
    one, written by the real runs on their days, and what was paid on them.

    Day by day from the first of the first month to today, as beat would have run it:
    the monthly run on each due day (the 1st, the 15th, the last day of the month; each
    run also catches up whoever a run missed, and bills nobody before their connection
    date), the daily run for the customer billed from a balance, the prepaid run when
    the prepaid customer's validity has run out. Customers pay each bill a few days
    after its due date, at the counter: Mirpur Link's customers to its cash desk (the
    cash stays with the reseller until it hands it over, an operator deposit at the
    month's end), the others to the Group Admin or to Uttara Net's own login. Bills
    within their grace period are left open for some, as at any ISP on any day.

    Then the exceptions: customers suspended by hand have not paid their last two
    bills; two more stopped paying last month and today's auto-suspension run suspends
    them; one paid months ahead (the runs take the bills from that advance); one paid
    part of this month's bill and promised the rest (no auto-suspension until then);
    one business is never auto-suspended.

    First bills are not written here: they follow `customer.created` once the seed is
    committed, and by then every customer's current period is billed (the imported
    customers, created next, get theirs then)."""
    from netbill.accounting.services import local_today
    from netbill.billing.choices import OPEN_STATUSES
    from netbill.billing.models import Bill
    from netbill.billing.periods import days_in_month
    from netbill.billing.runs import bill_run_execute
    from netbill.billing.services import (
        billing_settings_update,
        customer_set_billing_exemptions,
        suspension_run_execute,
    )
    from netbill.customers.models import Customer
    from netbill.payments.services import operator_add_balance, payment_receive

    billing_settings_update(
        tenant=tenant,
        by=admin,
        first_bill="prorata",
        run_hour=1,
        suspension_breaker_percent=Decimal("10"),
    )
    today = local_today(tenant)
    year, month = today.year, today.month - DEMO_BILLING_MONTHS
    while month < 1:
        year, month = year - 1, month + 12
    first = datetime.date(year, month, 1)
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)

    users = {u.username: u for u in User.objects.filter(username__in=["manager", "uttara"])}
    customers = {
        c.username: c for c in Customer.objects.select_related("operator", "billing_profile")
    }
    by_pk = {c.pk: c for c in customers.values()}
    operators = {o.name: o for o in Operator.objects.all()}
    daily, prepaid = customers[DEMO_DAILY], customers[DEMO_PREPAID]
    daily_from = today - datetime.timedelta(days=9)
    prepaid_from = today - datetime.timedelta(days=40)
    stopped = dict.fromkeys(DEMO_SUSPENDED, last_month)  # unpaid from that period on
    planned = set(customers) - {DEMO_DAILY, DEMO_PREPAID}

    def collector(customer):
        if customer.operator.name == "Mirpur Link":
            return users["manager"]
        if customer.operator.name == "Uttara Net" and customer.pk % 3 == 0:
            return users["uttara"]
        return admin

    def payment(bill, customer):
        """(day, amount) the customer pays on the bill: a few days after its due date,
        within the grace period; or None."""
        if customer.username not in planned:
            return None
        if customer.username in stopped and bill.period_start >= stopped[customer.username]:
            return None
        if customer.username == DEMO_PARTIAL and bill.period_start >= this_month:
            return bill.due_date, Decimal("500")  # the rest promised
        grace = customer.billing_profile.grace_days
        if bill.due_date + datetime.timedelta(days=grace) >= today and customer.pk % 2:
            return None  # still within its grace period: not paid yet
        offset = datetime.timedelta(days=(customer.pk * 7 + bill.pk) % 4)
        return bill.due_date + offset, bill.due

    day = first
    while day <= today:
        last_day = days_in_month(day.year, day.month)
        with _clock(tenant, day):
            if day.day in (1, 15, last_day):
                bill_run_execute(tenant=tenant, kind="monthly", on=day)
            if day == daily_from - datetime.timedelta(days=1):
                payment_receive(
                    customer=daily, by=users["manager"], amount=Decimal("300"),
                    kind="advance", note="Balance for daily billing",
                )  # fmt: skip
            if day >= daily_from:
                bill_run_execute(tenant=tenant, kind="daily", on=day)
            if day >= prepaid_from:
                prepaid.refresh_from_db()
                if prepaid.expiry_date is None or prepaid.expiry_date < day:
                    bill_run_execute(tenant=tenant, kind="prepaid", on=day)
                    for bill in Bill.objects.filter(customer=prepaid, status="unpaid"):
                        payment_receive(
                            customer=prepaid, by=admin, amount=bill.due,
                            note="Prepaid validity",
                        )  # fmt: skip
            if day == this_month - datetime.timedelta(days=1):
                payment_receive(
                    customer=customers[DEMO_ADVANCE], by=users["manager"],
                    amount=Decimal("2600"), kind="advance", note="Three months ahead",
                )  # fmt: skip
            for bill in Bill.objects.filter(status__in=OPEN_STATUSES).order_by("due_date", "pk"):
                customer = by_pk[bill.customer_id]
                planned_payment = payment(bill, customer)
                if planned_payment is None or planned_payment[0] != day:
                    continue
                payment_receive(
                    customer=customer, by=collector(customer), amount=planned_payment[1],
                    reference=f"Counter {day:%d %b}",
                )  # fmt: skip
            if day.day == 28 and day < this_month:
                # Resellers hand over the cash they collected (Add Balance).
                for operator in (operators["Mirpur Link"], operators["Uttara Net"]):
                    operator.refresh_from_db()
                    if operator.balance < 0:
                        amount = (-operator.balance / 1000).to_integral_value(ROUND_UP) * 1000
                        operator_add_balance(
                            operator=operator, by=admin, amount=amount,
                            reference=f"Cash handed over, {day:%B %Y}",
                        )  # fmt: skip
        day += datetime.timedelta(days=1)

    customer_set_billing_exemptions(
        customer=customers[DEMO_PARTIAL], by=admin, never_auto_suspend=False,
        extended_until=today + datetime.timedelta(days=7),
    )  # fmt: skip
    customer_set_billing_exemptions(
        customer=customers[DEMO_NEVER_SUSPEND], by=admin, never_auto_suspend=True,
        extended_until=None,
    )  # fmt: skip
    suspension_run_execute(tenant=tenant, on=today)


class Command(BaseCommand):
    help = "Seed the demo ISP (one user per role) unless it exists; print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")

    def handle(self, *args, **opts):
        if self._seed():
            _check_offline_router(Tenant.objects.get(slug=DEMO_SLUG))
            self.stdout.write(self.style.SUCCESS("Demo ISP created."))
        if not opts["quiet"]:
            self._print_logins()

    def _seed(self) -> bool:
        """Seed the demo unless it is there; True when it was seeded now.

        The two ISPs are made first. The demo ISP's data is then written in one
        transaction inside its scope, so that the work its services leave for after the
        commit (first bills, restoring customers who paid) runs in the scope too; a
        rerun finds that data written and adds nothing (one that failed is redone)."""
        with transaction.atomic():
            tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
            if tenant is None:
                tenant = self._onboard()
        admin = User.objects.get(tenant=tenant, username="admin")
        # Management commands are one of the places a tenant scope is entered (STYLE.md).
        with scope(tenant=tenant.pk), transaction.atomic():
            if Operator.objects.filter(name="Mirpur Link").exists():
                return False
            tenant_update_company(
                tenant=tenant,
                by=admin,
                data={
                    "address": "House 12, Road 5, Mirpur-10, Dhaka 1216",
                    "phone": "+880 9610-000111",
                    "email": "support@dhakafiber.example",
                    "website": "https://dhakafiber.example",
                    "invoice_prefix": "DFN",
                    "invoice_footer": "Pay by bKash or Nagad from the customer portal.",
                    "btrc_licence_no": "ISP-DHK-2021-0456",
                },
            )
            mirpur = services.operator_create(
                by=admin,
                kind=Kind.OPERATOR,
                parent=None,
                name="Mirpur Link",
                username="mirpur",
                password=DEMO_PASSWORD,
                mobile="01811000002",
                email="mirpur@dhakafiber.example",
                address="Mirpur-2, Dhaka",
            )
            uttara = services.operator_create(
                by=admin,
                kind=Kind.OPERATOR,
                parent=None,
                name="Uttara Net",
                username="uttara",
                password=DEMO_PASSWORD,
                mobile="01911000003",
                address="Sector 7, Uttara, Dhaka",
            )
            for node, limit in ((mirpur, "50000"), (uttara, "25000")):
                services.operator_set_credit_limit(operator=node, by=admin, amount=Decimal(limit))
            services.operator_create(
                by=admin,
                kind=Kind.SUB_OPERATOR,
                parent=mirpur,
                name="Mirpur-10 Point",
                username="mirpur10",
                password=DEMO_PASSWORD,
                mobile="01611000004",
            )
            services.staff_user_create(
                by=admin,
                role=Role.MANAGER,
                operator=mirpur,
                username="manager",
                password=DEMO_PASSWORD,
                name="Karim (cash desk)",
                mobile="01511000005",
            )
            services.staff_user_create(
                by=admin,
                role=Role.NOC,
                operator=None,
                username="noc",
                password=DEMO_PASSWORD,
                name="Sumon (NOC)",
                mobile="01311000006",
                codes=set(ROLE_DEFAULTS[Role.NOC]),
            )
            sales = services.staff_user_create(
                by=admin,
                role=Role.SALES_MANAGER,
                operator=None,
                username="sales",
                password=DEMO_PASSWORD,
                name="Nusrat (sales)",
                mobile="01411000007",
            )
            services.staff_user_create(
                by=admin,
                role=Role.CARD_DISTRIBUTOR,
                operator=uttara,
                username="cards",
                password=DEMO_PASSWORD,
                name="Babul Card Point",
                mobile="01711000008",
            )
            _seed_routers(tenant, admin)
            _seed_pools_and_vpn(tenant, admin)
            _seed_catalog(tenant, admin)
            _seed_customer_settings(tenant, admin)
            _seed_customers(tenant, admin)
            _seed_billing(tenant, admin)
            _seed_import(tenant, admin)
            seed_payments(tenant, admin)
            services.sales_note_add(
                by=sales, operator=uttara, body="Wants 20 more FTTH ports in Sector 10 by January."
            )
        # The second ISP on the same platform sees nothing of the first.
        with scope(tenant=Tenant.objects.get(slug=OTHER_SLUG).pk):
            assert Operator.objects.filter(kind=Kind.ROOT).count() == 1
        return True

    def _onboard(self) -> Tenant:
        """The platform admin, the demo ISP and a second one (tenants never see each
        other); returns the demo ISP."""
        platform = User.objects.filter(username="platform").first() or User.objects.create_user(
            username="platform",
            password=DEMO_PASSWORD,
            role=Role.PLATFORM_ADMIN,
            name="Platform Admin",
            email="platform@netbill.example",
        )
        tenant, _admin = services.tenant_onboard(
            name="Dhaka Fiber Net",
            slug=DEMO_SLUG,
            admin_username="admin",
            admin_password=DEMO_PASSWORD,
            admin_name="Rahim Uddin",
            admin_mobile="01711000001",
            admin_email="owner@dhakafiber.example",
            by=platform,
        )
        other, _admin = services.tenant_onboard(
            name="Chattogram Broadband",
            slug=OTHER_SLUG,
            admin_username="ctg-admin",
            admin_password=DEMO_PASSWORD,
            admin_name="Jamal Hossain",
            admin_mobile="01811000009",
            by=platform,
        )
        return tenant

    def _print_logins(self):
        rows = [
            ("Platform admin", "platform"),
            ("Group admin", "admin  (or mobile 01711000001)"),
            ("Operator", "mirpur"),
            ("Operator", "uttara"),
            ("Sub-operator", "mirpur10"),
            ("Manager", "manager"),
            ("NOC user", "noc  (panel at /admin/noc/)"),
            ("Sales manager", "sales"),
            ("Card distributor", "cards"),
            ("Group admin, 2nd ISP", "ctg-admin"),
        ]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for role, login in rows:
            self.stdout.write(f"  {role:<22} {login}")
        self.stdout.write("")
        self.stdout.write(
            f"Customer portal: /portal/{DEMO_SLUG}/login/ (PPPoE username and password)"
        )
        for role, username in (
            ("Customer", DEMO_PORTAL_CUSTOMER),
            ("Suspended, owes a bill", DEMO_PORTAL_SUSPENDED),
        ):
            self.stdout.write(f"  {role:<22} {username} / {demo_customer_password(username)}")
        self.stdout.write("  Pay with the Sandbox gateway: no real money moves.")
        self.stdout.write("")
