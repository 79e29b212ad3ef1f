"""Seal each sender's DKIM private key (kept as plain PEM before): a new column holds it
sealed as ``pacer.messaging.sealing`` seals (AES-256-GCM, a key derived from the install's
``SECRET_KEY`` for the purpose, bound to the workspace); 0017 drops the plain column.
Reversible: going back opens each sealed key into the plain column again (a key sealed
under another secret key stays blank there: it must be entered again either way). The
code is written out here, as it was, so that the migration does not change when
``pacer.messaging.sealing`` does."""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations, models

PURPOSE = "pacer.messaging.sender.dkim-key"


def _aead() -> AESGCM:
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE.encode())
    return AESGCM(derive.derive(settings.SECRET_KEY.encode()))


def _bound(sender) -> bytes:
    return f"{PURPOSE}\nworkspace:{sender.workspace_id}".encode()


def seal_keys(apps, schema_editor):
    Sender = apps.get_model("messaging", "Sender")
    aead = _aead()
    for sender in Sender.objects.exclude(dkim_private_key="").filter(dkim_key_sealed=""):
        nonce = os.urandom(12)
        body = aead.encrypt(nonce, sender.dkim_private_key.encode(), _bound(sender))
        sender.dkim_key_sealed = "v2:" + base64.b64encode(nonce + body).decode()
        sender.dkim_private_key = ""
        sender.save(update_fields=["dkim_key_sealed", "dkim_private_key"])


def open_keys(apps, schema_editor):
    Sender = apps.get_model("messaging", "Sender")
    aead = _aead()
    for sender in Sender.objects.filter(dkim_key_sealed__startswith="v2:"):
        raw = base64.b64decode(sender.dkim_key_sealed.removeprefix("v2:"))
        try:
            sender.dkim_private_key = aead.decrypt(raw[:12], raw[12:], _bound(sender)).decode()
        except (InvalidTag, ValueError):
            continue
        sender.dkim_key_sealed = ""
        sender.save(update_fields=["dkim_key_sealed", "dkim_private_key"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0015_sms_number_sent_index")]

    operations = [
        migrations.AddField(
            model_name="sender",
            name="dkim_key_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(seal_keys, open_keys),
    ]
