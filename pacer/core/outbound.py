"""Outbound HTTP behind an SSRF guard: every request Pacer makes to an address a user
typed (webhooks, SMS providers, anything later) goes through ``request``.

The guard:
- only ``http`` and ``https`` URLs, without credentials in them;
- the host is resolved once, and every address it resolves to must be public (not
  loopback, private, link-local — cloud metadata at 169.254.169.254 included — shared
  carrier-grade NAT, multicast, reserved or unspecified; IPv4 inside IPv6 (mapped,
  NAT64, 6to4, IPv4-compatible) is checked as IPv4); one bad address refuses the request;
- the connection goes to the address that was checked (TLS still verifies the host name),
  so a DNS answer that changes between the check and the connection (DNS rebinding)
  cannot send it elsewhere;
- redirects are not followed (a redirect is the caller's answer, and its target would
  need the same check);
- a time limit on connecting and reading, and a cap on the response body read.

``OUTBOUND_ALLOWED_NETWORKS`` (setting ``PACER_OUTBOUND_ALLOW``, comma-separated CIDRs,
empty by default) lets a deployment reach named internal networks on purpose, and the
tests reach their local servers.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_BODY = 1_000_000


class OutboundRefused(ValueError):
    """A request the guard will not make; ``str()`` names the part and the reason."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _allowed_networks() -> list:
    return [
        ipaddress.ip_network(cidr.strip(), strict=False)
        for cidr in getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", ())
        if cidr.strip()
    ]


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the low 32 bits
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use, never public
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # ::a.b.c.d (deprecated; :: and ::1 in it)


def _inner_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to (mapped, NAT64, 6to4, IPv4-compatible):
    Python calls most of these global whatever they carry."""
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def public_address(address: str) -> bool:
    """Whether an IP address may be reached: public, or inside an allowed network. An
    IPv6 address carrying an IPv4 one is judged as that one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64 and not any(ip in n for n in _allowed_networks()):
            return False
        ip = _inner_ipv4(ip) or ip
    if any(ip in network for network in _allowed_networks()):
        return True
    return ip.is_global and not ip.is_multicast


def parse_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path with query)`` of an acceptable URL."""
    if not isinstance(url, str) or len(url) > 2000:
        raise OutboundRefused("url: must be text of at most 2000 characters")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("url: only http and https addresses can be called")
    if parts.username or parts.password:
        raise OutboundRefused("url: must not carry a user name or password")
    if not parts.hostname:
        raise OutboundRefused("url: has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused("url: the port is not a number from 1 to 65535") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(host: str, port: int) -> list[tuple]:
    """The host's addresses as ``getaddrinfo`` entries, all checked public; refuses the
    host when it does not resolve or when any address is not public."""
    try:
        entries = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OutboundRefused(f"url: the host {host!r} does not resolve") from None
    refused = sorted({e[4][0] for e in entries if not public_address(e[4][0])})
    if refused:
        raise OutboundRefused(
            f"url: {host!r} resolves to an address that is not public ({', '.join(refused)})"
        )
    return entries


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, entry: tuple, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._entry = entry

    def connect(self):
        family, kind, proto, _, address = self._entry
        self.sock = socket.socket(family, kind, proto)
        self.sock.settimeout(self.timeout)
        self.sock.connect(address)


class _PinnedHTTPS(_PinnedHTTP):
    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def request(
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Response:
    """Make one HTTP request through the guard; raises ``OutboundRefused`` before any
    connection for a URL it refuses, ``OSError`` (timeouts included) when the call fails.

    Example: ``request("POST", "https://hooks.example.com/x", body=b"{}")``.
    """
    scheme, host, port, path = parse_url(url)
    entry = resolve(host, port)[0]
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = kind(entry, host, port, timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        content = answer.read(MAX_BODY)
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, content)
    except http.client.HTTPException as error:
        raise OSError(f"{host}: {error.__class__.__name__}") from None
    finally:
        connection.close()
