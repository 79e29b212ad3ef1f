"""How email providers' event posts are verified, over the REST API: SendGrid's
verification key and Postmark's basic-auth credentials (write-only: read back only as
"set at"), the SNS topics allowed to post, and the SNS topics whose subscriptions Pacer
confirmed or failed to. And the workspace's SMS provider (a Twilio-compatible account;
its auth token write-only)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema

from pacer.core.api_schema import BODY_ERRORS, ERRORS
from pacer.core.api_schema import text as bounded
from pacer.core.permissions import endpoint
from pacer.messaging import provider_auth, selectors, sms_providers

router = Router(tags=["messaging"])


class ProviderCredentialsIn(Schema):
    sendgrid_public_key: bounded(1000) | None = Field(
        None,
        description="SendGrid's Signed Event Webhook verification key (ECDSA P-256, "
        "base64 DER, as SendGrid shows it); null or empty keeps the one set",
    )
    postmark_username: bounded(100) | None = Field(
        None, description="the basic-auth user name in Postmark's webhook URL; null keeps"
    )
    postmark_password: bounded(200) | None = Field(
        None, description="its password (set with the user name); null keeps"
    )
    sns_topic_arns: list[bounded(300)] | None = Field(
        None,
        max_length=20,
        description="the Amazon SNS topics (ARNs, arn:aws:sns:<region>:<account>:<name>) "
        "whose signed posts are taken: replaces the list ([]: none, every SNS post is "
        "refused); null keeps it",
    )
    clear_sendgrid: bool = Field(False, description="remove the key: SendGrid posts refused")
    clear_postmark: bool = Field(False, description="remove the credentials: Postmark refused")


class SnsSubscriptionOut(Schema):
    topic_arn: str
    status: str = Field(description="confirmed, or failed with the reason in detail")
    detail: str
    at: datetime


class ProviderCredentialsOut(Schema):
    sendgrid_key_set_at: datetime | None = Field(
        description="when SendGrid's key was set; null: SendGrid events are refused"
    )
    postmark_credentials_set_at: datetime | None = Field(
        description="when Postmark's credentials were set; null: Postmark events are refused"
    )
    ses: str = Field(description="how SES events (through SNS) are verified")
    sns_topic_arns: list[str] = Field(
        description="the SNS topics whose posts are taken; any other topic is refused"
    )
    sns_subscriptions: list[SnsSubscriptionOut]


def _out(workspace, found) -> dict:
    return {
        "sendgrid_key_set_at": found.sendgrid_set_at,
        "postmark_credentials_set_at": found.postmark_set_at,
        "ses": "verified by Amazon SNS message signatures, from the allowed topics only"
        if found.sns_topic_arns
        else "refused until an SNS topic is allowed",
        "sns_topic_arns": list(found.sns_topic_arns),
        "sns_subscriptions": list(selectors.sns_subscriptions(workspace)),
    }


@router.get("/settings/providers", response={200: ProviderCredentialsOut, **ERRORS})
@endpoint("messaging.view")
def get_provider_credentials(request):
    """Which providers' event posts can be verified (secrets are never shown back), and
    the SNS subscriptions confirmed or failed."""
    return _out(request.workspace, provider_auth.credentials_of(request.workspace))


@router.put("/settings/providers", response={200: ProviderCredentialsOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def put_provider_credentials(request, payload: ProviderCredentialsIn):
    """Set, keep or clear SendGrid's key, Postmark's credentials and the allowed SNS
    topics; a key that is not an ECDSA P-256 public key, a user name without a password or
    a topic that is not an SNS topic ARN is refused (422 naming the field) and changes
    nothing."""
    found = provider_auth.save_credentials(
        request.workspace, **payload.model_dump(), actor=request.user
    )
    return _out(request.workspace, found)


class SmsProviderIn(Schema):
    kind: Literal["install", "twilio"] = Field(
        description="install: the install's SMS gateway (PACER_SMS_URL or the outbox); "
        "twilio: a Twilio-compatible API (Twilio, SignalWire, Plivo compat)"
    )
    api_base: bounded(300) | None = Field(
        None, description="the API's https address (default https://api.twilio.com); null keeps"
    )
    account_sid: bounded(64) | None = Field(None, description="the account SID; null keeps")
    auth_token: bounded(200) | None = Field(
        None, description="the auth token (write-only, kept encrypted); null or empty keeps"
    )
    from_number: bounded(40) | None = Field(
        None, description="the number texts come from (E.164); null keeps"
    )
    messaging_service_sid: bounded(64) | None = Field(
        None, description="or a messaging service that picks the number; null keeps"
    )
    clear_twilio: bool = Field(
        False, description="forget the account and its token; texts go through the install"
    )


class SmsProviderOut(Schema):
    kind: str
    api_base: str
    account_sid: str
    auth_token_set: bool = Field(description="whether a token is kept (it is never shown)")
    auth_token_problem: str = Field(
        description="why the kept token cannot be used (the install's secret key changed): "
        "set it again; empty when it can"
    )
    from_number: str
    messaging_service_sid: str
    set_at: datetime | None
    status_callback_url: str = Field(description="where the provider posts delivery statuses")
    inbound_url: str = Field(description="the URL to set as the number's incoming-message webhook")


def _sms_out(workspace, found) -> dict:
    return {
        "kind": found.kind,
        "api_base": found.api_base,
        "account_sid": found.account_sid,
        "auth_token_set": bool(found.auth_token_sealed),
        "auth_token_problem": sms_providers.auth_token_problem(found),
        "from_number": found.from_number,
        "messaging_service_sid": found.messaging_service_sid,
        "set_at": found.set_at,
        "status_callback_url": sms_providers.callback_url(workspace.pk, "status"),
        "inbound_url": sms_providers.callback_url(workspace.pk, "inbound"),
    }


@router.get("/settings/sms-provider", response={200: SmsProviderOut, **ERRORS})
@endpoint("messaging.view")
def get_sms_provider(request):
    """The SMS provider the workspace's texts go through (the auth token is never shown)."""
    return _sms_out(request.workspace, sms_providers.account_of(request.workspace))


@router.put("/settings/sms-provider", response={200: SmsProviderOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def put_sms_provider(request, payload: SmsProviderIn):
    """Choose the SMS provider and set, keep or clear the Twilio-compatible account; a
    missing SID, token or sender, a bad number or a non-https address is refused (422
    naming the field) and changes nothing."""
    found = sms_providers.save_sms_provider(
        request.workspace, **payload.model_dump(), actor=request.user
    )
    return _sms_out(request.workspace, found)
