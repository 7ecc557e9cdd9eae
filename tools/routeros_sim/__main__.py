"""``python -m tools.routeros_sim``: a simulated MikroTik router for the demo and for tests.

    python -m tools.routeros_sim --port 8728 --state var/router1.json \\
        --user admin --password secret [--host 127.0.0.1] [--empty] [--ros-version 7.16.2]

The state file keeps the router's configuration (secrets, profiles, pools, RADIUS…) across
restarts. Prints ``routeros_sim listening on HOST:PORT`` once ready; SIGTERM or Ctrl-C stops
it (exit status 0). Faults can be switched on from the start, e.g. ``--delay 2`` (every
command), ``--delay /ppp/secret/add=2``, ``--trap /ppp/secret/add="failure: busy"``,
``--fatal /system/resource/print``, ``--drop /ppp/secret/print``, ``--api-disabled``,
``--reject-login``; the state file's ``"faults"`` section is read as well.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from .faults import Faults
from .simulator import Simulator
from .tls import server_context


def _split(value: str, what: str) -> tuple[str | None, str]:
    command, sep, rest = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{what} wants COMMAND=VALUE, got {value!r}")
    return (None if command in ("", "*") else command), rest


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.routeros_sim",
        description="A simulated MikroTik router speaking the RouterOS API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8728, help="port (0: any free port)")
    parser.add_argument("--state", metavar="FILE", help="JSON file that keeps the state")
    parser.add_argument("--user", default="admin", help="API user name (admin)")
    parser.add_argument(
        "--password",
        default=os.environ.get("ROUTEROS_SIM_PASSWORD", ""),
        help="API password (default: $ROUTEROS_SIM_PASSWORD, else empty)",
    )
    parser.add_argument(
        "--empty",
        action="store_true",
        default=None,
        help="answer an empty print with !empty before !done (RouterOS 7.18+; "
        "default: on when --ros-version is 7.18 or later)",
    )
    parser.add_argument("--ros-version", default="7.16.2", help="RouterOS version (7.16.2)")
    parser.add_argument("--identity", help="/system/identity name (kept in the state file)")
    parser.add_argument("--board-name", default="RB4011iGS+", help="board name (RB4011iGS+)")
    parser.add_argument(
        "--stream-interval", type=float, default=1.0, help="seconds between stream replies"
    )
    parser.add_argument(
        "--delay",
        action="append",
        default=[],
        metavar="[COMMAND=]SECONDS",
        help="answer COMMAND (default: every command) after SECONDS",
    )
    parser.add_argument(
        "--trap",
        action="append",
        default=[],
        metavar="COMMAND=MESSAGE",
        help="answer COMMAND with !trap MESSAGE",
    )
    parser.add_argument(
        "--fatal",
        action="append",
        default=[],
        metavar="COMMAND=MESSAGE",
        help="answer COMMAND with !fatal MESSAGE and close",
    )
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COMMAND",
        help="send half of COMMAND's reply, then close the connection",
    )
    parser.add_argument(
        "--api-disabled", action="store_true", help="close every connection at once"
    )
    parser.add_argument("--reject-login", action="store_true", help="refuse every login")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve API-SSL with this certificate")
    parser.add_argument("--tls-key", metavar="PEM", help="the certificate's private key")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command")
    return parser.parse_args(argv)


def apply_faults(faults: Faults, args: argparse.Namespace) -> None:
    for value in args.delay:
        if "=" in value:
            command, seconds = _split(value, "--delay")
        else:
            command, seconds = None, value
        faults.delay(command, float(seconds))
    for value in args.trap:
        command, message = _split(value, "--trap")
        faults.trap(command, message or "failure: simulated fault")
    for value in args.fatal:
        command, message = _split(value, "--fatal")
        faults.fatal(command, message or "simulated fatal error")
    for command in args.drop:
        faults.drop(None if command in ("", "*") else command)
    if args.api_disabled:
        faults.api_disabled = True
    if args.reject_login:
        faults.reject_login = True


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format="[routeros_sim] %(message)s",
        )
        context = None
        if args.tls_cert or args.tls_key:
            if not (args.tls_cert and args.tls_key):
                raise ValueError("--tls-cert and --tls-key go together")
            context = server_context(args.tls_cert, args.tls_key)
        sim = Simulator(
            args.user,
            args.password,
            state_file=args.state,
            empty_mode=args.empty,
            ros_version=args.ros_version,
            host=args.host,
            port=args.port,
            identity=args.identity,
            board_name=args.board_name,
            stream_interval=args.stream_interval,
            ssl_context=context,
        )
        apply_faults(sim.faults, args)
    except (argparse.ArgumentTypeError, ValueError, OSError) as exc:
        print(f"routeros_sim: {exc}", file=sys.stderr)
        return 2

    def ready(running: Simulator) -> None:
        print(
            f"routeros_sim listening on {running.host}:{running.port} "
            f"(RouterOS {running.ros_version}, user {running.username})",
            flush=True,
        )

    try:
        sim.run(ready)
    except OSError as exc:
        print(f"routeros_sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
