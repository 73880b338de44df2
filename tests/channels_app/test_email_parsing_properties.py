"""Property tests for channels_app.email.parsing: whatever bytes arrive, parse_email answers with a ParsedMail or a
MailRejected, and sanitized HTML never carries a script, an event handler or a javascript: URL."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_app.email.html_body import sanitize_html
from channels_app.email.parsing import MailRejected, ParsedMail, parse_email

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real and broken mail, so that generated inputs reach the MIME, charset and header code paths.
MAIL_PIECES = [
    b"From: a@example.com\n",
    b"From: =?gb2312?B?1cXI/Q==?= <zs@example.cn>\n",
    b"From: \xd5\xc5\xc8\xfd <\xd5@example.cn>\n",
    b"Subject: =?utf-8?B?6YCA6LSn?= =?utf-8?Q?=E8=BF=9B?=\n",
    b"Subject: =?x-bad?B?@@@?= \xff\xfe\n",
    b"Message-ID: <id@example.com>\n",
    b"References: <a@b> c@d <<>>\n",
    b"Date: Tue, 3 Nov 2026 10:00:00 +0800\n",
    b"Date: 99 Foo 99999 99:99:99 +9999\n",
    b"MIME-Version: 1.0\n",
    b"Content-Type: multipart/mixed; boundary=x\n",
    b'Content-Type: multipart/alternative; boundary="x"\n',
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n",
    b"Content-Type: text/plain; charset=gbk\n",
    b"Content-Type: text/html; charset=utf-7\n",
    b'Content-Type: text/plain; charset="zlib"\n',
    b"Content-Type: message/rfc822\n",
    b"Content-Type: message/delivery-status\n",
    b"Content-Type: image/png; name*=utf-8''%E9%80%80.png\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"Content-Transfer-Encoding: x-uuencode\n",
    b"Content-Disposition: attachment; filename*0*=gb2312''%CD%CB; filename*1=\"x\\\\y\"\n",
    b'Content-Disposition: inline; filename="=?utf-8?B?Li4vLi4vZXRjL3Bhc3N3ZA==?="\n',
    b"Content-ID: <img1@example.com>\n",
    b"Auto-Submitted: auto-replied\n",
    b"\n",
    b"\r\n",
    b"--x\n",
    b"--x--\n",
    b"begin 644 file\n",
    b"5pyD5Lit\n",
    b"=E9=80=80=\n",
    b"+2D8-\x80",
    b"<img src=cid:img1@example.com onerror=alert(1)><script>x</script>",
    b"On Tue, 3 Nov 2026, Bob <b@example.com> wrote:\n> old\n",
    b"------------------ \xd4\xad\xca\xbc\xd3\xca\xbc\xfe ------------------\n",
    b"\x00",
]


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_parsed_mail_or_a_rejection(raw):
    try:
        result = parse_email(raw)
    except MailRejected as rejected:
        assert rejected.message
    else:
        assert isinstance(result, ParsedMail)


@FAST
@given(st.lists(st.one_of(st.sampled_from(MAIL_PIECES), st.binary(max_size=40)), max_size=40))
def test_mail_shaped_bytes_give_a_parsed_mail_or_a_rejection(pieces):
    try:
        result = parse_email(b"".join(pieces), max_attachment_bytes=64)
    except MailRejected:
        return
    assert isinstance(result, ParsedMail)
    assert "\x00" not in result.text + result.new_text + result.subject + result.from_name
    assert all(a.filename and "/" not in a.filename and len(a.filename) <= 150 for a in result.attachments)


header_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@FAST
@given(
    sender=header_text,
    subject=header_text,
    extra_name=st.sampled_from(["To", "Cc", "Reply-To", "Date", "References", "Content-Type", "X-Autoreply", "Foo"]),
    extra_value=header_text,
    body=st.text(max_size=500),
    charset=st.sampled_from(["utf-8", "gbk", "big5", "latin-1"]),
)
def test_messages_built_from_any_text_never_raise_anything_else(
    sender, subject, extra_name, extra_value, body, charset
):
    head = f"From: {sender}\nSubject: {subject}\n{extra_name}: {extra_value}\n\n".encode("utf-8", "replace")
    try:
        result = parse_email(head + body.encode(charset, "replace"))
    except MailRejected:
        return
    assert isinstance(result, ParsedMail)
    assert result.new_text or not result.text


payloads = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<ScRiPt src=//x></ScRiPt>",
        "<img src=x onerror=alert(1)>",
        "<img src=x ONERROR = 'alert(1)'>",
        '<a href="javascript:alert(1)">',
        '<a href="JAVASCRIPT:alert(1)">',
        "<svg onload=alert(1)>",
        "<iframe src=x>",
        "<style>x{}</style>",
        "onerror=",
        "javascript:",
        "<",
        ">",
        '"',
        "'",
        "=",
        "&",
        "&#x3c;script&#x3e;",
        "<scr",
        "ipt>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<math><mtext><table><mglyph><style>",
        "<p>",
        "</p>",
        "<div style='x:expression(1)'>",
    ]
)


@FAST
@given(st.lists(st.one_of(payloads, st.text(max_size=8)), max_size=30))
def test_sanitized_html_never_carries_script_event_handlers_or_javascript_urls(parts):
    html = sanitize_html("".join(parts)).lower()
    assert "<script" not in html
    assert "onerror=" not in html
    assert "javascript:" not in html


@FAST
@given(st.lists(st.one_of(payloads, st.text(max_size=8)), max_size=20))
def test_html_mail_is_sanitized_in_the_parsed_result(parts):
    raw = ("From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n" + "".join(parts)).encode()
    html = parse_email(raw).html.lower()
    assert "<script" not in html and "onerror=" not in html and "javascript:" not in html
