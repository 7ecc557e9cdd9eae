"""manage.py seed_demo: the demo ISP that `make run` shows (idempotent).

Every capability adds realistic demo data here, so a newcomer sees it working.
"""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scope

from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.accounts.roles import ROLE_DEFAULTS
from netbill.tenancy.models import Tenant
from netbill.tenancy.services import tenant_update_company

DEMO_PASSWORD = "netbill-demo"  # noqa: S105 (printed for the newcomer; demo only)
DEMO_SLUG = "dhaka-fiber"


def _seed_routers(tenant, admin) -> None:
    """Demo routers (issue 3): they point at the RouterOS simulator that `make run` starts."""


def _seed_pools_and_vpn(tenant, admin) -> None:
    """Demo IP pools, PPPoE profiles and a VPN account (issue 3)."""


class Command(BaseCommand):
    help = "Seed the demo ISP (one user per role) unless it exists; print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")

    def handle(self, *args, **opts):
        if not Tenant.objects.filter(slug=DEMO_SLUG).exists():
            with transaction.atomic():
                self._seed()
            self.stdout.write(self.style.SUCCESS("Demo ISP created."))
        if not opts["quiet"]:
            self._print_logins()

    def _seed(self):
        platform = User.objects.filter(username="platform").first() or User.objects.create_user(
            username="platform",
            password=DEMO_PASSWORD,
            role=Role.PLATFORM_ADMIN,
            name="Platform Admin",
            email="platform@netbill.example",
        )
        tenant, admin = services.tenant_onboard(
            name="Dhaka Fiber Net",
            slug=DEMO_SLUG,
            admin_username="admin",
            admin_password=DEMO_PASSWORD,
            admin_name="Rahim Uddin",
            admin_mobile="01711000001",
            admin_email="owner@dhakafiber.example",
            by=platform,
        )
        # Management commands are one of the places a tenant scope is entered (STYLE.md).
        with scope(tenant=tenant.pk):
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
            services.sales_note_add(
                by=sales, operator=uttara, body="Wants 20 more FTTH ports in Sector 10 by January."
            )
        # A second ISP on the same platform, to show that tenants never see each other.
        other, _admin = services.tenant_onboard(
            name="Chattogram Broadband",
            slug="ctg-broadband",
            admin_username="ctg-admin",
            admin_password=DEMO_PASSWORD,
            admin_name="Jamal Hossain",
            admin_mobile="01811000009",
            by=platform,
        )
        with scope(tenant=other.pk):
            assert Operator.objects.filter(kind=Kind.ROOT).count() == 1

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
