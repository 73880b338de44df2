"""The dependency rule of DESIGN.md §2: cases imports no other app of the project; channels_app and
feedback import only cases; analytics may import them all."""

from __future__ import annotations

import ast
import weakref
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OTHER_APPS = {"channels_app", "feedback", "analytics"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_cases_imports_no_other_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & OTHER_APPS)
        for path in (ROOT / "cases").rglob("*.py")
        if imported_modules(path) & OTHER_APPS
    }
    assert offenders == {}
    assert len(list((ROOT / "cases").rglob("*.py"))) > 10  # the walk really read the app


def offenders_of(app: str, forbidden: set[str]) -> dict[str, list[str]]:
    return {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & forbidden)
        for path in (ROOT / app).rglob("*.py")
        if imported_modules(path) & forbidden
    }


def test_channels_app_and_feedback_import_only_cases():
    assert offenders_of("channels_app", {"feedback", "analytics"}) == {}
    assert offenders_of("feedback", {"channels_app", "analytics"}) == {}
    assert len(list((ROOT / "feedback").rglob("*.py"))) > 5


def test_the_kernel_imports_no_app_of_the_project():
    """core/ holds the shared mechanisms (DESIGN.md §2): every app may import it, it imports none of them."""
    apps = OTHER_APPS | {"cases", "privacy", "accounts"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & apps)
        for path in (ROOT / "core").rglob("*.py")
        if imported_modules(path) & apps
    }
    assert offenders == {}
    assert len(list((ROOT / "core").rglob("*.py"))) > 8  # the walk really read the kernel


# --- the shape of the house (issue 17) -------------------------------------------------------------------

PRODUCT = ["core", "accounts", "aftersales", "cases", "channels_app", "feedback", "analytics", "privacy", "devdata"]
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600


def product_modules() -> dict[str, Path]:
    modules = {}
    for app in PRODUCT:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def project_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module ``name`` imports, at the top or inside a function (``from x import y`` counts
    ``x.y`` when that is a module)."""
    found = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def test_no_function_in_the_product_is_longer_than_80_lines():
    long = []
    for name, path in product_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


def test_no_module_of_the_apps_is_longer_than_600_lines():
    modules = product_modules()
    long = {name: n for name, path in modules.items() if (n := path.read_text().count("\n")) > MAX_MODULE_LINES}
    assert long == {}
    assert len(modules) > 150  # the walk really read the product


def test_no_import_circle_even_through_imports_inside_functions():
    """An import moved into a function to break a circle still counts: the graph has every import."""
    modules = product_modules()
    graph = {name: project_imports(name, path, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                circles.append(sorted([v, *component]))

    for name in graph:
        if name not in index:
            visit(name)
    assert circles == []
    assert sum(len(targets) for targets in graph.values()) > 500  # the walk really found the imports


def test_no_app_unregisters_another_apps_admin():
    """Admins are composed once (core.admin_registry): an app extends another's admin, never replaces it."""
    unregistered = {}
    for name, path in product_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "unregister":
                unregistered.setdefault(name, []).extend(ast.unparse(arg) for arg in node.args)
    # The one exception replaces a third-party admin, not an app's: DRF's token admin (accounts has its own).
    assert unregistered == {"accounts.admin": ["TokenProxy"]}


def test_the_receivers_of_a_case_event_are_the_listed_ones():
    """cases/reactions.py lists what moves when a case event is written; the connected receivers agree."""
    from cases import reactions
    from cases.signals import case_event_recorded

    connected = []
    for entry in case_event_recorded.receivers:
        receiver = entry[1]
        function = receiver() if isinstance(receiver, weakref.ReferenceType) else receiver
        function = getattr(function, "reaction", function)
        connected.append(f"{function.__module__}.{function.__qualname__}")
    assert len(connected) >= 5
    listed = [line for line in reactions.__doc__.splitlines() if "``" in line and "." in line]
    for name in connected:
        assert any(f"``{name}``" in line for line in listed), (
            f"{name} is connected but not listed in cases/reactions.py"
        )
    # and in the listed order: cases' own first
    assert connected[:2] == ["cases.sla.clocks.on_case_event", "cases.sla.follow_ups.on_case_event"]
