"""Which SMS provider a workspace's texts go through, and what that provider posts back.

A workspace uses the install's gateway (``pacer.leads.sms``: ``PACER_SMS_URL``, or the
outbox folder) until a Twilio-compatible account is set on the sending-rules page or
through ``PUT /api/messaging/settings/sms-provider``: the API's address (``https``),
the account SID, its auth token (kept encrypted, ``pacer.messaging.sealing``, never shown
back; clearing the account revokes it) and the sender (a number, or a messaging service).

The provider posts to ``/m/sms/twilio/<token>/status/`` (delivery status callbacks) and
``/m/sms/twilio/<token>/inbound/`` (texts people send, which feed the STOP/START/HELP
keywords of ``pacer.messaging.sms``). The token names the workspace; every post must
carry the ``X-Twilio-Signature`` of the workspace's auth token over the URL and the
parameters (``pacer.messaging.twilio.signature``), else it is refused (403) and
nothing in it is read or written.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.core.outbound import OutboundRefused, parse_url
from pacer.leads import sms as install_gateway
from pacer.leads.sms import SmsProvider
from pacer.messaging import provider_events, sealing, twilio
from pacer.messaging.models import SmsProviderAccount, SmsProviderKind
from pacer.people.resolution import normalise

TOKEN_PURPOSE = "pacer.messaging.sms-provider.auth-token"
SID = re.compile(r"^[A-Za-z0-9-]{2,64}$")


class Refused(Exception):
    """A provider post that is not proven to come from the workspace's provider."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def account_of(workspace: Workspace) -> SmsProviderAccount:
    """The workspace's SMS provider (the install's gateway, unsaved, when none was set)."""
    found = SmsProviderAccount.objects.filter(workspace=workspace).first()
    return found or SmsProviderAccount(workspace=workspace)


def callback_url(workspace_id: int, kind: str) -> str:
    """Where the provider posts the workspace's ``status`` callbacks or ``inbound`` texts."""
    token = provider_events.endpoint_token(workspace_id)
    return settings.BASE_URL + reverse(f"twilio-{kind}", args=[token])


def _api_base(errors: dict, value: str) -> str:
    base = value.strip().rstrip("/") or twilio.DEFAULT_API_BASE
    try:
        parse_url(base)
    except OutboundRefused as refused:
        errors["api_base"] = str(refused).removeprefix("url: ")
        return ""
    parts = urlsplit(base)
    if parts.scheme != "https" or parts.query or parts.fragment:
        errors["api_base"] = (
            "must be the provider's https address without a query, e.g. https://api.twilio.com"
        )
    return base


def _sid(errors: dict, field: str, value) -> str:
    sid = check_text(errors, field, value, 64)
    if sid and not SID.match(sid):
        errors[field] = "must be the provider's id: letters, digits and dashes (e.g. AC0123…)"
    return sid


@transaction.atomic
def save_sms_provider(
    workspace: Workspace,
    *,
    kind: str,
    api_base: str | None = None,
    account_sid: str | None = None,
    auth_token: str | None = None,
    from_number: str | None = None,
    messaging_service_sid: str | None = None,
    clear_twilio: bool = False,
    actor=None,
) -> SmsProviderAccount:
    """Choose the workspace's SMS provider (``install`` or ``twilio``) and set the
    Twilio-compatible account: each value given replaces the one kept (None keeps it;
    the auth token is write-only: None or "" keeps it). ``clear_twilio`` forgets the
    account and its token and goes back to the install's gateway. A Twilio account needs
    its SID, a token and a sender (a number or a messaging service); what is missing or
    malformed is refused naming the field, and nothing changes."""
    found = account_of(workspace)
    errors: dict[str, str] = {}
    if kind not in SmsProviderKind.values:
        errors["kind"] = f"must be one of {', '.join(SmsProviderKind.values)}"
    if clear_twilio:
        if errors:
            raise ValidationFailed(errors)
        found.kind, found.api_base, found.account_sid = SmsProviderKind.INSTALL, "", ""
        found.auth_token_sealed, found.from_number, found.messaging_service_sid = "", "", ""
        found.set_at = None
        found.save()
        audit.record(workspace, "messaging.sms_provider_cleared", found, actor=actor)
        return found
    base = _api_base(errors, api_base if api_base is not None else found.api_base)
    sid = _sid(errors, "account_sid", account_sid if account_sid is not None else found.account_sid)
    token = check_text(errors, "auth_token", auth_token or "", 200)
    service = _sid(
        errors,
        "messaging_service_sid",
        messaging_service_sid if messaging_service_sid is not None else found.messaging_service_sid,
    )
    written = check_text(
        errors, "from_number", from_number if from_number is not None else found.from_number, 40
    )
    number = normalise("phone", written) if written else ""
    if written and not number and "from_number" not in errors:
        errors["from_number"] = "must be a phone number (E.164, e.g. +15550100199)"
    if kind == SmsProviderKind.TWILIO:
        if not sid and "account_sid" not in errors:
            errors["account_sid"] = "is required for a Twilio-compatible provider"
        if not token and not found.auth_token_sealed and "auth_token" not in errors:
            errors["auth_token"] = "is required for a Twilio-compatible provider"
        if (
            not number
            and not service
            and not errors.keys() & {"from_number", "messaging_service_sid"}
        ):
            errors["from_number"] = "give the number texts come from, or a messaging service SID"
    if errors:
        raise ValidationFailed(errors)
    changed = {"kind": kind} if kind != found.kind else {}
    found.kind, found.api_base, found.account_sid = kind, base, sid
    found.from_number, found.messaging_service_sid = number, service
    if token:
        found.auth_token_sealed = sealing.seal(
            TOKEN_PURPOSE, token, bound_to=_bound_to(workspace.pk)
        )
        changed["auth_token"] = "set"
    if sid or token:
        found.set_at = clock.now()
    found.save()
    audit.record(
        workspace,
        "messaging.sms_provider_changed",
        found,
        actor=actor,
        after={"kind": kind, "api_base": base, "account_sid": sid, **changed},
    )
    return found


def _bound_to(workspace_id: int) -> str:
    """What a sealed auth token belongs to: it opens only on its own workspace's row."""
    return f"workspace:{workspace_id}"


def _open_token(account: SmsProviderAccount) -> str:
    return sealing.open_sealed(
        TOKEN_PURPOSE, account.auth_token_sealed, bound_to=_bound_to(account.workspace_id)
    )


def auth_token_problem(account: SmsProviderAccount) -> str:
    """Why the account's kept auth token cannot be used ("" when it can, or none is kept),
    for the settings page and the API."""
    if not account.auth_token_sealed:
        return ""
    try:
        _open_token(account)
    except sealing.Unreadable as error:
        return f"The auth token kept {error}."
    return ""


def _auth_token(account: SmsProviderAccount) -> str:
    """The account's auth token; ``SmsError`` when it cannot be read."""
    try:
        return _open_token(account)
    except sealing.Unreadable as error:
        raise install_gateway.SmsError(f"the SMS provider's auth token {error}") from None


def provider_for(workspace: Workspace) -> SmsProvider:
    """The provider the workspace's texts go through now."""
    account = account_of(workspace)
    if account.kind != SmsProviderKind.TWILIO:
        return install_gateway.provider()
    return twilio.TwilioProvider(
        api_base=account.api_base or twilio.DEFAULT_API_BASE,
        account_sid=account.account_sid,
        auth_token=_auth_token(account),
        from_number=account.from_number,
        messaging_service_sid=account.messaging_service_sid,
        status_callback=callback_url(workspace.pk, "status"),
    )


def verify(workspace: Workspace, url: str, params: list[tuple[str, str]], header: str) -> None:
    """Refuse (``Refused``) a post not signed with the workspace's auth token."""
    account = account_of(workspace)
    if account.kind != SmsProviderKind.TWILIO or not account.auth_token_sealed:
        raise Refused(
            "X-Twilio-Signature",
            "no Twilio-compatible provider is set for this workspace "
            "(Messages > Sending rules > SMS provider)",
        )
    if not header:
        raise Refused("X-Twilio-Signature", "missing: the provider signs every post")
    try:
        token = _open_token(account)
    except sealing.Unreadable as error:
        raise Refused("X-Twilio-Signature", f"the auth token {error}") from None
    if not twilio.signed_by(token, url, params, header):
        raise Refused(
            "X-Twilio-Signature",
            "does not match the URL and parameters with the workspace's auth token",
        )
