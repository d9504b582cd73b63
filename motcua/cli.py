"""The ``motcua`` command: one sub-command per role, plus the demo.

::

    motcua hub --config hub.toml
    motcua dispenser --config /etc/motcua/dispenser.toml
    MOTCUA_CONFIG=counter.toml motcua counter
    motcua user add lan.nt --role officer --name "Nguyễn Thị Lan" --config hub.toml
    motcua provision centre.toml --out provisioned/thanhhoa
    motcua trial trial/thanhhoa      # (provisioned with --one-machine)
    motcua queue load central/samples/thanhhoa.toml --config hub.toml
    motcua ingest --config hub.toml --name 1     # a province's extra ingest worker
    motcua demo

A role's package is imported only when its sub-command runs, so a dispenser Pi
never imports the kiosk's OpenCV; the hub's and the demo's commands are their
own packages' command lines (``python -m central``, ``python -m demo``), to
which ``motcua`` hands its process over: it never imports the hub.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from . import __version__, logs
from .config import ConfigError, load

# Commands of the hub and of the demo: motcua hands its process over to their own
# command line (``python -m central``, ``python -m demo``), so the package every
# Pi installs never imports the hub (a node's Pi has no Flask).
HANDED_OVER = {
    "hub": ("central", "the central hub: web app and MQTT gateway"),
    "user": ("central", "people who sign in to the hub: add, password, list"),
    "queue": ("central", "the queue's setup: load a centre from TOML/JSON"),
    "ingest": ("central", "a province's extra ingest worker: centres' summaries into its store"),
    "demo": ("demo", "a whole centre on this machine, on fake hardware"),
}
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
    for name, (_, text) in HANDED_OVER.items():
        # Listed here for --help; their arguments are their own command line's.
        sub.add_parser(name, help=text, add_help=False)
    for role, (_, _, text) in NODE_ROLES.items():
        p = sub.add_parser(role, help=text)
        p.add_argument("--config", help="TOML file (default: $MOTCUA_CONFIG)")
        p.add_argument("--fake-hardware", action="store_true",
                       help="mock pins, fake printer/display/sound, keyboard keys for buttons "
                            "(sets simulate = true)")
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
    return parser


def hand_over(command: str, args: list[str]) -> NoReturn:
    """Run ``command`` as its own package's command line, in this process (exec)."""
    package = HANDED_OVER[command][0]
    os.execv(sys.executable, [sys.executable, "-m", package, *
                              ([command] if package == "central" else []), *args])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in HANDED_OVER:
        hand_over(argv[0], argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "provision":
            # Lazy: provisioning (cryptography, the provision extra) is for the
            # installer's machine, not a node.
            from .provision.cli import provision_command

            return provision_command(args)
        if args.command == "trial":
            from .provision.local import trial_command  # lazy, as provision

            return trial_command(args)
        module, name, _ = NODE_ROLES[args.command]
        node_class = getattr(importlib.import_module(module), name)
        config = load(node_class.config_class, args.config)
        if args.fake_hardware:
            config.simulate = True
        logs.setup(config.log_level, config.node_id)
        node_class(config).run()
        return 0
    except ConfigError as exc:
        print(f"motcua {args.command}: configuration error: {exc}", file=sys.stderr)
        return 2
