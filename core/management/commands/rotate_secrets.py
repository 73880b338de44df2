"""``manage.py rotate_secrets``: re-encrypt every encrypted column with the first key of
SECRET_ENCRYPTION_KEYS (the rotation's middle step; see docs/configuration.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from core.fields import rotate_all


class Command(BaseCommand):
    help = _("Re-encrypt every stored secret with the first key of SECRET_ENCRYPTION_KEYS.")

    def handle(self, *args: Any, **options: Any) -> None:
        for label, rows in rotate_all().items():
            self.stdout.write(_("%(model)s: %(rows)d row(s) re-encrypted.") % {"model": label, "rows": rows})
        self.stdout.write(_("Done: the keys after the first one may now be removed."))
