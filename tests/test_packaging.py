"""Each Pi carries only its role: node packages never import the hub or each other."""

import ast
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
    "dispenser": {"gpiozero", "escpos", "PIL", "qrcode"},
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
    for path in (PROJECT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module.split(".")[0]


@pytest.mark.parametrize("package", NODE_PACKAGES)
def test_node_packages_import_only_motcua_their_own_and_their_extra(package):
    allowed = {"motcua", package} | ALLOWED[package] | set(sys.stdlib_module_names)
    wrong = {(p.relative_to(PROJECT).as_posix(), m) for p, m in imports_of(package)
             if m not in allowed}
    assert not wrong, f"{package} imports outside its role: {sorted(wrong)}"


def test_motcua_imports_no_node_and_no_hub():
    wrong = {m for _, m in imports_of("motcua")
             if m in {"central", *NODE_PACKAGES, "flask", "sqlite_utils", "waitress"}}
    # motcua.cli imports roles lazily, by name (importlib), never with an import statement.
    assert not wrong


def test_every_role_has_an_extra_and_a_subcommand():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert {"hub", *NODE_PACKAGES, "dev", "all"} <= set(extras)
    assert not any("flask" in d.lower() for role in NODE_PACKAGES for d in extras[role])
    assert not any("opencv" in d for d in extras["dispenser"] + extras["counter"])
    help_text = subprocess.run([sys.executable, "-m", "motcua", "--help"], capture_output=True,
                               text=True, check=True).stdout
    for command in ["hub", *NODE_PACKAGES, "demo"]:
        assert command in help_text
