import pytest

from tests.accounts.factories import UserFactory


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


@pytest.fixture(autouse=True)
def _no_sampled_revisits(request):
    """A resolved case is sampled for a revisit by its number (about 5 %), which writes one more
    event; tests that count a case's events would then pass or fail by the case number they drew.
    So sampling is off in tests; tests/cases/test_sla.py turns it on to test it."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not names & {"db", "transactional_db"} and marker is None:
        yield
        return
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from cases.models import ServiceSettings

    ServiceSettings.objects.update(revisit_sample_percent=0)
    if transactional:
        # A transactional test starts from a flushed database, which loses the rows the data
        # migrations write; put back the default approval limits (cases/0017), as migrate leaves them.
        import importlib

        from django.apps import apps

        importlib.import_module("cases.migrations.0017_refund_ledger_data").forwards(apps, None)
    yield
