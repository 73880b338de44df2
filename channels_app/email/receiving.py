"""Receiving e-mail: the IMAP poller (one beat run polls every active inbox) and the raw-message webhook.

Both hand the bytes to ``ingest``: parse (``channels_app.email.parsing``), drop automatic mail (auto-replies,
out-of-office, bounces: stored for audit, never a case, never an answer), then ``intake.receive``
keyed by inbox and Message-ID, so a message fetched twice, or fetched and also posted, is one
message. The poller never deletes: it marks each message seen (or moves it to a folder) only
after the intake committed, so a crash in between fetches it again and the key makes that a no-op.
"""

from __future__ import annotations

import imaplib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Channel
from channels_app import intake
from channels_app.email.parsing import MailRejected, ParsedMail, parse_email
from channels_app.models import EmailInbox, IdentityKind, ImapAfterRead
from core import clock

log = logging.getLogger(__name__)
FETCH_BATCH = 50


def inbound_from_mail(*, inbox: EmailInbox, mail: ParsedMail, raw: bytes) -> intake.Inbound:
    return intake.Inbound(
        channel=Channel.EMAIL,
        dedupe_key=f"email:{inbox.pk}:{mail.message_id}"[:300],
        external_id=mail.message_id,
        identity_kind=IdentityKind.EMAIL,
        identity_value=mail.from_address,
        sender_name=mail.from_name,
        recipient=inbox.address,
        subject=mail.subject,
        text=mail.new_text,
        html=mail.html,
        in_reply_to=mail.in_reply_to[0] if mail.in_reply_to else "",
        references=tuple(mail.references),
        files=tuple(
            intake.InboundFile(a.filename, a.content_type, a.content, a.inline, a.content_id) for a in mail.attachments
        ),
        raw=raw,
        links={"inbox": inbox},
        data={
            "skipped_attachments": [list(s) for s in mail.skipped_attachments],
            "date": mail.date.isoformat() if mail.date else "",
            "has_message_id": mail.has_message_id,
            "full_text_chars": len(mail.text),
        },
        team=inbox.team,
    )


def ingest(*, inbox: EmailInbox, raw: bytes) -> intake.IntakeResult:
    """Take one raw RFC 822 message into ``inbox``. Raises MailRejected for bytes that are no message."""
    mail = parse_email(raw)
    if not mail.from_address:
        raise MailRejected(_("The message has no sender address (From) we could answer."), code="no_sender")
    inbound = inbound_from_mail(inbox=inbox, mail=mail, raw=raw)
    if mail.is_auto:
        return intake.ignore_automatic(inbound=inbound, reason=mail.auto_reason)
    return intake.receive(inbound)


@dataclass
class PollReport:
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    automatic: int = 0
    rejected: int = 0


def _connect(inbox: EmailInbox) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if inbox.imap_ssl else imaplib.IMAP4
    conn = cls(inbox.imap_host, inbox.imap_port, timeout=30)
    conn.login(inbox.imap_user, inbox.imap_password)
    return conn


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


# imaplib takes a message's uid as the bytes SEARCH answered (typeshed's stubs say str only): hence the
# ignores on conn.uid below.
def _after_read(conn: imaplib.IMAP4, inbox: EmailInbox, uid: bytes) -> None:
    if inbox.imap_after_read == ImapAfterRead.MOVE and inbox.imap_done_folder:
        status, _data = conn.uid("COPY", uid, _quote(inbox.imap_done_folder))  # type: ignore[arg-type]
        if status != "OK":
            conn.create(_quote(inbox.imap_done_folder))
            status, _data = conn.uid("COPY", uid, _quote(inbox.imap_done_folder))  # type: ignore[arg-type]
        if status == "OK":
            # Moved: flag the original deleted in the source folder, but never EXPUNGE here —
            # the mailbox keeps it until the mailbox owner's own expunge.
            conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)")  # type: ignore[arg-type]
            return
    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")  # type: ignore[arg-type]


def poll_inbox(*, inbox: EmailInbox, limit: int = FETCH_BATCH) -> PollReport:
    """Fetch the unseen messages of one inbox (up to ``limit``) and take each in."""
    report = PollReport()
    conn = _connect(inbox)
    try:
        status, _data = conn.select(_quote(inbox.imap_folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder {inbox.imap_folder!r}")
        status, data = conn.uid("SEARCH", None, "UNSEEN", "UNDELETED")  # type: ignore[arg-type]  # no charset
        uids = (data[0] or b"").split()[:limit]
        for uid in uids:
            status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")  # type: ignore[arg-type]
            raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
            if status != "OK" or raw is None:
                continue
            report.fetched += 1
            try:
                result = ingest(inbox=inbox, raw=raw)
            except MailRejected as exc:
                report.rejected += 1
                log.warning("Inbox %s: message uid %s rejected: %s", inbox.code, uid.decode(), exc.message)
            else:
                if result.duplicate:
                    report.duplicates += 1
                elif result.message.status == "ignored":
                    report.automatic += 1
                else:
                    report.new += 1
            _after_read(conn, inbox, uid)
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            log.debug("IMAP logout of %s failed", inbox.code, exc_info=True)
    EmailInbox.objects.filter(pk=inbox.pk).update(last_polled_at=clock.now(), last_error="")
    return report


def poll_safely(inbox: EmailInbox) -> PollReport | str:
    """Poll one inbox; a connection or login failure is recorded on the inbox (the admin shows
    it) and returned as text instead of raised, so one broken inbox does not stop the others."""
    try:
        return poll_inbox(inbox=inbox)
    except (imaplib.IMAP4.error, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        with transaction.atomic():
            EmailInbox.objects.filter(pk=inbox.pk).update(last_polled_at=clock.now(), last_error=error)
        log.warning("Polling inbox %s failed: %s", inbox.code, error)
        return error
