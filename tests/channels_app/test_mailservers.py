"""The test mail servers are real: Dovecot speaks IMAP and the SMTP sink receives, to Python's own clients."""

from __future__ import annotations

import imaplib
import smtplib
from email.message import EmailMessage

import pytest

from tests.mailservers import SmtpSink

pytestmark = pytest.mark.slow

RAW = (
    b"From: Zhang Wei <zhang.wei@example.com>\r\n"
    b"To: service@shop.example\r\n"
    b"Subject: Return order 10042\r\n"
    b"Message-ID: <order-10042@example.com>\r\n"
    b"\r\n"
    b"The kettle arrived broken.\r\n"
)


def test_dovecot_mailbox_through_imaplib(dovecot):
    assert dovecot.list_messages("INBOX") == []
    uid = dovecot.append(RAW)
    dovecot.create_folder("Processed")
    assert set(dovecot.folders()) == {"INBOX", "Processed"}

    with imaplib.IMAP4(dovecot.host, dovecot.port) as client:
        assert client.login(dovecot.user, dovecot.password)[0] == "OK"
        typ, data = client.select("INBOX")
        assert (typ, data) == ("OK", [b"1"])
        typ, data = client.uid("SEARCH", "UNSEEN")
        assert (typ, data) == ("OK", [str(uid).encode()])
        typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        assert typ == "OK"
        assert data[0][1] == RAW
        assert client.uid("STORE", str(uid), "+FLAGS", r"(\Seen)")[0] == "OK"
        assert client.uid("COPY", str(uid), "Processed")[0] == "OK"
        assert client.uid("SEARCH", "UNSEEN") == ("OK", [b""])

    [inbox] = dovecot.list_messages("INBOX")
    assert (inbox.uid, inbox.raw, inbox.seen, inbox.deleted) == (uid, RAW, True, False)
    [copied] = dovecot.list_messages("Processed")
    assert copied.raw == RAW and copied.seen
    assert copied.parsed()["Subject"] == "Return order 10042"


def test_dovecot_refuses_a_wrong_password(dovecot):
    with imaplib.IMAP4(dovecot.host, dovecot.port) as client, pytest.raises(imaplib.IMAP4.error):
        client.login(dovecot.user, dovecot.password + "-wrong")


def test_reset_empties_the_mailbox(dovecot):
    """The ``dovecot`` fixture resets the server of this process before each test: folders and mail go."""
    dovecot.create_folder("Processed")
    dovecot.append(RAW, folder="Processed")
    dovecot.append(RAW)
    left_open = dovecot.connect()
    left_open.select("INBOX")
    dovecot.reset()
    with pytest.raises(imaplib.IMAP4.abort):  # a session still open is ended, not left on a removed maildir
        left_open.noop()
    assert dovecot.folders() == ["INBOX"]
    assert dovecot.list_messages("INBOX") == []


def test_smtp_sink_captures_what_smtplib_sends(smtp_sink):
    message = EmailMessage()
    message["From"] = "service@shop.example"
    message["To"] = "Zhang Wei <zhang.wei@example.com>"
    message["Subject"] = "Your return 10042 is approved / 退货已批准"
    message.set_content("Please send the kettle back.\n")

    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        refused = client.send_message(message, to_addrs=["zhang.wei@example.com", "audit@shop.example"])
    assert refused == {}

    [received] = smtp_sink.wait_for(1, timeout=5)
    assert received.mail_from == "service@shop.example"
    assert received.rcpt_tos == ["zhang.wei@example.com", "audit@shop.example"]
    assert received.message["Subject"] == "Your return 10042 is approved / 退货已批准"
    assert received.message["To"].addresses[0].addr_spec == "zhang.wei@example.com"
    assert received.message.get_content().splitlines() == ["Please send the kettle back."]  # CRLF on the wire
    subject_line = next(line for line in received.raw.splitlines() if line.startswith(b"Subject: "))
    assert b"=?utf-8?" in subject_line and "退货".encode() not in subject_line  # encoded on the wire, decoded here
    assert received.login is None


def test_smtp_sink_with_auth_needs_the_login():
    with SmtpSink(user="mailer", password="smtp-secret") as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("mailer", "wrong")
            with pytest.raises(smtplib.SMTPSenderRefused):
                client.sendmail("a@shop.example", ["b@example.com"], b"Subject: no\r\n\r\nno\r\n")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
            client.login("mailer", "smtp-secret")
            client.sendmail("a@shop.example", ["b@example.com"], b"Subject: yes\r\n\r\nyes\r\n")
        [received] = sink.wait_for(1, timeout=5)
    assert received.login == "mailer"
    assert received.message["Subject"] == "yes"
    assert sink.messages == [received]
