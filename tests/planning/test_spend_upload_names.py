"""The spend uploads list names who uploaded each file as every page names people
(``formats.person``: the full name, else the username), not by their login."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import actions
from pacer.core.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


def _upload_as(user, name: str) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    text = "date,channel,amount\n2026-03-02,tv,100\n"
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    assert client.post("/spend/upload/", {"file": file}).status_code == 302
    return client


def test_the_uploads_list_names_uploaders_by_their_full_name(workspace, admin):
    User.objects.filter(pk=admin.pk).update(first_name="Ada", last_name="Lovelace")
    nameless = actions.create_user(workspace, "bob", PASSWORD, Role.ADMIN)
    client = _upload_as(admin, "ada.csv")
    _upload_as(nameless, "bob.csv")
    table = client.get("/spend/upload/").context["uploads"]
    by = {row[0].text: row[2].text for row in table.rows}
    assert by == {"ada.csv": "Ada Lovelace", "bob.csv": "bob"}
