"""manage.py radius_rebuild [--tenant SLUG]: rewrite every RADIUS row an ISP's customers
and packages derive (radcheck, radreply, radusergroup, radgroupcheck, radgroupreply).

Every change keeps these rows in step in its own transaction; this heals drift (after a
restore, a manual edit of the tables, or a bug) and is what the reconciler's "missing
from RADIUS" list points to. One transaction per ISP: FreeRADIUS keeps seeing the old
rows until the new ones commit. Accounting (radacct, radpostauth) and `nas` are not
touched (`radius_sync_nas` rebuilds the clients).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scope

from netbill.catalog.models import MasterPackage
from netbill.customers.models import Customer
from netbill.customers.services import customer_radius_sync
from netbill.radius.groups import package_groups_sync, suspended_group_sync
from netbill.radius.models import (
    RadiusCheck,
    RadiusGroupCheck,
    RadiusGroupReply,
    RadiusReply,
    RadiusUserGroup,
)
from netbill.tenancy.models import Tenant

DERIVED = (RadiusCheck, RadiusReply, RadiusUserGroup, RadiusGroupCheck, RadiusGroupReply)


class Command(BaseCommand):
    help = "Rewrite the RADIUS users and groups of each ISP from its customers and packages."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this ISP (its slug); default all.")

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant {options['tenant']!r}.")
        for tenant in tenants:
            with scope(tenant=tenant.pk), transaction.atomic():
                for model in DERIVED:
                    model.objects.filter(tenant=tenant).delete()
                packages = MasterPackage.objects.filter(tenant=tenant).select_related(
                    "tenant", "pppoe_profile__ipv4_pool", "fup_pool"
                )
                for package in packages:
                    package_groups_sync(package)
                suspended_group_sync(tenant)
                customers = Customer.objects.filter(tenant=tenant).select_related(
                    "tenant", "package__master_package"
                )
                count = 0
                for customer in customers.iterator(chunk_size=2000):
                    customer_radius_sync(customer)
                    count += 1
            self.stdout.write(
                f"{tenant.slug}: {len(packages)} packages, {count} customers written to RADIUS."
            )
