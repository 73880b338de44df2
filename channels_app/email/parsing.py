"""Turn the raw bytes of an incoming e-mail into a ParsedMail the channels code can store and thread.

Customers write from Outlook, Gmail, Apple Mail, QQ Mail, Foxmail and Thunderbird, in GBK, Big5, ISO-2022-JP
or a charset the mailer got wrong. Everything here is a pure function over bytes, so a corpus and hypothesis can
test it, and a message we cannot take is refused with MailRejected instead of an exception from deep inside the
standard library. The stdlib parser is given the bytes as latin-1 text, one character per byte, and a policy
that hands header values back untouched, so every string it returns maps back to the exact bytes; all decoding
is done in this package (``charsets``, ``headers``), because the stdlib's own loses raw GBK/UTF-8 headers, and
raises or guesses on broken ones. The body's HTML is sanitised and read as text in ``html_body``, and the quoted
history of a reply found in ``quoted_history``.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import quopri
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import message_from_string
from email.errors import MessageError
from email.generator import Generator
from email.message import Message
from email.policy import Compat32
from typing import NamedTuple, cast
from urllib.parse import unquote

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from channels_app.email.charsets import b64decode_lenient, decode_bytes, raw_bytes, storable_text
from channels_app.email.headers import addresses, decode_header_text, header_date, message_ids, one_line
from channels_app.email.html_body import html_to_text, sanitize_html
from channels_app.email.quoted_history import strip_quoted


class MailRejected(Exception):
    """The bytes are not a message we can take. .message is a sentence a person can read (gettext)."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool
    content_id: str
    sniffed_type: str = ""  # what the bytes look like (filetype), "" if unknown: a ".png" that is an .exe shows here


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    has_message_id: bool
    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: str
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    new_text: str
    html: str
    attachments: tuple[MailAttachment, ...]
    skipped_attachments: tuple[tuple[str, str], ...]
    is_auto: bool
    auto_reason: str
    raw_size: int


# --- MIME parts ---------------------------------------------------------------------------------------------------


class _RawHeaders(Compat32):
    """compat32, but header values come back and are written out exactly as parsed (no Header objects, no
    refolding), so an attached message keeps its bytes; decode_header_text does the decoding."""

    def header_fetch_parse(self, name, value):
        return value

    def fold(self, name, value):
        return f"{name}: {value}{self.linesep}"


_POLICY = _RawHeaders(linesep="\n")
_MAX_DEPTH = 40


def _content_type(part: Message) -> str | None:
    """The declared type, lowercased, or None when the part has no Content-Type (malformed ones read as text/plain)."""
    return part.get_content_type() if part.get("content-type") else None


def _param(part: Message, name: str, header: str = "content-type") -> str:
    value = part.get_param(name, None, header)
    if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text as latin-1 characters)
        charset, _language, text = value
        return storable_text(decode_bytes(raw_bytes(text), charset)).strip()
    return decode_header_text(value).strip() if value else ""


def _payload_bytes(part: Message) -> bytes:
    """The decoded bytes of a leaf part; unlike get_payload(decode=True) this accepts "base64 " and bad padding."""
    data = raw_bytes(cast(str, part.get_payload()))  # a str for every leaf part the parser makes
    encoding = (part.get("content-transfer-encoding") or "").strip().lower()
    if encoding == "base64":
        return b64decode_lenient(data)
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    return cast(bytes | None, part.get_payload(decode=True)) or b""  # decode=True: a leaf part's bytes


def _flatten(part: Message) -> bytes | None:
    """An attached message (message/rfc822, a bounce's delivery-status) as bytes; None if it cannot be rebuilt."""
    out = io.StringIO()
    generator = Generator(out, mangle_from_=False, policy=_POLICY)
    try:
        for sub in cast(list[Message], part.get_payload()):  # an attached message's payload: its parts
            generator.flatten(sub)
    except (MessageError, UnicodeError, LookupError, ValueError, TypeError, RecursionError):
        return None  # what the generator raises on odd parts; it also recurses deeper per level than the parser
    return raw_bytes(out.getvalue())


def _leaves(message: Message):
    """Every leaf part in order, without recursion (the depth is attacker-chosen); message/* parts are leaves."""
    stack = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if part.is_multipart() and part.get_content_maintype() != "message" and depth < _MAX_DEPTH:
            stack.extend((sub, depth + 1) for sub in reversed(cast(list[Message], part.get_payload())))
        else:
            yield part


# --- auto replies, filenames ----------------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"\s*(?:(?:automatic reply|auto[- ]?reply|autoreply|自动回复|自動回覆|自動回復|自动答复)\s*[:：]"
    r"|out of (?:the )?office\b)",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


def _auto_reason(headers: dict[str, str], message: Message, subject: str, from_address: str) -> str:
    """Why a mail must never open a case nor get an answer ("" if it may). X-Auto-Response-Suppress alone is
    ignored: Outlook sets it on ordinary mail."""
    value = lambda name: one_line(headers.get(name)).lower()  # noqa: E731
    report = (
        _content_type(message) == "multipart/report" and "delivery-status" in _param(message, "report-type").lower()
    )
    if from_address.split("@")[0] in ("mailer-daemon", "postmaster") or report or value("return-path") == "<>":
        return "bounce"
    if value("auto-submitted").split(";")[0].strip() not in ("", "no"):
        return "auto-submitted"
    if value("x-autoreply") or value("x-autorespond") or "x-ms-exchange-generated-message-source" in headers:
        return "auto-reply-header"
    if _AUTO_SUBJECT.match(subject):  # Outlook out-of-office replies carry no header that says so
        return "auto-reply-header"
    if value("precedence") in _BULK_PRECEDENCE:
        return "precedence"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing-list"
    return ""


_NAME_UNSAFE = re.compile(r'[<>:"|?*]')
_RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _extension(content_type: str, content: bytes) -> str:
    kind = filetype.guess(content[:8192]) if content else None
    guessed = mimetypes.guess_extension(content_type) if content_type != "application/octet-stream" else None
    return guessed or (f".{kind.extension}" if kind else "")


def sanitize_filename(name: str, content_type: str = "application/octet-stream", content: bytes = b"") -> str:
    """A name safe to show and to store: the last path part, no control or format characters (no RTL
    override tricks), no leading dots, at most 150 characters with the extension kept; never empty."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = " ".join(_NAME_UNSAFE.sub("_", name).split()).strip(". ")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 149 - len(ext)]}.{ext}" if dot and 0 < len(ext) <= 16 else name[:150]
        name = name.strip(". ")
    if name.split(".")[0].lower() in _RESERVED_NAMES:
        name = f"_{name}"
    return name or f"attachment{_extension(content_type, content)}"


# --- the parser ---------------------------------------------------------------------------------------------------

_KNOWN_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "received", "mime-version", "content-type"}
_KNOWN_HEADERS |= {"return-path", "reply-to", "sender", "delivered-to", "in-reply-to", "references"}
_CID_REF = re.compile(r"cid:([^\s\"'<>)]+)", re.IGNORECASE)


def _limit(given: int | None, name: str, default: int) -> int:
    """An explicit argument wins (0 included); then settings, when Django is set up; a plain script gets the default."""
    if given is not None:
        return given
    return getattr(settings, name, default) if settings.configured else default


def _fallback_id(source: bytes, headers: dict[str, str]) -> str:
    """A stable id for mail without Message-ID: the same bytes give the same id, so a re-delivery is a duplicate."""
    digest = hashlib.sha256()
    for name in ("from", "date", "subject"):
        digest.update(raw_bytes(headers.get(name)) + b"\0")
    separator = re.search(rb"\r?\n\r?\n", source)
    digest.update(source[separator.end() :] if separator else b"")
    return f"sha256-{digest.hexdigest()}"


class _Part(NamedTuple):
    """A leaf part that is not body text: an attachment, an attached message, or a part nested too deep."""

    name: str
    content_type: str
    content: bytes | None  # None: it could not be read
    disposition: str
    content_id: str


@dataclass
class _Parts:
    """The leaf parts of a message, sorted: the body text (plain and HTML, decoded) and everything else."""

    plains: list[str]
    htmls: list[str]
    others: list[_Part]
    hint: str | None  # the first body charset: the best guess for raw 8-bit headers


def _message_bytes(raw: object, *, max_total: int) -> bytes:
    """The bytes of a message we may read; refused when they are not bytes, empty or over ``max_total``."""
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise MailRejected(_("The message must be given as raw bytes."), code="not_bytes")
    if not raw.strip():
        raise MailRejected(_("The message is empty."), code="empty")
    if len(raw) > max_total:
        raise MailRejected(
            _("The message is %(size)d bytes, more than the limit of %(limit)d bytes.")
            % {"size": len(raw), "limit": max_total},
            code="too_large",
        )
    return raw


def _read(source: bytes) -> tuple[Message, dict[str, str]]:
    """The stdlib's message over the bytes (as latin-1 text, see the module docstring) and its headers by
    lowercased name, the first of each; refused when nothing in it is a mail header."""
    try:
        message = message_from_string(source.decode("latin-1"), policy=_POLICY)
    except RecursionError:  # the stdlib parser recurses once per nested multipart
        raise MailRejected(_("The message is nested too deeply to be read."), code="too_nested")
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.strip().lower(), value)
    if not _KNOWN_HEADERS.intersection(headers):
        raise MailRejected(_("This does not look like an e-mail: it has no mail headers."), code="no_headers")
    return message, headers


def _sort_parts(message: Message) -> _Parts:
    """Unnamed text/plain and text/html parts not marked as attachments are the body; the rest are parts."""
    parts = _Parts(plains=[], htmls=[], others=[], hint=None)
    for part in _leaves(message):
        declared = _content_type(part)
        disposition = (part.get("content-disposition") or "").split(";")[0].strip().lower()
        name = _param(part, "filename", "content-disposition") or _param(part, "name")
        content_id = one_line(part.get("content-id")).strip("<>").strip()
        if part.is_multipart():
            if part.get_content_maintype() != "message":  # a multipart nested too deep to walk: unreadable
                parts.others.append(_Part(name, declared or "multipart/mixed", None, disposition, content_id))
                continue
            parts.others.append(_Part(name, declared or "message/rfc822", _flatten(part), disposition, content_id))
            continue
        content = _payload_bytes(part)
        if (declared or "text/plain") in ("text/plain", "text/html") and not name and disposition != "attachment":
            charset = _param(part, "charset") or None
            parts.hint = parts.hint or charset
            (parts.htmls if declared == "text/html" else parts.plains).append(decode_bytes(content, charset))
        else:
            parts.others.append(_Part(name, declared or "application/octet-stream", content, disposition, content_id))
    return parts


def _attachments(
    others: list[_Part], *, raw_html: str, max_part: int
) -> tuple[list[MailAttachment], list[tuple[str, str]]]:
    """The parts kept as attachments, and (filename, why) for those skipped: unreadable or over ``max_part``.
    A part is inline when it says so or the HTML points at its Content-ID."""
    cids = {unquote(ref).lower() for ref in _CID_REF.findall(raw_html)}
    attachments: list[MailAttachment] = []
    skipped: list[tuple[str, str]] = []
    for name, content_type, content, disposition, content_id in others:
        filename = sanitize_filename(name, content_type, content or b"")
        if content is None:
            skipped.append((filename, _("This part could not be read.")))
        elif len(content) > max_part:
            skipped.append(
                (filename, _("Larger than the limit of %(limit)d bytes for one attachment.") % {"limit": max_part})
            )
        else:
            kind = filetype.guess(content[:8192]) if content else None
            inline = disposition == "inline" or bool(content_id and content_id.lower() in cids)
            attachments.append(
                MailAttachment(filename, content_type, content, inline, content_id, kind.mime if kind else "")
            )
    return attachments, skipped


def parse_email(
    raw: bytes, *, max_attachment_bytes: int | None = None, max_total_bytes: int | None = None
) -> ParsedMail:
    """Parse one RFC 822 message. Raises MailRejected (and nothing else) for bytes that are not a message we
    can take; attachments over the cap are listed in skipped_attachments and the rest of the mail is kept."""
    max_total = _limit(max_total_bytes, "MAIL_MAX_MESSAGE_BYTES", 25 * 2**20)
    max_part = _limit(max_attachment_bytes, "MAIL_MAX_ATTACHMENT_BYTES", 10 * 2**20)
    raw = _message_bytes(raw, max_total=max_total)
    source = raw.lstrip(b"\r\n\t ")
    message, headers = _read(source)
    parts = _sort_parts(message)
    hint = parts.hint
    raw_html = storable_text("\n".join(parts.htmls))
    text = storable_text("\n".join(parts.plains)).strip("\n").rstrip()
    if not text.strip() and raw_html.strip():
        text = html_to_text(raw_html)
    attachments, skipped = _attachments(parts.others, raw_html=raw_html, max_part=max_part)

    senders = addresses(headers.get("from"), hint)
    from_name, from_address = senders[0] if senders else ("", "")
    if not from_address and not text.strip() and not raw_html.strip() and not attachments and not skipped:
        raise MailRejected(_("The message has neither a sender nor any content."), code="no_sender_or_body")
    subject = one_line(headers.get("subject"), hint)
    ids = message_ids(headers.get("message-id"))
    bare_id = one_line(headers.get("message-id")).strip("<>").strip()[:500]
    message_id = ids[0] if ids else bare_id
    reply_to = addresses(headers.get("reply-to"), hint)
    auto_reason = _auto_reason(headers, message, subject, from_address)
    return ParsedMail(
        message_id=message_id or _fallback_id(source, headers),
        has_message_id=bool(message_id),
        from_address=from_address,
        from_name=from_name,
        to=tuple(addr for _name, addr in addresses(headers.get("to"), hint)),
        cc=tuple(addr for _name, addr in addresses(headers.get("cc"), hint)),
        reply_to=reply_to[0][1] if reply_to else "",
        subject=subject,
        date=header_date(headers.get("date")),
        in_reply_to=message_ids(headers.get("in-reply-to")),
        references=message_ids(headers.get("references")),
        text=text,
        new_text=strip_quoted(text) if text else "",
        html=sanitize_html(raw_html) if raw_html.strip() else "",
        attachments=tuple(attachments),
        skipped_attachments=tuple(skipped),
        is_auto=bool(auto_reason),
        auto_reason=auto_reason,
        raw_size=len(raw),
    )
