"""The pages for what needs attention: withdrawing an asset (the dialog lists what it will
do, the reason is required), talent releases on the asset page (add, edit, remove), the
flags of items that use a withdrawn asset (listed, cleared with a note), and deadlines
(set on the item, shown on it and on the calendar)."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from pacer.content import actions, assets, releases, selectors, withdrawal
from pacer.content.models import ContentFlag, ContentItem, DeadlineTask, TalentRelease
from pacer.core import clock
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_withdraw_dialog_lists_what_the_withdrawal_will_do(team, used):
    page = _client(team["editor"]).get(f"/assets/{used['asset'].pk}/")
    html = page.content.decode()
    assert 'data-modal-open="withdraw-dialog"' in html
    assert "3 content items will be affected:" in html
    effects = html[
        html.index('id="withdraw-effects"') : html.index("</ul>", html.index("withdraw-effects"))
    ]
    assert (
        "scheduled ad</a> · Scheduled → <strong>Draft</strong> (taken off the schedule)" in effects
    )
    assert "published ad</a> · stays published, flagged" in effects
    assert "draft ad</a> · Draft, flagged" in effects
    assert "archived ad" not in effects
    # the preview says what the withdrawal then does
    withdrawal.withdraw_asset(used["asset"], reason="licence revoked", actor=team["editor"])
    states = dict(ContentItem.objects.values_list("title", "state"))
    assert states == {
        "scheduled ad": "draft",
        "published ad": "published",
        "draft ad": "draft",
        "archived ad": "archived",
    }


def test_the_dialog_is_only_for_managers_and_an_empty_reason_withdraws_nothing(
    workspace, team, used
):
    reviewer = _client(team["legal"])  # staff: may view assets, not manage them
    assert b"withdraw-dialog" not in reviewer.get(f"/assets/{used['asset'].pk}/").content
    url = f"/assets/{used['asset'].pk}/withdraw/"
    assert reviewer.post(url, {"reason": "no"}).status_code == 403
    editor = _client(team["editor"])
    answer = editor.post(url, {"reason": "  "})
    assert answer.status_code == 422  # the dialog again, open, the reason at the field
    assert 'id="field-withdraw-reason-error"><p>must not be empty</p>' in answer.content.decode()
    used["asset"].refresh_from_db()
    assert used["asset"].status == "active" and ContentFlag.objects.count() == 0
    assert not AuditEntry.objects.filter(action="asset.withdraw").exists()


def test_withdrawing_from_the_page_flags_the_items_and_shows_the_reason(team, used):
    editor = _client(team["editor"])
    url = f"/assets/{used['asset'].pk}/withdraw/"
    answer = editor.post(url, {"reason": "licence revoked"}, follow=True)
    html = answer.content.decode()
    assert "“Beach hero” withdrawn; 3 content item(s) flagged." in html
    assert "licence revoked It cannot be used" in html
    assert "withdraw-dialog" not in html
    assert ContentFlag.objects.count() == 3
    again = editor.post(url, {"reason": "again"}, follow=True)
    assert "This asset is already withdrawn." in again.content.decode()
    assert ContentFlag.objects.count() == 3


def test_releases_are_added_edited_and_removed_from_the_asset_page(workspace, team, used):
    asset = used["asset"]
    document = assets.upload_asset(workspace, name="Signed form", filename="f.png", data=png(4, 4))
    editor = _client(team["editor"])
    base = f"/assets/{asset.pk}/releases/"
    refused = editor.post(base, {"person": "", "territories": "usa", "ends_on": "soon"})
    assert refused.status_code == 422
    assert TalentRelease.objects.count() == 0
    shown = refused.content.decode()
    assert "Person shown: must not be empty" in shown
    assert "Territories: two-letter country codes" in shown
    assert "Until: must be a date (YYYY-MM-DD)" in shown
    editor.post(
        base,
        {
            "person": "Mia Rossi",
            "territories": "us, ca",
            "channels": "email",
            "ends_on": "2026-12-31",
            "document": str(document.pk),
        },
    )
    release = TalentRelease.objects.get()
    assert (release.person, release.territories, release.channels, release.ends_on) == (
        "Mia Rossi",
        ["CA", "US"],
        ["email"],
        date(2026, 12, 31),
    )
    assert release.document_id == document.pk
    html = editor.get(f"/assets/{asset.pk}/").content.decode()
    assert "<td>Mia Rossi</td><td>CA, US</td><td>email</td><td>open</td><td>2026-12-31</td>" in html
    assert f'data-modal-open="release-{release.pk}"' in html
    editor.post(
        f"{base}{release.pk}/",
        {"person": "Mia Rossi", "territories": "", "channels": "", "ends_on": "2025-01-31"},
    )
    release.refresh_from_db()
    assert (release.territories, release.channels, release.ends_on, release.document_id) == (
        [],
        [],
        date(2025, 1, 31),
        None,
    )
    assert (
        '2025-01-31 <strong class="decision-rejected">ended</strong>'
        in editor.get(f"/assets/{asset.pk}/").content.decode()
    )
    # a bad edit changes nothing
    bad = {"person": "Mia", "starts_on": "2026-02-01", "ends_on": "2025-01-31"}
    refused = editor.post(f"{base}{release.pk}/", bad, follow=True)
    assert "Until: must not be before the start" in refused.content.decode()
    release.refresh_from_db()
    assert (release.person, release.starts_on) == ("Mia Rossi", None)
    assert _client(team["legal"]).post(f"{base}{release.pk}/remove/").status_code == 403
    editor.post(f"{base}{release.pk}/remove/")
    assert TalentRelease.objects.count() == 0
    assert AuditEntry.objects.filter(action="asset.release.remove").count() == 1
    # another asset's release is not found through this one
    other = releases.add_release(document, person="Jo")
    assert editor.post(f"{base}{other.pk}/remove/").status_code == 404
    assert TalentRelease.objects.filter(pk=other.pk).exists()


def test_flags_are_listed_and_cleared_with_a_note(workspace, team, used):
    withdrawal.withdraw_asset(used["asset"], reason="licence revoked", actor=team["editor"])
    editor = _client(team["editor"])
    listing = editor.get("/content/flags/").content.decode()
    for title in ("scheduled ad", "published ad", "draft ad"):
        href = f"/content/items/{used[title.split()[0]].pk}/?back=flags#flags-h"
        assert href in listing and title in listing
    assert "archived ad" not in listing
    assert "Flags (3)" in editor.get("/content/items/").content.decode()
    item = used["published"]
    flag = ContentFlag.objects.get(item=item)
    page = editor.get(f"/content/items/{item.pk}/?back=flags").content.decode()
    assert (
        "Published with a withdrawn asset" in page
        and "&#x27;Beach hero&#x27; was withdrawn" in page
    )
    clear = f"/content/flags/{flag.pk}/clear/"
    audited = AuditEntry.objects.count()
    typed = "<i>swapped</i>" + "x" * 500
    refused = editor.post(clear, {"note": typed, "back": "flags"})
    assert refused.status_code == 422  # the item page, the note as typed, the reason under it
    html = refused.content.decode()
    assert f'id="field-flag-note-{flag.pk}-error"><p>must be at most 500 characters</p>' in html
    assert "&lt;i&gt;swapped&lt;/i&gt;xxx" in html
    assert '<input type="hidden" name="back" value="flags">' in html  # still from the list
    flag.refresh_from_db()
    assert flag.resolved_at is None and AuditEntry.objects.count() == audited
    assert _client(team["legal"]).post(clear, {"note": "fine"}).status_code == 403
    answer = editor.post(clear, {"note": "replaced with the pool photo", "back": "flags"})
    assert answer["Location"] == "/content/flags/"
    flag.refresh_from_db()
    assert (flag.resolved_at, flag.resolved_by, flag.resolution) == (
        NOW,
        team["editor"],
        "replaced with the pool photo",
    )
    assert len(selectors.flags(workspace)) == 2
    listing = editor.get("/content/flags/").content.decode()
    assert "Flag on “published ad” cleared." in listing  # the flash message
    assert "published ad</a>" not in listing and "draft ad</a>" in listing
    cleared = editor.get("/content/flags/?status=cleared").content.decode()
    assert "published ad</a>" in cleared and "draft ad</a>" not in cleared
    assert "replaced with the pool photo" in cleared
    # clearing again keeps the first note
    withdrawal.clear_flag(flag, note="other", actor=team["brand"])
    flag.refresh_from_db()
    assert (flag.resolution, flag.resolved_by) == ("replaced with the pool photo", team["editor"])


def test_a_deadline_is_set_on_the_item_and_shown_with_its_board_task(workspace, team):
    item = actions.create_item(workspace, title="Spring post", kind="blog_post", team="brand")
    editor = _client(team["editor"])
    refused = editor.post(f"/content/items/{item.pk}/due/", {"due_on": "2026-13-01"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="field-due_on-error"><p>must be a date (YYYY-MM-DD)</p>' in html
    item.refresh_from_db()
    assert item.due_on is None
    editor.post(f"/content/items/{item.pk}/due/", {"due_on": "2026-05-20"})
    item.refresh_from_db()
    assert item.due_on == date(2026, 5, 20)
    DeadlineTask.objects.create(
        workspace=workspace,
        key=f"content-{item.pk}-due",
        item=item,
        due_on=item.due_on,
        reference="card:41",
        created_at=NOW,
    )
    page = editor.get(f"/content/items/{item.pk}/").content.decode()
    assert '2026-05-20 <strong class="decision-rejected">overdue</strong>' in page
    assert '<a href="/work/cards/41/">The item&#x27;s deadline</a> · due 2026-05-20' in page
    editor.post(f"/content/items/{item.pk}/due/", {"due_on": ""})
    item.refresh_from_db()
    assert item.due_on is None


def test_the_calendar_shows_deadlines_on_their_day(workspace, team):
    item = actions.create_item(workspace, title="Spring post", kind="blog_post")
    actions.set_due(item, "2026-06-18")
    html = _client(team["editor"]).get("/content/calendar/?day=2026-06-15").content.decode()
    day = html[html.index('data-day="2026-06-18"') :]
    day = day[: day.index("</section>")]
    assert f'href="/content/items/{item.pk}/"' in day and "Due: Spring post" in day
    week = _client(team["editor"]).get("/content/calendar/?view=week&day=2026-06-15")
    assert "Due: Spring post" in week.content.decode()
    assert (
        "Due: Spring post"
        not in _client(team["editor"]).get("/content/calendar/?day=2026-08-15").content.decode()
    )


def test_a_busy_day_of_the_month_shows_four_and_links_the_rest_to_its_day(workspace, team):
    actions.create_item(workspace, title="Due that day", kind="ad", due_on="2026-06-18")
    for n in range(6):
        actions.create_item(
            workspace,
            title=f"Busy {n}",
            kind="social_post",
            scheduled_for=datetime(2026, 6, 18, 8 + n, tzinfo=UTC),
        )
    editor = _client(team["editor"])
    html = editor.get("/content/calendar/?day=2026-06-15&kind=").content.decode()
    day = html[html.index('data-day="2026-06-18"') :]
    day = day[: day.index("</section>")]
    shown = [f"Busy {n}" for n in range(6) if f"Busy {n}<" in day]
    assert shown == ["Busy 0", "Busy 1", "Busy 2"]  # the deadline takes the fourth place
    assert "Due: Due that day" in day
    assert 'href="?kind=&amp;view=day&amp;day=2026-06-18">+3 more' in day
    listing = editor.get("/content/calendar/?view=day&day=2026-06-18").content.decode()
    assert all(f"Busy {n}</a>" in listing for n in range(6))
    assert "Due that day</a>" in listing and "Rows 1–6 of 6" in listing
    week = editor.get("/content/calendar/?view=week&day=2026-06-18").content.decode()
    assert all(f"Busy {n}<" in week for n in range(6)) and "more<" not in week  # 7 of 8


def test_a_busy_day_of_the_week_shows_eight_and_links_the_rest_to_its_day(workspace, team):
    actions.create_item(workspace, title="Due that day", kind="ad", due_on="2026-06-17")
    for n in range(10):
        actions.create_item(
            workspace,
            title=f"Busy {n}",
            kind="social_post",
            scheduled_for=datetime(2026, 6, 17, 8 + n, tzinfo=UTC),
        )
    actions.create_item(
        workspace, title="Quiet", kind="ad", scheduled_for=datetime(2026, 6, 18, 9, tzinfo=UTC)
    )
    editor = _client(team["editor"])
    html = editor.get("/content/calendar/?view=week&day=2026-06-18&team=").content.decode()
    day = html[html.index('data-day="2026-06-17"') :]
    day = day[: day.index("</section>")]
    assert [f"Busy {n}" for n in range(10) if f"Busy {n}<" in day] == [
        f"Busy {n}" for n in range(7)
    ]  # the deadline takes the eighth place
    assert "Due: Due that day" in day
    assert 'href="?team=&amp;view=day&amp;day=2026-06-17">+3 more' in day
    quiet = html[html.index('data-day="2026-06-18"') :]
    assert "Quiet<" in quiet[: quiet.index("</section>")]
    assert html.count("more<span") == 1
    listing = editor.get("/content/calendar/?view=day&day=2026-06-17").content.decode()
    assert all(f"Busy {n}</a>" in listing for n in range(10)) and "Rows 1–10 of 10" in listing
