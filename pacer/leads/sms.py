"""Text messages to staff, through a provider: a small protocol with two providers.

``OutboxProvider`` (the default, and the tests') writes each message as a JSON file in a
folder, named by its key, so a message handed over twice is one file. ``HttpProvider``
posts ``{"to", "text", "key"}`` as JSON to the provider's URL with a bearer token,
through the SSRF guard of ``pacer.core.outbound`` (public addresses only, the checked
address pinned for the connection).
"""

import json
import os
from pathlib import Path
from typing import Protocol

from django.conf import settings

from pacer.core.outbound import OutboundRefused, parse_url, request

TIMEOUT = 10.0


class SmsError(OSError):
    """The provider did not take the message."""


class SmsProvider(Protocol):
    def send(self, to: str, text: str, key: str) -> str | None:
        """Hand one message over; ``key`` is unique per message (for the provider's own
        deduplication). Returns the provider's message id when it gives one (the
        Twilio-compatible provider of ``pacer.messaging.twilio`` does). Raises
        ``SmsError`` when it was not taken."""


class OutboxProvider:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, to: str, text: str, key: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key) + ".json"
        temporary = self.folder / f".{name}.{os.getpid()}"
        temporary.write_text(json.dumps({"to": to, "text": text, "key": key}))
        temporary.replace(self.folder / name)  # whole or not at all


class HttpProvider:
    def __init__(self, url: str, token: str = ""):
        try:
            parse_url(url)
        except OutboundRefused as refused:
            raise SmsError(str(refused)) from None
        self.url, self.token = url, token

    def send(self, to: str, text: str, key: str) -> None:
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps({"to": to, "text": text, "key": key}).encode()
        try:
            answer = request("POST", self.url, body=body, headers=headers, timeout=TIMEOUT)
        except OutboundRefused as refused:
            raise SmsError(str(refused)) from None
        if not 200 <= answer.status < 300:
            raise SmsError(f"the provider answered {answer.status}")


def provider() -> SmsProvider:
    """The configured provider: HTTP when ``LEAD_SMS_URL`` is set, else the outbox."""
    if settings.LEAD_SMS_URL:
        return HttpProvider(settings.LEAD_SMS_URL, settings.LEAD_SMS_TOKEN)
    return OutboxProvider(settings.LEAD_SMS_OUTBOX)
