"""The rows a fresh database holds before any test (the default approval limits, feedback
categories, role groups, SLA defaults, KPI targets) are there for every test, also after a
transactional test, whose flush empties every table, and in a database reused (--reuse-db) after a
run that ended with one. The data migrations that write such rows are listed in
tests/data_migrations.py; a new migration with RunPython or RunSQL must be listed there too.

pytest-django runs the transactional tests after the others, so the pair below (one that empties
the tables, one after it) is transactional; a normal test sees the same after a reused database's
last flush (``test_a_normal_test_finds_the_rows_a_fresh_database_holds`` on a second --reuse-db run).
"""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL

from analytics.apps import DEFAULT_TARGETS
from analytics.models import KpiTarget
from cases.models import ApprovalLimit, BusinessCalendar, ServiceSettings, SlaPolicy
from cases.sla import defaults as sla_defaults
from core import roles
from feedback.models import FeedbackCategory
from tests import data_migrations

PROJECT_APPS = {"cases", "channels_app", "feedback", "analytics", "privacy", "accounts", "core"}


def expected_rows() -> dict[str, set]:
    """What migrate leaves, from the sources that define it (the migrations' and receivers' data)."""
    ledger = importlib.import_module("cases.migrations.0017_refund_ledger_data")
    categories = importlib.import_module("feedback.migrations.0002_default_categories")
    return {
        "approval limits": {
            (role, resolution, amount) for role, amount in ledger.DEFAULTS.items() for resolution in ledger.REFUNDING
        },
        "feedback categories": {row["code"] for row in categories.CATEGORIES},
        "role groups": {*roles.REGISTERED_ROLES, roles.ADMIN},
        "SLA calendars": {code for code, _name, _hours in sla_defaults.CALENDARS},
        "SLA policies": {row[0] for row in sla_defaults.POLICIES},
        "service settings": {1},
        "KPI targets": {(kpi, comparison, Decimal(value)) for kpi, comparison, value in DEFAULT_TARGETS},
    }


def rows_now() -> dict[str, set]:
    return {
        "approval limits": set(ApprovalLimit.objects.values_list("role", "resolution_type", "max_amount")),
        "feedback categories": set(FeedbackCategory.objects.values_list("code", flat=True)),
        "role groups": {group.name for group in Group.objects.all() if group.permissions.exists()},
        "SLA calendars": set(BusinessCalendar.objects.values_list("code", flat=True)),
        "SLA policies": set(SlaPolicy.objects.values_list("name", flat=True)),
        "service settings": set(ServiceSettings.objects.values_list("pk", flat=True)),
        "KPI targets": set(KpiTarget.objects.values_list("kpi", "comparison", "value")),
    }


def test_every_migration_that_runs_code_is_listed_with_what_it_writes():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    running_code = {
        f"{app_label}.{name}"
        for (app_label, name), migration in loader.disk_migrations.items()
        if app_label in PROJECT_APPS and any(isinstance(op, RunPython | RunSQL) for op in migration.operations)
    }
    listed = set(data_migrations.ROWS) | set(data_migrations.NO_ROWS)
    assert running_code - listed == set(), "list them in tests/data_migrations.py (ROWS or NO_ROWS)"
    assert listed - running_code == set(), "listed in tests/data_migrations.py but not found"


@pytest.mark.django_db
def test_a_normal_test_finds_the_rows_a_fresh_database_holds():
    assert rows_now() == expected_rows()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_empties_them_and_its_flush_follows():
    assert rows_now() == expected_rows()
    ApprovalLimit.objects.all().delete()
    FeedbackCategory.objects.all().delete()
    KpiTarget.objects.all().delete()  # and the flush after this test empties every table


@pytest.mark.django_db(transaction=True)
def test_the_next_test_finds_them_as_migrate_left_them():
    assert rows_now() == expected_rows()
