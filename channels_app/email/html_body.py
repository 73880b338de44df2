"""The HTML of an e-mail: sanitised for the desk (nh3, the ammonia allow-list) and turned into readable text
for mail that has no text part.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3

from channels_app.email.charsets import storable_text

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
        return " ".join(html_lib.unescape(re.sub(r"<[^>]*>", " ", storable_text(markup))).split())
    skeleton = nh3.clean(markup, tags=_BLOCK_TAGS, attributes={}, clean_content_tags=_DROP_WITH_CONTENT, link_rel=None)
    skeleton = re.sub(r"</?t[dh]>", " ", re.sub(r"\s+", " ", storable_text(skeleton)))
    skeleton = re.sub(r"<[^>]*>", "\n", _PARAGRAPH_TAG.sub(_PARAGRAPH, skeleton))
    lines = (" ".join(line.split()) for line in html_lib.unescape(skeleton).split("\n"))
    text = "\n".join(line for line in lines if line)
    return re.sub(rf"\s*(?:{_PARAGRAPH}\s*)+", "\n\n", text).strip()
