"""Messaging tables show the person, not an id: the texts of an SMS broadcast and the
messages of an email broadcast name each recipient (name, else email, else phone),
linked to their contact page."""

import re

import pytest

from pacer.messaging import actions, sms_broadcasts
from pacer.people.models import Contact
from tests.messaging.conftest import person
from tests.messaging.test_sms_broadcasts import BOB, phone_person

pytestmark = pytest.mark.django_db


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id``: each cell's markup."""
    table = re.search(rf'id="{table_id}".*?</table>', page, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]


def test_the_texts_table_names_each_contact_linked_to_their_page(client, workspace, admin):
    ada = phone_person(workspace, "ada@x.test", "+15550100100", "Ada")
    Contact.objects.filter(pk=ada.pk).update(last_name="Lovelace")
    bob = phone_person(workspace, "bob@x.test", BOB)  # no name: shown by email
    broadcast = sms_broadcasts.create_sms_broadcast(
        workspace, name="Sale", text="Hi", audience={"contacts": [ada.pk, bob.pk]}
    )
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    client.force_login(admin)

    page = client.get(f"/messages/sms/{broadcast.pk}/").content.decode()

    rows = table_rows(page, "sms-texts")
    firsts = [re.sub(r"\s+", " ", row[0]).strip() for row in rows]
    assert firsts == [
        f'<a href="/contacts/{ada.pk}/">Ada Lovelace</a>',
        f'<a href="/contacts/{bob.pk}/">bob@x.test</a>',
    ]
    shown = [re.sub(r"<[^>]+>", "", cell).strip() for row in rows for cell in row]
    assert str(ada.pk) not in shown and str(bob.pk) not in shown


def test_the_messages_table_of_an_email_broadcast_names_each_contact(client, workspace, admin):
    ada = person(workspace, "ada@x.test", "Ada")
    template = actions.save_template(
        workspace, template=None, name="T", subject="Hi", html="<p>Hi</p>", text=""
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"contacts": [ada.pk]},
    )
    actions.queue_broadcast(workspace, broadcast.pk)
    client.force_login(admin)

    page = client.get(f"/messages/broadcasts/{broadcast.pk}/").content.decode()

    (row,) = table_rows(page, "broadcast-messages")
    assert re.sub(r"\s+", " ", row[0]).strip() == f'<a href="/contacts/{ada.pk}/">Ada</a>'
    assert str(ada.pk) not in [re.sub(r"<[^>]+>", "", cell).strip() for cell in row]
