"""The demo's contacts carry the simulated people's names, and the contacts list shows them."""

from html import unescape

import pytest
from django.test import Client

from pacer.core import actions
from pacer.core.models import Role
from pacer.demo.loader import load_business
from pacer.people.models import Contact
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.simulate.segment import name_of, user_id

pytestmark = pytest.mark.django_db


def test_simulated_contacts_have_first_and_last_names_on_the_contacts_list(workspace):
    business = generate(SimConfig(seed=3, contacts=300, months=2, locations=2))
    load_business(workspace, business)
    named = Contact.objects.filter(workspace=workspace).exclude(first_name="")
    assert named.exists()
    users = {user_id(business, contact): contact for contact in range(business.n_contacts)}
    for contact in named.prefetch_related("identities"):
        user = next(i.value for i in contact.identities.all() if i.value in users)
        assert (contact.first_name, contact.last_name) == name_of(business, users[user])

    actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    page = unescape(client.get("/contacts/?q=" + named[0].email).content.decode())
    assert f"{named[0].first_name} {named[0].last_name}" in page
    assert "Person" not in page
