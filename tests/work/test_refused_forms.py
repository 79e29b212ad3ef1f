"""Refused forms of the board, sprint and mentions pages (issue 11's rule): the same page
again (422) with the reason where it belongs and what was chosen or typed kept, nothing
written. A card's move form without the script (a WIP limit too), planning a card into a
sprint and marking mentions read used to redirect with a toast."""

import pytest

from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.work import actions, sprints
from pacer.work.models import Card, CardEvent, Notification
from tests.browser_pages import signed_in
from tests.web.test_layout import SHOTS
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _written():
    return (
        sorted(Card.objects.values_list("pk", "column_id", "sprint_id")),
        CardEvent.objects.count(),
        sorted(Notification.objects.values_list("pk", "read_at")),
        AuditEntry.objects.count(),
    )


def test_a_refused_move_opens_the_cards_form_with_the_reason_and_the_choice_kept(ada, board):
    doing = column(board, "Doing")
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=doing.pk, now=NOW)
    card = actions.create_card(board, title="Spring <b>brief</b>", now=NOW)
    before = _written()
    response = ada.post(f"/work/cards/{card.pk}/move/", {"column": doing.pk})
    assert response.status_code == 422
    page = response.content.decode()
    prefix = f"move-{card.pk}-"
    assert '<details class="work-move" open><summary>Move</summary>' in page
    assert f'<div class="field-error" id="{prefix}column-error"><p>' in page
    assert "its WIP limit is 2" in page
    assert f'<option value="{doing.pk}" selected>Doing</option>' in page
    assert "&#x27;Spring &lt;b&gt;brief&lt;/b&gt;&#x27; was not moved" in page  # the summary
    assert f'<a href="#{prefix}column">Column: ' in page
    assert f'id="{prefix}override_reason-error"><p>Give a reason to go over the limit' in page
    typed = {"column": str(doing.pk), "override_reason": "<i>x</i>" * 50}
    response = ada.post(f"/work/cards/{card.pk}/move/", typed)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="{prefix}override_reason-error"><p>must be at most 300 characters' in page
    assert 'value="&lt;i&gt;x&lt;/i&gt;&lt;i&gt;' in page
    assert _written() == before


def test_a_refused_sprint_plan_says_why_in_the_cards_row(ada, board):
    sprint = sprints.create_sprint(
        board, name="S1", start="2026-03-02", weeks="1", capacity="3", goal=""
    )
    unestimated = actions.create_card(board, title="No points", now=NOW)
    big = actions.create_card(board, title="Big", estimate=5, now=NOW)
    before = _written()
    response = ada.post(f"/work/sprints/{sprint.pk}/", {"card": unestimated.pk, "into": "sprint"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "&#x27;No points&#x27; was not planned" in page
    reason = "estimate the card before planning it"
    assert f'<a href="#plan-{unestimated.pk}-estimate">Estimate: {reason}</a>' in page
    assert f'<p class="field-error" id="plan-{unestimated.pk}-estimate">{reason}</p>' in page
    response = ada.post(f"/work/sprints/{sprint.pk}/", {"card": big.pk, "into": "sprint"})
    assert response.status_code == 422
    assert "this card&#x27;s 5 would go over its capacity" in response.content.decode()
    assert _written() == before


def test_refused_mark_read_shows_the_mentions_page_with_the_reason(ada, board):
    before = _written()
    response = ada.post("/work/mentions/read/", {"ids": ["x"]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Ids: must be notification ids" in page and 'id="mentions-table"' in page
    assert _written() == before


def _fits(page, name: str, width: int) -> list[str]:
    """No sideways scroll, and a screenshot with ``$PACER_SCREENSHOTS`` (axe-core needs
    the script these pages are about to be without)."""
    wide = page.evaluate("() => document.scrollingElement.scrollWidth")
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    return [f"{name}@{width}: page is {wide} px wide"] if wide > width else []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refused_work_forms_in_the_browser_show_the_reason_by_the_card(browser, live_server, board):
    """At 390 and 1440 px without the script (no sideways scroll, screenshots): a card
    moved into a full column comes back with its form open, the limit under the column and
    the column chosen kept; an unestimated card added to a sprint says why in its row."""
    doing = column(board, "Doing")
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=doing.pk, now=NOW)
    card = actions.create_card(board, title="Spring brief ✏️", now=NOW)
    sprint = sprints.create_sprint(
        board, name="S1", start="2026-03-02", weeks="1", capacity="3", goal=""
    )
    url, found, before = live_server.url, [], _written()
    for width in (390, 1440):
        context, page = signed_in(browser, url, width, javascript=False)
        page.goto(f"{url}/work/boards/brand-board/")
        page.click(f"#card-{card.pk} .work-move summary")
        page.select_option(f"#move-{card.pk}-column", str(doing.pk))
        page.click(f"#card-{card.pk} .work-move button[type=submit]")
        page.wait_for_selector(f"#move-{card.pk}-column-error")
        assert "its WIP limit is 2" in page.inner_text(f"#move-{card.pk}-column-error")
        assert page.is_visible(f"#move-{card.pk}-column-error")
        assert page.input_value(f"#move-{card.pk}-column") == str(doing.pk)
        found += _fits(page, "refused-card-move", width)
        page.goto(f"{url}/work/sprints/{sprint.pk}/")
        page.click("#backlog tr:has-text('Spring brief') button[type=submit]")
        page.wait_for_selector(f"#plan-{card.pk}-estimate")
        found += _fits(page, "refused-sprint-plan", width)
        context.close()
    assert found == [], "\n".join(found)
    assert _written() == before
