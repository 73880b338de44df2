"""Real mail servers for the email channel's tests (tests/mailservers.py).

- ``dovecot``: a running private Dovecot IMAP server with an empty mailbox for this test. One server is started
  per pytest process (each xdist worker has its own, on its own free port) and emptied before every test.
- ``smtp_sink``: an SMTP server that keeps what it is sent, started for this test only.
"""

from __future__ import annotations

import pytest

from tests.mailservers import Dovecot, SmtpSink


@pytest.fixture(scope="session")
def dovecot_server():
    """The Dovecot of this pytest process; tests use ``dovecot``, which also empties the mailbox."""
    with Dovecot() as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server):
    dovecot_server.reset()
    return dovecot_server


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink
