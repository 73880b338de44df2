"""Settings of the load test's gunicorn and worker: the product's own, served with DEBUG off.

The runner sets DEBUG=1 in the environment only so the settings skip the production checks (no
TLS redirect, plain static files, as the other benchmarks do); Django itself runs with DEBUG
off, so it does not keep every query in memory. One-time portal codes go to ``sms.keep``.
"""

from aftersales.settings import *  # noqa: F403

DEBUG = False
PORTAL_SMS_BACKEND = "benchmarks.load.sms.keep"
# The load test's mail goes to the dummy backend on purpose (run.py): the production check against
# undelivered mail (core.E001) is off here only.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "core.E001"]  # noqa: F405
