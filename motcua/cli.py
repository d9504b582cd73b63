"""The ``motcua`` command: one sub-command per role, plus the demo.

::

    motcua hub --config hub.toml
    motcua dispenser --config /etc/motcua/dispenser.toml
    MOTCUA_CONFIG=counter.toml motcua counter
    motcua user add lan.nt --role officer --name "Nguyễn Thị Lan" --config hub.toml
    motcua provision centre.toml --out provisioned/thanhhoa
    motcua trial trial/thanhhoa      # (provisioned with --one-machine)
    motcua queue load central/samples/thanhhoa.toml --config hub.toml
    motcua demo

A role's package is imported only when its sub-command runs, so a dispenser Pi
never imports the hub's Flask, nor the kiosk's OpenCV.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .config import ConfigError, load

# role -> (module, class): imported only when that role runs.
NODE_ROLES = {
    "dispenser": ("dispenser.node", "Dispenser", "ticket dispenser (máy lấy số)"),
    "counter": ("counter.node", "Counter", "counter terminal (thiết bị quầy)"),
    "display": ("display.node", "HallDisplay", "hall display (màn hình sảnh)"),
    "kiosk": ("kiosk.node", "Kiosk", "touch kiosk (kiosk tra cứu)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motcua", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"motcua {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    hub = sub.add_parser("hub", help="the central hub: web app and MQTT gateway")
    hub.add_argument("--config", help="TOML file (default: $MOTCUA_CONFIG)")
    ingest = sub.add_parser(
        "ingest", help="a province's extra ingest worker: centres' summaries into its store")
    ingest.add_argument("--config", help="the provincial hub's TOML file (default: $MOTCUA_CONFIG)")
    ingest.add_argument("--name", required=True,
                        help="this worker's name, unique in the province (its MQTT session)")
    for role, (_, _, text) in NODE_ROLES.items():
        p = sub.add_parser(role, help=text)
        p.add_argument("--config", help="TOML file (default: $MOTCUA_CONFIG)")
        p.add_argument("--fake-hardware", action="store_true",
                       help="mock pins, fake printer/display/sound, keyboard keys for buttons "
                            "(sets simulate = true)")
    user = sub.add_parser("user", help="people who sign in to the hub: add, password, list")
    user.add_argument("action", choices=["add", "password", "list"])
    user.add_argument("username", nargs="?")
    user.add_argument("--role", choices=["admin", "supervisor", "officer"])
    user.add_argument("--name", help="full name, in Vietnamese")
    user.add_argument("--config", help="the hub's TOML file (default: $MOTCUA_CONFIG)")
    prov = sub.add_parser(
        "provision", help="a centre's CA, certificates, passwords, ACL, configs, Ansible inventory")
    prov.add_argument("inventory", help="the centre's inventory (TOML)")
    prov.add_argument("--out", required=True,
                      help="output folder (keep it off the repository: e.g. provisioned/<centre>)")
    prov.add_argument("--rotate", action="append", default=[], metavar="NAME",
                      help="replace this secret: a node id, hub, server or province (repeatable)")
    prov.add_argument("--one-machine", action="store_true",
                      help="the whole centre in --out with relative paths, to try it on this "
                           "machine with `motcua trial` (not for Ansible)")
    trial = sub.add_parser("trial", help="start a centre provisioned with --one-machine: "
                                         "broker, hub, every node on fake hardware")
    trial.add_argument("folder", help="the --out folder of `motcua provision --one-machine`")
    queue = sub.add_parser("queue", help="the queue's setup: load a centre from TOML/JSON")
    queue.add_argument("action", choices=["load"])
    queue.add_argument("file", nargs="+",
                       help="setup files, loaded in order (e.g. central/samples/thanhhoa.toml)")
    queue.add_argument("--officer-password-stdin", action="store_true",
                       help="create the file's officers with the password read from stdin")
    queue.add_argument("--config", help="the hub's TOML file (default: $MOTCUA_CONFIG)")
    demo = sub.add_parser("demo", help="a whole centre on this machine, on fake hardware")
    demo.add_argument("--http-port", type=int, default=8080, help="hub web port (default 8080)")
    demo.add_argument("--dir", default="var/demo", help="where the demo keeps its files")
    demo.add_argument("--speed", type=float, default=10.0,
                      help="how many times faster than real time the day runs (default 10)")
    demo.add_argument("--resume", action="store_true",
                      help="keep the last demo's centre (tickets, dossiers) instead of a fresh one")
    demo.add_argument("--seed", type=int, help="random seed of the simulated citizens and officers")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "hub":
            hub_config = importlib.import_module("central.config").HubConfig
            importlib.import_module("central.serve").run(load(hub_config, args.config))
            return 0
        if args.command == "ingest":
            hub_config = load(importlib.import_module("central.config").HubConfig, args.config)
            if hub_config.role not in ("province", "national"):
                print("motcua ingest: only for a provincial or national hub "
                      "(role = \"province\" or \"national\")", file=sys.stderr)
                return 2
            importlib.import_module("central.province.workers").run(hub_config, args.name)
            return 0
        if args.command == "user":
            if args.action != "list" and not args.username:
                print("motcua user: cần tên đăng nhập (username)", file=sys.stderr)
                return 2
            return importlib.import_module("central.manage").user_command(args)
        if args.command == "provision":
            from .provision.cli import provision_command

            return provision_command(args)
        if args.command == "trial":
            from .provision.local import trial_command

            return trial_command(args)
        if args.command == "queue":
            return importlib.import_module("central.manage").queue_command(args)
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(http_port=args.http_port, directory=args.dir, speed=args.speed,
                            resume=args.resume, seed=args.seed)
        module, name, _ = NODE_ROLES[args.command]
        node_class = getattr(importlib.import_module(module), name)
        config = load(node_class.config_class, args.config)
        if args.fake_hardware:
            config.simulate = True
        from . import logs

        logs.setup(config.log_level, config.node_id)
        node_class(config).run()
        return 0
    except ConfigError as exc:
        print(f"motcua {args.command}: configuration error: {exc}", file=sys.stderr)
        return 2
