"""The test suite's own layout (issue 17): tests share fixtures through ``conftest.py`` files and
plain helpers through helper modules (tests/clients.py, tests/processes.py, tests/<app>/...), never
by importing a test module or a conftest; and every app with models has its factory module,
``tests/<app>/factories.py``, that the tests build their rows with."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def pytest_owned(path: Path) -> bool:
    """A module pytest loads by itself: a test module or a conftest."""
    return path.suffix == ".py" and (path.name == "conftest.py" or path.name.startswith("test_"))


def module_file(root: Path, dotted: str) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def string_argument(node: ast.Call) -> str | None:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    if name in IMPORT_FUNCTIONS and node.args and isinstance(node.args[0], ast.Constant):
        value = node.args[0].value
        return value if isinstance(value, str) else None
    return None


def from_import(node: ast.ImportFrom, package: list[str]) -> Iterator[str]:
    """The module of ``from x import a, b`` and each ``x.a`` (``a`` may itself be a module)."""
    if node.level:
        base = package[: len(package) - node.level + 1]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    yield module
    for alias in node.names:
        yield f"{module}.{alias.name}"


def imported_modules(tree: ast.AST, package: list[str]) -> Iterator[tuple[int, str]]:
    """Every module name the code may import, with its line: import statements at any depth
    (inside functions too), relative ones resolved, ``importlib.import_module("...")`` and
    ``pytest_plugins`` entries."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from ((node.lineno, name) for name in from_import(node, package))
        elif isinstance(node, ast.Call) and (name := string_argument(node)):
            yield node.lineno, name
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytest_plugins" for t in node.targets):
            strings = [n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant)]
            yield from ((node.lineno, s) for s in strings if isinstance(s, str))


def imports_of_test_modules(root: Path) -> list[str]:
    """``path:line imports module`` for each import of a test module or a conftest under root/tests."""
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        package = list(path.relative_to(root).parent.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in imported_modules(tree, package):
            target = module_file(root, name)
            if target is not None and target != path and pytest_owned(target):
                found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return sorted(set(found))


def write(root: Path, name: str, text: str = "") -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_no_module_of_the_tests_imports_a_test_module_or_a_conftest():
    found = imports_of_test_modules(ROOT)
    assert not found, (
        "Share fixtures through a conftest.py and plain helpers through a helper module "
        "(tests/clients.py, tests/processes.py, tests/<app>/factories.py ...), not by importing:\n" + "\n".join(found)
    )


def test_the_check_finds_every_way_of_importing_a_test_module(tmp_path):
    for package in ("tests", "tests/a", "tests/b"):
        write(tmp_path, f"{package}/__init__.py")
    write(tmp_path, "tests/a/test_one.py", "def helper(): ...\n")
    write(tmp_path, "tests/a/conftest.py", "X = 1\n")
    write(tmp_path, "tests/a/helpers.py", "def test_like_name(): ...\n")
    write(
        tmp_path,
        "tests/b/test_two.py",
        "import importlib\n"
        "import tests.a.test_one\n"  # 2
        "from tests.a.test_one import helper\n"  # 3
        "from tests.a import test_one\n"  # 4
        "from ..a import test_one as again\n"  # 5
        "from tests.a.helpers import test_like_name\n"  # 6: a helper module, allowed
        "def test_x():\n"
        "    from tests.a.conftest import X\n"  # 8
        "    importlib.import_module('tests.a.test_one')\n"  # 9
        "pytest_plugins = ['tests.a.helpers', 'tests.a.test_one']\n",  # 10
    )
    found = imports_of_test_modules(tmp_path)
    assert {line.split(" ")[0] for line in found} == {f"tests/b/test_two.py:{n}" for n in (2, 3, 4, 5, 8, 9, 10)}


def apps_with_models() -> list[str]:
    """The apps of this repository (not Django's or a library's) that define concrete models."""
    return sorted(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve() == ROOT.joinpath(*config.name.split(".")) and list(config.get_models())
    )


def test_every_app_with_models_has_a_factories_module():
    names = apps_with_models()
    assert {"cases", "channels_app", "feedback", "analytics", "privacy"} <= set(names)
    missing = [
        f"tests/{name.replace('.', '/')}/factories.py"
        for name in names
        if not (ROOT / "tests" / name.replace(".", "/") / "factories.py").is_file()
    ]
    assert not missing, "Apps with models need a factory module (factory_boy) for their tests: " + ", ".join(missing)
