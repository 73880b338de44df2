"""Fixtures of the end-to-end tests (the browser itself: tests/browser.py)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.core.cache import cache
from psycopg2 import sql

from cases.policy.library import load_templates
from tests.accounts.factories import UserFactory
from tests.processes import PG, ROOT, env


@pytest.fixture
def shop(transactional_db):
    """The shipped CN return policy and the agent ``agent-e2e`` (the portal and desk browser tests)."""
    cache.clear()
    load_templates(region="CN", reset_shop=False)
    return UserFactory(username="agent-e2e", role="agent")


@pytest.fixture(scope="module")
def product_db(tmp_path_factory):
    """A migrated throwaway database for this module."""
    name = f"aftersales_faults_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env(url, "redis://127.0.0.1:1/0", tmp_path_factory.mktemp("migrate")),
            check=True,
            timeout=120,
        )
        yield name, url
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
