"""``manage.py check --deploy`` in a fresh process with production settings (DEBUG off and the
variables production requires): no warning at all, and no check silenced (axes.W006 was, while
the lock-out went by username only; it now goes by username and address together)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.production_env import production_env

REPO = Path(__file__).resolve().parents[2]


def run_in_production(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    # Without EMAIL_HOST the console backend would print the mail (core.E001).
    env = production_env(tmp_path, EMAIL_HOST="smtp.example.com", **extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_is_clean_in_production(tmp_path):
    result = run_in_production(tmp_path, "check", "--deploy", "--fail-level", "DEBUG")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert not re.search(r"\((security|axes|csp|otp)\.[WE]\d+\)", output), output


def test_each_silenced_check_has_a_written_reason():
    settings_text = (REPO / "aftersales" / "settings.py").read_text()
    silenced = re.search(r"SILENCED_SYSTEM_CHECKS(?:: [^=]+)? = \[([^\]]*)\]", settings_text).group(1)
    names = re.findall(r'"([\w.]+)"', silenced)
    assert names == []
    for name in names:
        assert re.search(rf"#.*\({re.escape(name)}.*silenced", settings_text), f"no reason written for {name}"


def test_the_deploy_check_would_catch_an_insecure_setting(tmp_path):
    """The check is not blind: turn the session cookie's Secure flag off and it warns."""
    result = run_in_production(tmp_path, "check", "--deploy", "--fail-level", "WARNING", SESSION_COOKIE_SECURE="0")

    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr
