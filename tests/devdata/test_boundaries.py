"""devdata's place (issue 17): it may import every app, no app imports it, and its code reads like the
product's (no function over 80 lines, no module over 600)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "cases", "channels_app", "feedback", "analytics", "privacy", "accounts", "aftersales")


def imports_devdata(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "devdata" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "devdata":
            return True
    return False


def test_no_app_imports_devdata():
    files = [path for app in APPS for path in (ROOT / app).rglob("*.py")]
    assert len(files) > 100  # the walk really read the apps
    assert [str(path.relative_to(ROOT)) for path in files if imports_devdata(path)] == []


def test_devdata_functions_and_modules_stay_short():
    files = list((ROOT / "devdata").rglob("*.py"))
    assert len(files) > 15
    long_modules = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > 600}
    assert long_modules == {}
    long_functions = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > 80:
                    long_functions[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert long_functions == {}
