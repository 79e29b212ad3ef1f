"""Subject-line tests: a share of the audience gets one variant each (groups within one of
each other), the rest is held; after the wait the experiments module decides (a variant
must beat A significantly, not merely have the larger rate) and the rest gets the winner;
every contact gets exactly one message, once; refusals name the field."""

import re
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.conf import settings

from pacer.core.errors import ValidationFailed
from pacer.messaging import actions, subject_test
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, Message
from pacer.messaging.tracking import open_url
from tests.messaging.conftest import person
from tests.messaging.test_api import bearer
from tests.messaging.test_pages import text

pytestmark = pytest.mark.django_db

SUBJECTS = ["Spring sale, {{ contact.first_name }}", "40% off ends Sunday"]


def audience(workspace, n=100):
    for i in range(n):
        person(workspace, f"p{i:03}@x.test", f"P{i}")
    person(workspace, "no@x.test", consent=False)


def subject_tested(workspace, **options):
    template = actions.save_template(workspace, name="T", subject="Plain", html="<p>Hi</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        **({"subject_variants": SUBJECTS, "test_percent": 20} | options),
    )


def subjects_received(smtp) -> dict[str, str]:
    found = {}
    for _, recipients, data in smtp.messages:
        subject = str(make_header(decode_header(message_from_bytes(data)["Subject"])))
        found[recipients[0]] = subject
    return found


def open_some(client, broadcast, variant, count):
    rows = Message.objects.filter(broadcast=broadcast, variant=variant, status="sent")
    for message in rows.order_by("id")[:count]:
        url = open_url(message.workspace_id, message.pk)
        assert client.get(url.removeprefix(settings.BASE_URL)).status_code == 200


def test_a_share_gets_one_variant_each_and_the_rest_gets_the_significant_winner(
    workspace, now, smtp, client, admin
):
    audience(workspace)
    broadcast = subject_tested(workspace)

    counts = actions.queue_broadcast(workspace, broadcast.pk)

    assert counts == {"queued": 20, "skipped": 1, "held": 80, "not_found": 0}
    variants = list(Message.objects.filter(broadcast=broadcast).values_list("variant", flat=True))
    assert sorted(v for v in variants if v is not None) == [0] * 10 + [1] * 10
    assert deliver() == 20
    first = subjects_received(smtp)
    assert sorted(first.values()).count("40% off ends Sunday") == 10
    assert sum(s.startswith("Spring sale, P") for s in first.values()) == 10

    open_some(client, broadcast, 0, 1)
    open_some(client, broadcast, 1, 8)
    assert subject_test.decide_due() == 0  # not yet: the wait is 4 hours
    now["at"] += timedelta(hours=4)
    assert subject_test.decide_due() == 1
    assert subject_test.decide_due() == 0  # decided once

    broadcast.refresh_from_db()
    assert broadcast.winner == 1
    assert broadcast.test_decision["reason"].startswith("variant B beat A on opens")
    arms = [(a["variant"], a["sent"], a["opened"]) for a in broadcast.test_decision["arms"]]
    assert arms == [("A", 10, 1), ("B", 10, 8)]
    assert deliver(limit=500) == 80
    everyone = subjects_received(smtp)
    assert len(smtp.messages) == 100 and len(everyone) == 100  # one message each, once
    rest = {email: s for email, s in everyone.items() if email not in first}
    assert set(rest.values()) == {"40% off ends Sunday"}
    assert Broadcast.objects.get(pk=broadcast.pk).status == "sent"
    assert deliver() == 0 and subject_test.decide_due() == 0

    client.login(username="ada", password="correct-horse-1")
    page = text(client.get(f"/messages/broadcasts/{broadcast.pk}/"))
    assert "A Spring sale, {{ contact.first_name }} 10 1 10.0% 0 0.0%" in page
    assert "B (winner) 40% off ends Sunday 90 8 8.9% 0 0.0%" in page
    assert "Variant B beat A on opens (adjusted p-value" in page


def test_a_larger_rate_that_is_not_significant_leaves_variant_a(workspace, now, smtp, client):
    audience(workspace)
    broadcast = subject_tested(workspace, test_metric="open", test_wait_hours=1)
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    open_some(client, broadcast, 0, 2)
    open_some(client, broadcast, 1, 3)  # 30% against 20%: a raw maximum would pick B
    now["at"] += timedelta(hours=1)

    assert subject_test.decide_due() == 1

    broadcast.refresh_from_db()
    assert broadcast.winner == 0
    assert broadcast.test_decision["reason"].startswith("no variant beat A on opens")
    assert broadcast.test_decision["variations"][0]["adjusted_p_value"] > 0.05
    deliver(limit=500)
    assert list(subjects_received(smtp).values()).count("40% off ends Sunday") == 10


def test_no_opens_at_all_is_inconclusive_and_a_goes(workspace, now, smtp):
    audience(workspace, n=30)
    broadcast = subject_tested(workspace, test_wait_hours=1)
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    now["at"] += timedelta(hours=1)
    assert subject_test.decide_due() == 1
    broadcast.refresh_from_db()
    assert broadcast.winner == 0
    assert broadcast.test_decision["reason"].startswith("inconclusive (variance: both arms")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"subject_variants": ["only one"]}, "subject_variants"),
        ({"subject_variants": ["a", "b", "c", "d", "e"]}, "subject_variants"),
        ({"subject_variants": ["same", "same "]}, "subject_variants"),
        ({"subject_variants": ["fine", "{% if %}"]}, "subject_variants[1]"),
        ({"subject_variants": ["fine", ""]}, "subject_variants[1]"),
        ({"test_percent": 60}, "test_percent"),
        ({"test_wait_hours": 0}, "test_wait_hours"),
        ({"test_metric": "revenue"}, "test_metric"),
        ({"schedule": "local", "send_local": "2026-03-03T09:00"}, "schedule"),
    ],
)
def test_a_bad_test_is_refused_naming_the_field_and_nothing_is_made(workspace, options, field):
    with pytest.raises(ValidationFailed) as refused:
        subject_tested(workspace, **options)
    assert list(refused.value.errors) == [field]
    assert not Broadcast.objects.exists()


def test_the_api_creates_a_test_and_reports_per_variant(client, workspace, now, smtp):
    audience(workspace, n=20)
    template = actions.save_template(workspace, name="T", subject="Plain", html="<p>Hi</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    headers = bearer(workspace, "marketer")
    body = {
        "name": "Spring",
        "template_id": template.pk,
        "sender_id": sender.pk,
        "audience": {"all": True},
        "subject_variants": SUBJECTS,
        "test_percent": 50,
        "test_wait_hours": 2,
        "test_metric": "click",
    }
    created = client.post(
        "/api/messaging/broadcasts", body, content_type="application/json", **headers
    )
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["subject_variants"], out["test_percent"], out["winner"]) == (SUBJECTS, 50, None)
    queued = client.post(f"/api/messaging/broadcasts/{out['id']}/queue", **headers).json()
    assert queued == {"queued": 10, "skipped": 1, "not_found": 0, "held": 10}
    deliver()
    now["at"] += timedelta(hours=2)
    subject_test.decide_due()
    got = client.get(f"/api/messaging/broadcasts/{out['id']}", **headers).json()
    assert got["winner"] == 0 and got["counts"]["held"] == 0 and got["counts"]["queued"] == 10
    assert [(a["variant"], a["sent"], a["clicked"]) for a in got["test_decision"]["arms"]] == [
        ("A", 5, 0),
        ("B", 5, 0),
    ]


def test_the_broadcast_form_creates_a_subject_test_and_names_bad_fields(client, admin, workspace):
    client.login(username="ada", password="correct-horse-1")
    template = actions.save_template(workspace, name="T", subject="Plain", html="<p>Hi</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    form = client.get("/messages/broadcasts/new/").content.decode()
    for name in ("variant_a", "variant_b", "variant_c", "variant_d", "test_percent"):
        assert f'id="field-{name}"' in form
    fields = {
        "name": "Spring",
        "template_id": template.pk,
        "sender_id": sender.pk,
        "purpose": "marketing",
        "audience": "all",
        "schedule": "now",
        "variant_a": "Spring sale, {{ contact.first_name }}",
        "variant_b": "",
        "variant_c": "40% off ends Sunday",
        "variant_d": "",
        "test_percent": "30",
        "test_wait_hours": "6",
        "test_metric": "click",
    }
    for changed, field, reason in [
        ({"variant_c": ""}, "variant_b", "must be 2 to 4 subject lines"),
        ({"variant_c": "{% if %}"}, "variant_c", "Unexpected end of expression in if tag"),
        ({"variant_c": fields["variant_a"]}, "variant_c", "each variant must differ"),
        ({"test_percent": "60"}, "test_percent", "must be a whole number from 5 to 50"),
        ({"test_wait_hours": "soon"}, "test_wait_hours", "must be a whole number from 1 to 168"),
        ({"test_metric": "revenue"}, "test_metric", "must be one of open, click"),
    ]:
        refused = client.post("/messages/broadcasts/new/", fields | changed)
        assert refused.status_code == 422, changed
        page = refused.content.decode()
        inline = re.search(rf'id="field-{field}-error">(.*?)</div>', page, re.S)
        assert inline is not None and reason in inline.group(1), (changed, page[-3000:])
        assert not Broadcast.objects.exists()

    both = text(
        client.post(
            "/messages/broadcasts/new/", fields | {"audience": "1 two", "test_percent": "4"}
        )
    )
    assert "Audience: 'two' is not a contact id" in both
    assert "Test share (%): must be a whole number from 5 to 50" in both
    assert not Broadcast.objects.exists()

    created = client.post("/messages/broadcasts/new/", fields)

    broadcast = Broadcast.objects.get()
    assert created["Location"] == f"/messages/broadcasts/{broadcast.pk}/"
    stored = Broadcast.objects.filter(pk=broadcast.pk).values(
        "subject_variants", "test_percent", "test_wait_hours", "test_metric", "winner"
    )
    assert list(stored) == [
        {
            "subject_variants": ["Spring sale, {{ contact.first_name }}", "40% off ends Sunday"],
            "test_percent": 30,
            "test_wait_hours": 6,
            "test_metric": "click",
            "winner": None,
        }
    ]
    page = text(client.get(f"/messages/broadcasts/{broadcast.pk}/"))
    assert "30% of the audience get one variant each; the winner by clicks goes" in page
    assert "B 40% off ends Sunday 0 0 — 0 — 0 $0 – —" in page
