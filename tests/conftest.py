import pytest
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

from cases.models import ServiceSettings
from tests import data_migrations
from tests.accounts.factories import UserFactory

# The browser fixture (tests/browser.py), for any test folder.
pytest_plugins = ["tests.browser"]

# Helper modules with asserts of their own (none is imported yet): pytest rewrites their asserts
# as it does the test modules', so a failing check shows its values.
pytest.register_assert_rewrite("tests.e2e.make_run", "tests.feedback.factories", "tests.processes")


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
    ServiceSettings.objects.update(revisit_sample_percent=0)
    yield


def _restore_data_migration_rows(sender, app_config, apps=global_apps, **kwargs):
    """After migrate and after every flush (a transactional test's end), the rows only a data
    migration writes, as migrate leaves them (tests/data_migrations.py)."""
    data_migrations.restore(app_label=app_config.label, apps=apps)


for _label in sorted({name.split(".", 1)[0] for name in data_migrations.ROWS}):
    post_migrate.connect(
        _restore_data_migration_rows, sender=global_apps.get_app_config(_label), dispatch_uid=f"tests.restore.{_label}"
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A database reused (--reuse-db) as an earlier run left it, maybe flushed by its last
    transactional test before the rows were restored after a flush: restored once at the start."""
    with django_db_blocker.unblock():
        data_migrations.restore()
