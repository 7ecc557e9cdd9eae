"""manage.py radius_config --out DIR: render our FreeRADIUS configuration."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from netbill.radius.config import ConfigError, render_config


class Command(BaseCommand):
    help = (
        "Render deploy/freeradius/ into DIR with this site's database credentials "
        "(PostgreSQL only); then run `freeradius -f -d DIR`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="Directory to write.")
        parser.add_argument("--listen", default="*", help="Address to listen on (default *).")
        parser.add_argument("--auth-port", type=int, default=1812)
        parser.add_argument("--acct-port", type=int, default=1813)
        parser.add_argument(
            "--coa-port",
            type=int,
            default=None,
            help="Also listen for CoA here and NAK it (CoA goes from netbill to routers).",
        )
        parser.add_argument("--database", default="default", help="DATABASES alias.")

    def handle(self, *args, **options):
        try:
            database = settings.DATABASES[options["database"]]
        except KeyError as exc:
            raise CommandError(f"No database alias {options['database']!r}.") from exc
        try:
            files = render_config(
                options["out"],
                database=database,
                listen=options["listen"],
                auth_port=options["auth_port"],
                acct_port=options["acct_port"],
                coa_port=options["coa_port"],
            )
        except ConfigError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {len(files)} files to {options['out']}.")
        self.stdout.write(f"Start it with: freeradius -f -d {options['out'].resolve()}")
