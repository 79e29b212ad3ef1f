"""Over a real ASGI server, an oversized tracking request is refused before its body is read."""

import base64
import socket
import time

import httpx
import orjson
import pytest

from pacer.ingest.models import Event
from tests.ingest.live import web_server
from tests.ingest.test_tracking_api import PAGE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _exchange(base: str, head: bytes, chunks: list[bytes], *, wait: float = 10) -> bytes:
    """Send a request's head and body chunks on one connection (stopping early if the
    server has answered) and return what the server sent back before closing."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as connection:
        connection.sendall(head)
        for chunk in chunks:
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        received = b""
        deadline = time.monotonic() + wait
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            if time.monotonic() > deadline:
                break
            try:
                data = connection.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not data:
                break
            received += data
        return received


def test_a_declared_oversized_body_is_refused_before_it_is_sent(write_key):
    auth = base64.b64encode(f"{write_key}:".encode())
    with web_server() as (base, _):
        head = (
            b"POST /v1/batch HTTP/1.1\r\nHost: pacer\r\nContent-Type: application/json\r\n"
            b"Authorization: Basic " + auth + b"\r\nContent-Length: 1000000000\r\n\r\n"
        )
        # only the head and a few bytes are sent: Django buffering the body would wait for
        # the other 999,999,990 bytes and never answer
        started = time.monotonic()
        answer = _exchange(base, head, [b'{"batch": ['])
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"reason":"request is 1000000000 bytes; the limit is 512000 bytes"' in answer
        assert time.monotonic() - started < 10

        single = head.replace(b"/v1/batch", b"/v1/track").replace(b"1000000000", b"40000")
        assert _exchange(base, single, [b"{"]).startswith(b"HTTP/1.1 413")

        chunked = head.replace(b"Content-Length: 1000000000", b"Transfer-Encoding: chunked")
        piece = b"x" * 100_000
        body = [b"%x\r\n%s\r\n" % (len(piece), piece)] * 8
        answer = _exchange(base, chunked, body)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"request exceeds the limit of 512000 bytes" in answer

        # a request within the limit goes through the guard untouched, chunked or not
        ok = httpx.post(
            f"{base}/v1/batch", json={"batch": [PAGE]}, auth=(write_key, ""), timeout=60
        )
        assert ok.status_code == 200 and ok.json()["accepted"] == 1
        streamed = httpx.post(
            f"{base}/v1/batch",
            content=iter([orjson.dumps({"batch": [{**PAGE, "messageId": "streamed"}]})]),
            auth=(write_key, ""),
            timeout=60,
        )
        assert streamed.status_code == 200, streamed.text
    assert sorted(Event.objects.values_list("message_id", flat=True)) == ["ajs-page-1", "streamed"]
