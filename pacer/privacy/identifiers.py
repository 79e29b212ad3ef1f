"""The identifiers a privacy request names a person by, normalised and hashed.

Values are normalised as identity resolution stores them (``pacer.people.resolution``),
so ``" Ada@Example.COM "`` finds the contact whose identity is ``ada@example.com``.
Digests are HMAC-SHA256 under ``settings.PRIVACY_HASH_KEY``: a database dump alone
cannot be checked against a list of addresses. Changing the key makes earlier digests
unmatchable (``key_id`` tells which key made a digest).
"""

import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from django.conf import settings

from pacer.core.errors import ValidationFailed
from pacer.people.kinds import IdentityKind
from pacer.people.resolution import normalise

KINDS = tuple(IdentityKind.values)  # email, phone, user_id, anonymous_id
MAX_LENGTH = {"email": 254, "phone": 40, "user_id": 200, "anonymous_id": 200}

Key = tuple[str, str]  # (kind, normalised value)


def parse(data: Mapping) -> list[Key]:
    """The identifiers in ``data`` (``{"email": ..., "user_id": ...}``), normalised.

    Raises ``ValidationFailed`` naming each bad field, or ``identifiers`` when none is
    given. Unknown keys are ignored (forms and query strings carry others).
    """
    errors: dict[str, str] = {}
    keys: list[Key] = []
    for kind in KINDS:
        raw = data.get(kind)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            errors[kind] = "must be a string"
            continue
        if len(raw) > MAX_LENGTH[kind]:
            errors[kind] = f"is longer than {MAX_LENGTH[kind]} characters"
            continue
        value = normalise(kind, raw)
        if kind == "email" and not value:
            # people's rule: an email needs a name and a domain to identify anyone
            errors[kind] = f"'{raw.strip()[:60]}' is not an email address"
        elif not value:
            errors[kind] = "is empty once normalised" + (
                " (a phone number needs digits)" if kind == "phone" else ""
            )
        else:
            keys.append((kind, value))
    if errors:
        raise ValidationFailed(errors)
    if not keys:
        raise ValidationFailed({"identifiers": f"give at least one of {', '.join(KINDS)}"})
    return keys


def _key() -> bytes:
    return str(settings.PRIVACY_HASH_KEY).encode()


def key_id() -> str:
    """A short public name of the current hashing key."""
    return hmac.new(_key(), b"pacer.privacy.key-id", hashlib.sha256).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> "hmac.HMAC":
    return hmac.new(key, digestmod=hashlib.sha256)


def digest(kind: str, value: str) -> str:
    """The keyed hash of one normalised identifier (64 hex digits)."""
    mac = _keyed(_key()).copy()  # the key's padding is hashed once, not per identifier
    mac.update(f"{kind}\x00{value}".encode())
    return mac.hexdigest()


def digests(keys: Iterable[Key]) -> list[str]:
    return sorted({digest(kind, value) for kind, value in keys})
