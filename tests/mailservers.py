"""Real mail servers for integration tests, each private to the test process and on a free port of 127.0.0.1.

``Dovecot`` runs Debian's Dovecot (installed by ``make test``) from its own dovecot.conf in a temp directory:
IMAP only, no TLS, cleartext PLAIN/LOGIN auth, one passwd-file user with a maildir under the temp directory.
``SmtpSink`` runs an aiosmtpd server that keeps every message it receives.

Both are context managers; the fixtures that use them are in tests/channels_app/conftest.py.
"""

from __future__ import annotations

import email
import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
IMAP_USER = "tester"
IMAP_PASSWORD = "imap-secret"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the kernel's pick, so two xdist workers get different ones)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def imap_quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends its arguments as they are)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class StoredMessage:
    uid: int
    flags: tuple[str, ...]
    raw: bytes

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    @property
    def deleted(self) -> bool:
        return "\\Deleted" in self.flags

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)


class DovecotError(RuntimeError):
    pass


class Dovecot:
    """A private Dovecot IMAP server: ``start()`` / ``stop()`` or ``with Dovecot() as imap: ...``.

    As root (CI), Dovecot refuses to run its login processes or any mail access as root, so those run as an
    existing unprivileged account (``dovenull`` from the package, else ``nobody``) and the maildir belongs to
    ``nobody``; as any other user everything runs as that user, without chroots.
    """

    START_TIMEOUT = 15.0

    def __init__(self, user: str = IMAP_USER, password: str = IMAP_PASSWORD, binary: str = DOVECOT):
        self.host = HOST
        self.port: int | None = None
        self.user = user
        self.password = password
        self.binary = binary
        self.root: Path | None = None
        self._process: subprocess.Popen | None = None

    # --- life cycle -------------------------------------------------------------------------------------
    def start(self) -> Dovecot:
        if self._process is not None:
            return self
        if not os.path.exists(self.binary):
            raise DovecotError(f"{self.binary} is missing: `make /usr/sbin/dovecot` installs Debian's dovecot-imapd")
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        try:
            for attempt in range(3):  # another process may take the free port before Dovecot binds it
                self.port = free_port()
                self._write_config()
                try:
                    self._launch()
                    return self
                except DovecotError as error:
                    if attempt == 2 or "Address already in use" not in str(error):
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()  # the master stops its children before it exits
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def log_path(self) -> Path:
        return self._path("dovecot.log")

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for name in ("dovecot.log", "dovecot.stderr"):
            path = self._path(name)
            if path.exists():
                text += path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _path(self, name: str) -> Path:
        if self.root is None:
            raise DovecotError("Dovecot is not started")
        return self.root / name

    def _accounts(self) -> tuple[dict[str, str], int, int]:
        """The users Dovecot's processes run as, and the uid/gid that owns the mail."""
        if os.geteuid() != 0:
            me, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
            return {"internal": me, "internal_group": group, "login": me}, os.geteuid(), os.getegid()
        nobody = pwd.getpwnam("nobody")
        try:
            login = pwd.getpwnam("dovenull").pw_name
        except KeyError:
            login = nobody.pw_name
        return {"internal": "root", "internal_group": "root", "login": login}, nobody.pw_uid, nobody.pw_gid

    def _write_config(self) -> None:
        root = self.root
        accounts, mail_uid, mail_gid = self._accounts()
        as_root = os.geteuid() == 0
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(exist_ok=True)
        if as_root:  # the mail user must reach its maildir inside the 0700 temp directory
            root.chmod(0o755)
            os.chown(root / "mail", mail_uid, mail_gid)
        passwd = root / "passwd"
        passwd.write_text(f"{self.user}:{{PLAIN}}{self.password}:{mail_uid}:{mail_gid}::{root / 'mail' / self.user}\n")
        passwd.chmod(0o600)
        # Only root can chroot(), which imap-login and anvil do by default (into base_dir/login and base_dir/empty).
        login_chroot, anvil_chroot = ("login", "empty") if as_root else ("", "")
        (root / "dovecot.conf").write_text(
            f"""# A private Dovecot for tests (tests/mailservers.py); nothing from /etc/dovecot is read.
base_dir = {root / "run"}
state_dir = {root / "state"}
log_path = {root / "dovecot.log"}
instance_name = dovecot-test-{self.port}
listen = {self.host}
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Tests log in with wrong passwords on purpose: no 2 s delay for a failure, no growing penalty for the IP.
auth_failure_delay = 0
default_internal_user = {accounts["internal"]}
default_internal_group = {accounts["internal_group"]}
default_login_user = {accounts["login"]}
mail_uid = {mail_uid}
mail_gid = {mail_gid}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:{root / "mail"}/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
service imap-login {{
  chroot = {login_chroot}
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot = {anvil_chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
        )

    def _launch(self) -> None:
        config = self.root / "dovecot.conf"
        for name in ("dovecot.log", "dovecot.stderr"):
            self._path(name).unlink(missing_ok=True)
        with open(self._path("dovecot.stderr"), "wb") as stderr:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(config)], stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
            )
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(256).startswith(b"* OK"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        process, self._process = self._process, None
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
            reason = f"did not answer on {self.host}:{self.port} within {self.START_TIMEOUT:.0f} s"
        else:
            reason = f"exited with status {process.returncode}"
        raise DovecotError(f"Dovecot {reason}; the end of its log:\n{self.log_tail()}")

    # --- the mailbox, through IMAP ----------------------------------------------------------------------
    def connect(self) -> imaplib.IMAP4:
        """A logged-in IMAP client; the caller logs out (or use it in a ``with`` block)."""
        if self._process is None:
            raise DovecotError("Dovecot is not started")
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def folders(self) -> list[str]:
        """The names of all folders (mailboxes) of the test user, INBOX included."""
        with self.connect() as client:
            typ, data = client.list()
        self._check(typ, data, "LIST")
        names = []
        for line in data:
            if not line:
                continue
            if isinstance(line, tuple):  # a name sent as a literal
                names.append(line[1].decode())
                continue
            match = re.match(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$', line)
            if match is None:
                raise DovecotError(f"unexpected LIST line: {line!r}")
            name = match["name"].decode()
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            names.append(name)
        return names

    def create_folder(self, name: str) -> None:
        with self.connect() as client:
            typ, data = client.create(imap_quote(name))
        self._check(typ, data, f"CREATE {name}")

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[str, ...] = ()) -> int:
        """Store a raw message in a folder (as a mail client would); returns its UID."""
        with self.connect() as client:
            typ, data = client.append(imap_quote(folder), f"({' '.join(flags)})" if flags else None, None, raw)
        self._check(typ, data, f"APPEND {folder}")
        match = re.search(rb"\[APPENDUID \d+ (\d+)\]", data[0] or b"")
        if match is None:
            raise DovecotError(f"APPEND to {folder} gave no APPENDUID: {data!r}")
        return int(match[1])

    def list_messages(self, folder: str = "INBOX") -> list[StoredMessage]:
        """Every message in a folder, by UID, with its flags and bytes, read without setting \\Seen."""
        with self.connect() as client:
            typ, data = client.select(imap_quote(folder), readonly=True)
            self._check(typ, data, f"SELECT {folder}")
            typ, data = client.uid("SEARCH", "ALL")
            self._check(typ, data, "UID SEARCH")
            if not data[0]:
                return []
            typ, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            self._check(typ, data, "UID FETCH")
        messages = []
        for index, item in enumerate(data):
            if not isinstance(item, tuple):
                continue
            # "n (UID u FLAGS (...) BODY[] {size}", the literal, then ")" or the items after it.
            after = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
            meta = item[0] + b" " + after
            uid = re.search(rb"UID (\d+)", meta)
            flags = re.search(rb"FLAGS \(([^)]*)\)", meta)
            if uid is None or flags is None:
                raise DovecotError(f"unexpected FETCH response: {meta!r}")
            messages.append(StoredMessage(int(uid[1]), tuple(flags[1].decode().split()), item[1]))
        return sorted(messages, key=lambda message: message.uid)

    def reset(self) -> None:
        """Empty the test user's mail: all folders and messages go, the next login starts a fresh maildir."""
        if self._process is None:
            raise DovecotError("Dovecot is not started")
        # Sessions left open would write to the maildir being removed: kick them until none is left.
        deadline = time.monotonic() + 10
        while True:
            kick = subprocess.run(
                [DOVEADM, "-c", str(self.root / "dovecot.conf"), "kick", self.user], capture_output=True, timeout=10
            )
            if kick.returncode == 68:  # EX_NOUSER: "no users kicked"
                break
            if time.monotonic() > deadline:
                raise DovecotError(f"doveadm kick {self.user} failed: {kick.stdout!r} {kick.stderr!r}")
            time.sleep(0.05)
        maildir = self.root / "mail" / self.user
        shutil.rmtree(maildir, ignore_errors=True)

    @staticmethod
    def _check(typ: str, data: list, what: str) -> None:
        if typ != "OK":
            raise DovecotError(f"IMAP {what} failed: {typ} {data!r}")


# --- SMTP -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage = field(repr=False)
    login: str | None = None


class _Collector:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.sink._received(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=raw,
                message=email.message_from_bytes(raw, policy=policy.default),
                login=login,
            )
        )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def factory(self):
        # The sink offers AUTH without TLS on purpose (a loopback test server); aiosmtpd warns about it per connection.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()


class SmtpSink:
    """An SMTP server (aiosmtpd) on a free port of 127.0.0.1 that keeps every message it is sent.

    Plain SMTP without TLS. With ``user`` and ``password`` it offers AUTH PLAIN/LOGIN (over cleartext)
    and refuses mail from clients that did not log in.
    """

    def __init__(self, user: str | None = None, password: str | None = None):
        self.host = HOST
        self.port: int | None = None
        self.user = user
        self.password = password
        self.messages: list[ReceivedMessage] = []
        self._condition = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        if self._controller is not None:
            return self
        options = {}
        if self.user is not None:
            options = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        for attempt in range(3):
            self.port = free_port()
            controller = _Controller(_Collector(self), hostname=self.host, port=self.port, **options)
            try:
                controller.start()
            except OSError:
                if attempt == 2:
                    raise
                continue
            self._controller = controller
            return self
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def clear(self) -> None:
        with self._condition:
            self.messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages arrived; returns them, or raises TimeoutError."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self.messages) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived within {timeout} s")
            return list(self.messages)

    def _received(self, message: ReceivedMessage) -> None:
        with self._condition:
            self.messages.append(message)
            self._condition.notify_all()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
