"""people.consent_actions.record_consent: a decision is appended with its source, wording
and time (the history kept), the latest is the one in force, the change is published on
the change feed so segments see it; a refusal names the field and writes nothing."""

from datetime import UTC, datetime

import pytest

from pacer.core import feed
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, ChangeBatch
from pacer.people import selectors
from pacer.people.consent_actions import record_consent
from pacer.people.models import Consent, Contact
from pacer.segments import actions as segments
from pacer.segments import selectors as segment_selectors

pytestmark = pytest.mark.django_db

JAN, FEB = datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 2, 5, 9, tzinfo=UTC)


def test_decisions_are_appended_and_the_latest_is_in_force(workspace):
    ada = Contact.objects.create(workspace=workspace, email="ada@x.test")
    record_consent(workspace, ada.pk, "sms", "marketing", True, "form", "Yes, text me", JAN)
    record_consent(workspace, ada.pk, "sms", "marketing", False, "sms-keyword", "STOP", FEB)

    rows = Consent.objects.filter(contact=ada).order_by("recorded_at")
    assert list(rows.values_list("channel", "purpose", "granted", "source", "wording")) == [
        ("sms", "marketing", True, "form", "Yes, text me"),
        ("sms", "marketing", False, "sms-keyword", "STOP"),
    ]
    assert selectors.current_consent(workspace, ada.pk) == {("sms", "marketing"): False}
    batches = ChangeBatch.objects.filter(source="people.consent").order_by("id")
    assert [b.contact_ids for b in batches] == [[ada.pk], [ada.pk]]
    assert AuditEntry.objects.filter(action="people.consent_recorded").count() == 2


def test_a_merged_away_contact_records_on_the_contact_it_was_merged_into(workspace):
    kept = Contact.objects.create(workspace=workspace, email="kept@x.test")
    gone = Contact.objects.create(workspace=workspace, email="gone@x.test", merged_into=kept)
    consent = record_consent(workspace, gone.pk, "email", "news", True, "desk", "", JAN)
    assert consent.contact_id == kept.pk
    assert ChangeBatch.objects.get(source="people.consent").contact_ids == [kept.pk]


def test_segments_see_the_change_through_the_feed(workspace):
    ada = Contact.objects.create(workspace=workspace, email="ada@x.test")
    record_consent(workspace, ada.pk, "sms", "marketing", True, "form", "", JAN)
    condition = {"type": "consent", "channel": "sms", "purpose": "marketing"}
    textable = segments.create_segment(
        workspace,
        name="Textable",
        definition={"type": "group", "op": "and", "negate": False, "children": [condition]},
    )
    members = segment_selectors.memberships(workspace, textable.pk)
    assert list(members.values_list("contact_id", flat=True)) == [ada.pk]

    record_consent(workspace, ada.pk, "sms", "marketing", False, "sms-keyword", "STOP", FEB)
    feed.deliver_all()

    assert not segment_selectors.memberships(workspace, textable.pk).exists()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"contact_id": 10**9}, "contact_id", "no such contact in this workspace"),
        ({"contact_id": "1"}, "contact_id", "no such contact in this workspace"),
        ({"channel": "fax"}, "channel", "must be one of"),
        ({"purpose": "  "}, "purpose", "must not be empty"),
        ({"purpose": "p" * 61}, "purpose", "must be at most 60 characters"),
        ({"granted": "yes"}, "granted", "must be true or false"),
        ({"source": ""}, "source", "must not be empty"),
        ({"wording": "a\x00b"}, "wording", "must not contain NUL characters"),
        ({"recorded_at": datetime(2026, 1, 5)}, "recorded_at", "must be a time with its time zone"),
        ({"recorded_at": "2026-01-05"}, "recorded_at", "must be a time with its time zone"),
        ({"recorded_at": datetime(1969, 1, 5, tzinfo=UTC)}, "recorded_at", "must be from 1970"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    workspace, change, field, reason
):
    ada = Contact.objects.create(workspace=workspace, email="ada@x.test")
    arguments = {
        "contact_id": ada.pk,
        "channel": "sms",
        "purpose": "marketing",
        "granted": False,
        "source": "desk",
        "wording": "",
        "recorded_at": JAN,
    } | change
    with pytest.raises(ValidationFailed) as refused:
        record_consent(workspace, **arguments)
    assert list(refused.value.errors) == [field]
    assert refused.value.errors[field].startswith(reason)
    assert not Consent.objects.exists()
    assert not ChangeBatch.objects.exists()
    assert not AuditEntry.objects.filter(action="people.consent_recorded").exists()


def test_another_workspaces_contact_is_not_found(workspace):
    from pacer.core.models import Workspace

    other = Workspace.objects.create(name="Other", slug="other")
    theirs = Contact.objects.create(workspace=other, email="t@x.test")
    with pytest.raises(ValidationFailed) as refused:
        record_consent(workspace, theirs.pk, "sms", "marketing", True, "desk")
    assert refused.value.errors == {"contact_id": "no such contact in this workspace"}
    assert not Consent.objects.exists()
