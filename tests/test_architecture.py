"""The dependency rule of DESIGN.md §2: cases imports no other app of the project; channels_app and
feedback import only cases; analytics may import them all."""

from __future__ import annotations

import ast
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
