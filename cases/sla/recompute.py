"""SLA rules changed: move the due times of the open cases.

A service, not an admin hook (issue 17): whatever changes an SLA policy, a business calendar or its days,
or a customer's tier calls it inside its own transaction: the admin, ``load_holidays``
(``cases.sla.holidays.load_days``), the API and anything added later.

- ``rules_changed``: an SLA policy or the service settings changed; after commit, the background task
  ``cases.tasks.recompute_clocks`` recomputes every case with a running clock (one transaction per case,
  beside the sweep).
- ``calendar_changed``: a calendar or one of its days changed. The compiled calendar is cached by the
  calendar's ``updated_at``, so that moves first (every process re-reads it), then as ``rules_changed``.
- ``customer_tier_changed``: the targets depend on the tier; the customer's open cases are recomputed at
  once (a handful of rows).

If the broker is down at commit, the edit stands and a warning is logged; due times then move at each
case's next change, or when someone saves the rules again.
"""

from __future__ import annotations

import logging

from django.db import transaction

from cases.models import BusinessCalendar, Customer
from cases.sla import clocks
from cases.tasks import recompute_clocks

log = logging.getLogger(__name__)


def rules_changed() -> None:
    """Recompute the open cases' due times once the current transaction commits (in the background)."""

    def queue() -> None:
        try:
            recompute_clocks.delay()
        except Exception:  # noqa: BLE001 - the broker is down: the edit stands (see the module docstring)
            log.warning("Could not queue recompute_clocks after an SLA change.", exc_info=True)

    transaction.on_commit(queue)


def calendar_changed(*, calendar: BusinessCalendar) -> None:
    """A calendar or its days changed: every process re-reads it, and the open cases' due times move."""
    calendar.save(update_fields=["updated_at"])
    rules_changed()


def customer_tier_changed(*, customer: Customer) -> int:
    """The customer's tier changed: recompute their open cases now. Returns how many."""
    return clocks.recompute_customer_cases(customer=customer)
