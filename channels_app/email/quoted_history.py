"""The new part of a reply: the text above the quoted history a mail client appends (Gmail, Outlook,
Apple Mail, QQ Mail, Foxmail, Thunderbird; English, Chinese and the languages mailparser_reply knows).
"""

from __future__ import annotations

import re

from mailparser_reply import EmailMessage

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
    return bool(match) and (match.group(0).rstrip().endswith((":", "：")) or _header_block(match.group(0)))  # type: ignore[union-attr]  # bool(match) first


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
