"""Retention: attachments of cases that ended more than ATTACHMENT_RETENTION_DAYS ago are purged
by a daily beat task (and by ``manage.py purge_attachments``); nothing else is touched."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from aftersales.celery import app
from cases.models import Attachment, Case, CaseStatus
from cases.services import create_case, transition_case
from privacy import services, tasks
from privacy.models import AuditAction, AuditLog
from tests.cases.factories import CustomerFactory, attach
from tests.privacy.helpers import file_exists

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def ended(agent, *, days_ago: int, how: str = "close") -> Case:
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email", actor=agent)
    if how == "close":
        case = transition_case(case=case, name="start", actor=agent)
        case = transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
        case = transition_case(case=case, name="close", actor=agent)
        Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    else:
        case = transition_case(case=case, name="reject", actor=agent, reason="outside the policy")
        Case.objects.filter(pk=case.pk).update(closed_at=None, updated_at=timezone.now() - timedelta(days=days_ago))
    return case


@pytest.fixture
def cases(db, agent):
    """An old closed, an old rejected, a recently closed and an old but still open case, each with a photo."""
    old_closed = ended(agent, days_ago=400)
    old_rejected = ended(agent, days_ago=400, how="reject")
    recent = ended(agent, days_ago=10)
    still_open = create_case(customer=CustomerFactory(), kind="complaint", channel="email", actor=agent)
    Case.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - timedelta(days=500))
    photos = {
        name: attach(case)
        for name, case in [
            ("old_closed", old_closed),
            ("old_rejected", old_rejected),
            ("recent", recent),
            ("open", still_open),
        ]
    }
    return photos


@pytest.mark.django_db
def test_the_purge_deletes_only_attachments_of_cases_ended_before_the_retention(
    cases, settings, django_capture_on_commit_callbacks
):
    settings.ATTACHMENT_RETENTION_DAYS = 365
    with django_capture_on_commit_callbacks(execute=True):
        result = services.purge_attachments()
    assert (result.attachments, result.cases) == (2, 2)
    left = set(Attachment.objects.values_list("pk", flat=True))
    assert left == {cases["recent"].pk, cases["open"].pk}
    assert not file_exists(cases["old_closed"].file.name) and not file_exists(cases["old_rejected"].file.name)
    assert file_exists(cases["recent"].file.name) and file_exists(cases["open"].file.name)
    row = AuditLog.objects.get(action=AuditAction.PURGE_ATTACHMENTS)
    assert row.detail == {"attachments": 2, "cases": 2, "days": 365}
    assert Case.objects.filter(status=CaseStatus.CLOSED).count() == 2, "the cases themselves stay"
    again = services.purge_attachments()
    assert again.attachments == 0 and AuditLog.objects.filter(action=AuditAction.PURGE_ATTACHMENTS).count() == 1


@pytest.mark.django_db
def test_a_shorter_retention_takes_the_recent_case_too_and_zero_keeps_everything(cases, settings):
    settings.ATTACHMENT_RETENTION_DAYS = 0
    assert services.purge_attachments().attachments == 0
    assert Attachment.objects.count() == 4
    assert services.purge_attachments(days=7).attachments == 3
    assert list(Attachment.objects.values_list("pk", flat=True)) == [cases["open"].pk]


@pytest.mark.django_db
def test_the_command_counts_on_a_dry_run_purges_otherwise_and_refuses_negative_days(cases):
    out = io.StringIO()
    call_command("purge_attachments", "--dry-run", stdout=out)
    assert out.getvalue().startswith("Would delete 2 attachments of 2 cases")
    assert Attachment.objects.count() == 4
    out = io.StringIO()
    call_command("purge_attachments", "--days", "30", stdout=out)
    assert out.getvalue().startswith("Deleted 2 attachments of 2 cases")
    with pytest.raises(CommandError, match="0 \\(keep forever\\) or more"):
        call_command("purge_attachments", "--days", "-1", stdout=io.StringIO())
    assert Attachment.objects.count() == 2


def test_beat_runs_the_purge_daily_with_a_registered_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-attachments"]
    assert entry["task"] == "privacy.tasks.purge_attachments"
    assert isinstance(entry["schedule"], crontab)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert isinstance(django_settings.ATTACHMENT_RETENTION_DAYS, int) and django_settings.ATTACHMENT_RETENTION_DAYS > 0


@pytest.mark.django_db
def test_the_task_purges_through_the_service(cases, settings, django_capture_on_commit_callbacks):
    settings.ATTACHMENT_RETENTION_DAYS = 365
    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.purge_attachments.apply().get()
    assert outcome == {"attachments": 2, "cases": 2}
    assert Attachment.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_runs_the_purge_task(agent, media, tmp_path):
    """The beat entry's task, sent by name to a real worker process on a private queue."""
    old = ended(agent, days_ago=400)
    photo = attach(old)
    path = media / photo.file.name
    assert path.exists()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"privacy-test-{os.getpid()}"
    log = tmp_path / "worker.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "1",
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        "DATA_DIR": str(tmp_path / "data"),
        "MEDIA_ROOT": str(media),
        "ATTACHMENT_RETENTION_DAYS": "365",
        "PYTHONUNBUFFERED": "1",
    }
    worker = subprocess.Popen(
        [
            CELERY,
            "-A",
            "aftersales",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        app.send_task("privacy.tasks.purge_attachments", queue=queue)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and Attachment.objects.filter(pk=photo.pk).exists():
            time.sleep(0.2)
        assert not Attachment.objects.filter(pk=photo.pk).exists(), log.read_text()[-3000:]
        while time.monotonic() < deadline and path.exists():
            time.sleep(0.1)
        assert not path.exists(), "the worker deletes the file after its commit"
        assert AuditLog.objects.filter(action=AuditAction.PURGE_ATTACHMENTS).exists()
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(20)
