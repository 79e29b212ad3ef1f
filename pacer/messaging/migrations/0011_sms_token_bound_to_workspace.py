"""Seal each kept SMS auth token again, bound to its workspace (``v1:`` values were bound
to their purpose only, so one could be copied into another workspace's row and open
there). A value that cannot be opened (the secret key changed) is left: it must be
entered again either way. The code is written out here, as it was, so that the
migration does not change when ``pacer.messaging.sealing`` does."""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations

PURPOSE = "pacer.messaging.sms-provider.auth-token"


def _aead() -> AESGCM:
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE.encode())
    return AESGCM(derive.derive(settings.SECRET_KEY.encode()))


def bind_to_workspace(apps, schema_editor):
    Account = apps.get_model("messaging", "SmsProviderAccount")
    aead = _aead()
    for account in Account.objects.filter(auth_token_sealed__startswith="v1:"):
        raw = base64.b64decode(account.auth_token_sealed.removeprefix("v1:"))
        try:
            token = aead.decrypt(raw[:12], raw[12:], PURPOSE.encode())
        except (InvalidTag, ValueError):
            continue
        nonce = os.urandom(12)
        bound = f"{PURPOSE}\nworkspace:{account.workspace_id}".encode()
        sealed = base64.b64encode(nonce + aead.encrypt(nonce, token, bound)).decode()
        account.auth_token_sealed = "v2:" + sealed
        account.save(update_fields=["auth_token_sealed"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0010_twilio_sms_provider")]

    operations = [migrations.RunPython(bind_to_workspace, migrations.RunPython.noop)]
