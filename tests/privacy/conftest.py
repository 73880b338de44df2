"""Fixtures of the privacy tests: a private media folder, and the customer with personal data in
every place the product keeps some (tests/privacy/factories.py)."""

from __future__ import annotations

import pytest

from tests.privacy.factories import Rich, make_rich_customer


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Attachments go to a folder of this test only."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def rich(agent) -> Rich:
    return make_rich_customer(agent)
