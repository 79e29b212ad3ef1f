"""The Twilio-compatible SMS API (Twilio's own, and the services that speak it: SignalWire's
LaML API, Plivo's compatibility mode), as its documentation gives it:

- a text is ``POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json``,
  form-encoded ``To``, ``From`` (or ``MessagingServiceSid``), ``Body`` and
  ``StatusCallback``, with HTTP basic auth (the account SID and the auth token), through
  the SSRF guard (``pacer.core.outbound``). A 2xx answer carries the message's ``sid``;
  an error answer a JSON body with ``code`` and ``message``. 429 and 5xx (and a failed
  connection) are worth retrying (``SmsRetry``, not before the answer's ``Retry-After``,
  in seconds or as a date, at most 10 minutes); any other 4xx is final (``SmsRejected``,
  with the provider's reason);
- the provider signs what it posts to Pacer (status callbacks, inbound texts) with the
  ``X-Twilio-Signature`` header: base64 of HMAC-SHA1, keyed with the auth token, of the
  full URL it posted to followed by each POST parameter's name and value, sorted by name
  (``signature``).
"""

import base64
import hashlib
import hmac
import json
import math
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode

from pacer.core import clock
from pacer.core.outbound import OutboundRefused, request
from pacer.leads.sms import SmsError

TIMEOUT = 10.0
DEFAULT_API_BASE = "https://api.twilio.com"
RETRY_AFTER_DEFAULT = 30  # seconds, when a 429 does not say
RETRY_AFTER_MAX = 600


class SmsRejected(SmsError):
    """The provider refused the text for good (a 4xx other than 429): not retried."""


class SmsRetry(SmsError):
    """The provider could not take the text now (429, 5xx, no answer): try again, not
    before ``retry_after`` seconds (0: at the next round)."""

    def __init__(self, reason: str, retry_after: int = 0):
        super().__init__(reason)
        self.retry_after = retry_after


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` of a form post of ``params`` to ``url``."""
    signed = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_by(auth_token: str, url: str, params: Iterable[tuple[str, str]], header: str) -> bool:
    """Whether ``header`` is the provider's signature of this post (constant time)."""
    expected = signature(auth_token, url, params)
    return bool(header) and hmac.compare_digest(expected.encode(), header.encode())


def _reason(status: int, body: bytes) -> str:
    """The provider's reason from its JSON error body (``code``, ``message``)."""
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if isinstance(found, dict) and found.get("message"):
        code = found.get("code")
        prefix = f"error {code}: " if code else ""
        return f"the provider answered {status}: {prefix}{str(found['message'])[:200]}"
    return f"the provider answered {status}"


def _retry_after(headers: dict[str, str], default: int) -> int:
    """The answer's ``Retry-After`` in seconds (a number, or an HTTP date), at least 1
    and at most ``RETRY_AFTER_MAX``; ``default`` when it has none (or an unreadable one)."""
    value = headers.get("retry-after", "").strip()
    if value.isdecimal():
        seconds = int(value)
    else:
        try:
            seconds = math.ceil((parsedate_to_datetime(value) - clock.now()).total_seconds())
        except (TypeError, ValueError):
            return default
    return min(max(seconds, 1), RETRY_AFTER_MAX)


class TwilioProvider:
    """Sends texts through a Twilio-compatible account; ``send`` returns the message SID."""

    def __init__(
        self,
        *,
        api_base: str,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        status_callback: str = "",
    ):
        self.url = (
            f"{api_base.rstrip('/')}/2010-04-01/Accounts/{quote(account_sid, safe='')}"
            "/Messages.json"
        )
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.authorization = f"Basic {credentials}"
        self.sender = (
            {"MessagingServiceSid": messaging_service_sid}
            if messaging_service_sid
            else {"From": from_number}
        )
        self.status_callback = status_callback

    def send(self, to: str, text: str, key: str) -> str:
        """Post the text; its SID once the provider took it, else ``SmsRetry`` or
        ``SmsRejected`` with the reason. (The API has no idempotency key: ``key`` is not
        sent; a text is posted again only when the last post got no answer.)"""
        fields = {"To": to, **self.sender, "Body": text}
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        headers = {
            "Authorization": self.authorization,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            answer = request(
                "POST", self.url, body=urlencode(fields).encode(), headers=headers, timeout=TIMEOUT
            )
        except OutboundRefused as refused:  # the address is not allowed (yet): retried
            raise SmsRetry(str(refused)) from None
        except OSError as error:
            raise SmsRetry(f"no answer from the provider: {error}") from None
        if answer.status == 429:
            reason = _reason(429, answer.body)
            raise SmsRetry(reason, _retry_after(answer.headers, RETRY_AFTER_DEFAULT))
        if answer.status >= 500:  # a 503 may say when; else the caller backs off
            raise SmsRetry(_reason(answer.status, answer.body), _retry_after(answer.headers, 0))
        if not 200 <= answer.status < 300:
            raise SmsRejected(_reason(answer.status, answer.body))
        try:
            sid = json.loads(answer.body).get("sid")
        except (ValueError, AttributeError):
            sid = None
        return sid[:64] if isinstance(sid, str) else ""  # taken, even without a sid
