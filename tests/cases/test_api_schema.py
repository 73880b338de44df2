"""The OpenAPI schema of /api/v1/ is valid and generates without a single warning."""

from __future__ import annotations

import yaml
from django.core.management import call_command


def test_the_schema_validates_with_no_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "order_retrieve",
        "order_upsert",
        "case_list",
        "case_create",
        "case_retrieve",
        "case_transitions",
        "case_transition",
    } <= operations
    list_parameters = {p["name"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert {"status", "kind", "channel", "priority", "assignee", "team", "customer", "order"} <= list_parameters
    assert {"cursor", "page_size", "ordering"} <= list_parameters
