"""Secrets Pacer must read back, kept encrypted in the database: an SMS provider's auth
token (which signs its requests and checks its callbacks), a sender's DKIM private key
(which signs its mail) and a webhook endpoint's signing secret (which signs its
deliveries). AES-256-GCM with a key derived from the install's ``SECRET_KEY``
(HKDF-SHA256, one key per purpose), a random 96-bit nonce per value, and as associated
data the purpose and what the value belongs to (``bound_to``, e.g. the workspace): a value
copied into another row (another workspace's account) does not open there. A database
dump alone does not give them away. A value sealed under another secret key (the key was
changed) cannot be opened: it must be entered again."""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v2:"
NONCE_BYTES = 12
DKIM_KEY_PURPOSE = "pacer.messaging.sender.dkim-key"
WEBHOOK_SECRET_PURPOSE = "pacer.messaging.webhook.secret"


class Unreadable(ValueError):
    """A sealed value that cannot be opened (another secret key, another row, or damaged)."""


def _key(purpose: str) -> bytes:
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return derive.derive(settings.SECRET_KEY.encode())


def _associated(purpose: str, bound_to: str) -> bytes:
    return f"{purpose}\n{bound_to}".encode()


def seal(purpose: str, secret: str, *, bound_to: str) -> str:
    """``secret`` encrypted for ``purpose`` and ``bound_to``: ``v2:`` and base64 of the
    nonce and the ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(purpose)).encrypt(nonce, secret.encode(), _associated(purpose, bound_to))
    return PREFIX + base64.b64encode(nonce + sealed).decode()


def open_sealed(purpose: str, sealed: str, *, bound_to: str) -> str:
    """The secret ``seal(purpose, ..., bound_to=bound_to)`` gave ``sealed``;
    ``Unreadable`` otherwise."""
    try:
        raw = base64.b64decode(sealed.removeprefix(PREFIX), validate=True)
        if not sealed.startswith(PREFIX) or len(raw) <= NONCE_BYTES:
            raise Unreadable("not a sealed value")
        nonce, body = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        associated = _associated(purpose, bound_to)
        return AESGCM(_key(purpose)).decrypt(nonce, body, associated).decode()
    except (InvalidTag, binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise Unreadable(
            "cannot be decrypted (the install's secret key changed, or it was copied from "
            "another account): enter it again"
        ) from error


def seal_dkim_key(workspace_id: int, pem: str) -> str:
    """A sender's DKIM private key (PEM) sealed for its workspace ("" stays "")."""
    if not pem:
        return ""
    return seal(DKIM_KEY_PURPOSE, pem, bound_to=f"workspace:{workspace_id}")


def open_dkim_key(sender) -> str:
    """The PEM of a ``Sender``'s sealed DKIM key ("" when it has none); ``Unreadable``
    when it cannot be opened."""
    if not sender.dkim_key_sealed:
        return ""
    bound_to = f"workspace:{sender.workspace_id}"
    return open_sealed(DKIM_KEY_PURPOSE, sender.dkim_key_sealed, bound_to=bound_to)


def _webhook_identity(webhook) -> str:
    return f"workspace:{webhook.workspace_id}:webhook:{webhook.pk}"


def seal_webhook_secret(webhook, secret: str) -> str:
    """A saved ``Webhook``'s signing secret (``whsec_...``) sealed for that endpoint: it
    opens on its own row only."""
    return seal(WEBHOOK_SECRET_PURPOSE, secret, bound_to=_webhook_identity(webhook))


def open_webhook_secret(webhook) -> str:
    """The signing secret of a ``Webhook``; ``Unreadable`` when it cannot be opened (sealed
    under another secret key, or copied from another endpoint's row)."""
    bound_to = _webhook_identity(webhook)
    return open_sealed(WEBHOOK_SECRET_PURPOSE, webhook.secret_sealed, bound_to=bound_to)
