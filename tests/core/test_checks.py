"""With DEBUG off, nothing meant for a customer goes to the log instead of out: a console (file,
memory, dummy) email backend or the console SMS backend is an Error of the system checks, which
stops ``manage.py migrate`` / ``check`` and the web server's start with what to set. With SMS off
(production's default) the portal asks for the email instead of printing a code.

Fresh processes with the production settings, and the Procfile's web command itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache

from tests.cases.factories import CustomerFactory, OrderFactory
from tests.production_env import production_env

REPO = Path(__file__).resolve().parents[2]


def production(tmp_path: Path, **extra: str) -> dict:
    return production_env(
        tmp_path, path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}", **extra
    )


def check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=production(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_an_smtp_server_does_not_start_and_says_what_to_set(tmp_path):
    result = check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "core.E001" in output and "console.EmailBackend" in output and "EMAIL_HOST" in output


@pytest.mark.parametrize("backend", ["locmem", "filebased", "dummy"])
def test_production_with_an_email_backend_that_delivers_nothing_does_not_start(tmp_path, backend):
    result = check(tmp_path, EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend")
    assert result.returncode != 0 and "core.E001" in result.stdout + result.stderr


def test_production_with_the_console_sms_backend_does_not_start(tmp_path):
    result = check(tmp_path, EMAIL_HOST="smtp.example.com", PORTAL_SMS_BACKEND="channels_app.portal.console_sms")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "core.E003" in output and "PORTAL_SMS_BACKEND" in output and "'off'" in output


def test_production_with_smtp_and_sms_off_starts(tmp_path):
    result = check(tmp_path, EMAIL_HOST="smtp.example.com")
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_may_print_mail_and_sms(tmp_path):
    result = check(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_procfile_web_server_refuses_to_start_with_the_console_email_backend(tmp_path):
    line = next(x for x in (REPO / "Procfile").read_text().splitlines() if x.startswith("web:"))
    env = production(tmp_path, HOST="127.0.0.1", PORT="0")
    started = time.monotonic()
    result = subprocess.run(
        ["sh", "-c", "exec " + line.split(":", 1)[1].strip()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "The web server does not start" in output and "core.E001" in output and "EMAIL_HOST" in output
    assert "Booting worker" not in output, "no worker may start"
    assert time.monotonic() - started < 60


@pytest.mark.django_db
def test_with_sms_off_a_phone_number_is_asked_for_the_email_and_no_code_is_printed(client, settings, capsys):
    cache.clear()
    settings.PORTAL_SMS_BACKEND = "off"
    customer = CustomerFactory(email="wang@example.com", phone="+8613800001111")
    OrderFactory(number="SO-7201", customer=customer)

    response = client.post("/portal/", {"order_number": "SO-7201", "contact": "13800001111"})

    assert response.status_code == 400
    assert "Enter the email address on the order" in response.content.decode()
    assert "SMS to" not in capsys.readouterr().out and not mail.outbox
