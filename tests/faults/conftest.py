"""Fixtures of the fault tests: a throwaway copy of the migrated test database for the product's
processes (workers, gunicorn), so they never write into the database the other tests use."""

from __future__ import annotations

import uuid

import pytest

from tests.faults.servers import copy_database, drop_database


@pytest.fixture
def product_copy(django_db_setup):
    """(name, url) of a fresh copy of the test database on the main PostgreSQL server. The test
    needs ``@pytest.mark.django_db`` so that pytest-django sets the test database up."""
    from django.db import connection

    name = f"aftersales_faults_{uuid.uuid4().hex[:10]}"
    source = connection.settings_dict
    copy_database(source, port=int(source.get("PORT") or 5432), name=name)
    try:
        yield name, f"postgres://postgres@127.0.0.1:{source.get('PORT') or 5432}/{name}"
    finally:
        drop_database(name, port=int(source.get("PORT") or 5432))
