"""The environment of a fresh process that runs with the production settings (DEBUG off and the
variables production requires), for the tests that start one: settings, deploy checks, startup
checks, secrets. One place, so a new required variable is added once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def production_env(home: Path, *, path: str | None = None, **extra: str | None) -> dict[str, str]:
    """``home`` holds the process's HOME and data folder; ``extra`` adds or replaces variables, and a
    value of None leaves one out (for example ``SECRET_ENCRYPTION_KEYS=None`` to start without it)."""
    env = {
        "PATH": path or os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "DATA_DIR": str(Path(home) / "data"),
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "service.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/aftersales_unused",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    env.update(extra)
    return {name: value for name, value in env.items() if value is not None}
