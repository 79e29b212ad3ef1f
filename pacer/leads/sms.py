"""Text messages to staff, through a provider: a small protocol with two providers.

``OutboxProvider`` (the default, and the tests') writes each message as a JSON file in a
folder, named by its key, so a message handed over twice is one file. ``HttpProvider``
posts ``{"to", "text", "key"}`` as JSON to the provider's URL with a bearer token, only
to a public address: the host is resolved once, every address it resolves to must be a
global unicast one (no loopback, private, link-local, reserved or multicast network, so
a URL cannot reach the machine's own services or a cloud metadata endpoint), and the
connection goes to the address that was checked (a second lookup cannot rebind it).
"""

import http.client
import ipaddress
import json
import os
import socket
import ssl
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 10


class SmsError(OSError):
    """The provider did not take the message."""


class SmsProvider(Protocol):
    def send(self, to: str, text: str, key: str) -> None:
        """Hand one message over; ``key`` is unique per message (for the provider's own
        deduplication). Raises ``SmsError`` when it was not taken."""


class OutboxProvider:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, to: str, text: str, key: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key) + ".json"
        temporary = self.folder / f".{name}.{os.getpid()}"
        temporary.write_text(json.dumps({"to": to, "text": text, "key": key}))
        temporary.replace(self.folder / name)  # whole or not at all


def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: refused (``SmsError``) unless every address
    it resolves to is global unicast.

    >>> public_address("93.184.216.34", 443)
    '93.184.216.34'
    >>> public_address("169.254.169.254", 80)
    Traceback (most recent call last):
    ...
    pacer.leads.sms.SmsError: url: 169.254.169.254 is not a public address
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise SmsError(f"url: cannot resolve '{host}' ({error})") from None
    addresses = [info[4][0] for info in found]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast or ip.is_reserved:
            raise SmsError(f"url: {address} is not a public address")
    return addresses[0]


class _Pinned(http.client.HTTPSConnection):
    """An HTTP(S) connection to a checked address, with the URL's host for TLS and Host."""

    def __init__(self, host: str, port: int, address: str, tls: bool):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.address, self.tls = address, tls

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        if self.tls:
            context = ssl.create_default_context()
            self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


class HttpProvider:
    def __init__(self, url: str, token: str = ""):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SmsError("url: must be an http(s) URL with a host")
        self.parts, self.token = parts, token

    def send(self, to: str, text: str, key: str) -> None:
        parts = self.parts
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = public_address(parts.hostname, port)
        connection = _Pinned(parts.hostname, port, address, parts.scheme == "https")
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            connection.request(
                "POST",
                parts.path or "/",
                body=json.dumps({"to": to, "text": text, "key": key}),
                headers=headers,
            )
            status = connection.getresponse().status
        finally:
            connection.close()
        if not 200 <= status < 300:
            raise SmsError(f"the provider answered {status}")


def provider() -> SmsProvider:
    """The configured provider: HTTP when ``LEAD_SMS_URL`` is set, else the outbox."""
    if settings.LEAD_SMS_URL:
        return HttpProvider(settings.LEAD_SMS_URL, settings.LEAD_SMS_TOKEN)
    return OutboxProvider(settings.LEAD_SMS_OUTBOX)
