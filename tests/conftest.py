import pytest

from tests.factories import UserFactory


@pytest.fixture
def agent(db):
    return UserFactory(username="agent-a", role="agent", first_name="Li", last_name="Na")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager-m", role="manager")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin-x", role="admin")


@pytest.fixture
def integration_user(db):
    return UserFactory(username="shop-bot", role="integration")


@pytest.fixture
def outsider(db):
    """A logged-in user with no role at all."""
    return UserFactory(username="nobody")
