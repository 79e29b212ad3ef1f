"""Opens and clicks through signed links (an altered or made-up link is refused: no open
redirect, nothing recorded), and the preference centre per topic reached from the
unsubscribe page; over a real SMTP server."""

import html
import re
from email import message_from_bytes, policy

import pytest

from pacer.core.errors import ValidationFailed
from pacer.messaging import actions, rules
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message, MessageEvent, Template, Topic, TopicOptOut
from pacer.messaging.tracking import click_url
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db

BASE = "http://localhost:8000"
HTML = (
    "<html><body><p>Hi</p>"
    '<a href="https://shop.test/sale?a=1&amp;b=2">Sale</a>'
    "<a href='https://shop.test/{{ contact.first_name }}'>Yours</a>"
    '<a href="mailto:help@acme.test">Mail us</a>'
    '<a href="{{ preferences_url }}">Preferences</a>'
    '<a href="{{ unsubscribe_url }}">Unsubscribe</a></body></html>'
)


def send(workspace, topic=None):
    template = actions.save_template(
        workspace, name=f"T{Template.objects.count()}", subject="Hi", html=HTML
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="B",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        topic_id=topic.pk if topic else None,
    )
    counts = actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    return broadcast, counts


def body_of(smtp, index=0) -> str:
    mail = message_from_bytes(smtp.messages[index][2], policy=policy.default)
    return mail.get_body(("html",)).get_content()


def links(body: str) -> list[str]:
    return [html.unescape(href) for _, href in re.findall(r"""href=(["'])(.*?)\1""", body)]


def test_links_go_through_signed_redirects_and_opens_are_recorded(workspace, smtp, now, client):
    person(workspace, "ada@x.test", "Ada")
    send(workspace)
    body = body_of(smtp)
    sale, yours, mail, preferences, unsubscribe = links(body)
    assert sale.startswith(f"{BASE}/m/c/") and yours.startswith(f"{BASE}/m/c/")
    assert mail == "mailto:help@acme.test"  # not http(s): untouched
    assert preferences.startswith(f"{BASE}/m/p/") and unsubscribe.startswith(f"{BASE}/m/u/")
    (pixel,) = re.findall(r'<img src="([^"]+)" width="1"', body)
    assert pixel.startswith(f"{BASE}/m/o/") and body.index(pixel) < body.index("</body>")
    message = Message.objects.get()
    assert not MessageEvent.objects.exists()

    response = client.get(sale.removeprefix(BASE))
    assert (response.status_code, response["Location"]) == (302, "https://shop.test/sale?a=1&b=2")
    response = client.get(yours.removeprefix(BASE))
    assert response["Location"] == "https://shop.test/Ada"  # personalised, then signed
    opened = client.get(pixel.removeprefix(BASE))
    assert (opened.status_code, opened["Content-Type"]) == (200, "image/gif")
    events = list(MessageEvent.objects.order_by("id").values_list("message_id", "kind", "url"))
    assert events == [
        (message.pk, "click", "https://shop.test/sale?a=1&b=2"),
        (message.pk, "click", "https://shop.test/Ada"),
        (message.pk, "open", ""),
    ]
    assert set(MessageEvent.objects.values_list("at", flat=True)) == {now["at"]}


def test_altered_or_unsigned_links_are_refused_and_record_nothing(workspace, smtp, now, client):
    person(workspace, "ada@x.test", "Ada")
    send(workspace)
    sale = links(body_of(smtp))[0].removeprefix(BASE)
    token = sale.removeprefix("/m/c/").rstrip("/")
    message = Message.objects.get()
    evil = click_url(workspace.pk, message.pk, "https://evil.test/").removeprefix(BASE)
    evil_token = evil.removeprefix("/m/c/").rstrip("/")
    payload, signature = evil_token.rsplit(":", 1)[0], token.rsplit(":", 1)[1]
    forged = [
        f"/m/c/{payload}:{signature}/",  # another destination under the real signature
        f"/m/c/{token[:-2]}xx/",  # an altered signature
        "/m/c/https:evil.test/",  # no token at all
        "/m/c/.eJyLVnJUKs5ILUnNS1GyUkpRslIqLcqpVLIy0FEqSsxLSVWyMlSqBQBgBgqV:x:y/",
    ]
    for path in forged:
        response = client.get(path)
        assert response.status_code == 400, path
        assert not response.has_header("Location"), path
    for path in ("/m/o/garbage/", f"/m/o/{token}/"):  # a click token is no open token
        assert client.get(path).status_code == 404
    assert not MessageEvent.objects.exists()
    # a token signed for another workspace's message id does not resolve either
    other = click_url(workspace.pk + 1, message.pk, "https://shop.test/").removeprefix(BASE)
    assert client.get(other).status_code == 400
    assert not MessageEvent.objects.exists()


def test_opting_out_of_a_topic_skips_the_contact_with_the_reason(workspace, smtp, now, client):
    person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob")
    news = rules.save_topic(workspace, name="News", description="Monthly")
    offers = rules.save_topic(workspace, name="Offers")
    send(workspace, topic=news)
    ada_body = next(body_of(smtp, i) for i, m in enumerate(smtp.messages) if m[1] == ["ada@x.test"])
    unsubscribe = links(ada_body)[4].removeprefix(BASE)
    asking = client.get(unsubscribe).content.decode()
    preferences = re.search(r'href="(/m/p/[^"]+)" id="preferences-link"', asking).group(1)
    page = client.get(preferences).content.decode()
    assert page.count('type="checkbox"') == 2 and page.count("checked") == 2
    # Ada keeps Offers and drops News
    saved = client.post(preferences, {"topic": [str(offers.pk)]})
    assert saved.status_code == 200 and 'id="preferences-saved"' in saved.content.decode()
    ada = Message.objects.filter(email="ada@x.test").first()
    assert list(TopicOptOut.objects.values_list("contact_id", "topic_id")) == [
        (ada.contact_id, news.pk)
    ]
    again = client.get(preferences).content.decode()
    assert re.search(rf'value="{news.pk}"\s*>', again)  # unticked now
    assert re.search(rf'value="{offers.pk}" checked', again)

    smtp.messages.clear()
    _, counts = send(workspace, topic=news)
    assert counts == {"queued": 1, "skipped": 1, "not_found": 0}
    skipped = Message.objects.filter(status="skipped").get()
    assert (skipped.email, skipped.reason) == ("ada@x.test", "opted out of topic News")
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["bob@x.test"]]
    smtp.messages.clear()
    send(workspace, topic=offers)  # the topic she kept still reaches her
    assert sorted(rcpt for _, (rcpt,), _ in smtp.messages) == ["ada@x.test", "bob@x.test"]


def test_an_opt_out_after_queueing_is_honoured_at_send_time(workspace, smtp, now):
    ada = person(workspace, "ada@x.test", "Ada")
    news = rules.save_topic(workspace, name="News")
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="B",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        topic_id=news.pk,
    )
    actions.queue_broadcast(workspace, broadcast.pk)
    rules.set_preferences(workspace, ada.pk, set())
    assert deliver() == 0 and smtp.messages == []
    message = Message.objects.get()
    assert (message.status, message.reason) == ("skipped", "opted out of topic News")


def test_preferences_refuse_broken_tokens_and_unknown_topics(workspace, smtp, now, client):
    ada = person(workspace, "ada@x.test", "Ada")
    news = rules.save_topic(workspace, name="News")
    send(workspace)
    token = actions.unsubscribe_token(Message.objects.get())
    assert client.get(f"/m/p/{token[:-3]}abc/").status_code == 400
    assert client.post(f"/m/p/{token[:-3]}abc/", {"topic": []}).status_code == 400
    assert not TopicOptOut.objects.exists()
    other = type(workspace).objects.create(name="Other", slug="other")
    theirs = rules.save_topic(other, name="Theirs")
    with pytest.raises(ValidationFailed):
        rules.set_preferences(workspace, ada.pk, {theirs.pk})
    assert client.post(f"/m/p/{token}/", {"topic": [str(theirs.pk)]}).status_code == 400
    assert not TopicOptOut.objects.exists()
    with pytest.raises(ValidationFailed) as refused:
        rules.save_topic(workspace, name="News")
    assert refused.value.errors == {"name": "another topic has this name"}
    assert Topic.objects.filter(workspace=workspace).count() == 1 and news.pk


def test_the_broadcast_report_counts_rates_and_warns_over_thresholds(
    workspace, smtp, now, client, admin
):
    from pacer.messaging import selectors

    for name in ("ada", "bob", "cy", "gone"):
        person(workspace, f"{name}@x.test", name.title())
    smtp.refuse = {"gone@x.test": "550 5.1.1 no such user"}
    broadcast, _ = send(workspace)
    assert selectors.report(workspace, selectors.broadcast(workspace, broadcast.pk))["sent"] == 3
    bodies = {m[1][0]: body_of(smtp, i) for i, m in enumerate(smtp.messages)}
    for who in ("ada@x.test", "bob@x.test"):
        sale, *_, unsubscribe = links(bodies[who])
        (pixel,) = re.findall(r'<img src="([^"]+)" width="1"', bodies[who])
        client.get(pixel.removeprefix(BASE))
        client.get(pixel.removeprefix(BASE))  # opened twice: one message opened
    client.get(links(bodies["ada@x.test"])[0].removeprefix(BASE))
    client.post(links(bodies["cy@x.test"])[4].removeprefix(BASE))  # cy unsubscribes
    now["at"] = now["at"].replace(hour=12)
    from pacer.messaging import bounces
    from tests.messaging.test_bounces import arf

    bob_mail = next(data for _, rcpt, data in smtp.messages if rcpt == ["bob@x.test"])
    bounces.receive(arf(bob_mail))  # bob complains through his mailbox provider
    actions.suppress(workspace, "nobody@x.test", "complaint")  # by hand, not a recipient
    report = selectors.report(workspace, selectors.broadcast(workspace, broadcast.pk))
    assert report == {
        "sent": 3,
        "delivered": 3,  # gone@ was refused by the relay: not sent, not delivered
        "bounced": 1,
        "opened": 2,
        "clicked": 1,
        "unsubscribed": 1,
        "complained": 1,
        "bounce_rate": 0.25,
        "open_rate": 2 / 3,
        "click_rate": 1 / 3,
        "unsubscribe_rate": 1 / 3,
        "complaint_rate": 1 / 3,
        "delivery_rate": 0.75,
        "warnings": [
            "Bounce rate 25.0% is over 2%: clean the list before the next send",
            "Complaint rate 33.33% (1 of 3 sent) has reached the 0.3% limit Gmail and Yahoo "
            "set for bulk senders: they may reject or spam-file this mail; pause, and send "
            "only to recipients who engaged recently",
        ],
    }
    client.login(username="ada", password="correct-horse-1")
    page = client.get(f"/messages/broadcasts/{broadcast.pk}/").content.decode()
    assert "Bounce rate 25.0% is over 2%" in page and "66.7%" in page
    assert "75.0%" in page and "3 delivered, 2 opened" in page


def test_a_clean_broadcast_has_no_warning_and_nothing_sent_has_no_rates(workspace, smtp, now):
    from pacer.messaging import selectors

    for i in range(50):
        person(workspace, f"p{i}@x.test")
    smtp.refuse = {"p0@x.test": "550 gone"}  # 1 of 50 = 2.0%: at the limit, not over
    broadcast, _ = send(workspace)
    report = selectors.report(workspace, selectors.broadcast(workspace, broadcast.pk))
    assert (report["bounced"], report["bounce_rate"], report["warnings"]) == (1, 0.02, [])
    empty, _ = send(type(workspace).objects.create(name="Empty", slug="empty"))
    report = selectors.report(empty.workspace, selectors.broadcast(empty.workspace, empty.pk))
    assert report["sent"] == 0 and report["open_rate"] is None and report["warnings"] == []


def test_a_persons_opens_and_clicks_are_exported_and_erased_with_her(workspace, smtp, now, client):
    from pacer.privacy.actions import erase_person, export_person

    person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob")
    send(workspace)
    for index in range(2):  # each clicks the sale link in their own email
        client.get(links(body_of(smtp, index))[0].removeprefix(BASE))
    ada_message = Message.objects.get(email="ada@x.test")
    bob_message = Message.objects.get(email="bob@x.test")

    exported = export_person(workspace, {"email": "ada@x.test"})
    (event,) = exported["operational"]["messaging.messageevent"]
    assert (event["message_id"], event["kind"]) == (ada_message.pk, "click")

    erase_person(workspace, {"email": "ada@x.test"})
    remaining = MessageEvent.objects.values_list("message_id", flat=True)
    assert list(remaining) == [bob_message.pk]
    assert not Message.objects.filter(pk=ada_message.pk).exists()
