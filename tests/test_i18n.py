"""Chinese and English are both first-class: the catalogue is complete, current and compiled."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.utils import translation

from cases.models import CaseKind, CaseStatus
from cases.services import step_label

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The project's own apps (every installed app with a folder here), the settings, the templates.
SOURCES = (
    "aftersales",
    *(app for app in settings.INSTALLED_APPS if "." not in app and (ROOT / app).is_dir()),
    "templates",
    "manage.py",
)


def msgids(po_text: str) -> set[str]:
    """The msgids of a .po file, continuation lines joined, header left out."""
    ids, current, in_id = set(), None, False
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            current, in_id = line[len("msgid ") :].strip().strip('"'), True
        elif in_id and line.startswith('"'):
            current += line.strip().strip('"')
        else:
            if in_id and current:
                ids.add(current)
            in_id = False
    return ids


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(PO)], capture_output=True, text=True, check=True
    ).stdout
    assert msgids(untranslated) == set(), "run `make makemessages` and translate the new entries"
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-wrap", str(PO)], capture_output=True, text=True, check=True
    ).stdout
    assert msgids(fuzzy) == set()
    subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(PO)], check=True)


def test_the_catalogue_holds_every_message_of_the_code(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data")},
        check=True,
    )
    in_code = msgids((tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    in_catalogue = msgids(PO.read_text(encoding="utf-8"))
    missing = sorted(in_code - in_catalogue)
    assert not missing, f"{len(missing)} messages are not in the catalogue; run `make makemessages`: {missing[:5]}"


def test_the_same_value_reads_in_either_language():
    with translation.override("zh-hans"):
        chinese = (str(CaseStatus.APPROVED.label), str(CaseKind.RETURN.label), step_label("approve"))
    with translation.override("en"):
        english = (str(CaseStatus.APPROVED.label), str(CaseKind.RETURN.label), step_label("approve"))
    assert english[0] == "Approved"
    for text in chinese:
        assert re.search(r"[\u4e00-\u9fff]", text), f"{text!r} is not Chinese"
    assert chinese != english


def test_pages_follow_the_language_switch(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert re.search(r"<h1>[^<]*[\u4e00-\u9fff]", response.content.decode())
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "<h1>After-sales service</h1>" in english.content.decode()
