"""A partner made before partners had keys (content migration 0009 gave them ``""``) is
given one by an admin, on its edit page or over the API, once: a bad or taken key is
refused naming the field and nothing written; once set, a key does not change; the API's
create-by-key then finds the partner."""

import pytest
from django.test import Client

from pacer.content import partners
from pacer.content.models import Partner
from pacer.core.models import AuditEntry
from tests.content.test_partner_api import call  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyless(workspace):
    """Two partners as migration 0009 left those made before it: no key."""
    made = []
    for name, territory in (("Franchise Berlin", "DE"), ("Franchise Wien", "AT")):
        found = partners.create_partner(
            workspace, name=name, territory=territory, channels=["print"], contacts=[]
        )
        Partner.objects.filter(pk=found.pk).update(key="")
        made.append(Partner.objects.get(pk=found.pk))
    return made


@pytest.fixture
def manager(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _written():
    return list(Partner.objects.order_by("pk").values_list("key", flat=True)), (
        AuditEntry.objects.count()
    )


def test_an_admin_gives_a_keyless_partner_its_key_on_the_edit_page(keyless, manager, workspace):
    berlin, wien = keyless
    partners.create_partner(
        workspace, name="Agency", territory="US", channels=["print"], contacts=[], key="agency"
    )
    detail = manager.get(f"/assets/partners/{berlin.pk}/").content.decode()
    assert 'id="partner-no-key"' in detail and "Give it a key" in detail
    url = f"/assets/partners/{berlin.pk}/edit/"
    form = manager.get(url)
    assert form.context["form"]["key"] == "franchise-berlin"  # its name, free, offered
    assert 'id="field-key"' in form.content.decode()
    fields = {f: form.context["form"][f] for f in ("name", "territory", "channels", "contacts")}

    written = _written()
    for key, reason in (
        ("Franchise Berlin", "use 1-60 lowercase letters, digits or '-', starting with one"),
        ("", "use 1-60 lowercase letters, digits or '-', starting with one"),
        ("agency", "'agency' is already a partner's key"),
    ):
        refused = manager.post(url, {**fields, "key": key})
        assert refused.status_code == 422, key
        assert refused.context["errors"] == {"key": reason}
        assert refused.context["form"]["key"] == key  # what was typed stays
    assert _written() == written

    assert manager.post(url, {**fields, "key": "berlin-01"}).status_code == 302
    assert Partner.objects.get(pk=berlin.pk).key == "berlin-01"
    assert Partner.objects.get(pk=wien.pk).key == ""
    entry = AuditEntry.objects.filter(action="partner.update").get()
    assert (entry.before, entry.after) == ({"key": ""}, {"key": "berlin-01"})
    assert (
        'id="partner-no-key"' not in manager.get(f"/assets/partners/{berlin.pk}/").content.decode()
    )
    # from now on the form has no key field, and a key posted anyway is not read
    again = manager.get(url)
    assert "key" not in again.context["form"] and 'id="field-key"' not in again.content.decode()
    manager.post(url, {**fields, "key": "other"})
    assert Partner.objects.get(pk=berlin.pk).key == "berlin-01"
    # the other keyless partner cannot take it
    refused = manager.post(
        f"/assets/partners/{wien.pk}/edit/",
        {**fields, "name": "Franchise Wien", "key": "berlin-01"},
    )
    assert refused.context["errors"] == {"key": "'berlin-01' is already a partner's key"}


def test_an_admin_gives_a_keyless_partner_its_key_over_the_api(keyless, call):  # noqa: F811
    berlin, wien = keyless
    assert call("get", f"/partners/{berlin.pk}").json()["key"] == ""
    written = _written()
    for body, errors in (
        ({"key": None}, {"key": "use 1-60 lowercase letters, digits or '-', starting with one"}),
        ({"key": "Not A Key"}, None),  # the schema refuses it: its reason is pydantic's
        ({"key": "berlin", "territory": "Germany"}, None),  # all or nothing
    ):
        refused = call("patch", f"/partners/{berlin.pk}", body)
        assert refused.status_code == 422, body
        assert "key" in refused.json()["errors"] or "territory" in refused.json()["errors"]
        if errors:
            assert refused.json()["errors"] == errors
    assert _written() == written

    given = call("patch", f"/partners/{berlin.pk}", {"key": "berlin"})
    assert given.status_code == 200 and given.json()["key"] == "berlin"
    # the same key again is no change; another is refused, naming the one it has
    entries = AuditEntry.objects.count()
    assert call("patch", f"/partners/{berlin.pk}", {"key": "berlin"}).status_code == 200
    assert AuditEntry.objects.count() == entries
    changed = call("patch", f"/partners/{berlin.pk}", {"key": "berlin-2"})
    assert changed.status_code == 422
    assert changed.json()["errors"] == {
        "key": "is 'berlin' and does not change: other systems use it"
    }
    taken = call("patch", f"/partners/{wien.pk}", {"key": "berlin"})
    assert taken.json()["errors"] == {"key": "'berlin' is already a partner's key"}
    assert Partner.objects.get(pk=wien.pk).key == ""
    # create-by-key now answers the partner that was keyless
    again = call(
        "post",
        "/partners",
        {"key": "berlin", "name": "Franchise Berlin", "territory": "DE", "channel": "print"},
    )
    assert again.status_code == 200 and again.json()["id"] == berlin.pk
    assert Partner.objects.count() == 2


def test_only_asset_managers_give_a_key(keyless, call, workspace):  # noqa: F811
    from pacer.core import actions as core
    from pacer.core.roles import Role

    staff = core.create_user(workspace, "stan", "correct-horse-1", Role.STAFF)
    refused = call.as_user(staff)("patch", f"/partners/{keyless[0].pk}", {"key": "berlin"})
    assert refused.status_code == 403
    assert Partner.objects.get(pk=keyless[0].pk).key == ""
