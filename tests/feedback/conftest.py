"""Fixtures of the feedback tests."""

from __future__ import annotations

import pytest

from tests.feedback.factories import make_invitation


@pytest.fixture
def invitation(db):
    """A fresh invitation for a resolved case, as the services send it."""
    return make_invitation()
