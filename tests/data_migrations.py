"""The rows a fresh database holds that only a data migration writes, and how the tests get them
back.

A transactional test (``django_db(transaction=True)``, ``transactional_db``, ``live_server``) ends
with a flush that empties every table. Django then sends ``post_migrate``, so what the apps'
receivers install comes back by itself (the role groups, the SLA defaults, the KPI targets); what a
data migration wrote does not, and the tests after it (and every run of a database reused with
``--reuse-db``) would miss it. ``restore`` runs those migrations' forward functions again; they
are idempotent. tests/conftest.py calls it after every flush and when the session opens the
database.

Every migration of the project that runs code (RunPython, RunSQL) is in ROWS or in NO_ROWS;
tests/test_data_migration_rows.py fails for one in neither, so a new data migration is not missed.
"""

from __future__ import annotations

import importlib

from django.apps import apps as global_apps

# "app_label.migration" -> its forward function: writes rows a fresh database holds.
ROWS = {
    "cases.0017_refund_ledger_data": "forwards",  # the default approval limits (and legacy refunds: none here)
    "feedback.0002_default_categories": "create",  # the default categories of free feedback
}

# "app_label.migration" -> why it has nothing to write again after a flush.
NO_ROWS = {
    "cases.0003_search_trigram_indexes": "builds indexes, which a flush keeps",
    "cases.0015_phone_e164": "rewrites the phones of existing customers",
    "cases.0018_notification_outbox": "fills in the status of existing notifications",
    "cases.0019_attachment_checked_types": "re-checks the types of existing attachments",
    "cases.0020_search_vector_bigrams": "the search vectors' function, triggers and indexes, which a flush keeps",
    "cases.0021_complaint_sla_and_routing": "the complaint team, rule and policies come back with the SLA defaults "
    "after a flush; the rest rewrites existing policies and complaints",
    "channels_app.0006_phone_e164": "rewrites the phones of existing identities, lines, messages and codes",
    "channels_app.0007_encrypted_secrets": "encrypts the secrets of existing channels",
    "feedback.0003_contact_phone_e164": "rewrites the phones of existing feedback contacts",
}


def restore(*, app_label: str | None = None, apps=global_apps) -> None:
    """Write again the rows of the data migrations in ROWS (those of ``app_label`` only, if given)."""
    for name, function in ROWS.items():
        label, migration = name.split(".", 1)
        if app_label is None or label == app_label:
            getattr(importlib.import_module(f"{label}.migrations.{migration}"), function)(apps, None)
