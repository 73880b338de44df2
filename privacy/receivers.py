"""What privacy does when cases announce an access to personal data (``personal_data_accessed``, sent by
``core.masking.record_access``): one audit row, written by ``privacy.services.log_access``. Connected in
``PrivacyConfig.ready``."""

from __future__ import annotations

from typing import Any

from privacy.services import log_access


def on_personal_data_accessed(sender: Any, **kwargs: Any) -> None:
    log_access(**kwargs)
