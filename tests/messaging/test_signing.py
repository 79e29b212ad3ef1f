"""DKIM signing (``pacer.messaging.signing``): every signature verifies with dkimpy, the
reference implementation, and the canonical forms are dkimpy's byte for byte."""

import base64
import doctest
import subprocess
from datetime import UTC, datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from dkim.canonicalization import Relaxed
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.messaging import signing
from pacer.messaging.render import SIGNED_HEADERS, build


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"s1._domainkey.acme.test." else None

    return _pem(private), dns


def _message(key_pem: str, **parts) -> bytes:
    fields = {
        "sender_name": "Acme Shop",
        "from_email": "news@acme.test",
        "to": "ada@x.test",
        "subject": "Spring, Ada!",
        "html": "<p>Hello</p>",
        "text": "Hello",
        "unsubscribe_url": "https://pacer.test/u/abc",
        "sent_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        "dkim_selector": "s1",
        "dkim_private_key": key_pem,
    }
    return build(**{**fields, **parts})


@pytest.mark.parametrize(
    "parts",
    [
        {},
        # encoded words, folded over several lines
        {"subject": "Frühlingsangebote für Ada — " + "sehr lange Betreffzeile " * 6},
        {"sender_name": "Émile & Søn, Ltd.", "to": "émile@x.test"},
        # trailing spaces, tabs, blank lines at the end, a leading dot
        {"text": "Hello  \t there \n\n.dot line\n\n\n\n", "html": "<p>a</p>\n\n\n"},
        {"text": "", "html": ""},
        # quoted-printable UTF-8 parts, one line longer than SMTP allows
        {"html": "<p>Grüße " + "x" * 1500 + "</p>", "text": "Grüße\n" * 3},
        {"headers": {"X-Pacer-Id": "  spaced   value  "}},
        {"reply_to": "help@acme.test"},
    ],
    ids=[
        "plain",
        "encoded-folded-subject",
        "non-ascii-names",
        "whitespace",
        "empty",
        "quoted-printable",
        "header",
        "reply-to",
    ],
)
def test_every_signature_verifies_with_dkimpy(key, parts):
    pem, dns = key
    raw = _message(pem, **parts)
    assert dkim.verify(raw, dnsfunc=dns)
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert header.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=acme.test")
    signed = raw.split(b" h=", 1)[1].split(b";", 1)[0].split(b":")
    present = [h for h in SIGNED_HEADERS if h != b"reply-to" or parts.get("reply_to")]
    assert signed == present  # all present, in that order
    assert (b"\r\nReply-To: help@acme.test\r\n" in header) == bool(parts.get("reply_to"))


def test_a_changed_body_or_signed_header_fails_and_an_unsigned_one_does_not(key):
    pem, dns = key
    raw = _message(pem)
    assert not dkim.verify(raw.replace(b"Hello", b"Hullo"), dnsfunc=dns)
    assert not dkim.verify(raw.replace(b"Spring, Ada!", b"Spring, Eve!"), dnsfunc=dns)
    replied = _message(pem, reply_to="help@acme.test")
    assert not dkim.verify(replied.replace(b"help@acme", b"eve@acme"), dnsfunc=dns)
    marked = _message(pem, headers={"X-Pacer-Id": "1"})
    assert dkim.verify(marked.replace(b"X-Pacer-Id: 1", b"X-Pacer-Id: 2"), dnsfunc=dns)
    # relaxed: whitespace a relay may change does not break it
    assert dkim.verify(raw.replace(b"Subject: Spring,", b"Subject:   Spring,"), dnsfunc=dns)


LINE = st.text(alphabet=" \tab.\u00e9", max_size=12).map(lambda s: s.encode())


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=8), st.booleans())
def test_the_canonical_body_is_dkimpys(lines, final_crlf):
    body = b"\r\n".join(lines) + (b"\r\n" if final_crlf else b"")
    assert signing.relaxed_body(body) == Relaxed.canonicalize_body(body)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([b"Subject", b"TO", b"x-Pacer-Id"]),
    st.lists(st.text(alphabet=" \tab:\u00e9", max_size=10).map(str.encode), min_size=1, max_size=3),
)
def test_the_canonical_header_is_dkimpys(name, pieces):
    value = b"\r\n ".join(pieces)  # folded over continuation lines
    [(theirs_name, theirs_value)] = Relaxed.canonicalize_headers([[name, value]])
    assert signing.relaxed_header(name, value) + b"\r\n" == theirs_name + b":" + theirs_value


def test_keys_that_cannot_sign_are_refused_with_the_reason():
    with pytest.raises(signing.KeyProblem, match="not a PEM private key"):
        signing.check_key("junk")
    with pytest.raises(signing.KeyProblem, match="not an RSA key"):
        signing.check_key(_pem(ec.generate_private_key(ec.SECP256R1())))
    small = subprocess.run(["openssl", "genrsa", "512"], check=True, capture_output=True)
    with pytest.raises(signing.KeyProblem, match="512-bit RSA; DKIM needs at least 1024"):
        signing.check_key(small.stdout.decode())


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(signing).failed == 0
