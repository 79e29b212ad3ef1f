"""Seal each webhook endpoint's signing secret (kept as plain ``whsec_...`` before): a new
column holds it sealed as ``pacer.messaging.sealing`` seals (AES-256-GCM, a key derived
from the install's ``SECRET_KEY`` for the purpose, bound to the endpoint's workspace and
id); 0020 drops the plain column. Reversible: going back opens each sealed secret into the
plain column again (one sealed under another secret key, or copied from another row,
stays blank there: the endpoint must be added again either way). The code is written out
here, as it was, so that the migration does not change when ``pacer.messaging.sealing``
does."""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations, models

PURPOSE = "pacer.messaging.webhook.secret"


def _aead() -> AESGCM:
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE.encode())
    return AESGCM(derive.derive(settings.SECRET_KEY.encode()))


def _bound(webhook) -> bytes:
    return f"{PURPOSE}\nworkspace:{webhook.workspace_id}:webhook:{webhook.pk}".encode()


def seal_secrets(apps, schema_editor):
    Webhook = apps.get_model("messaging", "Webhook")
    aead = _aead()
    for webhook in Webhook.objects.exclude(secret="").filter(secret_sealed="").order_by("pk"):
        nonce = os.urandom(12)
        body = aead.encrypt(nonce, webhook.secret.encode(), _bound(webhook))
        webhook.secret_sealed = "v2:" + base64.b64encode(nonce + body).decode()
        webhook.secret = ""
        webhook.save(update_fields=["secret_sealed", "secret"])


def open_secrets(apps, schema_editor):
    Webhook = apps.get_model("messaging", "Webhook")
    aead = _aead()
    for webhook in Webhook.objects.filter(secret_sealed__startswith="v2:").order_by("pk"):
        raw = base64.b64decode(webhook.secret_sealed.removeprefix("v2:"))
        try:
            webhook.secret = aead.decrypt(raw[:12], raw[12:], _bound(webhook)).decode()
        except (InvalidTag, ValueError):
            continue
        webhook.secret_sealed = ""
        webhook.save(update_fields=["secret_sealed", "secret"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0018_message_clicks_sender_reply_to")]

    operations = [
        migrations.AddField(
            model_name="webhook",
            name="secret_sealed",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunPython(seal_secrets, open_secrets),
    ]
