"""A static list's CSV upload in a real Chromium at 390 and 1440 px: the file is chosen and
uploaded, the added count and each row not added (line and reason) are shown; a file
that cannot be read comes back refused at its field (422); the page does not scroll
sideways. Screenshots in PACER_SCREENSHOTS."""

import pytest

from pacer.people.models import Contact
from pacer.segments import actions
from pacer.segments.models import Membership
from tests.browser_pages import SHOTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_upload_page_adds_members_and_lists_bad_rows_at_both_widths(
    browser, live_server, workspace, admin, tmp_path
):
    Contact.objects.create(workspace=workspace, email="p0@x.io", first_name="P0")
    segment = actions.create_segment(workspace, name="VIP", kind="static")
    file = tmp_path / "vip.csv"
    file.write_text("email\np0@x.io\nzed-with-a-rather-long-address@example.org\n\n,\n")
    headless = tmp_path / "names.csv"
    headless.write_text("name\nZed\n")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 390):
        context, page = signed_in(browser, live_server.url, width, wait=90_000)
        page.goto(f"{live_server.url}/segments/{segment.pk}/")
        page.set_input_files("input[name=file]", str(file))
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
        page.wait_for_selector("text=Line 3: no contact with email")
        text = page.inner_text("body")
        assert "Added 1 contacts" in text or "Added 0 contacts (1 were already members)" in text
        assert "Line 5: no email or external_id" in text
        overflow = page.evaluate(
            "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
        assert overflow <= 0, f"scrolls sideways by {overflow}px at {width}"
        page.screenshot(path=str(SHOTS / f"static-list-upload-{width}.png"), full_page=True)
        # a file without an email or external_id column is refused at the field (422)
        with page.expect_navigation() as refused:
            page.set_input_files("input[name=file]", str(headless))
            page.click("form[enctype='multipart/form-data'] button[type=submit]")
        assert refused.value.status == 422
        assert "needs a header with a column" in page.inner_text("#field-file-error")
        assert page.get_attribute("#field-file", "aria-invalid") == "true"
        overflow = page.evaluate(
            "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
        assert overflow <= 0, f"the refused form scrolls sideways by {overflow}px at {width}"
        page.screenshot(path=str(SHOTS / f"static-list-refused-{width}.png"), full_page=True)
        context.close()
    assert list(Membership.objects.values_list("contact__email", flat=True)) == ["p0@x.io"]
