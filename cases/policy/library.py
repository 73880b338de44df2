"""The shipped return policy templates (``cases/policy_templates/*.json``) and their loader.

A template is one versioned ``ReturnPolicy`` with its rules. Statutory templates (the law) are kept
equal to the file on every load: a changed file replaces that version's rules, an unchanged one
writes nothing. The shop's own template is a starting point a manager edits in admin, so it is
created once and left alone afterwards unless ``reset_shop`` is asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from cases.models import ReturnPolicy, ReturnPolicyRule, RuleOutcome, RuleType

TEMPLATE_DIR = Path(__file__).resolve().parent / "shipped_templates"

POLICY_FIELDS = ("name_en", "name_zh", "region", "is_statutory", "effective_from", "effective_until", "description")
RULE_FIELDS = (
    "position",
    "rule_type",
    "name_en",
    "name_zh",
    "kinds",
    "reasons",
    "categories",
    "skus",
    "product_flags",
    "tiers",
    "only_if_opened",
    "days",
    "months",
    "vip_extra_days",
    "amount_over",
    "outcome",
)
RULE_DEFAULTS: dict[str, Any] = {
    "kinds": [],
    "reasons": [],
    "categories": [],
    "skus": [],
    "product_flags": [],
    "tiers": [],
    "only_if_opened": False,
    "days": None,
    "months": None,
    "vip_extra_days": 0,
    "amount_over": None,
    "outcome": RuleOutcome.REJECT,
}


@dataclass
class Template:
    """One parsed template file."""

    path: Path
    code: str
    version: str
    policy: dict[str, Any]
    rules: list[dict[str, Any]]

    @property
    def region(self) -> str:
        return cast(str, self.policy["region"])

    @property
    def is_statutory(self) -> bool:
        return cast(bool, self.policy["is_statutory"])


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _parse_date(value: str | None, *, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("%(where)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"where": where, "value": value})


def parse_template(path: Path) -> Template:
    """Read and check one template file; a broken file names itself and what is wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        code, version = raw["code"], str(raw["version"])
        policy = {
            "name_en": raw["name_en"],
            "name_zh": raw["name_zh"],
            "region": raw.get("region") or "",
            "is_statutory": bool(raw.get("is_statutory")),
            "effective_from": _parse_date(raw["effective_from"], where=path.name),
            "effective_until": _parse_date(raw.get("effective_until"), where=path.name),
            "description": raw.get("description", ""),
        }
        rules = []
        for position, rule in enumerate(raw["rules"], start=1):
            row = {**RULE_DEFAULTS, **{key: value for key, value in rule.items() if key in RULE_FIELDS}}
            row.setdefault("position", position * 10)
            if row["rule_type"] not in RuleType.values or row["outcome"] not in RuleOutcome.values:
                raise InvalidInput(
                    _("%(file)s: rule %(position)s has an unknown type or outcome.")
                    % {"file": path.name, "position": row["position"]}
                )
            if row["amount_over"] is not None:
                row["amount_over"] = Decimal(str(row["amount_over"]))
            rules.append(row)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            _("The policy template %(file)s cannot be read (%(error)s); fix the file or restore it from git.")
            % {"file": path.name, "error": exc}
        ) from exc
    return Template(path=path, code=code, version=version, policy=policy, rules=rules)


def available_templates(directory: Path = TEMPLATE_DIR) -> list[Template]:
    return [parse_template(path) for path in sorted(directory.glob("*.json"))]


def _rule_rows(policy: ReturnPolicy) -> list[dict[str, Any]]:
    return [{name: getattr(rule, name) for name in RULE_FIELDS} for rule in policy.rules.order_by("position", "id")]


def _matches(policy: ReturnPolicy, template: Template) -> bool:
    same_policy = all(getattr(policy, name) == value for name, value in template.policy.items())
    wanted = sorted(template.rules, key=lambda row: row["position"])
    return same_policy and _rule_rows(policy) == wanted


def _write(policy: ReturnPolicy, template: Template) -> None:
    for name, value in template.policy.items():
        setattr(policy, name, value)
    policy.save()
    policy.rules.all().delete()
    ReturnPolicyRule.objects.bulk_create([ReturnPolicyRule(policy=policy, **row) for row in template.rules])


def load_templates(*, region: str, reset_shop: bool = False, templates: list[Template] | None = None) -> LoadReport:
    """Install the statutory templates of ``region`` ("all" for every region) and the shop's own.

    One transaction: a broken template leaves the database as it was.
    """
    templates = available_templates() if templates is None else templates
    region = region.upper()
    chosen = [t for t in templates if not t.region or region == "ALL" or t.region.upper() == region]
    if not any(t.region for t in chosen) and region != "ALL":
        regions = sorted({t.region for t in templates if t.region})
        raise InvalidInput(
            _("There is no statutory template for region “%(region)s”; choose one of: %(regions)s, or all.")
            % {"region": region, "regions": ", ".join(regions)}
        )
    report = LoadReport()
    with transaction.atomic():
        for template in chosen:
            label = f"{template.code} v{template.version}"
            policy = (
                ReturnPolicy.objects.select_for_update().filter(code=template.code, version=template.version).first()
            )
            if policy is None:
                _write(ReturnPolicy(code=template.code, version=template.version), template)
                report.created.append(label)
            elif not template.is_statutory and not reset_shop:
                report.kept.append(label)
            elif _matches(policy, template):
                report.unchanged.append(label)
            else:
                _write(policy, template)
                report.updated.append(label)
    return report
