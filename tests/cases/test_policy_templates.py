"""The shipped policy templates and their loader: idempotent, statutory kept equal to the file,
the shop's policy left as edited, broken input refused with nothing written."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from cases.exceptions import InvalidInput
from cases.models import ReturnPolicy, ReturnPolicyRule
from cases.policy.library import TEMPLATE_DIR, available_templates, load_templates, parse_template

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(ReturnPolicyRule.objects.values_list("id", "policy__code", "position", "days", "name_zh"))


def test_every_shipped_template_parses_and_names_itself_in_both_languages():
    templates = available_templates()
    assert {(t.code, t.version) for t in templates} == {
        ("cn-7day-no-reason", "2014"),
        ("cn-7day-no-reason", "2017"),
        ("eu-14day-withdrawal", "2014"),
        ("shop-default", "1"),
    }
    for template in templates:
        assert template.policy["name_en"] and template.policy["name_zh"]
        assert all(rule["name_en"] and rule["name_zh"] for rule in template.rules)


def test_region_chooses_the_statutory_templates():
    load_templates(region="CN")
    assert set(ReturnPolicy.objects.values_list("code", flat=True)) == {"cn-7day-no-reason", "shop-default"}
    load_templates(region="eu")
    assert ReturnPolicy.objects.filter(code="eu-14day-withdrawal", is_statutory=True).exists()


def test_loading_twice_changes_nothing():
    first = load_templates(region="all")
    assert len(first.created) == 4
    before = snapshot()
    second = load_templates(region="all")
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == 3 and second.kept == ["shop-default v1"]
    assert snapshot() == before


def test_an_edited_statutory_rule_is_put_back_but_the_shop_policy_is_kept():
    load_templates(region="CN")
    ReturnPolicyRule.objects.filter(policy__code="cn-7day-no-reason", rule_type="window").update(days=3)
    ReturnPolicyRule.objects.filter(policy__code="shop-default", rule_type="warranty").update(months=24)
    report = load_templates(region="CN")
    assert sorted(report.updated) == ["cn-7day-no-reason v2014", "cn-7day-no-reason v2017"]
    assert set(
        ReturnPolicyRule.objects.filter(policy__code="cn-7day-no-reason", rule_type="window").values_list(
            "days", flat=True
        )
    ) == {7}
    assert ReturnPolicyRule.objects.get(policy__code="shop-default", rule_type="warranty").months == 24

    load_templates(region="CN", reset_shop=True)
    assert ReturnPolicyRule.objects.get(policy__code="shop-default", rule_type="warranty").months == 12


def test_an_unknown_region_is_refused_with_the_choices():
    with pytest.raises(InvalidInput, match="CN, EU"):
        load_templates(region="XX")
    assert not ReturnPolicy.objects.exists()


def test_a_broken_template_names_its_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"code": "x", "version": "1"', encoding="utf-8")
    with pytest.raises(InvalidInput, match="broken.json"):
        parse_template(path)


def test_a_template_the_database_refuses_leaves_nothing_half_written(tmp_path):
    raw = json.loads((TEMPLATE_DIR / "eu-14day-withdrawal-2014.json").read_text(encoding="utf-8"))
    raw["code"] = "eu-broken"
    raw["rules"][0]["days"] = -1  # a positive integer column refuses it
    path = tmp_path / "eu-broken.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    good = [t for t in available_templates() if t.region == "EU"]
    with pytest.raises(IntegrityError):
        load_templates(region="EU", templates=[*good, parse_template(path)])
    assert not ReturnPolicy.objects.exists()


def test_the_command_reports_what_it_did_and_refuses_bad_regions():
    out = StringIO()
    call_command("load_policy_templates", "--region", "CN", stdout=out)
    assert "cn-7day-no-reason v2017: created" in out.getvalue()
    out = StringIO()
    call_command("load_policy_templates", "--region", "CN", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    with pytest.raises(CommandError, match="XX"):
        call_command("load_policy_templates", "--region", "XX")
