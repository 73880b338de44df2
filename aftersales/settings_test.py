"""Settings for the test run: the real PostgreSQL and Redis on this machine (see the Makefile).

The environment still wins, so CI or a developer can point the tests elsewhere with
DATABASE_URL / REDIS_URL.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# A fixed key for the secrets at rest (core.crypto), so the tests never depend on DEBUG's derived one.
os.environ.setdefault("SECRET_ENCRYPTION_KEYS", "dGVzdC1rZXktZm9yLXNlY3JldHMtYXQtcmVzdC0wMDE=")

from aftersales.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"

# Each pytest-xdist worker keeps its cache (rate-limit counters, locks) in a Redis database of its
# own: a test's cache.clear() (FLUSHDB) or counter must not reach the tests of the other worker.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and _worker[2:].isdigit() and "redis" in CACHES["default"]["BACKEND"].lower():  # noqa: F405
    _base = CACHES["default"]["LOCATION"].rsplit("/", 1)[0]  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{10 - int(_worker[2:]) % 8}"  # noqa: F405  gw0 -> db 10, gw1 -> 9

# KPI reports are not cached across tests (each test's database starts its rollup counters anew);
# tests/analytics/test_rollups.py turns the cache on to test it.
ANALYTICS_CACHE_SECONDS = 0
