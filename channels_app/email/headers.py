"""Header values of an e-mail to text: RFC 2047 words, raw 8-bit headers, addresses, message ids, dates.

Values come in as the parser returns them (latin-1 text, one character per byte, untouched: see
``channels_app.email.parsing``); every function here decodes them itself, because the standard
library loses raw GBK/UTF-8 headers and raises or guesses on broken ones.
"""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from channels_app.email.charsets import b64decode_lenient, decode_bytes, raw_bytes, storable_text

_ENCODED_WORD = re.compile(r"=\?([A-Za-z0-9_.:+-]{1,40})(?:\*[A-Za-z0-9-]*)?\?([bBqQ])\?([!->@-~]*)\?=")


def decode_header_text(value: str | None, hint: str | None = None) -> str:
    """A raw header value (latin-1, one character per byte) to text.

    Raw 8-bit headers are decoded first (UTF-8, the body's charset as a hint, GB18030), then RFC 2047 words,
    also inside quotes where strict parsers ignore them. Adjacent words of one charset are joined as bytes
    before decoding, because GBK and UTF-8 encoders split a character across two words.
    """
    raw = re.sub(rb"\r?\n(?=[ \t])", b"", raw_bytes(value))
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
        buffer += b64decode_lenient(payload) if match.group(2) in "bB" else binascii.a2b_qp(payload, header=True)
        buffer_charset, pos = charset, match.end()
    if buffer_charset is not None:
        parts.append(decode_bytes(bytes(buffer), buffer_charset))
    parts.append(text[pos:])
    return storable_text("".join(parts))


def one_line(value: str | None, hint: str | None = None) -> str:
    return " ".join(decode_header_text(value, hint).split())


_ADDR_SPEC = re.compile(r"[^@\s<>,;:\"]+@[^@\s<>,;:\"]+")


def addresses(value: str | None, hint: str | None) -> list[tuple[str, str]]:
    """(display name, address) pairs. Parsed before decoding, so a decoded name with a comma stays one name."""
    pairs = []
    for name, addr in getaddresses([(value or "").replace("\n", " ").replace("\r", " ")]):
        addr = one_line(addr, hint).lower()
        if _ADDR_SPEC.fullmatch(addr):
            pairs.append((one_line(name, hint), addr))
    return pairs


_MSG_ID = re.compile(r"<\s*([^<>\s]{1,500})\s*>")


def message_ids(value: str | None) -> tuple[str, ...]:
    """Ids without <>, in order, no duplicates; some mailers drop the brackets, so bare x@y tokens count too."""
    text = decode_header_text(value)
    ids = _MSG_ID.findall(text) or [token.strip("<>") for token in text.split() if "@" in token]
    return tuple(dict.fromkeys(i[:500] for i in ids if i))


def header_date(value: str | None) -> datetime | None:
    try:
        date = parsedate_to_datetime(one_line(value))
    except (TypeError, ValueError, IndexError, OverflowError):  # what the stdlib raises for dates it cannot read
        return None
    return date if date.tzinfo else date.replace(tzinfo=UTC)
