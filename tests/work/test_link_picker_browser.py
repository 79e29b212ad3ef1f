"""The link picker in Chromium, by keyboard alone, at 390 and 1440 px: choose the kind,
type a few letters, the matches come as one types (HTMX), arrow to one and press Enter;
the link shows the campaign's name, linked to its page. No sideways scroll (screenshots
in ``$PACER_SCREENSHOTS``)."""

import pytest

from pacer.core import actions as core
from pacer.planning.actions import create_campaign
from pacer.work import actions
from pacer.work.models import CardLink
from tests.browser_pages import looked_at, signed_in
from tests.work.conftest import NOW


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_campaign_is_linked_by_keyboard_from_its_name(browser, live_server, workspace, board):
    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    create_campaign(workspace, "spring-clear", "email", name="Spring clearance")
    other = core.create_workspace("Other", slug="other")
    create_campaign(other, "their-spring", "email", name="Spring elsewhere")
    for width in (390, 1440):
        card = actions.create_card(board, title=f"launch {width}", now=NOW)
        context, page = signed_in(browser, live_server.url, width)
        page.goto(f"{live_server.url}/work/cards/{card.pk}/")
        page.focus("#field-kind")
        page.select_option("#field-kind", "campaign")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "field-target_id"
        page.keyboard.type("spri")
        page.wait_for_selector("#link-choices input[name=pick]")
        labels = page.locator("#link-choices label").all_inner_texts()
        assert [text.strip() for text in labels] == [
            "Spring clearance (spring-clear)",
            "Spring sale (spring)",
        ]
        page.keyboard.press("Tab")  # into the matches: the first
        page.keyboard.press("ArrowDown")  # the second, Spring sale
        assert page.is_checked(f"#link-choices input[value='{spring.pk}']")
        looked_at(page, f"work-link-picker-{width}")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#card-links a[href='/campaigns/{spring.pk}/']")
        assert page.inner_text(f"#card-links a[href='/campaigns/{spring.pk}/']") == "Spring sale"
        looked_at(page, f"work-link-made-{width}")
        context.close()
        assert list(card.links.values_list("kind", "target_id")) == [("campaign", str(spring.pk))]
    assert CardLink.objects.count() == 2
