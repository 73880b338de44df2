"""channels_app.email.parsing.parse_email over a corpus of real-shaped messages, and the rules it must keep.

Each .eml in mail_corpus/ has its expectations in mail_corpus/expected.yaml; no database is needed.
"""

import base64
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from channels_app.email.charsets import decode_bytes
from channels_app.email.html_body import sanitize_html
from channels_app.email.parsing import MailRejected, parse_email, sanitize_filename
from channels_app.email.quoted_history import strip_quoted

CORPUS = Path(__file__).parent / "mail_corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
MESSAGE_KEYS = {
    "from_address", "from_name", "subject", "message_id", "message_id_startswith", "has_message_id", "to", "cc",
    "reply_to", "date", "in_reply_to", "references", "text_contains", "text_excludes", "new_text",
    "new_text_contains", "new_text_excludes", "html_contains", "html_excludes", "attachments", "skipped", "is_auto",
    "auto_reason", "max_attachment_bytes",
}  # fmt: skip
ATTACHMENT_KEYS = {
    "filename", "filename_startswith", "filename_endswith", "filename_max_length", "content_type", "size", "inline",
    "content_id", "sniffed_type", "content_contains",
}  # fmt: skip


def mail(headers: str, body: str = "Hello.\n", **kwargs):
    return parse_email((headers.strip("\n") + "\n\n" + body).encode("utf-8"), **kwargs)


def test_corpus_has_at_least_45_messages_each_with_expectations():
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(files) >= 45
    assert sorted(EXPECTED) == files


def check_attachment(attachment, expected: dict):
    assert set(expected) <= ATTACHMENT_KEYS, set(expected) - ATTACHMENT_KEYS
    for key in ("filename", "content_type", "inline", "content_id", "sniffed_type"):
        if key in expected:
            assert getattr(attachment, key) == expected[key], key
    if "size" in expected:
        assert len(attachment.content) == expected["size"]
    if "filename_startswith" in expected:
        assert attachment.filename.startswith(expected["filename_startswith"])
    if "filename_endswith" in expected:
        assert attachment.filename.endswith(expected["filename_endswith"])
    if "filename_max_length" in expected:
        assert len(attachment.filename) <= expected["filename_max_length"]
    if "content_contains" in expected:
        assert expected["content_contains"].encode() in attachment.content


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_parses_as_expected(name):
    expected = EXPECTED[name]
    assert set(expected) <= MESSAGE_KEYS, set(expected) - MESSAGE_KEYS
    raw = (CORPUS / name).read_bytes()
    parsed = parse_email(raw, max_attachment_bytes=expected.get("max_attachment_bytes"))

    for key in ("from_address", "from_name", "subject", "message_id", "has_message_id", "reply_to", "new_text"):
        if key in expected:
            assert getattr(parsed, key) == expected[key], key
    for key in ("to", "cc", "in_reply_to", "references"):
        if key in expected:
            assert list(getattr(parsed, key)) == expected[key], key
    assert parsed.is_auto is expected["is_auto"]
    assert parsed.auto_reason == expected["auto_reason"]
    if "message_id_startswith" in expected:
        assert parsed.message_id.startswith(expected["message_id_startswith"])
    if "date" in expected:
        assert parsed.date == datetime.fromisoformat(expected["date"])
    for field in ("text", "new_text", "html"):
        value = getattr(parsed, field)
        for part in expected.get(f"{field}_contains", []):
            assert part in value, (field, part)
    for field in ("text", "new_text"):
        for part in expected.get(f"{field}_excludes", []):
            assert part not in getattr(parsed, field), (field, part)
    for part in expected.get("html_excludes", []):
        assert part.lower() not in parsed.html.lower(), part
    if "attachments" in expected:
        assert len(parsed.attachments) == len(expected["attachments"]), [a.filename for a in parsed.attachments]
        for attachment, wanted in zip(parsed.attachments, expected["attachments"], strict=True):
            check_attachment(attachment, wanted)
    assert [name for name, _reason in parsed.skipped_attachments] == expected.get("skipped", [])
    assert parsed.raw_size == len(raw)
    assert parsed.new_text  # never empty when there is text: falls back to the whole text
    assert "\x00" not in parsed.text + parsed.subject + parsed.from_name


# --- charsets and headers --------------------------------------------------------------------------------------


def test_gb2312_label_decodes_characters_only_gbk_has():
    assert decode_bytes("镕".encode("gbk"), "gb2312") == "镕"


def test_big5_label_decodes_hkscs_characters():
    assert decode_bytes("嘅".encode("big5hkscs"), "big5") == "嘅"


def test_declared_utf8_that_is_really_gbk_falls_back_to_gb18030():
    assert decode_bytes("退货申请".encode("gbk"), "utf-8") == "退货申请"


def test_declared_latin1_that_is_really_utf8_is_read_as_utf8():
    assert decode_bytes("Grüße".encode(), "iso-8859-1") == "Grüße"


def test_latin1_text_keeps_its_declared_charset():
    assert decode_bytes("Grüße".encode("latin-1"), "iso-8859-1") == "Grüße"


@pytest.mark.parametrize("label", ["zlib", "base64", "unicode-escape", "no-such-charset", "utf-8\x00", "x" * 200, None])
def test_unusable_charset_labels_fall_back_without_raising(label):
    assert decode_bytes("售后".encode(), label) == "售后"
    assert decode_bytes(b"\\x41 plain", label) == "\\x41 plain"


def test_bytes_no_charset_can_read_still_decode():
    assert decode_bytes(b"\xff\xfe\x81\x30", "utf-8")  # invalid in UTF-8 and GB18030: latin-1 with replacement


def test_body_with_bytes_to_bytes_codec_label_is_read():
    parsed = mail("From: a@example.com\nContent-Type: text/plain; charset=zlib", "Plain words\n")
    assert parsed.text == "Plain words"


def test_encoded_word_inside_quotes_and_bad_padding_still_decode():
    name = base64.b64encode("周杰".encode()).decode().rstrip("=")
    parsed = mail(f'From: "=?UTF-8?B?{name}?=" <zj@example.cn>\nSubject: =?utf-8?b?{name}?=')
    assert parsed.from_name == "周杰"
    assert parsed.subject == "周杰"


def test_raw_big5_header_uses_the_body_charset_as_hint():
    raw = "From: 陳大文 <cdw@example.com.tw>\nSubject: 維修\nContent-Type: text/plain; charset=big5\n\n您好\n".encode(
        "big5"
    )
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.subject, parsed.text) == ("陳大文", "維修", "您好")


def test_subject_whitespace_is_collapsed():
    assert mail("From: a@example.com\nSubject:  Re:\t [RMA-1]\n   folded  ").subject == "Re: [RMA-1] folded"


def test_unparseable_date_is_none_and_minus_zero_zone_is_utc():
    assert mail("From: a@example.com\nDate: yesterday-ish").date is None
    assert mail("From: a@example.com\nDate: Tue, 3 Nov 2026 10:00:00 +9999").date is None
    assert mail("From: a@example.com\nDate: Tue, 3 Nov 2026 10:00:00 -0000").date == datetime(
        2026, 11, 3, 10, tzinfo=UTC
    )


def test_nul_and_control_characters_are_removed_for_the_database():
    parsed = mail("From: a@example.com\nSubject: a\x01b", "one\x00two\x1b\n")
    assert parsed.text == "onetwo"
    assert parsed.subject == "ab"


def test_references_without_brackets_are_understood():
    parsed = mail(
        "From: a@example.com\nReferences: first@example.com  <second@example.com>\nIn-Reply-To: x@example.com"
    )
    assert parsed.references == ("second@example.com",)
    assert parsed.in_reply_to == ("x@example.com",)


# --- message ids ------------------------------------------------------------------------------------------------


def test_missing_message_id_gets_a_stable_hash_of_the_same_bytes():
    raw = b"From: a@example.com\nSubject: Hi\nDate: Tue, 3 Nov 2026 10:00:00 +0000\n\nBody one\n"
    first, second = parse_email(raw), parse_email(raw)
    assert not first.has_message_id
    assert first.message_id == second.message_id
    assert first.message_id.startswith("sha256-") and len(first.message_id) == len("sha256-") + 64


def test_missing_message_id_differs_for_a_different_body_or_subject():
    base = b"From: a@example.com\nSubject: Hi\n\nBody one\n"
    ids = {parse_email(raw).message_id for raw in (base, base.replace(b"one", b"two"), base.replace(b"Hi", b"Ho"))}
    assert len(ids) == 3


def test_message_id_is_stripped_of_brackets_and_space():
    parsed = mail("From: a@example.com\nMessage-ID:   < abc@example.com >")
    assert (parsed.message_id, parsed.has_message_id) == ("abc@example.com", True)


# --- rejection and size caps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty"),
        (b" \r\n\t\n", "empty"),
        (b"just some words, no headers at all\n", "no_headers"),
        (b"Foo: bar\nBaz: qux\n\nbody\n", "no_headers"),
        (b"Subject: only a subject\n", "no_sender_or_body"),
        ("not bytes", "not_bytes"),
        (None, "not_bytes"),
    ],
)
def test_implausible_input_is_rejected_with_a_readable_message(raw, code):
    with pytest.raises(MailRejected) as caught:
        parse_email(raw)
    assert caught.value.code == code
    assert caught.value.message and caught.value.message == str(caught.value)


def test_message_over_the_total_cap_is_rejected():
    with pytest.raises(MailRejected) as caught:
        parse_email(b"From: a@example.com\n\n" + b"x" * 2000, max_total_bytes=1000)
    assert caught.value.code == "too_large"


def test_total_cap_comes_from_settings(settings):
    settings.MAIL_MAX_MESSAGE_BYTES = 100
    with pytest.raises(MailRejected):
        parse_email(b"From: a@example.com\n\n" + b"x" * 200)


def test_attachment_cap_comes_from_settings_and_keeps_the_rest(settings):
    settings.MAIL_MAX_ATTACHMENT_BYTES = 10
    parsed = parse_email((CORPUS / "19_attachment_rfc2231_chinese.eml").read_bytes())
    assert parsed.attachments == ()
    assert [name for name, _reason in parsed.skipped_attachments] == ["购物发票.pdf", "退货单.pdf"]
    assert all(reason for _name, reason in parsed.skipped_attachments)
    assert "购物发票" in parsed.text


def test_deeply_nested_multiparts_are_refused_or_cut_without_crashing():
    raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for depth in range(2000):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (depth, depth + 1)
    try:
        parsed = parse_email(raw)
    except MailRejected as rejected:
        assert rejected.code == "too_nested"
    else:
        assert parsed.from_address == "a@example.com"


def test_attached_message_too_deep_to_rebuild_is_listed_as_skipped():
    raw = b"From: a@example.com\nContent-Type: message/rfc822\n\nFrom: x@example.com\n"
    raw += b"Content-Type: multipart/mixed; boundary=b0\n\n"
    for depth in range(300):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (depth, depth + 1)
    try:
        parsed = parse_email(raw)
    except MailRejected as rejected:
        assert rejected.code == "too_nested"
    else:
        assert parsed.attachments or parsed.skipped_attachments


def test_bytearray_and_memoryview_are_accepted():
    raw = b"From: a@example.com\n\nHi\n"
    assert parse_email(bytearray(raw)).text == parse_email(memoryview(raw)).text == "Hi"


# --- attachments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("<script>.png", "_script_.png"),
        ("bad\x00na\x1fme\x7f.pdf", "badname.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        (".htaccess", "htaccess"),
        ("...", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        ("CON.txt", "_CON.txt"),
        ("a  \t b.txt", "a b.txt"),
        ("e\u0301te\u0301.txt", "été.txt"),
    ],
)
def test_filenames_are_sanitized(name, expected):
    assert sanitize_filename(name) == expected


def test_long_filename_is_cut_to_150_characters_keeping_the_extension():
    name = sanitize_filename("退" * 400 + ".jpeg")
    assert len(name) == 150 and name.endswith(".jpeg")


def test_nameless_attachment_gets_an_extension_from_type_or_content():
    assert sanitize_filename("", "image/png") == "attachment.png"
    assert sanitize_filename("", "application/octet-stream", b"%PDF-1.7\n") == "attachment.pdf"
    assert sanitize_filename("", "application/octet-stream", b"???") == "attachment"


def test_attachment_without_content_type_is_octet_stream():
    parsed = mail(
        "From: a@example.com\nContent-Type: multipart/mixed; boundary=x",
        "--x\n\nbody text\n--x\nContent-Disposition: attachment; filename=data.bin\n\n\x01\x02\n--x--\n",
    )
    assert parsed.text == "body text"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("data.bin", "application/octet-stream")]


# --- HTML -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example.net/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=x OnError = 'alert(1)'>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<svg><script>alert(1)</script></svg>",
        '<iframe src="https://evil.example.net"></iframe>',
        "<style>body{background:expression(alert(1))}</style>",
        '<p style="width:expression(alert(1))">x</p>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        '<form action="https://evil.example.net"><input name=p></form>',
        '<body onload="alert(1)">x</body>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        "<p>plain words onerror=alert(1) javascript:alert(1)</p>",
        "<scr<script>ipt>alert(1)</script>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_xss_payloads_are_removed_from_html(payload):
    html = sanitize_html(f"<p>Refund please</p>{payload}").lower()
    for needle in (
        "<script",
        "onerror=",
        "onload",
        "javascript:",
        "<iframe",
        "<form",
        "<style",
        "expression(",
        "<meta",
    ):
        assert needle not in html, needle
    assert "refund please" in html


def test_hostile_nesting_is_not_given_to_the_html_parser():
    started = time.monotonic()
    parsed = mail("From: a@example.com\nContent-Type: text/html", "<div>" * 200_000 + "<script>x</script>words")
    assert time.monotonic() - started < 5
    assert parsed.html == ""
    assert "words" in parsed.text


def test_ordinary_nesting_is_sanitized_as_usual():
    assert sanitize_html("<blockquote>" * 300 + "<p>deep</p>").count("<blockquote>") == 300


def test_inline_cid_images_keep_their_reference():
    assert 'src="cid:img1@example.com"' in sanitize_html('<img src="cid:img1@example.com">')


def test_links_get_rel_noopener():
    assert 'rel="noopener noreferrer nofollow"' in sanitize_html('<a href="https://example.com">x</a>')


def test_html_only_text_drops_scripts_and_styles_and_breaks_blocks():
    parsed = mail(
        "From: a@example.com\nContent-Type: text/html; charset=utf-8",
        "<style>p{color:red}</style><script>var x=1</script><p>One &amp; two</p><div>Three<br>Four</div>",
    )
    assert parsed.text == "One & two\n\nThree\nFour"
    assert parsed.html == "<p>One &amp; two</p><div>Three<br>Four</div>"


# --- quoted history ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New\n\nOn Tue, Nov 3, 2026 at 9:00 AM Bob <bob@example.com> wrote:\n> old", "New"),
        ("New\n\nOn Tue, Nov 3, 2026 at 9:00 AM Bob <\nbob@example.com> wrote:\n> old", "New"),
        ("New\n-----Original Message-----\nFrom: x\n\nold", "New"),
        ("New\n\n----- Original Message -----\nFrom: x", "New"),
        ("新的\n------------------ 原始邮件 ------------------\n发件人: x", "新的"),
        ("新的\n------------------ Original ------------------\nFrom: x", "新的"),
        ("新的\n发件人: 客服\n发送时间: 2026年11月3日\n收件人: 我\n\n旧的", "新的"),
        ("新的\n在 2026年11月3日 10:00，客服 <s@example.cn> 写道：\n> 旧的", "新的"),
        ("新的\n2026年11月3日 10:00，客服 <s@example.cn> 写道：\n> 旧的", "新的"),
        ("新的\n客服 <s@example.cn> 于2026年11月3日周二 10:00写道：\n> 旧的", "新的"),
        ("New\nFrom: Bob\nSent: Monday\nTo: Me\nSubject: x\n\nold", "New"),
        ("New\nFrom: Bob <bob@example.com>\nDate: Monday\n\nold", "New"),
        ("Nouveau\n\nLe 3 nov. 2026 à 10:00, Support <s@example.com> a écrit :\n> ancien", "Nouveau"),
        ("Nuevo\n\nDe: Soporte <s@example.com>\nEnviado: lunes\nPara: yo\nAsunto: x\n\nviejo", "Nuevo"),
        ("New\n________________________________\nFrom: Bob\nSent: Monday", "New"),
        ("Neu\n\nAm 03.11.2026 um 10:00 schrieb Max Muster <max@example.de>:\n> alt", "Neu"),
        ("New\n\n> quoted only at the end\n> more", "New"),
        ("On Tue, 3 Nov 2026, Bob <bob@example.com> wrote:\n> old\n\nMy answer below", "My answer below"),
    ],
)
def test_quoted_history_is_stripped(text, expected):
    assert strip_quoted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "My neighbour wrote:\nthe kettle is broken",
        "> everything\n> is quoted",
        "On Tuesday I called you.\nFrom now on I want e-mail only.",
        "From: the shop in Lyon\nI bought it there.",
        "From: Berlin\nTo: Munich\nThe parcel went the wrong way.",
        "发件人: 我\n收件人: 我妈\n礼物寄错了。",
    ],
)
def test_text_that_only_looks_like_history_is_kept(text):
    assert strip_quoted(text) == text


def test_interleaved_answers_keep_the_quotes_they_answer():
    text = "> Which colour?\nBlue.\n> Which size?\nM."
    assert strip_quoted(text) == text


def test_quote_stripping_stays_fast_on_hostile_lines():
    text = "\n".join(["On " + "a" * 5000 + ":"] * 400 + ["On " + "x " * 100_000])
    started = time.monotonic()
    strip_quoted(text)
    assert time.monotonic() - started < 5


# --- automatic mail ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated", "auto-submitted"),
        ("Auto-Submitted: no", ""),
        ("Precedence: junk", "precedence"),
        ("Precedence: list", "precedence"),
        ("Precedence: first-class", ""),
        ("X-Auto-Response-Suppress: All", ""),
        ("X-Auto-Response-Suppress: OOF, DR", ""),
        ("X-Autorespond: on", "auto-reply-header"),
        ("Subject: Out of Office: back Monday", "auto-reply-header"),
        ("Subject: 自动回复：售后", "auto-reply-header"),
        ("Subject: Automatic reply setting is broken on my phone", ""),
        ("List-Unsubscribe: <mailto:leave@example.org>", "mailing-list"),
        ("Return-Path: <>", "bounce"),
        ("Return-Path: <a@example.com>", ""),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=x", "bounce"),
    ],
)
def test_automatic_mail_is_recognised(headers, reason):
    parsed = mail(f"From: someone@example.com\n{headers}")
    assert (parsed.auto_reason, parsed.is_auto) == (reason, bool(reason))


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.cn"])
def test_mail_from_the_mail_system_is_a_bounce(sender):
    assert mail(f"From: {sender}").auto_reason == "bounce"
