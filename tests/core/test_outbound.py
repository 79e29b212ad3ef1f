"""The SSRF guard of outbound HTTP: public addresses only, the checked address is the one
connected to, no redirects followed; refused before any connection is made."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pacer.core import outbound
from pacer.core.outbound import OutboundRefused, public_address, request


@pytest.fixture
def local_server():
    """A real HTTP server on 127.0.0.1 recording the requests it gets."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers["Content-Length"])
            seen.append((self.path, self.headers["Host"], self.rfile.read(length)))
            self.send_response(302 if self.path == "/moved" else 200)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4 inside IPv6
        "::ffff:169.254.169.254",
    ],
)
def test_addresses_that_are_not_public_are_refused(address):
    assert public_address(address) is False


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert public_address(address) is True


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://example.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http:///nohost", "has no host"),
        ("http://example.com:99999/", "port is not a number"),
        ("http://127.0.0.1/", "not public (127.0.0.1)"),
        ("http://localhost/", "not public"),
        ("http://169.254.169.254/latest/meta-data/", "not public (169.254.169.254)"),
        ("http://[::1]/", "not public (::1)"),
        ("http://2130706433/", "not public (127.0.0.1)"),  # 127.0.0.1 as a number
        ("http://0x7f.1/", "not public"),
        ("http://does-not-exist.invalid/", "does not resolve"),
    ],
)
def test_refused_urls_name_the_reason(url, reason):
    with pytest.raises(OutboundRefused, match="^url: ") as refused:
        request("POST", url, body=b"{}")
    assert reason in str(refused.value)


def test_a_local_server_is_refused_unless_its_network_is_allowed(settings, local_server):
    port, seen = local_server
    with pytest.raises(OutboundRefused, match="not public"):
        request("POST", f"http://127.0.0.1:{port}/hook", body=b"{}")
    assert seen == []  # no connection was made
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    answer = request("POST", f"http://127.0.0.1:{port}/hook", body=b'{"a":1}')
    assert answer.status == 200 and answer.body == b"ok"
    assert seen == [("/hook", f"127.0.0.1:{port}", b'{"a":1}')]


def test_redirects_are_answers_not_followed(settings, local_server):
    port, seen = local_server
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    answer = request("POST", f"http://127.0.0.1:{port}/moved", body=b"{}")
    assert answer.status == 302
    assert answer.headers["location"] == "http://169.254.169.254/latest/meta-data/"
    assert [path for path, _, _ in seen] == ["/moved"]  # nothing else was requested


def test_the_connection_goes_to_the_address_that_was_checked(settings, local_server, monkeypatch):
    """DNS rebinding: the first answer is checked, and the connection uses that answer,
    not a second lookup (which here would point at a refused address)."""
    port, seen = local_server
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers = iter(
        [
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.9.9", port))],
        ]
    )
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *a, **k: next(answers))
    answer = request("POST", f"http://hooks.test:{port}/x", body=b"{}")
    assert answer.status == 200
    assert seen == [("/x", f"hooks.test:{port}", b"{}")]  # the Host header keeps the name


def test_one_private_address_among_public_ones_refuses_the_host(monkeypatch):
    entries = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80)),
    ]
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *a, **k: entries)
    with pytest.raises(OutboundRefused, match=r"not public \(10.0.0.5\)"):
        request("POST", "http://mixed.test/", body=b"{}")
