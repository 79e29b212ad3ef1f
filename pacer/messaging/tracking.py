"""Open and click tracking through signed links.

Each link of a sent message is rewritten to ``/m/c/<token>/`` where the token carries
(workspace, message, destination) signed with the install's secret (HMAC-SHA256, Django's
``signing``); the redirect goes only where a valid token says, so an altered or made-up
link is refused instead of sending anyone anywhere (no open redirect). The open pixel is
``/m/o/<token>/`` (workspace, message). Links Pacer adds itself (unsubscribe,
preferences) and anything that is not http(s) (``mailto:``, anchors) are left alone.
"""

import html
import re

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from pacer.core import clock
from pacer.messaging import sms_links
from pacer.messaging.models import Click, EventKind, Message, MessageEvent
from pacer.messaging.webhooks import emit

OPEN_SALT = "pacer.messaging.open"
CLICK_SALT = "pacer.messaging.click"
MAX_URL = 2000
LINK = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
PIXEL = '<img src="{}" width="1" height="1" alt="" style="display:none">'


def click_url(workspace_id: int, message_id: int, url: str) -> str:
    token = signing.dumps([workspace_id, message_id, url], salt=CLICK_SALT, compress=True)
    return settings.BASE_URL + reverse("message-click", args=[token])


def open_url(workspace_id: int, message_id: int) -> str:
    token = signing.dumps([workspace_id, message_id], salt=OPEN_SALT)
    return settings.BASE_URL + reverse("message-open", args=[token])


def track(body: str, workspace_id: int, message_id: int, keep: set[str]) -> str:
    """The HTML with its http(s) links (other than those in ``keep``) sent through
    signed click redirects and the open pixel added at the end of the body."""

    def rewrite(match: re.Match) -> str:
        target = html.unescape(match.group(3)).strip()
        if target in keep or not target.lower().startswith(("http://", "https://")):
            return match.group(0)
        if len(target) > MAX_URL:
            return match.group(0)
        signed = html.escape(click_url(workspace_id, message_id, target))
        return f"{match.group(1)}{match.group(2)}{signed}{match.group(2)}"

    tracked = LINK.sub(rewrite, body)
    pixel = PIXEL.format(html.escape(open_url(workspace_id, message_id)))
    closing = tracked.lower().rfind("</body>")
    if closing == -1:
        return tracked + pixel
    return tracked[:closing] + pixel + tracked[closing:]


def _message(workspace_id, message_id) -> Message | None:
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in (workspace_id, message_id)):
        return None
    return Message.objects.filter(workspace_id=workspace_id, pk=message_id).first()


def record_open(token: str) -> bool:
    """Record an open from the pixel; False (nothing written) for a token this install
    did not sign."""
    try:
        workspace_id, message_id = signing.loads(token, salt=OPEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    message = _message(workspace_id, message_id)
    if message is None:
        return False
    event = MessageEvent.objects.create(
        workspace_id=workspace_id, message=message, kind=EventKind.OPEN, at=clock.now()
    )
    _emit(message, "message.opened", event)
    return True


def record_click(token: str) -> str | None:
    """Record a click and return where it goes; None (nothing written) for a token this
    install did not sign or a destination that is not http(s). A text's short link
    (``pacer.messaging.sms_links``) is recorded on its text."""
    if sms_links.TOKEN.match(token):
        return sms_links.record_click(token)
    try:
        workspace_id, message_id, url = signing.loads(token, salt=CLICK_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        return None
    message = _message(workspace_id, message_id)
    if message is None:
        return None
    with transaction.atomic():  # the event and its touchpoint, both or neither
        event = MessageEvent.objects.create(
            workspace_id=workspace_id,
            message=message,
            kind=EventKind.CLICK,
            url=url[:MAX_URL],
            at=clock.now(),
        )
        Click.objects.create(
            workspace_id=workspace_id,
            contact_id=message.contact_id,
            channel="email",
            broadcast_id=message.broadcast_id,
            at=event.at,
        )
    _emit(message, "message.clicked", event, url=event.url)
    return url


def _emit(message: Message, event_type: str, event: MessageEvent, **extra) -> None:
    """Every open and click goes to the endpoints subscribed to it (keyed by the event)."""
    data = {
        "message_id": message.pk,
        "broadcast_id": message.broadcast_id,
        "contact_id": message.contact_id,
        "email": message.email,
        "at": event.at.isoformat(),
        **extra,
    }
    emit(message.workspace_id, event_type, str(event.pk), data)
