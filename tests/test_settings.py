"""Settings from the environment, in fresh processes: production refuses to start without its
required variables (naming them), passes ``check --deploy`` once they are set, and with nothing
set the embedded default picks SQLite and the filesystem broker. Also: every variable is
documented, and docker-compose.yml runs web, worker and beat with one environment."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "service.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/aftersales",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "EMAIL_HOST": "smtp.example.com",  # the console backend would print the mail (core.E001)
}

SHOW_SETTINGS = (
    "import django, json; django.setup()\n"
    "from django.conf import settings as s\n"
    "print(json.dumps({'DEBUG': s.DEBUG, 'TIME_ZONE': s.TIME_ZONE, 'CELERY_TIMEZONE': s.CELERY_TIMEZONE,"
    " 'ENGINE': s.DATABASES['default']['ENGINE'], 'DB_NAME': str(s.DATABASES['default']['NAME']),"
    " 'BROKER': s.CELERY_BROKER_URL, 'BROKER_OPTIONS': s.CELERY_BROKER_TRANSPORT_OPTIONS,"
    " 'CACHE': s.CACHES['default']['BACKEND'], 'EMBEDDED': s.EMBEDDED}))\n"
)


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with only ``env`` set (plus PATH, HOME and a data folder)."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def show_settings(tmp_path: Path, **env: str) -> dict:
    result = run(["-c", SHOW_SETTINGS], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SECRET_ENCRYPTION_KEYS"])
def test_production_without_a_required_variable_fails_naming_it(tmp_path, name):
    env = {key: value for key, value in PRODUCTION.items() if key != name}

    result = run(["-c", "import django; django.setup()"], tmp_path, **env)

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message
    assert name in message
    assert "DEBUG=1" in message  # and what to do next
    for other in set(PRODUCTION) - {name}:
        assert other not in message


def test_production_without_a_broker_fails_naming_it(tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != "REDIS_URL"}

    result = run(["-c", "import django; django.setup()"], tmp_path, **env)

    assert result.returncode != 0
    assert "REDIS_URL (or CELERY_BROKER_URL)" in result.stderr


def test_production_accepts_celery_broker_url_instead_of_redis_url(tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != "REDIS_URL"}
    values = show_settings(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/15", **env)
    assert values["BROKER"] == "redis://127.0.0.1:6379/15"
    assert values["DEBUG"] is False


def test_production_with_everything_set_passes_the_deploy_check(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_a_yes_no_variable_with_another_word_is_refused(tmp_path):
    result = run(["-c", "import django; django.setup()"], tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe'" in result.stderr and "use 1 or 0" in result.stderr


def test_time_zone_defaults_to_shanghai_and_can_be_changed(tmp_path):
    values = show_settings(tmp_path, DEBUG="1")
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["CELERY_TIMEZONE"] == "Asia/Shanghai"

    assert show_settings(tmp_path, DEBUG="1", TIME_ZONE="Europe/Paris")["TIME_ZONE"] == "Europe/Paris"


def test_embedded_default_uses_sqlite_and_the_filesystem_broker_in_the_data_folder(tmp_path):
    values = show_settings(tmp_path, DEBUG="1")

    data = tmp_path / "data"
    assert values["EMBEDDED"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"] == str(data / "aftersales.sqlite3")
    assert values["BROKER"] == "filesystem://"
    assert values["BROKER_OPTIONS"]["data_folder_in"] == str(data / "broker" / "queue")
    assert values["CACHE"].endswith("FileBasedCache")
    assert (data / "broker" / "queue").is_dir() and (data / "broker" / "control").is_dir()


def test_database_url_and_redis_url_switch_to_postgresql_and_redis(tmp_path):
    values = show_settings(
        tmp_path, DEBUG="1", DATABASE_URL=PRODUCTION["DATABASE_URL"], REDIS_URL=PRODUCTION["REDIS_URL"]
    )
    assert values["EMBEDDED"] is False
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["BROKER"] == PRODUCTION["REDIS_URL"]
    assert values["CACHE"].endswith("RedisCache")


# --- documentation and deployment files ----------------------------------------------------------


def settings_variables() -> set[str]:
    source = (REPO / "aftersales" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', source))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"', source))
    return names


def test_every_environment_variable_of_the_settings_is_documented():
    names = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DATA_DIR", "TIME_ZONE"} <= names
    documented = (REPO / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert not missing, f"docs/configuration.md does not describe: {missing}"


def test_env_example_sets_what_production_requires():
    example = (REPO / ".env.example").read_text()
    assigned = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DEMO_PASSWORD"} <= assigned
    assert assigned <= settings_variables() | {"POSTGRES_PASSWORD", "SEED_DEMO", "DEMO_PASSWORD", "WEB_PORT"}


def test_docker_compose_runs_the_stack_with_healthchecks_and_one_environment():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])

    app = [services[name] for name in ("web", "worker", "beat")]
    first = app[0]
    for service in app:
        assert service["environment"] == first["environment"]
        assert service["env_file"] == first["env_file"] == ".env"
        assert service["build"] == "."
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert first["environment"]["DATABASE_URL"].startswith("postgres://")
    assert first["environment"]["REDIS_URL"].startswith("redis://redis:6379")

    web_command = " ".join(services["web"]["command"])
    assert (
        "migrate" in web_command
        and "seed_demo" in web_command
        and "gunicorn -c aftersales/gunicorn_conf.py" in web_command
    )
    assert services["worker"]["command"][:4] == ["celery", "-A", "aftersales", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "aftersales", "beat"]


def test_dockerfile_builds_from_python_slim_with_gettext_and_the_requirements():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "gettext" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "compilemessages" in dockerfile and "collectstatic" in dockerfile
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".env", "data", ".git"} <= set(ignored)
