"""GET /healthz: the state of the database and the broker, as JSON; 503 when one is down."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aftersales.tasks import HEARTBEAT_KEY

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is reported
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        ok = folder.is_dir()
        result = {"ok": ok, "transport": "filesystem"}
        if not ok:
            result["error"] = (
                f"broker folder {folder} is missing; start the product with `make run` (settings create it at start-up)"
            )
        return result
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is reported
        return {"ok": False, "transport": url.split("://", 1)[0], "error": exc.__class__.__name__}
    return {"ok": True, "transport": str(transport)}


def last_worker_heartbeat() -> str | None:
    try:
        return cache.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001 - the cache is optional for health; a missing value says it
        return None


@never_cache
@require_GET
def healthz(request):
    database = check_database()
    broker = check_broker()
    ok = database["ok"] and broker["ok"]
    body = {
        "status": "ok" if ok else "unavailable",
        "database": database,
        "broker": broker,
        "worker_heartbeat": last_worker_heartbeat(),
    }
    return JsonResponse(body, status=200 if ok else 503)
