"""Each Pi carries only its role: node packages never import the hub or each other."""

import ast
import re
import subprocess
import sys
import tomllib

import pytest

from .conftest import PROJECT

NODE_PACKAGES = ["dispenser", "counter", "display", "kiosk"]
HEAVY = {"flask", "cv2", "sqlite_utils", "waitress", "central", "pygame", "werkzeug"}
# What each node package may import besides the standard library, motcua and itself:
# the distributions of its own extra, by import name.
ALLOWED = {
    # serial: pyserial, in the extra for serial printers and the check-in scanner (issue 26).
    "dispenser": {"gpiozero", "escpos", "PIL", "qrcode", "serial"},
    "counter": {"gpiozero", "PIL", "luma"},
    # rgbmatrix: rpi-rgb-led-matrix's binding, built by provisioning on the Pi only.
    "display": {"pygame", "PIL", "rgbmatrix"},
    "kiosk": {"pygame", "cv2", "pyzbar", "numpy", "PIL", "qrcode"},
}
STAYS_LIGHT = {
    "motcua": HEAVY,
    "dispenser": HEAVY,
    "counter": HEAVY,
    "display": HEAVY - {"pygame"},
    "kiosk": {"flask", "sqlite_utils", "waitress", "central", "werkzeug"},
}


@pytest.mark.parametrize("package", sorted(STAYS_LIGHT))
def test_importing_a_role_pulls_in_nothing_heavy(package):
    code = (
        f"import sys, {package}, motcua.cli; "
        f"print(sorted(m for m in {sorted(STAYS_LIGHT[package])!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=PROJECT)
    assert result.stdout.strip() == "[]", f"{package} imported {result.stdout.strip()}"


def imports_of(package):
    """(file, top-level module) for every module ``package`` imports, by statement or by name.

    By name: ``importlib.import_module("x")``, ``import_module("x")``, ``__import__("x")``
    and ``importlib.util.find_spec("x")`` with a literal name. A call whose name is
    not a literal is yielded as ``"?"`` (only the node launcher may do that, see
    :func:`test_only_the_launcher_imports_by_a_computed_name`).
    """
    for path in (PROJECT / package).rglob("*.py"):
        yield from ((path, m) for m in imports_in(path.read_text(encoding="utf-8")))


LOADERS = {"import_module", "__import__", "find_spec", "run_module"}


def imports_in(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module.split(".")[0])
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in LOADERS or not node.args:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(arg.value.split(".")[0])
            else:
                found.append("?")
    return found


def test_the_check_sees_imports_by_name():
    # What the rule catches, shown on sources a careless change could bring in.
    assert imports_in('import importlib\nimportlib.import_module("central.store")') == [
        "importlib", "central"]
    assert "central" in imports_in('from importlib import import_module as load\n'
                                   'import_module("central.serve")')
    assert "central" in imports_in('users = __import__("central.accounts.users")')
    assert "central" in imports_in('import importlib.util\n'
                                   'importlib.util.find_spec("central.web")')
    assert "?" in imports_in('import importlib\nname = "central"\nimportlib.import_module(name)')
    assert "central" not in imports_in('# importlib.import_module("central") in a comment\n'
                                       'TEXT = "central.store"')


@pytest.mark.parametrize("package", ["motcua", *NODE_PACKAGES])
def test_shared_and_node_packages_never_load_the_hub_or_the_demo(package, tmp_path):
    wrong = {(p.relative_to(PROJECT).as_posix(), m) for p, m in imports_of(package)
             if m in {"central", "demo"}}
    assert not wrong, f"{package} imports the hub or the demo: {sorted(wrong)}"


def test_the_rule_fails_on_an_importlib_of_the_hub(tmp_path, monkeypatch):
    # The same check over a copy of motcua/ with one bad line added to a module.
    import shutil

    shutil.copytree(PROJECT / "motcua", tmp_path / "motcua")
    bad = tmp_path / "motcua" / "clock.py"
    bad.write_text(bad.read_text(encoding="utf-8") + '\n\ndef _hub():\n'
                   '    import importlib\n\n'
                   '    return importlib.import_module("central.store")\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PROJECT", tmp_path)
    with pytest.raises(AssertionError, match="motcua/clock.py"):
        test_shared_and_node_packages_never_load_the_hub_or_the_demo("motcua", tmp_path)


def test_only_the_launcher_imports_by_a_computed_name():
    # motcua.cli starts a node's role by its module name (NODE_ROLES), and nothing else
    # is loaded by a computed name; the hub and the demo are handed the process over
    # (python -m central, python -m demo), never imported.
    from motcua.cli import HANDED_OVER, NODE_ROLES

    computed = {p.relative_to(PROJECT).as_posix() for package in ["motcua", *NODE_PACKAGES]
                for p, m in imports_of(package) if m == "?"}
    assert computed == {"motcua/cli.py"}
    assert {module.split(".")[0] for module, _, _ in NODE_ROLES.values()} == set(NODE_PACKAGES)
    assert {package for package, _ in HANDED_OVER.values()} == {"central", "demo"}


@pytest.mark.parametrize("package", NODE_PACKAGES)
def test_node_packages_import_only_motcua_their_own_and_their_extra(package):
    allowed = {"motcua", package} | ALLOWED[package] | set(sys.stdlib_module_names)
    wrong = {(p.relative_to(PROJECT).as_posix(), m) for p, m in imports_of(package)
             if m not in allowed and m != "?"}
    assert not wrong, f"{package} imports outside its role: {sorted(wrong)}"


def test_motcua_imports_no_node_and_no_hub():
    wrong = {m for _, m in imports_of("motcua")
             if m in {"central", "demo", *NODE_PACKAGES, "flask", "sqlite_utils", "waitress"}}
    # motcua.cli imports a node's role lazily by a computed name, never by statement.
    assert not wrong


def test_every_role_has_an_extra_and_a_subcommand():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert {"hub", *NODE_PACKAGES, "dev", "all"} <= set(extras)
    assert not any("flask" in d.lower() for role in NODE_PACKAGES for d in extras[role])
    assert not any("opencv" in d for d in extras["dispenser"] + extras["counter"])
    help_text = subprocess.run([sys.executable, "-m", "motcua", "--help"], capture_output=True,
                               text=True, check=True).stdout
    for command in ["hub", "user", "queue", *NODE_PACKAGES, "demo"]:
        assert command in help_text


SQL = re.compile(r"\b(select\b.+\bfrom|insert\s+into|update\s+\w+\s+set|delete\s+from)\b",
                 re.IGNORECASE | re.DOTALL)


def sql_in(source: str) -> list[str]:
    """SQL text and database calls of a module: what a client of the hub must not have."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(
                node.value):
            found.append(node.value.strip().splitlines()[0])
        elif isinstance(node, ast.Attribute) and node.attr in {"execute", "executemany",
                                                                 "query", "connect"}:
            found.append(f".{node.attr}(")
    return found


def test_the_demo_drives_the_hub_only_through_its_services():
    assert sorted(sql_in('db.query("select id from procedures where current = 1")')) == [
        ".query(", "select id from procedures where current = 1"]
    assert sql_in('import sqlite3\nsqlite3.connect("hub.db")') == [".connect("]
    assert sql_in('print("Select a counter from the list")') == [
        "Select a counter from the list"]  # the rule is strict: words in English too
    found = {(p.relative_to(PROJECT).as_posix(), s) for p in (PROJECT / "demo").rglob("*.py")
             for s in sql_in(p.read_text(encoding="utf-8"))}
    assert not found, f"the demo reaches around the hub's services: {sorted(found)}"


def provisioned_debian_packages(role):
    """What the playbook installs on a machine of this role: system-packages.sh plus group_vars."""
    group_vars = (PROJECT / "provisioning" / "group_vars" / "all.yml").read_text()
    extra = group_vars.split("motcua_extra_packages:", 1)[1]
    words = re.search(rf"^  {role}: \[([^\]]*)\]", extra, re.M).group(1).replace(",", " ").split()
    return (role_debian_packages(role) | set(words)) - {"python3", "python3-venv"}


def role_debian_packages(role):
    """What ``provisioning/system-packages.sh <role>`` installs (dev: with its last line)."""
    script = (PROJECT / "provisioning" / "system-packages.sh").read_text()
    variables = dict(re.findall(r'^(\w+)="([^"]*)"', script, re.M))
    line = re.search(rf"^\s*{role}\)\s*pkgs=\"([^\"]*)\"", script, re.M).group(1)
    words = []
    for word in line.split():
        words += variables[word[1:]].split() if word.startswith("$") else [word]
    if role == "dev":
        last = re.search(r'\[ "\$role" = dev \] && pkgs="\$pkgs ([^"]*)"', script)
        words += last.group(1).split()
    return set(words)


# What a role needs for its hardware or to build where PyPI has no wheel: not on a
# machine that runs it on fake hardware (the demo, the tests).
HARDWARE_OR_BUILD = {"python3-lgpio", "python3-spidev", "alsa-utils", "v4l-utils",
                     "gammu", "libgammu-dev", "pkg-config"}


def test_the_demo_installs_what_every_role_it_runs_needs_and_the_tests_what_the_demo_does():
    """make demo runs the hub and every node on one machine: each role's run-time packages
    (a blank Debian 12 without libglib2.0-0 has no pygame mixer, so no hall voice; without
    libfribidi0 Pillow lays out every ticket differently), and make test runs the demo."""
    needed = set().union(*(provisioned_debian_packages(r) for r in ["hub", *NODE_PACKAGES]))
    needed -= HARDWARE_OR_BUILD
    demo = role_debian_packages("demo")
    assert needed - demo == set()
    assert {"libfribidi0", "libglib2.0-0"} <= needed  # what the check is for
    assert demo - role_debian_packages("dev") == set()


@pytest.mark.parametrize("role", ["hub", *NODE_PACKAGES])
def test_operations_names_the_debian_packages_each_role_is_provisioned_with(role):
    """A technician installing a Pi by hand reads this table (docs/operations.md)."""
    doc = (PROJECT / "docs" / "operations.md").read_text(encoding="utf-8")
    row = re.search(rf"^\| {role}\b[^\n]*", doc, re.M).group(0)
    named = re.sub(r"\([^)]*\)", "", row.strip("| ").split("|")[-1])
    packages = set(re.findall(r"[a-z0-9][a-z0-9.+-]*[a-z0-9]", named))
    assert packages == provisioned_debian_packages(role)


@pytest.mark.parametrize("role", NODE_PACKAGES)
def test_the_readme_installs_a_pi_by_hand_as_the_playbook_does(role):
    """The venv must see the OS's python3-lgpio and python3-spidev (no PyPI wheel for them)."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"by hand on Raspberry Pi OS 64-bit.*?```sh\n(.*?)```", readme, re.S).group(1)
    lines = [line.split("#")[0].split() for line in block.splitlines()]
    example = next(line[-1] for line in lines if line[:2] == ["sudo", "sh"])
    assert ["sudo", "sh", "provisioning/system-packages.sh", example] in lines
    assert ["python3", "-m", "venv", "--system-site-packages", ".venv"] in lines
    assert [".venv/bin/pip", "install", f"'.[{example}]'"] in lines
    group_vars = (PROJECT / "provisioning" / "group_vars" / "all.yml").read_text()
    if "python3-lgpio" in re.search(rf"^  {role}: \[([^\]]*)\]",
                                    group_vars.split("motcua_extra_packages:", 1)[1],
                                    re.M).group(1):
        apt = next(line for line in lines if line[:3] == ["sudo", "apt-get", "install"])
        assert "python3-lgpio" in apt
        comment = re.search(r"python3-lgpio\s+#([^\n]*)", block).group(1)
        assert role in comment


def test_a_hub_at_work_on_its_queue_loads_no_pillow_qrcode_or_holidays(tmp_path):
    """A commune's hub on a small machine (issue 25): the web app made, the gateway's
    routes and the working calendar asked about a day of a year the shipped table
    confirms (what the supervision and booking tickers ask all day) load neither
    Pillow and qrcode (~7 MiB: a booking's QR loads them when first shown) nor the
    holidays package (~9 MiB: for years no text confirms)."""
    code = f"""
import datetime as dt, sys
from central.bus import gateway, routes
from central.calendar.working_calendar import calendar_for
from central.config import HubConfig
from central.store import Store
from central.web.app import create_app
from motcua import clock
from motcua.config import load
config = load(HubConfig, {str(tmp_path / "hub.toml")!r})
store = Store(config.database)
create_app(config, store=store)
calendar = calendar_for(store.db, config)
year = clock.today().year
assert year in calendar.checked_years, calendar.checked_years
calendar.is_working_day(dt.date(year, 3, 2)), calendar.holiday_name(dt.date(year, 9, 2))
print(sorted(m for m in ("PIL", "qrcode", "holidays") if m in sys.modules))
"""
    (tmp_path / "hub.toml").write_text(f'center = "c"\ndatabase = "{tmp_path / "hub.db"}"\n',
                                       encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=PROJECT)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
