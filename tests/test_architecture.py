"""The rooms of the hub and the imports allowed between them (docs/architecture.md).

A room imports only rooms on a lower floor: the services never reach up into
the bus adapter or the web, the store never into a service, so the house has
no circles and a new upward arrow fails here. The shared package and the node
packages have their own rule (tests/test_packaging.py); the demo is a client
of the hub's services.
"""

import ast
import shutil
from pathlib import Path

import pytest

from .conftest import PROJECT

# Floor of each room of central/ (a package, or a module at central/'s top).
FLOORS = {
    # the ground: what every room may use
    "errors": 0, "alarms": 0, "config": 0, "documents": 0, "store": 0,
    "accounts": 1,                                   # who signs in, the audit log
    "calendar": 2, "catalog": 2, "devices": 2,       # the centre's setup and time
    "queue": 3, "dossiers": 3, "feedback": 3,        # the services of the floor
    "appointments": 4, "statistics": 4,             # what reads the services
    "sms": 5, "province": 5,                         # notices of them all; many centres
    "bus": 6,                                        # the adapters: MQTT ...
    "web": 7,                                        # ... and the web
    "serve": 8, "manage": 8, "__init__": 8,          # the doors: serving, shell, create_app
    "__main__": 9,                                   # the command line over them
}
# Allowed although not downward, each with its reason.
EXCEPTIONS = {
    # The settings check a session string ("07:00-11:30") with the calendar's own
    # parser; working_time is pure (imports nothing of the hub on its import path).
    ("config", "calendar.working_time"),
}
# Rooms the demo may use: the services and the store, never the adapters or the doors.
DEMO_MAY_USE = {room for room, floor in FLOORS.items() if floor <= 4}


def imports_of(root: Path, package: str = "central"):
    """(file, room, imported module as 'central.x.y') for every import under ``root/package``.

    Imports inside functions count too: a lazy import is still an arrow.
    """
    base = root / package
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)  # ["central", "queue", "tickets"], ["central", "config"]
        pkg, room = parts[:-1], parts[1]  # the package a relative import starts from
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = pkg[: len(pkg) - (node.level - 1)]
                    module = ".".join(anchor + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if module == "central" or (module.startswith("central.") and
                                           module.count(".") == 1 and
                                           (root / "central" / module.split(".")[1]).is_dir()):
                    for alias in node.names:  # from central[.pkg] import room/module
                        yield path, room, f"{module}.{alias.name}"
                else:
                    yield path, room, module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, room, alias.name


def room_of(module: str) -> str | None:
    """'central.queue.commands' -> 'queue'; None outside central."""
    parts = module.split(".")
    if parts[0] != "central":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def upward(edges, floors=FLOORS, exceptions=EXCEPTIONS) -> list[str]:
    """The arrows that break the rule: to a room on the same floor or a higher one,
    or out of central/ into the demo or a node package."""
    wrong = []
    for where, room, module in edges:
        top = module.split(".")[0]
        if top in {"demo", "dispenser", "counter", "display", "kiosk"}:
            wrong.append(f"{where}: {room} imports {module} (the hub never imports {top})")
            continue
        target = room_of(module)
        if target is None or target == room:
            continue
        if target not in floors or room not in floors:
            wrong.append(f"{where}: {room} -> {target}: a room with no floor (add it to FLOORS)")
            continue
        inner = module.split(".", 1)[1] if "." in module else ""
        if any(room == a and inner.startswith(b) for a, b in exceptions):
            continue
        if floors[target] >= floors[room]:
            wrong.append(f"{where}: {room} (floor {floors[room]}) imports {module} "
                         f"(floor {floors[target]})")
    return wrong


def test_the_rule_on_made_up_arrows():
    edges = [("a.py", "queue", "central.store"),               # down: fine
             ("b.py", "store", "central.statistics.facts"),    # the old migration 0070
             ("c.py", "dossiers", "central.sms.notices"),      # reception calling SMS
             ("d.py", "queue", "central.dossiers"),            # same floor: no
             ("e.py", "web", "central.bus.gateway"),           # down: fine
             ("f.py", "catalog", "demo.centre"),               # the hub importing the demo
             ("g.py", "config", "central.calendar.working_time"),  # the one exception
             ("h.py", "config", "central.calendar.sources"),       # ... and not more
             ("i.py", "queue", "central.newroom")]             # a room nobody placed
    assert [w.split(":")[0] for w in upward(edges)] == ["b.py", "c.py", "d.py", "f.py", "h.py",
                                                         "i.py"]


def test_central_has_no_upward_import():
    wrong = upward(list(imports_of(PROJECT)))
    assert not wrong, "\n".join(map(str, wrong))


def test_an_upward_import_added_to_a_copy_fails(tmp_path):
    shutil.copytree(PROJECT / "central", tmp_path / "central",
                    ignore=shutil.ignore_patterns("static", "templates", "data", "samples"))
    service = tmp_path / "central" / "queue" / "tickets.py"
    service.write_text(service.read_text(encoding="utf-8")
                       + "\n\ndef _page():\n    from ..web import queue\n\n    return queue\n",
                       encoding="utf-8")
    wrong = upward(list(imports_of(tmp_path)))
    assert len(wrong) == 1 and "queue (floor 3) imports central.web.queue (floor 7)" in wrong[0]


def test_every_room_has_a_floor_and_says_what_it_may_import():
    rooms = {p.name for p in (PROJECT / "central").iterdir()
             if (p / "__init__.py").exists()} | {
        p.stem for p in (PROJECT / "central").glob("*.py")}
    assert rooms == set(FLOORS)
    for room in rooms:
        face = PROJECT / "central" / room / "__init__.py"
        if face.exists():
            doc = ast.get_docstring(ast.parse(face.read_text(encoding="utf-8"))) or ""
            assert "May import" in doc, f"central/{room}/__init__.py: say what it may import"


@pytest.mark.parametrize("package", ["demo"])
def test_the_demo_uses_the_services_not_the_adapters(package):
    used = {room_of(m) for _, _, m in imports_of(PROJECT, package)} - {None}
    assert used <= DEMO_MAY_USE, sorted(used - DEMO_MAY_USE)


def module_graph(root: Path, package: str = "central") -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (lazy imports too), each
    import resolved to the file it runs: ``central.queue.tickets``, or a
    package's ``__init__`` as ``central.queue``."""

    def resolve(module: str) -> str | None:
        parts = module.split(".")
        while parts:
            path = root.joinpath(*parts)
            if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
                return ".".join(parts)
            parts.pop()  # a name defined in the module or package above
        return None

    graph: dict[str, set[str]] = {}
    for path, _, module in imports_of(root, package):
        rel = path.relative_to(root).with_suffix("").parts
        source = ".".join(rel[:-1] if rel[-1] == "__init__" else rel)
        target = resolve(module) if module.split(".")[0] == package else None
        graph.setdefault(source, set())
        if target and target != source:
            graph[source].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_no_module_imports_itself_round_a_circle():
    """Inside a room too: two modules that import each other (even lazily) are
    one piece cut in two; the shared part belongs to the lower one."""
    found = circles(module_graph(PROJECT))
    assert not found, "\n".join(" -> ".join(c) for c in found)


def test_a_circle_added_to_a_copy_fails(tmp_path):
    shutil.copytree(PROJECT / "central", tmp_path / "central",
                    ignore=shutil.ignore_patterns("static", "templates", "data", "samples"))
    estimate = tmp_path / "central" / "queue" / "estimate.py"
    estimate.write_text(estimate.read_text(encoding="utf-8")
                        + "\n\ndef _ahead(db, t):\n    from .tickets import people_ahead\n\n"
                          "    return people_ahead(db, t)\n", encoding="utf-8")
    assert circles(module_graph(tmp_path)) == [["central.queue.estimate",
                                                 "central.queue.tickets"]]


# --- Imports inside functions -------------------------------------------------------

PACKAGES = ("central", "motcua", "demo", "dispenser", "counter", "display", "kiosk")


def unexplained_lazy_imports(root: Path) -> list[str]:
    """Imports inside a function that do not say why they are there: a comment on
    the import's line or on the line above (for a run of imports, on its first)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            tree = ast.parse("\n".join(lines))
            inside = {id(n) for f in ast.walk(tree)
                      if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                      for n in ast.walk(f) if n is not f}
            for node in ast.walk(tree):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    block = getattr(node, field, None)
                    if not isinstance(block, list):
                        continue
                    said, previous = False, None
                    for stmt in block:
                        if isinstance(stmt, ast.Import | ast.ImportFrom) and id(stmt) in inside:
                            line = lines[stmt.lineno - 1]
                            above = lines[stmt.lineno - 2].strip()
                            if not isinstance(previous, ast.Import | ast.ImportFrom):
                                said = "#" in line or above.startswith("#")
                            said = said or "#" in line
                            if not said:
                                found.append(f"{path.relative_to(root)}:{stmt.lineno}: "
                                             f"{line.strip()}")
                        previous = stmt
    return found


def test_an_import_inside_a_function_says_why():
    """An import goes at the top of its module. One inside a function is kept only
    when it is lazy on purpose (an optional extra, a heavy library loaded on first
    use, a circle at import) and says so: hoist it, or add the reason."""
    found = unexplained_lazy_imports(PROJECT)
    assert not found, "\n".join(found)


def test_an_unexplained_lazy_import_added_to_a_copy_fails(tmp_path):
    for package in PACKAGES:
        shutil.copytree(PROJECT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("static", "templates", "data", "samples",
                                                      "*.png", "*.ttf", "*.wav"))
    service = tmp_path / "central" / "queue" / "tickets.py"
    service.write_text(service.read_text(encoding="utf-8")
                       + "\n\ndef _strategy():\n    from . import strategy\n\n"
                         "    return strategy\n", encoding="utf-8")
    found = unexplained_lazy_imports(tmp_path)
    assert [f.split(": ", 1)[1] for f in found] == ["from . import strategy"]
