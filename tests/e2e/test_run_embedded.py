"""``make run`` on the embedded default, end to end: SQLite in a data folder, kombu's filesystem
broker, gunicorn and a Celery worker with beat under honcho, the demo data and logins printed.

The helpers (tests/e2e/make_run.py) are shared with ``test_run_postgres.py``, which runs the same
checks against PostgreSQL and Redis.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.make_run import STOP_TIMEOUT, check_running_product, start_product


@pytest.mark.slow
def test_make_run_serves_the_product_on_sqlite_and_the_filesystem_broker(tmp_path):
    started = datetime.now().astimezone()
    product = start_product(tmp_path)
    try:
        check_running_product(product, started=started, vendor="sqlite", transport="filesystem")
        assert (tmp_path / "data" / "aftersales.sqlite3").is_file()
        assert (tmp_path / "data" / "broker" / "queue").is_dir()
    finally:
        seconds = product.stop()
    assert seconds < STOP_TIMEOUT
    output = product.output()
    assert "Traceback" not in output, output[output.find("Traceback") - 300 :][:3000]
