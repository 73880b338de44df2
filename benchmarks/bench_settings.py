"""Settings for the benchmarks' gunicorn: the product's, plus a no-op POST endpoint (``bench_urls``).

The no-op view runs behind the same server, middleware and HTTP stack as the webhooks, so a
webhook's throughput divided by the no-op's isolates what the intake itself costs.
"""

from aftersales.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"

# A worker serves with DEBUG off: with it on, Django keeps every query in memory (the DEBUG=1 in
# the environment only lets the settings skip the production checks, as in the other benchmarks).
DEBUG = False
# A benchmark sends no mail: the console (or dummy) email backend the DEBUG=1 environment picked is
# what it wants, so the production check against undelivered mail (core.E001) is off here only.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "core.E001", "core.E003"]  # noqa: F405
