"""manage.py radius_sync_nas [--tenant SLUG]: rebuild the `nas` rows from the routers.

Routers keep their NAS rows through events; this heals drift (e.g. after a restore) and
removes rows of routers that are gone or inactive. Restart FreeRADIUS afterwards: it
reads its clients at startup only.
"""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from netbill.network.models import Router
from netbill.radius.models import NAS
from netbill.radius.services import nas_upsert_for_router
from netbill.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Rebuild the RADIUS clients (nas table) from the routers."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this ISP (its slug); default all.")

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant {options['tenant']!r}.")
        synced = removed = failed = 0
        for tenant in tenants:
            with scope(tenant=tenant.pk):
                routers = list(Router.objects.select_related("tenant"))
                for router in routers:
                    if nas_upsert_for_router(router) is not None:
                        synced += 1
                    elif router.is_active:
                        failed += 1
                # Rows of routers that are gone, inactive or deleted.
                active = [r.pk for r in routers if r.is_active]
                removed += (
                    NAS.objects.filter(router__isnull=False)
                    .exclude(router_id__in=active)
                    .delete()[0]
                )
        self.stdout.write(f"NAS rows: {synced} synced, {removed} removed, {failed} failed.")
        if failed:
            self.stderr.write("Some routers share an address with another ISP's router.")
