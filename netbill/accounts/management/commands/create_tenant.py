"""manage.py create_tenant: create an ISP with its root operator and first Group Admin."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from netbill.accounts.services import tenant_onboard
from netbill.core.exceptions import BusinessRuleError


class Command(BaseCommand):
    help = "Create an ISP (tenant) and its first Group Admin."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="ISP name")
        parser.add_argument("--slug", required=True, help="short name (letters, digits, -)")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-mobile", default="")
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--admin-name", default="")
        parser.add_argument(
            "--admin-password",
            default=None,
            help="Group Admin password; else $NETBILL_ADMIN_PASSWORD, else asked for.",
        )

    def handle(self, *args, **opts):
        password = opts["admin_password"] or os.environ.get("NETBILL_ADMIN_PASSWORD")
        if not password:
            if not os.isatty(0):
                raise CommandError("Give --admin-password or set NETBILL_ADMIN_PASSWORD.")
            password = getpass.getpass("Group Admin password: ")
        try:
            tenant, admin = tenant_onboard(
                name=opts["name"],
                slug=opts["slug"],
                admin_username=opts["admin_username"],
                admin_password=password,
                admin_name=opts["admin_name"],
                admin_mobile=opts["admin_mobile"],
                admin_email=opts["admin_email"],
                by=None,
            )
        except BusinessRuleError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created ISP {tenant.name} (id {tenant.pk}, slug {tenant.slug}); "
                f"Group Admin {admin.username}."
            )
        )
