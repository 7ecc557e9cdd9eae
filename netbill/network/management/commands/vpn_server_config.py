"""manage.py vpn_server_config: the platform's WireGuard server configuration.

Every active VPN account of every ISP becomes a [Peer]; load the output with
`wg setconf <interface> <file>` (or `wg syncconf` to update a running server). This is
platform-level (one server for every ISP), so it reads across tenants on purpose.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from netbill.core.exceptions import BusinessRuleError
from netbill.network.services.vpn import server_config


class Command(BaseCommand):
    help = "Print the VPN server's WireGuard configuration (every ISP's routers)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="write to this file (mode 600) instead of stdout")

    def handle(self, *args, **opts):
        try:
            text = server_config()
        except BusinessRuleError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if opts["output"]:
            fd = os.open(opts["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {opts['output']}.")
        else:
            self.stdout.write(text, ending="")
