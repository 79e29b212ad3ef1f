"""The kept Twilio auth token: sealed to its own workspace (a sealed value copied into
another workspace's row opens nowhere: its texts are not sent and its callbacks are
refused), a clear message (not a 500) on the settings page, the API and the texts once
the install's secret key changed, and migration 0011 sealing the tokens kept before
again, bound to their workspace."""

import base64
import html
import json
import os
from importlib import import_module

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps

from pacer.core import actions
from pacer.messaging import sealing, sms, sms_providers
from pacer.messaging.models import SmsMessage, SmsProviderAccount
from tests.messaging.test_api import bearer
from tests.messaging.test_sms_broadcasts import phone_person
from tests.messaging.test_twilio import ADA, SENDER, account, broadcast_to, post_signed, server
from tests.messaging.twilio_server import ACCOUNT_SID, AUTH_TOKEN

pytestmark = pytest.mark.django_db
__all__ = ["account", "server"]  # fixtures

UNREADABLE = "cannot be decrypted (the install's secret key changed"
STATUS = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "delivered"}


def test_a_token_copied_into_another_workspaces_row_opens_nowhere(
    client, workspace, server, account
):
    other = actions.create_workspace("Other", slug="other")
    sms_providers.save_sms_provider(
        other, kind="twilio", account_sid=ACCOUNT_SID, auth_token="theirs", from_number=SENDER
    )
    ours = SmsProviderAccount.objects.get(workspace=workspace).auth_token_sealed
    SmsProviderAccount.objects.filter(workspace=other).update(auth_token_sealed=ours)

    forged = post_signed(client, other, "status", STATUS, token=AUTH_TOKEN)
    assert forged.status_code == 403
    assert UNREADABLE in forged.json()["errors"]["X-Twilio-Signature"]
    broadcast_to(other, phone_person(other, "ada@x.test", ADA, "Ada"))
    assert sms.deliver_sms() == 0 and server.requests == []
    text = SmsMessage.objects.get()
    assert (text.status, text.provider_id) == ("queued", "")
    assert text.reason.startswith(f"the SMS provider's auth token {UNREADABLE}")
    found = SmsProviderAccount.objects.get(workspace=other)
    assert sms_providers.auth_token_problem(found).startswith(f"The auth token kept {UNREADABLE}")


def test_after_the_secret_key_changed_the_page_and_api_say_so_and_callbacks_are_refused(
    client, workspace, admin, server, account, settings
):
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    client.force_login(admin)
    page = client.get("/messages/settings/")
    assert page.status_code == 200
    assert 'id="sms-token-problem"' in page.content.decode()
    assert UNREADABLE in html.unescape(page.content.decode())
    marketer = bearer(workspace, "marketer")
    answer = client.get("/api/messaging/settings/sms-provider", **marketer)
    assert answer.status_code == 200
    body = answer.json()
    assert body["auth_token_set"] is True and UNREADABLE in body["auth_token_problem"]
    refused = post_signed(client, workspace, "status", STATUS)
    assert refused.status_code == 403

    saved = client.put(
        "/api/messaging/settings/sms-provider",
        data=json.dumps({"kind": "twilio", "auth_token": AUTH_TOKEN}),
        content_type="application/json",
        **marketer,
    )
    assert saved.status_code == 200 and saved.json()["auth_token_problem"] == ""
    assert 'id="sms-token-problem"' not in client.get("/messages/settings/").content.decode()
    assert post_signed(client, workspace, "status", STATUS).status_code == 200


def _sealed_as_v1(token: str) -> str:
    """A token as the 0010 code sealed it: its purpose the only associated data."""
    purpose = sms_providers.TOKEN_PURPOSE.encode()
    from django.conf import settings

    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    nonce = os.urandom(12)
    body = AESGCM(derive.derive(settings.SECRET_KEY.encode())).encrypt(
        nonce, token.encode(), purpose
    )
    return "v1:" + base64.b64encode(nonce + body).decode()


def test_migration_0011_seals_kept_tokens_again_bound_to_their_workspace(workspace, settings):
    migration = import_module("pacer.messaging.migrations.0011_sms_token_bound_to_workspace")
    kept = SmsProviderAccount.objects.create(
        workspace=workspace, kind="twilio", auth_token_sealed=_sealed_as_v1(AUTH_TOKEN)
    )
    other = actions.create_workspace("Other", slug="other")
    settings.SECRET_KEY, old_key = "another-secret-key-" + "x" * 40, settings.SECRET_KEY
    lost = SmsProviderAccount.objects.create(
        workspace=other, kind="twilio", auth_token_sealed=_sealed_as_v1("theirs")
    )
    settings.SECRET_KEY = old_key
    unreadable_before = lost.auth_token_sealed

    migration.bind_to_workspace(apps, None)

    kept.refresh_from_db()
    lost.refresh_from_db()
    assert kept.auth_token_sealed.startswith("v2:")
    bound = f"workspace:{workspace.pk}"
    assert (
        sealing.open_sealed(sms_providers.TOKEN_PURPOSE, kept.auth_token_sealed, bound_to=bound)
        == AUTH_TOKEN
    )
    assert lost.auth_token_sealed == unreadable_before  # left: to be entered again
