"""The hub's command line: ``motcua hub``, ``motcua user``, ``motcua queue``.

``motcua`` (the package every Pi installs) hands its process over to this one
for these commands, so it never imports the hub itself::

    python -m central hub --config hub.toml          # what `motcua hub` runs
    python -m central user add lan.nt --role officer --name "Nguyễn Thị Lan" --config hub.toml
    python -m central queue load central/samples/thanhhoa.toml --config hub.toml
    python -m central ingest --config hub.toml --name 1   # a province's ingest worker
"""

from __future__ import annotations

import argparse
import sys

from motcua.config import ConfigError, load

from .accounts.users import ROLES
from .config import HubConfig


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motcua", description="the central hub")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    hub = sub.add_parser("hub", help="the central hub: web app and MQTT gateway")
    hub.add_argument("--config", help="TOML file (default: $MOTCUA_CONFIG)")
    user = sub.add_parser("user", help="people who sign in to the hub: add, password, list")
    user.add_argument("action", choices=["add", "password", "list"])
    user.add_argument("username", nargs="?")
    user.add_argument("--role", choices=list(ROLES))
    user.add_argument("--name", help="full name, in Vietnamese")
    user.add_argument("--config", help="the hub's TOML file (default: $MOTCUA_CONFIG)")
    queue = sub.add_parser("queue", help="the queue's setup: load a centre from TOML/JSON")
    queue.add_argument("action", choices=["load"])
    queue.add_argument("file", nargs="+",
                       help="setup files, loaded in order (e.g. central/samples/thanhhoa.toml)")
    queue.add_argument("--officer-password-stdin", action="store_true",
                       help="create the file's officers with the password read from stdin")
    queue.add_argument("--config", help="the hub's TOML file (default: $MOTCUA_CONFIG)")
    ingest = sub.add_parser(
        "ingest", help="a province's extra ingest worker: centres' summaries into its store")
    ingest.add_argument("--config", help="the provincial hub's TOML file (default: $MOTCUA_CONFIG)")
    ingest.add_argument("--name", required=True,
                        help="this worker's number, 1 to the inventory's ingest_workers "
                             "(its broker user ingest-N and its MQTT session)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        # Each command imports only what it runs: `user` and `queue` start no web
        # server and no gateway.
        if args.command == "hub":
            from . import serve  # lazy: this command's own modules only

            serve.run(load(HubConfig, args.config))
            return 0
        if args.command == "ingest":
            from .province import workers  # lazy, as serve

            config = load(HubConfig, args.config)
            if config.role not in ("province", "national"):
                print("motcua ingest: only for a provincial or national hub "
                      '(role = "province" or "national")', file=sys.stderr)
                return 2
            workers.run(config, args.name)
            return 0
        from . import manage  # lazy, as serve

        if args.command == "user":
            if args.action != "list" and not args.username:
                print("motcua user: cần tên đăng nhập (username)", file=sys.stderr)
                return 2
            return manage.user_command(args)
        return manage.queue_command(args)
    except ConfigError as exc:
        print(f"motcua {args.command}: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
