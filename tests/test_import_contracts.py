"""The import contracts of pyproject.toml ([tool.importlinter], checked by `lint-imports` in `make check`)
stay complete: each facade contract names every module of cases, channels_app and feedback that is not
part of the app's facade, so a module added to one of them is internal until someone decides otherwise."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What other apps may import: docs/development.md, "Import contracts".
FACADE = {
    "cases": {"models", "services", "selectors", "signals", "exceptions", "apps", "migrations"},
    "channels_app": {"models", "services", "selectors", "signals", "apps", "migrations"},
    "feedback": {"models", "services", "selectors", "signals", "apps", "migrations"},
}
FACADE_CONTRACTS = {
    "cases-facade-for-channels-and-feedback": ["cases"],
    "facades-for-analytics": ["cases", "channels_app", "feedback"],
    "facades-for-privacy": ["cases", "channels_app", "feedback"],
}


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def internal_modules(app: str) -> set[str]:
    """Every module and package directly under ``app`` that is not part of its facade."""
    names = set()
    for path in (ROOT / app).iterdir():
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py":
            names.add(path.stem)
        elif path.is_dir() and (path / "__init__.py").exists():
            names.add(path.name)
    return {f"{app}.{name}" for name in names - FACADE[app]}


@pytest.mark.parametrize("contract_id", sorted(FACADE_CONTRACTS))
def test_each_facade_contract_forbids_every_internal_module(contract_id):
    contract = contracts()[contract_id]
    expected = set().union(*(internal_modules(app) for app in FACADE_CONTRACTS[contract_id]))
    assert contract["type"] == "forbidden"
    assert contract["allow_indirect_imports"] is True
    assert set(contract["forbidden_modules"]) == expected
    assert "cases.admin" in expected  # the walk really read the apps


def test_the_layers_keep_the_kernel_at_the_bottom_and_cases_below_the_other_apps():
    layers = contracts()["layers"]["layers"]
    assert layers[-1] == "core"
    assert layers.index("cases") > layers.index("channels_app | feedback") > layers.index("analytics")
