"""gunicorn's settings for the web process, as the Procfile, the Dockerfile and docker-compose.yml
run it: ``gunicorn -c aftersales/gunicorn_conf.py --bind HOST:PORT``.

Threaded workers (gthread), not the sync worker: a chat stream (server-sent events, up to
CHAT_SSE_SECONDS) holds one thread, not a whole process, and core.streams caps the streams per
process (STREAMS_PER_PROCESS, at most WEB_THREADS - STREAMS_SPARE_THREADS) and per client, so the
desk, the portal and /healthz always find a free thread. Why not an ASGI server (uvicorn workers):
every view, DRF and the middleware are synchronous, so each request would cross into a thread
anyway, and the SSE view would have to be rewritten async; threads serve the same streams with
the code as it is. See docs/configuration.md, "Web server".

Environment: WEB_CONCURRENCY (processes, 2), WEB_THREADS (threads per process, 8), WEB_TIMEOUT
(seconds, 30). Before any worker starts, Django's system checks run: an Error (for example a
console email backend with DEBUG off, which would print one-time codes to the log) stops the start.
"""

from __future__ import annotations

import io
import os
import sys

wsgi_app = "aftersales.wsgi"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
accesslog = "-"


def on_starting(server) -> None:
    """Run Django's system checks once, in the master: an Error stops the start with its message."""
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    django.setup()
    try:
        call_command("check", fail_level="ERROR", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemCheckError as exc:
        print(f"The web server does not start:\n{exc}", file=sys.stderr, flush=True)  # noqa: T201
        sys.exit(1)


def post_worker_init(worker) -> None:
    """Tell core.streams how many threads this worker has (the sync worker: one)."""
    from gunicorn.workers.gthread import ThreadWorker

    from core import streams

    streams.SLOTS.server_threads = worker.cfg.threads if isinstance(worker, ThreadWorker) else 1
