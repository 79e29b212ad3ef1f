"""Proof that an email provider's event post comes from the provider, checked before
anything in it is read or recorded. Secure by default: a provider whose proof is not
configured for the workspace is refused, saying what to configure.

- **Amazon SES through SNS**: the topic first: only posts from the SNS topics (ARNs)
  allowed for the workspace are read (``ProviderCredentials.sns_topic_arns``; any other,
  AWS-signed or not, is refused and logged, nothing written or fetched, so an AWS account
  that learns the endpoint URL cannot subscribe its own topic); then the SNS message signature
  (``SignatureVersion`` 1 = SHA1withRSA, 2 = SHA256withRSA) over AWS's string to sign
  (``SNS_SIGNED_FIELDS``, each ``name\\nvalue\\n``) is checked with the certificate at
  ``SigningCertURL``. That URL must be ``https://sns.<region>.amazonaws.com/...pem`` (any
  other is refused before anything is fetched); the certificate is fetched through the
  SSRF guard (``pacer.core.outbound``) once per URL and kept (``SnsCertificate``). A
  verified ``SubscriptionConfirmation`` is confirmed by a GET of its ``SubscribeURL``
  (same host rule, same guard); the result is kept per topic (``SnsSubscription``), as
  is a verified ``UnsubscribeConfirmation``.
- **SendGrid** signed event webhook: ECDSA P-256 / SHA-256 over the
  ``X-Twilio-Email-Event-Webhook-Timestamp`` header followed by the raw body, checked with
  the workspace's public key (base64 DER, as SendGrid shows it); a timestamp more than
  ``SENDGRID_TOLERANCE`` away from now is refused (a replay).
- **Postmark**: HTTP basic auth with the workspace's user name and password (Postmark
  puts them in the webhook URL); the password is kept only as a keyed digest and both are
  compared in constant time.
"""

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.db import IntegrityError, transaction

from pacer.core import audit, clock, outbound
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.messaging.models import ProviderCredentials, SnsCertificate, SnsSubscription

log = logging.getLogger(__name__)
SNS_HOST = re.compile(r"^sns\.[a-z]{2}(-[a-z]+){1,2}-\d{1,2}\.amazonaws\.com$")
SUBSCRIPTION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
SNS_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": SUBSCRIPTION_FIELDS,
    "UnsubscribeConfirmation": SUBSCRIPTION_FIELDS,
}
SNS_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
SENDGRID_TOLERANCE = timedelta(minutes=10)
SETTINGS_PLACE = "Messages > Sending rules > Provider verification"
TOPIC_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-[a-z]+){1,2}-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$"
)
MAX_SNS_TOPICS = 20


class Refused(Exception):
    """A post without the provider's proof: ``status`` (401 or 403), the ``field`` and
    the ``reason``."""

    def __init__(self, status: int, field: str, reason: str):
        self.status, self.field, self.reason = status, field, reason
        super().__init__(f"{field}: {reason}")


def credentials_of(workspace: Workspace) -> ProviderCredentials:
    """The workspace's provider credentials (empty, unsaved, when none were set)."""
    found = ProviderCredentials.objects.filter(workspace=workspace).first()
    return found or ProviderCredentials(workspace=workspace)


def _password_digest(password: str) -> str:
    text = f"pacer.messaging.postmark-password:{password}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), text, hashlib.sha256).hexdigest()


def _public_key(text: str) -> ec.EllipticCurvePublicKey | None:
    """SendGrid's verification key from its base64 DER (PEM armour tolerated)."""
    body = re.sub(r"-----[A-Z ]+-----|\s", "", text or "")
    try:
        key = serialization.load_der_public_key(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return None
    return key


def _topic_arns(errors: dict[str, str], value) -> list[str] | None:
    """The SNS topic ARNs of ``value`` (a list, or text with one a line), deduplicated in
    order; None when ``value`` is None (kept). A bad one's reason in ``errors``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors["sns_topic_arns"] = "must be a list of SNS topic ARNs"
        return None
    topics = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    for n, topic in enumerate(topics, 1):
        if len(topic) > 300 or not TOPIC_ARN.match(topic):
            shown = topic if len(topic) <= 80 else topic[:80] + "…"
            errors["sns_topic_arns"] = (
                f"topic {n} ({shown!r}) is not an SNS topic ARN: "
                "arn:aws:sns:<region>:<12-digit account>:<topic name>"
            )
            return None
    if len(topics) > MAX_SNS_TOPICS:
        errors["sns_topic_arns"] = f"must be at most {MAX_SNS_TOPICS} topics"
        return None
    return topics


@transaction.atomic
def save_credentials(
    workspace: Workspace,
    *,
    sendgrid_public_key: str | None = None,
    postmark_username: str | None = None,
    postmark_password: str | None = None,
    sns_topic_arns: list[str] | str | None = None,
    clear_sendgrid: bool = False,
    clear_postmark: bool = False,
    actor=None,
) -> ProviderCredentials:
    """Set (a value), keep (None or "") or clear each provider's verification. Postmark's
    user name and password are set together. ``sns_topic_arns`` replaces the allowed SNS
    topics (a list, or text with one ARN a line; empty: none, every SNS post refused);
    None keeps them."""
    errors: dict[str, str] = {}
    topics = _topic_arns(errors, sns_topic_arns)
    found = credentials_of(workspace)
    key = check_text(errors, "sendgrid_public_key", sendgrid_public_key, 1000)
    if key and "sendgrid_public_key" not in errors and _public_key(key) is None:
        errors["sendgrid_public_key"] = (
            "must be SendGrid's verification key: an ECDSA P-256 public key in base64 (DER)"
        )
    username = check_text(errors, "postmark_username", postmark_username, 100)
    password = check_text(errors, "postmark_password", postmark_password, 200, strip=False)
    if ":" in username:
        errors["postmark_username"] = "must not contain a colon (basic auth splits on it)"
    if bool(username) != bool(password) and not errors.keys() & {
        "postmark_username",
        "postmark_password",
    }:
        field = "postmark_password" if username else "postmark_username"
        errors[field] = "the user name and the password are set together"
    if errors:
        raise ValidationFailed(errors)
    now, changed = clock.now(), []
    if clear_sendgrid:
        found.sendgrid_public_key, found.sendgrid_set_at = "", None
        changed.append("sendgrid cleared")
    elif key:
        found.sendgrid_public_key, found.sendgrid_set_at = key, now
        changed.append("sendgrid set")
    if clear_postmark:
        found.postmark_username, found.postmark_password_digest = "", ""
        found.postmark_set_at = None
        changed.append("postmark cleared")
    elif username:
        found.postmark_username = username
        found.postmark_password_digest = _password_digest(password)
        found.postmark_set_at = now
        changed.append("postmark set")
    if topics is not None and topics != found.sns_topic_arns:
        found.sns_topic_arns = topics
        changed.append(f"sns topics: {', '.join(topics) or 'none'}")
    found.save()
    if changed:
        audit.record(
            workspace,
            "messaging.provider_credentials_changed",
            found,
            actor=actor,
            after={"changes": changed},
        )
    return found


def _sns_url(url, field: str, *, pem: bool) -> str:
    """``url`` when it is an HTTPS URL of Amazon SNS (``sns.<region>.amazonaws.com``, no
    port or credentials; a ``.pem`` path for a certificate); else ``Refused``."""
    if not isinstance(url, str) or not url or len(url) > 500:
        raise Refused(403, field, "missing")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme != "https"
        or not SNS_HOST.match(parts.hostname or "")
        or port is not None
        or parts.username is not None
        or (pem and not parts.path.endswith(".pem"))
    ):
        suffix = "/....pem" if pem else "/..."
        raise Refused(403, field, f"must be https://sns.<region>.amazonaws.com{suffix}, not {url}")
    return url


def _certificate(url: str) -> x509.Certificate:
    """The certificate at ``url``: kept from before, or fetched through the guard."""
    found = SnsCertificate.objects.filter(url=url).first()
    pem = found.pem if found else ""
    if not found:
        try:
            answer = outbound.request("GET", url, timeout=10)
        except (outbound.OutboundRefused, OSError) as error:
            raise Refused(
                403, "SigningCertURL", f"could not fetch the certificate: {error}"
            ) from None
        if answer.status != 200:
            reason = f"could not fetch the certificate: Amazon answered {answer.status}"
            raise Refused(403, "SigningCertURL", reason)
        pem = answer.body.decode("ascii", errors="replace")
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise Refused(403, "SigningCertURL", "is not a PEM certificate") from None
    if not found:
        try:
            with transaction.atomic():
                SnsCertificate.objects.create(url=url, pem=pem, fetched_at=clock.now())
        except IntegrityError:
            pass  # fetched at the same moment by another request
    return certificate


def sns_string_to_sign(envelope: dict) -> bytes:
    """AWS's string to sign of an SNS message: each signed field (``Subject`` only when
    present) as ``name\\nvalue\\n``, in AWS's order."""
    kind = envelope.get("Type")
    if kind not in SNS_SIGNED_FIELDS:
        raise Refused(403, "Type", f"must be one of {', '.join(SNS_SIGNED_FIELDS)}")
    text = ""
    for name in SNS_SIGNED_FIELDS[kind]:
        value = envelope.get(name)
        if name == "Subject" and value is None:
            continue
        if not isinstance(value, str):
            raise Refused(403, name, "missing: it is part of what Amazon signs")
        text += f"{name}\n{value}\n"
    return text.encode()


def _check_topic(workspace: Workspace, envelope: dict) -> None:
    """Refuse (and log) an SNS post whose ``TopicArn`` is not allowed for the workspace:
    checked before the signature, so nothing is fetched or written for it."""
    topic = envelope.get("TopicArn")
    allowed = credentials_of(workspace).sns_topic_arns
    if isinstance(topic, str) and topic in allowed:
        return
    log.warning(
        "SNS %s refused for workspace %s: topic %r is not allowed",
        str(envelope.get("Type"))[:40],
        workspace.pk,
        str(topic)[:300],
    )
    if not isinstance(topic, str) or not topic:
        raise Refused(403, "TopicArn", "missing: SNS names the topic of every message")
    if not allowed:
        reason = (
            "no SNS topic is allowed for this workspace yet: add the topic's ARN in "
            f"{SETTINGS_PLACE} before subscribing it"
        )
    else:
        reason = f"{topic[:300]} is not one of the SNS topics allowed in {SETTINGS_PLACE}"
    raise Refused(403, "TopicArn", reason)


def verify_sns(workspace: Workspace, raw: bytes) -> dict:
    """The SNS envelope of ``raw`` once its topic is checked against the workspace's
    allowed ones and its signature verified; ``Refused`` naming the reason otherwise
    (``ValueError`` when the body is no JSON object)."""
    envelope = json.loads(raw)
    if not isinstance(envelope, dict):
        raise ValueError("the body must be a JSON object")
    _check_topic(workspace, envelope)
    version = envelope.get("SignatureVersion")
    if version not in SNS_HASHES:
        raise Refused(403, "SignatureVersion", "must be 1 (SHA1withRSA) or 2 (SHA256withRSA)")
    signature = envelope.get("Signature")
    if not isinstance(signature, str) or not signature:
        raise Refused(403, "Signature", "missing: SNS signs every message")
    try:
        signature_bytes = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        raise Refused(403, "Signature", "is not base64") from None
    url = _sns_url(envelope.get("SigningCertURL"), "SigningCertURL", pem=True)
    signed = sns_string_to_sign(envelope)
    key = _certificate(url).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Refused(403, "SigningCertURL", "the certificate does not hold an RSA key")
    try:
        key.verify(signature_bytes, signed, padding.PKCS1v15(), SNS_HASHES[version]())
    except InvalidSignature:
        raise Refused(
            403, "Signature", "does not match the message: not signed by Amazon SNS"
        ) from None
    return envelope


def answer_subscription(workspace: Workspace, envelope: dict) -> dict:
    """Confirm a verified ``SubscriptionConfirmation`` by a GET of its ``SubscribeURL``
    (an ``UnsubscribeConfirmation`` is only noted); the outcome (``confirmed``,
    ``failed`` with the reason, or ``unsubscribed``) is kept per topic and returned."""
    topic = str(envelope.get("TopicArn") or "")[:300]
    if envelope.get("Type") == "UnsubscribeConfirmation":
        status, detail = "unsubscribed", "the topic no longer posts here"
    else:
        status, detail = _confirm(envelope)
    detail = detail.replace("\x00", "")[:300]
    SnsSubscription.objects.update_or_create(
        workspace=workspace,
        topic_arn=topic,
        defaults={"status": status, "detail": detail, "at": clock.now()},
    )
    return {"topic_arn": topic, "status": status, "detail": detail}


def _confirm(envelope: dict) -> tuple[str, str]:
    topic = str(envelope.get("TopicArn") or "")[:300]
    try:
        url = _sns_url(envelope.get("SubscribeURL"), "SubscribeURL", pem=False)
        answer = outbound.request("GET", url, timeout=10)
    except Refused as refused:
        status, detail = "failed", str(refused)
    except outbound.OutboundRefused as refused:
        status, detail = "failed", f"SubscribeURL: {refused}"
    except OSError as error:
        status, detail = "failed", f"SubscribeURL: {error.__class__.__name__}: {error}"
    else:
        if answer.status == 200:
            found = re.search(rb"<SubscriptionArn>([^<]{1,300})</SubscriptionArn>", answer.body)
            arn = found[1].decode(errors="replace") if found else topic
            status, detail = "confirmed", f"subscribed as {arn}"
        else:
            status = "failed"
            detail = f"SubscribeURL: Amazon answered {answer.status}"
    return status, detail


def verify_sendgrid(workspace: Workspace, raw: bytes, headers: Mapping[str, str]) -> None:
    """Check SendGrid's ECDSA signature over the timestamp header and the raw body."""
    key = _public_key(credentials_of(workspace).sendgrid_public_key)
    if key is None:
        raise Refused(
            403,
            "sendgrid_public_key",
            "SendGrid events are not verified yet: enable the Signed Event Webhook in "
            f"SendGrid and paste its verification key in {SETTINGS_PLACE}",
        )
    signature, stamp = headers.get(SENDGRID_SIGNATURE), headers.get(SENDGRID_TIMESTAMP)
    if not signature:
        raise Refused(403, SENDGRID_SIGNATURE, "missing: the event webhook must be signed")
    if not stamp or not stamp.isdecimal() or len(stamp) > 12:
        raise Refused(403, SENDGRID_TIMESTAMP, "must be the Unix time the events were sent")
    age = abs(clock.now().timestamp() - int(stamp))
    if age > SENDGRID_TOLERANCE.total_seconds():
        minutes = int(SENDGRID_TOLERANCE.total_seconds() // 60)
        raise Refused(403, SENDGRID_TIMESTAMP, f"is more than {minutes} minutes from now")
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            stamp.encode() + raw,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError, binascii.Error):
        reason = "does not match the body and timestamp with the configured key"
        raise Refused(403, SENDGRID_SIGNATURE, reason) from None


def verify_postmark(workspace: Workspace, authorization: str) -> None:
    """Check the basic-auth credentials Postmark sends from its webhook URL."""
    found = credentials_of(workspace)
    if not found.postmark_username or not found.postmark_password_digest:
        raise Refused(
            403,
            "postmark_username",
            "Postmark events are not verified yet: set a user name and password in "
            f"{SETTINGS_PLACE} and put them in the webhook URL Postmark posts to",
        )
    scheme, _, encoded = (authorization or "").partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (ValueError, binascii.Error):
        decoded = ""
    if scheme.lower() != "basic" or ":" not in decoded:
        raise Refused(401, "Authorization", "missing: Postmark must post with basic auth")
    username, _, password = decoded.partition(":")
    same_user = hmac.compare_digest(username.encode(), found.postmark_username.encode())
    same_password = hmac.compare_digest(
        _password_digest(password).encode(), found.postmark_password_digest.encode()
    )
    if not (same_user and same_password):
        raise Refused(401, "Authorization", "the user name or password is wrong")
