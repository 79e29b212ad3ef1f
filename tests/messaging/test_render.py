"""The message ``build`` writes: what a mail client reads back from it (``email``'s own
parser, default policy) is exactly what went in, non-ASCII names, subjects and bodies
included, and every line fits SMTP."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from pacer.messaging.render import build

FIELDS = {
    "sender_name": "Acme Shop",
    "from_email": "news@acme.test",
    "to": "ada@x.test",
    "subject": "Spring, Ada!",
    "html": "<p>Hello</p>",
    "text": "Hello",
    "unsubscribe_url": "https://pacer.test/m/u/abc/",
    "sent_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
}


def lines(content: str) -> str:
    """Content with its line ends as ``\\n`` and none at the end (the wire has CRLF)."""
    return content.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def _read(**parts):
    raw = build(**{**FIELDS, **parts})
    return raw, message_from_bytes(raw, policy=policy.default)


@pytest.mark.parametrize(
    ("sender_name", "subject", "html", "text"),
    [
        ("Acme Shop", "Spring, Ada!", "<p>Hello</p>", "Hello"),
        ("Émile & Søn, Ltd.", "Frühlingsangebote für Zoë — 20 % 🌷", "<p>Grüße, Zoë</p>", "Grüße"),
        ('Acme "Best", Inc.', "Re: a, b; c <d>", "<p>a\r\nb\rc\n</p>\n", ".dot\n\nend  \n"),
        ("Ada", "long " * 60 + "end", "<p>" + "x" * 2500 + "</p>", "y" * 1200),
        ("Ada", "Ünïcödé " * 20, "<p>" + "ß" * 1500 + "</p>", "日本語のテキスト\n" * 3),
    ],
    ids=["ascii", "non-ascii", "specials-and-line-ends", "long-ascii", "long-non-ascii"],
)
def test_a_client_reads_back_exactly_what_went_in(sender_name, subject, html, text):
    raw, mail = _read(sender_name=sender_name, subject=subject, html=html, text=text)
    assert mail["From"].addresses[0].display_name == sender_name
    assert mail["From"].addresses[0].addr_spec == "news@acme.test"
    assert mail["To"] == "ada@x.test"
    assert mail["Subject"] == subject
    assert mail["List-Unsubscribe"] == "<https://pacer.test/m/u/abc/>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    assert lines(mail.get_body(("plain",)).get_content()) == lines(text)
    assert lines(mail.get_body(("html",)).get_content()) == lines(html)
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert not mail.defects
    assert all(not part.defects for part in mail.walk())


def test_an_empty_text_part_says_to_read_the_html_and_headers_are_added_as_given():
    _, mail = _read(text="", headers={"X-Pacer-Id": "12.34.abc", "X-Other": "Grüße"})
    assert lines(mail.get_body(("plain",)).get_content()) == "This message is best read as HTML."
    assert mail["X-Pacer-Id"] == "12.34.abc"
    assert mail["X-Other"] == "Grüße"


@pytest.mark.parametrize(
    "parts",
    [
        {"subject": "Hi\r\nBcc: eve@x.test"},
        {"headers": {"X-Pacer-Id": "1\nBcc: eve@x.test"}},
        {"to": "ada@x.test\rBcc: eve@x.test"},
    ],
)
def test_a_line_break_in_a_header_is_refused_not_sent_as_a_new_header(parts):
    with pytest.raises(ValueError, match="may not contain a line break"):
        build(**{**FIELDS, **parts})
