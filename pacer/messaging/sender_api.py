"""REST: one sender identity, as its page shows and changes it: read (with the DNS record
to publish for its DKIM key, never the key), change its name and addresses, rotate its
DKIM key, delete it when no broadcast uses it (``pacer.messaging.actions``)."""

from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id
from pacer.core.api_schema import text as bounded
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.messaging import actions, selectors
from pacer.messaging.sender_views import dkim_published

router = Router(tags=["messaging"])


class DkimRecordOut(Schema):
    name: str = Field(description="the TXT record's host: SELECTOR._domainkey.DOMAIN")
    value: str | None = Field(description="the record to publish; null when the key is unreadable")
    problem: str | None = Field(description="why the sealed key cannot be opened, if it cannot")


class SenderDetailOut(Schema):
    id: int
    name: str
    from_email: str
    reply_to: str = Field(description="the Reply-To address of its mail; empty: none")
    dkim_selector: str
    dkim: DkimRecordOut | None = Field(description="its DKIM key's DNS record; null: no key")
    in_use: str | None = Field(
        description="why it cannot be deleted (a broadcast uses it); null when it can"
    )


class SenderChangeIn(Schema):
    name: bounded(200, min_length=1)
    from_email: bounded(254, min_length=1)
    reply_to: bounded(254) = ""


class SenderKeyIn(Schema):
    dkim_selector: bounded(63, min_length=1) = Field(
        description="the DNS selector the new key is published under (a new one keeps the "
        "old key's record valid for mail already signed with it)"
    )


def _sender(request, sender_id: int):
    found = selectors.sender(request.workspace, sender_id)
    if found is None:
        raise NotFound("sender_id", "no such sender in this workspace")
    return found


def _out(request, sender) -> dict:
    published = dkim_published(sender)
    return {
        "id": sender.pk,
        "name": sender.name,
        "from_email": sender.from_email,
        "reply_to": sender.reply_to,
        "dkim_selector": sender.dkim_selector,
        "dkim": None if published is None else {"value": None, "problem": None, **published},
        "in_use": actions.sender_in_use(request.workspace, sender),
    }


@router.get("/senders/{sender_id}", response={200: SenderDetailOut, **ERRORS, **NOT_FOUND})
@endpoint("messaging.view")
def get_sender(request, sender_id: Id):
    """A sender, with the DNS record of its DKIM key (the private key is never shown)."""
    return _out(request, _sender(request, sender_id))


@router.put(
    "/senders/{sender_id}",
    response={200: SenderDetailOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("messaging.send")
def change_sender(request, sender_id: Id, payload: SenderChangeIn):
    """Change its name, From and Reply-To addresses (its key changes only by rotation)."""
    sender = _sender(request, sender_id)
    actions.update_sender(request.workspace, sender.pk, actor=request.user, **payload.dict())
    return _out(request, _sender(request, sender_id))


@router.post(
    "/senders/{sender_id}/dkim-key",
    response={200: SenderDetailOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("messaging.send")
def rotate_sender_key(request, sender_id: Id, payload: SenderKeyIn):
    """Make it a new DKIM key (generated and kept sealed here) under ``dkim_selector``;
    the answer holds the DNS record to publish."""
    sender = _sender(request, sender_id)
    actions.rotate_dkim_key(
        request.workspace, sender.pk, dkim_selector=payload.dkim_selector, actor=request.user
    )
    return _out(request, _sender(request, sender_id))


@router.delete("/senders/{sender_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("messaging.send")
def delete_sender(request, sender_id: Id):
    """Delete it; refused (422 naming ``sender``, with the broadcast that uses it) while
    any broadcast uses it."""
    sender = _sender(request, sender_id)
    actions.delete_sender(request.workspace, sender.pk, actor=request.user)
    return Status(204, None)
