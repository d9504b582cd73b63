"""``motcua user``: manage the people who sign in to the hub, from a shell.

::

    motcua user add lan.nt --role officer --name "Nguyễn Thị Lan" --config hub.toml
    motcua user password lan.nt --config hub.toml
    motcua user list --config hub.toml

The password is asked twice at a terminal, or read from standard input
(one line) when piped, so it never appears on a command line.
"""

from __future__ import annotations

import getpass
import sys

from motcua.config import load

from .accounts import users
from .config import HubConfig
from .errors import Refused
from .queue import setup
from .store import Store


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        raise Refused("mismatch", "Hai lần nhập mật khẩu không khớp.")
    return first


def user_command(args) -> int:
    config = load(HubConfig, args.config)
    store = Store(config.database)
    try:
        if args.action == "list":
            for u in users.list_users(store):
                state = "" if u["active"] else " (đã khóa)"
                print(f"{u['username']:<20} {u['role_name']:<10} {u['full_name']}{state}")
        elif args.action == "add":
            if not args.role or not args.name:
                print("motcua user add: cần --role và --name", file=sys.stderr)
                return 2
            users.create_user(store, args.username, args.name, args.role, _read_password(),
                              actor="shell")
            print(f"Đã tạo người dùng {args.username}.")
        elif args.action == "password":
            users.set_password(store, args.username, _read_password(), actor="shell")
            print(f"Đã đổi mật khẩu của {args.username}.")
        return 0
    except Refused as refusal:
        print(f"motcua user: {refusal.message}", file=sys.stderr)
        return 1
    finally:
        store.close()


def queue_command(args) -> int:
    """``motcua queue load FILE``: the centre's services, counters, officers."""
    config = load(HubConfig, args.config)
    store = Store(config.database)
    try:
        password = sys.stdin.readline().rstrip("\n") if args.officer_password_stdin else None
        for path in args.file:
            counts = setup.load_file(store, path, actor="shell",
                                     create_officers_password=password)
            print(f"{path}: đã nạp " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    except Refused as refusal:
        print(f"motcua queue: {refusal.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"motcua queue: không đọc được tệp: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
