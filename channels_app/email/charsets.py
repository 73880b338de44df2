"""Bytes of an e-mail to text, whatever charset its label names (or gets wrong).

Customers write in GBK, Big5, ISO-2022-JP or a charset the mailer got wrong; these functions never
raise on such bytes. The parser (``channels_app.email.parsing``) hands header values and bodies
around as latin-1 text, one character per byte; ``raw_bytes`` gives back the exact bytes.
"""

from __future__ import annotations

import binascii
import codecs
import re

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


def storable_text(text: str) -> str:
    """What we keep must go into PostgreSQL: no NUL, no lone surrogates (utf-7 can make them), one kind of newline."""
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def b64decode_lenient(data: bytes) -> bytes:
    """Lenient base64: mailers break lines anywhere, drop padding or append junk; decode what is there."""
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def raw_bytes(text: str | None) -> bytes:
    """The bytes behind a string the parser returned (one latin-1 character per byte)."""
    return (text or "").encode("latin-1", "replace")
