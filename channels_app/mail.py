"""Turn the raw bytes of an incoming e-mail into a ParsedMail the channels code can store and thread.

Customers write from Outlook, Gmail, Apple Mail, QQ Mail, Foxmail and Thunderbird, in GBK, Big5, ISO-2022-JP
or a charset the mailer got wrong. Everything here is a pure function over bytes, so a corpus and hypothesis can
test it, and a message we cannot take is refused with MailRejected instead of an exception from deep inside the
standard library. The stdlib parser is given the bytes as latin-1 text, one character per byte, and a policy
that hands header values back untouched, so every string it returns maps back to the exact bytes; all decoding
is done here, because the stdlib's own loses raw GBK/UTF-8 headers, and raises or guesses on broken ones.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import html as html_lib
import io
import mimetypes
import quopri
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_string
from email.errors import MessageError
from email.generator import Generator
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote

import filetype
import nh3
from django.conf import settings
from django.utils.translation import gettext as _
from mailparser_reply import EmailMessage


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


# --- charsets -----------------------------------------------------------------------------------------------------

# Mailers label text with the narrow legacy name and then use the superset (GBK in "gb2312", HKSCS in "big5",
# Windows-1252 in "iso-8859-1"), so decode with the superset. ASCII labels carry no information: Chinese mailers
# send GBK labelled us-ascii, so those fall through to the generic chain.
_CHARSET_ALIASES = {
    alias: codec
    for codec, aliases in {
        "gb18030": "gb2312 gbk x-gbk cp936 ms936 euc-cn x-euc-cn csgb2312 gb_2312-80",
        "big5hkscs": "big5 big-5 x-x-big5 cn-big5 csbig5 big5-hkscs",
        "cp932": "shift_jis shift-jis sjis x-sjis windows-31j",
        "cp949": "euc-kr ks_c_5601-1987 ks_c_5601",
        "cp1252": "iso-8859-1 latin1 latin-1 windows-1252",
        "": "us-ascii ascii unknown-8bit x-unknown default",
    }.items()
    for alias in aliases.split()
}
# Tried right after the declared codec fails: Japanese mail labelled ISO-2022-JP often uses the extended sets.
_CHARSET_NEXT = {"iso2022_jp": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3"), "cp1252": ("latin-1",)}
# Codecs that "decode" by interpreting backslashes or DNS labels: never what a mail body means.
_UNSAFE_CODECS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
_CHARSET_NAME = re.compile(r"[a-z0-9_.:+-]{1,40}")


def _codec(charset: str | None) -> str | None:
    name = (charset or "").strip().strip("'\"").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not _CHARSET_NAME.fullmatch(name):
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return None if codec in _UNSAFE_CODECS else codec


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text whatever its label says; never raises.

    Bytes that are valid UTF-8 and not plain ASCII are taken as UTF-8 first: that is almost never an accident,
    and it repairs the common "declared iso-8859-1/gb2312, sent UTF-8". Then the declared charset (via the
    superset), then UTF-8, then GB18030, and latin-1 with replacement as the last resort.
    """
    declared = _codec(charset)
    tries = [] if data.isascii() or (declared or "").startswith(("utf-16", "utf-32")) else ["utf-8"]
    if declared:
        tries += [declared, *_CHARSET_NEXT.get(declared, ())]
    for name in [*tries, "utf-8", "gb18030"]:
        try:
            return data.decode(name).removeprefix("\ufeff")
        except (UnicodeError, LookupError):  # LookupError: a bytes-to-bytes codec such as "zlib" as the label
            continue
    return data.decode("latin-1", errors="replace")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    """What we keep must go into PostgreSQL: no NUL, no lone surrogates (utf-7 can make them), one kind of newline."""
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _b64(data: bytes) -> bytes:
    """Lenient base64: mailers break lines anywhere, drop padding or append junk; decode what is there."""
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


# --- headers ------------------------------------------------------------------------------------------------------


def _raw(text: str | None) -> bytes:
    """The bytes behind a string the parser returned (see the module docstring)."""
    return (text or "").encode("latin-1", "replace")


_ENCODED_WORD = re.compile(r"=\?([A-Za-z0-9_.:+-]{1,40})(?:\*[A-Za-z0-9-]*)?\?([bBqQ])\?([!->@-~]*)\?=")


def decode_header_text(value: str | None, hint: str | None = None) -> str:
    """A raw header value (latin-1, one character per byte) to text.

    Raw 8-bit headers are decoded first (UTF-8, the body's charset as a hint, GB18030), then RFC 2047 words,
    also inside quotes where strict parsers ignore them. Adjacent words of one charset are joined as bytes
    before decoding, because GBK and UTF-8 encoders split a character across two words.
    """
    raw = re.sub(rb"\r?\n(?=[ \t])", b"", _raw(value))
    text = raw.decode("ascii") if raw.isascii() else decode_bytes(raw, hint)
    parts: list[str] = []
    buffer, buffer_charset, pos = bytearray(), None, 0
    for match in _ENCODED_WORD.finditer(text):
        gap, charset = text[pos : match.start()], match.group(1).lower()
        if buffer_charset is None or gap.strip() or charset != buffer_charset:
            if buffer_charset is not None:
                parts.append(decode_bytes(bytes(buffer), buffer_charset))
                buffer.clear()
            if buffer_charset is None or gap.strip():  # whitespace between two encoded words is not text
                parts.append(gap)
        payload = match.group(3).encode("ascii")
        buffer += _b64(payload) if match.group(2) in "bB" else binascii.a2b_qp(payload, header=True)
        buffer_charset, pos = charset, match.end()
    if buffer_charset is not None:
        parts.append(decode_bytes(bytes(buffer), buffer_charset))
    parts.append(text[pos:])
    return _clean("".join(parts))


def _one_line(value: str | None, hint: str | None = None) -> str:
    return " ".join(decode_header_text(value, hint).split())


_ADDR_SPEC = re.compile(r"[^@\s<>,;:\"]+@[^@\s<>,;:\"]+")


def _addresses(value: str | None, hint: str | None) -> list[tuple[str, str]]:
    """(display name, address) pairs. Parsed before decoding, so a decoded name with a comma stays one name."""
    pairs = []
    for name, addr in getaddresses([(value or "").replace("\n", " ").replace("\r", " ")]):
        addr = _one_line(addr, hint).lower()
        if _ADDR_SPEC.fullmatch(addr):
            pairs.append((_one_line(name, hint), addr))
    return pairs


_MSG_ID = re.compile(r"<\s*([^<>\s]{1,500})\s*>")


def _message_ids(value: str | None) -> tuple[str, ...]:
    """Ids without <>, in order, no duplicates; some mailers drop the brackets, so bare x@y tokens count too."""
    text = decode_header_text(value)
    ids = _MSG_ID.findall(text) or [token.strip("<>") for token in text.split() if "@" in token]
    return tuple(dict.fromkeys(i[:500] for i in ids if i))


def _date(value: str | None) -> datetime | None:
    try:
        date = parsedate_to_datetime(_one_line(value))
    except (TypeError, ValueError, IndexError, OverflowError):  # what the stdlib raises for dates it cannot read
        return None
    return date if date.tzinfo else date.replace(tzinfo=UTC)


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
        return _clean(decode_bytes(_raw(text), charset)).strip()
    return decode_header_text(value).strip() if value else ""


def _payload_bytes(part: Message) -> bytes:
    """The decoded bytes of a leaf part; unlike get_payload(decode=True) this accepts "base64 " and bad padding."""
    data = _raw(part.get_payload())  # a str for every leaf part the parser makes
    encoding = (part.get("content-transfer-encoding") or "").strip().lower()
    if encoding == "base64":
        return _b64(data)
    return quopri.decodestring(data) if encoding == "quoted-printable" else part.get_payload(decode=True) or b""


def _flatten(part: Message) -> bytes | None:
    """An attached message (message/rfc822, a bounce's delivery-status) as bytes; None if it cannot be rebuilt."""
    out = io.StringIO()
    generator = Generator(out, mangle_from_=False, policy=_POLICY)
    try:
        for sub in part.get_payload():
            generator.flatten(sub)
    except (MessageError, UnicodeError, LookupError, ValueError, TypeError, RecursionError):
        return None  # what the generator raises on odd parts; it also recurses deeper per level than the parser
    return _raw(out.getvalue())


def _leaves(message: Message):
    """Every leaf part in order, without recursion (the depth is attacker-chosen); message/* parts are leaves."""
    stack = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if part.is_multipart() and part.get_content_maintype() != "message" and depth < _MAX_DEPTH:
            stack.extend((sub, depth + 1) for sub in reversed(part.get_payload()))
        else:
            yield part


# --- HTML ---------------------------------------------------------------------------------------------------------

_DROP_WITH_CONTENT = {"script", "style", "title", "head", "noscript", "template"}
_BLOCK_TAGS = {"p", "div", "br", "hr", "tr", "td", "th", "li", "ul", "ol", "table", "blockquote", "pre", "dt", "dd"}
_BLOCK_TAGS |= {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "address", "center"}
_URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}  # keep cid: so a renderer can point inline images at attachments
_SCRIPT_URL = re.compile(r"(?:java|vb)script\s*:", re.IGNORECASE)
_EVENT_ATTR = re.compile(r"on[a-z]+\s*=", re.IGNORECASE)
_PARAGRAPH_TAG = re.compile(r"</?(?:p|h[1-6]|blockquote|table|ul|ol|pre|hr)>")
_PARAGRAPH = "\ue000"  # a private-use character marks paragraph breaks while lines are tidied


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_NOT_NESTING = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source", "embed", "param"}
_NOT_NESTING |= {"p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody", "thead"}  # closed implicitly
_MAX_HTML_DEPTH = 1000


def _too_deep(markup: str) -> bool:
    """html5ever (under nh3) is quadratic in the nesting of block elements: 20,000 nested divs take a second,
    100,000 most of a minute. Legitimate mail nests a few dozen deep, so deeper HTML is not handed to it."""
    if markup.count("<") <= _MAX_HTML_DEPTH:
        return False
    open_tags: dict[str, int] = {}
    for match in _TAG.finditer(markup):
        name = match.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if not match.group(1):
            open_tags[name] = open_tags.get(name, 0) + 1
        elif open_tags.get(name):  # a stray end tag closes nothing, as in the parser
            open_tags[name] -= 1
        if sum(open_tags.values()) > _MAX_HTML_DEPTH:
            return True
    return False


def sanitize_html(markup: str) -> str:
    """nh3 (ammonia) with its allow-list, then the words of a payload that survived as text get entity-encoded.

    ammonia already drops scripts, on* attributes, javascript: URLs, styles, iframes and forms; a text node
    saying "javascript:" or "onerror=" is harmless, but encoding it keeps every later filter and grep simple.
    HTML nested too deeply to parse in reasonable time gives "" (the text is still there).
    """
    if _too_deep(markup):
        return ""
    clean = nh3.clean(
        markup,
        url_schemes=_URL_SCHEMES,
        clean_content_tags=_DROP_WITH_CONTENT,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    clean = _SCRIPT_URL.sub(lambda m: m.group(0)[:-1] + "&#58;", clean)
    return _EVENT_ATTR.sub(lambda m: m.group(0)[:-1] + "&#61;", clean).strip()


def html_to_text(markup: str) -> str:
    """Readable text from HTML. ammonia first reduces it to bare block tags (no scripts, styles, attributes,
    comments), so plain regexes can then turn paragraphs into blank lines and other blocks into line breaks."""
    if _too_deep(markup):  # no parser: drop the tags and keep the words
        return " ".join(html_lib.unescape(re.sub(r"<[^>]*>", " ", _clean(markup))).split())
    skeleton = nh3.clean(markup, tags=_BLOCK_TAGS, attributes={}, clean_content_tags=_DROP_WITH_CONTENT, link_rel=None)
    skeleton = re.sub(r"</?t[dh]>", " ", re.sub(r"\s+", " ", _clean(skeleton)))
    skeleton = re.sub(r"<[^>]*>", "\n", _PARAGRAPH_TAG.sub(_PARAGRAPH, skeleton))
    lines = (" ".join(line.split()) for line in html_lib.unescape(skeleton).split("\n"))
    text = "\n".join(line for line in lines if line)
    return re.sub(rf"\s*(?:{_PARAGRAPH}\s*)+", "\n\n", text).strip()


# --- quoted history -----------------------------------------------------------------------------------------------

_SCAN_LINES = 3000
_QUOTE_MARKS = re.compile(r"^(?:>\s?)+")
_SEPARATOR = re.compile(
    r"[-_=*\s]*[-_=]{2,}\s*(?:original(?: message)?|原始邮件|原始郵件|原始信息|原邮件|回复的原邮件|reply message|"
    r"replied message|mensaje original|message d'origine|ursprüngliche nachricht)\s*[-_=]{2,}[-_=*\s]*",
    re.IGNORECASE,
)
_HEADER_KEY = re.compile(
    r"\*{0,2}\s*(from|sent|date|to|cc|subject|发件人|發件人|寄件者|发送时间|發送時間|寄件日期|日期|时间|時間|收件人|收件者|"
    r"抄送|副本|主题|主題|主旨)\s*\*{0,2}\s*[:：]",
    re.IGNORECASE,
)
_FROM_KEYS = {"from", "发件人", "發件人", "寄件者"}
_WROTE = re.compile(
    r"(?P<lead>.{0,300}?)\s*(?:wrote|writes|写道|寫道|schrieb|a écrit|escribió|ha scritto|schreef|skrev)\s*[:：]",
    re.IGNORECASE,
)
_WROTE_OPENER = re.compile(r"(?:on|am|le|el|il|op|den|在|于|於)\s", re.IGNORECASE)
# mailparser_reply's header patterns for the languages it knows; its Chinese "wrote" pattern never matches
# (its own lookahead excludes it) and it has no QQ Mail/Foxmail separators, which the patterns above cover.
_LIBRARY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "ja", "ko", "da", "sv", "cs"]
_LIBRARY_HEADERS = EmailMessage(text="", languages=_LIBRARY_LANGUAGES).HEADER_REGEX
_HEADERISH = re.compile(r"^[* ]*[^\s:：]{1,20}[* ]*[:：]", re.MULTILINE)
_RULE = re.compile(r"[-_=*~\s]*")


def _bare(line: str) -> str:
    return _QUOTE_MARKS.sub("", line.strip())[:300]


def _wrote(line: str) -> bool:
    """ "On <date>, <name> wrote:" and its translations; the date or the address must be there, so that a
    customer writing "my neighbour wrote:" is not cut off."""
    match = _WROTE.fullmatch(line)
    return bool(match and re.search(r"\d|@", match.group("lead")))


def _starts_history(lines: list[str], i: int) -> bool:
    line = _bare(lines[i])
    if not line:
        return False
    if _SEPARATOR.fullmatch(line) or _wrote(line):
        return True
    following = _bare(lines[i + 1]) if i + 1 < len(lines) else ""
    if following and (_WROTE_OPENER.match(line) or not _wrote(following)) and _wrote(f"{line} {following}"):
        return True  # Gmail wraps "On ... <\naddress> wrote:" over two lines
    window = "\n".join(_bare(n)[:200] for n in lines[i : i + 5])
    key = _HEADER_KEY.match(line)
    outlook_rule = i > 0 and _bare(lines[i - 1]).startswith("_" * 20)  # Outlook draws a line above its block
    if key and key.group(1).lower() in _FROM_KEYS and _HEADER_KEY.match(following or ""):
        return outlook_rule or _header_block(window)  # Outlook/Foxmail: "From: ..." then "Sent:/To:/发送时间: ..."
    # Bounded windows: the library's patterns are quadratic on long lines, so they never see a whole body.
    match = (":" in window or "：" in window) and _LIBRARY_HEADERS.match(window)
    return bool(match) and (match.group(0).rstrip().endswith((":", "：")) or _header_block(match.group(0)))


def _header_block(text: str) -> bool:
    """A quoted header block names an address or has three header lines; "From: Berlin / To: Munich" in a
    customer's own words has neither."""
    return "@" in text or len(_HEADERISH.findall(text)) >= 3


def _joined(lines: list[str]) -> str:
    end = len(lines)
    while end and _RULE.fullmatch(lines[end - 1]):  # blank lines and the "____" rule above Outlook's header
        end -= 1
    return "\n".join(lines[:end]).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: text up to the first line that opens the quoted history (a client's
    "wrote:" line, an "Original Message" separator, an Outlook header block) or the trailing ">" block.
    Bottom-posted replies (history first) keep the unquoted lines after it. Falls back to the whole text."""
    lines = text.split("\n")
    cut = next((i for i in range(min(len(lines), _SCAN_LINES)) if _starts_history(lines, i)), len(lines))
    last_own = max(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith(">")), default=-1
    )
    if any(line.strip() for line in lines[last_own + 1 :]):  # the message ends with a block of ">" lines
        cut = min(cut, last_own + 1)
    if cut == len(lines):
        return text
    kept = _joined(lines[:cut])
    if kept:
        return kept
    after = [line for line in lines[cut + 1 :] if line.strip()]
    if after and after[0].lstrip().startswith(">"):
        return _joined([line for line in lines[cut + 1 :] if not line.lstrip().startswith(">")]) or text
    return text


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
    value = lambda name: _one_line(headers.get(name)).lower()  # noqa: E731
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
        digest.update(_raw(headers.get(name)) + b"\0")
    separator = re.search(rb"\r?\n\r?\n", source)
    digest.update(source[separator.end() :] if separator else b"")
    return f"sha256-{digest.hexdigest()}"


def parse_email(
    raw: bytes, *, max_attachment_bytes: int | None = None, max_total_bytes: int | None = None
) -> ParsedMail:
    """Parse one RFC 822 message. Raises MailRejected (and nothing else) for bytes that are not a message we
    can take; attachments over the cap are listed in skipped_attachments and the rest of the mail is kept."""
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise MailRejected(_("The message must be given as raw bytes."), code="not_bytes")
    max_total = _limit(max_total_bytes, "MAIL_MAX_MESSAGE_BYTES", 25 * 2**20)
    max_part = _limit(max_attachment_bytes, "MAIL_MAX_ATTACHMENT_BYTES", 10 * 2**20)
    if not raw.strip():
        raise MailRejected(_("The message is empty."), code="empty")
    if len(raw) > max_total:
        raise MailRejected(
            _("The message is %(size)d bytes, more than the limit of %(limit)d bytes.")
            % {"size": len(raw), "limit": max_total},
            code="too_large",
        )
    source = raw.lstrip(b"\r\n\t ")
    try:
        message = message_from_string(source.decode("latin-1"), policy=_POLICY)
    except RecursionError:  # the stdlib parser recurses once per nested multipart
        raise MailRejected(_("The message is nested too deeply to be read."), code="too_nested")
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.strip().lower(), value)
    if not _KNOWN_HEADERS.intersection(headers):
        raise MailRejected(_("This does not look like an e-mail: it has no mail headers."), code="no_headers")

    plains: list[str] = []
    htmls: list[str] = []
    found: list[tuple[str, str, bytes | None, str, str]] = []  # name, type, content, disposition, content-id
    hint = None
    for part in _leaves(message):
        declared = _content_type(part)
        disposition = (part.get("content-disposition") or "").split(";")[0].strip().lower()
        name = _param(part, "filename", "content-disposition") or _param(part, "name")
        content_id = _one_line(part.get("content-id")).strip("<>").strip()
        if part.is_multipart():
            if part.get_content_maintype() != "message":
                found.append((name, declared or "multipart/mixed", None, disposition, content_id))  # too deep
                continue
            found.append((name, declared or "message/rfc822", _flatten(part), disposition, content_id))
            continue
        content = _payload_bytes(part)
        if (declared or "text/plain") in ("text/plain", "text/html") and not name and disposition != "attachment":
            charset = _param(part, "charset") or None
            hint = hint or charset
            (htmls if declared == "text/html" else plains).append(decode_bytes(content, charset))
        else:
            found.append((name, declared or "application/octet-stream", content, disposition, content_id))

    raw_html = _clean("\n".join(htmls))
    text = _clean("\n".join(plains)).strip("\n").rstrip()
    if not text.strip() and raw_html.strip():
        text = html_to_text(raw_html)
    cids = {unquote(ref).lower() for ref in _CID_REF.findall(raw_html)}
    attachments: list[MailAttachment] = []
    skipped: list[tuple[str, str]] = []
    for name, content_type, content, disposition, content_id in found:
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

    senders = _addresses(headers.get("from"), hint)
    from_name, from_address = senders[0] if senders else ("", "")
    if not from_address and not text.strip() and not raw_html.strip() and not attachments and not skipped:
        raise MailRejected(_("The message has neither a sender nor any content."), code="no_sender_or_body")
    subject = _one_line(headers.get("subject"), hint)
    ids = _message_ids(headers.get("message-id"))
    bare_id = _one_line(headers.get("message-id")).strip("<>").strip()[:500]
    message_id = ids[0] if ids else bare_id
    reply_to = _addresses(headers.get("reply-to"), hint)
    auto_reason = _auto_reason(headers, message, subject, from_address)
    return ParsedMail(
        message_id=message_id or _fallback_id(source, headers),
        has_message_id=bool(message_id),
        from_address=from_address,
        from_name=from_name,
        to=tuple(addr for _name, addr in _addresses(headers.get("to"), hint)),
        cc=tuple(addr for _name, addr in _addresses(headers.get("cc"), hint)),
        reply_to=reply_to[0][1] if reply_to else "",
        subject=subject,
        date=_date(headers.get("date")),
        in_reply_to=_message_ids(headers.get("in-reply-to")),
        references=_message_ids(headers.get("references")),
        text=text,
        new_text=strip_quoted(text) if text else "",
        html=sanitize_html(raw_html) if raw_html.strip() else "",
        attachments=tuple(attachments),
        skipped_attachments=tuple(skipped),
        is_auto=bool(auto_reason),
        auto_reason=auto_reason,
        raw_size=len(raw),
    )
