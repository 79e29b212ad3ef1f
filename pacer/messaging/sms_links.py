"""Click tracking of the links in SMS broadcasts, through short signed links.

An email's tracked link carries its destination in a signed token
(``pacer.messaging.tracking``); a text cannot spare a hundred characters per link, so
each http(s) link of a broadcast's text is handed to the provider as
``<BASE_URL>/m/c/s<signature><link><text>/``: the text's id (base 36, at least
``ID_WIDTH`` digits), the link's position in the text (2 base-36 digits) and the first
``SIGNATURE_LENGTH`` characters of Django's HMAC-SHA256 signature of (workspace, text,
position) under the install's secret. The same redirect view as email's (``/m/c/``)
answers it: the destination is the link at that position of the text as stored, never
anything the token says, so an altered or made-up link redirects nowhere (no open
redirect). A text's stored body keeps the links as written; only what goes to the
provider is rewritten, and only for broadcast texts (the replies to STOP, START and
HELP go as the workspace wrote them).

A click is recorded once per recipient: the text's ``clicked_at`` (the first click)
and ``clicks`` (every click counted). The first click goes to the outgoing webhooks
subscribed to ``sms.clicked`` (keyed by the text: once per recipient, however often
they click), in the same transaction as ``clicked_at``. Every click of a text with a
contact also makes a ``Click`` row in that transaction: the touchpoint attribution reads.
"""

import re

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from pacer.core import clock
from pacer.messaging.models import Click, SmsMessage
from pacer.messaging.webhooks import emit

SALT = "pacer.messaging.sms-click"
ID_WIDTH = 8  # base 36: ids up to 2.8 trillion keep the link at link_length()
SIGNATURE_LENGTH = 12  # 72 bits of the signature
LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""  # punctuation that ends a sentence, not the link
TOKEN = re.compile(
    rf"^s([A-Za-z0-9_-]{{{SIGNATURE_LENGTH}}})([0-9a-z]{{2}})([0-9a-z]{{{ID_WIDTH},13}})$"
)


def _base36(number: int, width: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits.rjust(width, "0")


def links(body: str) -> list[tuple[int, int]]:
    """The (start, end) of each http(s) link of ``body``, in order; a sentence's closing
    punctuation after a link is not part of it.

    >>> body = "Sale: https://shop.example/spring. Reply STOP to opt out"
    >>> [body[start:end] for start, end in links(body)]
    ['https://shop.example/spring']
    """
    found = []
    for match in LINK.finditer(body):
        end = match.end()
        while end > match.start() and body[end - 1] in TRAILING:
            end -= 1
        found.append((match.start(), end))
    return found


def _signature(workspace_id: int, text_id: int, position: int) -> str:
    signed = signing.Signer(salt=SALT).signature(f"{workspace_id}:{text_id}:{position}")
    return signed[:SIGNATURE_LENGTH]


def short_link(workspace_id: int, text_id: int, position: int) -> str:
    """The tracked link to the ``position``-th link (from 0) of the text ``text_id``."""
    token = (
        "s"
        + _signature(workspace_id, text_id, position)
        + _base36(position, 2)
        + _base36(text_id, ID_WIDTH)
    )
    return settings.BASE_URL + reverse("message-click", args=[token])


def link_length() -> int:
    """How many characters each link of a broadcast's text becomes when it is sent."""
    return len(short_link(0, 0, 0))


def rewritten(body: str, workspace_id: int, text_id: int) -> str:
    """``body`` with each http(s) link replaced by its tracked short link."""
    parts, last = [], 0
    for position, (start, end) in enumerate(links(body)):
        parts += [body[last:start], short_link(workspace_id, text_id, position)]
        last = end
    return "".join(parts) + body[last:]


def sent_length(body: str) -> int:
    """How long ``body`` is once its links are rewritten (as ``rewritten`` makes it)."""
    found = links(body)
    return len(body) - sum(end - start for start, end in found) + len(found) * link_length()


def record_click(token: str) -> str | None:
    """Record a click on a text's short link and return the link it stands for; None
    (nothing written) when the token is not one this install signed for a broadcast's
    text, or the text has no link at that position."""
    found = TOKEN.match(token)
    if found is None:
        return None
    signature, position, text_id = found[1], int(found[2], 36), int(found[3], 36)
    if text_id >= 2**63:
        return None
    text = (
        SmsMessage.objects.filter(pk=text_id, broadcast__isnull=False)
        .values("workspace_id", "text", "broadcast_id", "contact_id", "to_number")
        .first()
    )
    if text is None or not constant_time_compare(
        signature, _signature(text["workspace_id"], text_id, position)
    ):
        return None
    spans = links(text["text"])
    if position >= len(spans):
        return None
    start, end = spans[position]
    url = text["text"][start:end]
    _record(text_id, text, url)
    return url


@transaction.atomic
def _record(text_id: int, text: dict, url: str) -> None:
    """Count the click; the first one also sets ``clicked_at`` and emits ``sms.clicked``."""
    at = clock.now()
    if text["contact_id"] is not None and text["broadcast_id"] is not None:
        Click.objects.create(
            workspace_id=text["workspace_id"],
            contact_id=text["contact_id"],
            channel="sms",
            sms_broadcast_id=text["broadcast_id"],
            at=at,
        )
    first = SmsMessage.objects.filter(pk=text_id, clicked_at=None).update(
        clicks=F("clicks") + 1, clicked_at=at
    )
    if not first:
        SmsMessage.objects.filter(pk=text_id).update(clicks=F("clicks") + 1)
        return
    data = {
        "text_id": text_id,
        "sms_broadcast_id": text["broadcast_id"],
        "contact_id": text["contact_id"],
        "phone": text["to_number"],
        "url": url,
        "at": at.isoformat(),
    }
    emit(text["workspace_id"], "sms.clicked", str(text_id), data)
