"""Pages as a whole: styled error pages, the style guide, the API docs from this site, no
inline script anywhere, the contacts table and its export, the calculator's form."""

import re
from datetime import date

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from pacer.core import actions
from pacer.people.models import Contact
from pacer.web.errors import too_many_requests

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = [
    "/",
    "/contacts/",
    "/analytics/attribution/",
    "/analytics/clv/",
    "/analytics/experiments/",
    "/experiments/",
    "/settings/keys/",
    "/settings/members/",
    "/audit/",
    "/workspaces/new/",
    "/styleguide/",
    "/no-such-page/",
]


def test_no_page_carries_inline_script_or_handlers(client, admin):
    client.force_login(admin)
    for path in SIGNED_IN_PAGES:
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path
        assert "https://" not in re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.S), path


def test_error_pages_are_styled_and_say_what_to_do(client, workspace, admin):
    anonymous = client.get("/no-such-page/")
    assert anonymous.status_code == 404
    html = anonymous.content.decode()
    assert "web/pacer.css" in html and "There is nothing here" in html
    assert "<code>/no-such-page/</code>" in html and 'class="sidebar"' not in html
    client.force_login(admin)
    signed_in = client.get("/no-such-page/").content.decode()
    assert 'class="sidebar"' in signed_in and ">Dashboard</a>" in signed_in
    missing = client.get("/experiments/nope/")
    assert missing.status_code == 404 and "no such experiment" in missing.content.decode()
    sam = actions.create_user(workspace, "sam", "long-password", "staff")
    client.force_login(sam)
    forbidden = client.get("/settings/keys/")
    assert forbidden.status_code == 403
    assert "Your role does not allow this (keys.manage)." in forbidden.content.decode()
    assert "web/pacer.css" in forbidden.content.decode()


def test_the_500_page_needs_nothing_from_the_request():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and "Something went wrong on our side" in html
    assert "web/pacer.css" in html and 'class="sidebar"' not in html


def test_too_many_requests_says_when_to_come_back(admin):
    request = RequestFactory().get("/contacts/")
    request.user = admin
    response = too_many_requests(request, 30, "Too many exports at once.")
    assert response.status_code == 429 and response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Too many exports at once. Try again in 30 seconds." in html


def test_the_style_guide_shows_every_component_to_every_signed_in_user(client, workspace):
    assert client.get("/styleguide/")["Location"].startswith("/login/")
    for role in ("admin", "marketer", "analyst", "staff"):
        user = actions.create_user(workspace, f"u-{role}", "long-password", role)
        client.force_login(user)
        html = client.get("/styleguide/?t-sort=campaign&t-per_page=10&t-page=3").content.decode()
        for section in (
            "page-header",
            "kpi-cards",
            "data-table",
            "filter-bar",
            "empty-states",
            "form-fields",
            "toasts-and-alerts",
            "modals",
            "charts",
            "numbers",
            "error-pages",
        ):
            assert f'id="{section}"' in html, (role, section)
        assert "Rows 21–23 of 23" in html and "Page 3 of 3" in html


def test_api_docs_load_swagger_from_this_site(client):
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/ninja/") for src in scripts)
    assert "cdn" not in html.lower()
    assert b"".join(client.get(scripts[0]).streaming_content).startswith(b"/*!")


def test_contacts_table_pages_sorts_chooses_columns_and_exports_the_same(client, workspace, admin):
    for index in range(30):
        Contact.objects.create(
            workspace=workspace, email=f"c{index:02d}@x.test", revenue=index, order_count=index % 3
        )
    client.force_login(admin)
    html = client.get(
        "/contacts/?sort=-revenue&cols=email&cols=revenue&per_page=10"
    ).content.decode()
    assert "Rows 1–10 of 30" in html
    emails = re.findall(r">(c\d\d@x\.test)</a></td>", html)  # each email links its contact
    assert emails == [f"c{i:02d}@x.test" for i in range(29, 19, -1)]
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
    assert 'aria-sort="descending"' in html and not any("Location" in h for h in headers)
    assert 'href="/contacts/export.csv?sort=-revenue&amp;cols=email%2Crevenue"' in html
    following = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', html)[1].replace("&amp;", "&")
    second = client.get("/contacts/" + following).content.decode()
    assert "Rows 11–20 of 30" in second
    assert re.findall(r">(c\d\d@x\.test)</a></td>", second)[0] == "c19@x.test"
    csv = b"".join(
        client.get("/contacts/export.csv?sort=-revenue&cols=email,revenue").streaming_content
    ).decode()
    lines = csv.splitlines()
    assert lines[0] == "email,revenue" and len(lines) == 31
    assert lines[1] == "c29@x.test,29.00" and lines[-1] == "c00@x.test,0.00"
    searched = client.get("/contacts/?q=c07").content.decode()
    assert "Rows 1–1 of 1" in searched and 'value="c07"' in searched
    nothing = client.get("/contacts/?q=nobody").content.decode()
    assert "No contacts match these filters." in nothing
    staff = actions.create_user(workspace, "sam", "long-password", "staff")
    client.force_login(staff)
    assert "export.csv" not in client.get("/contacts/").content.decode()
    assert client.get("/contacts/export.csv").status_code == 403


def test_the_calculator_shows_its_example_and_keeps_what_was_typed(client, admin):
    client.force_login(admin)
    html = client.get("/analytics/experiments/").content.decode()
    assert "{{" not in html and "{%" not in html
    assert ">\ncontrol, 10000, 1000\nnew checkout, 10000, 1100</textarea>" in html
    typed = "a, 500, 50\nb, 500, x"
    refused = client.post("/analytics/experiments/", {"arms": typed}).content.decode()
    assert ">\na, 500, 50\nb, 500, x</textarea>" in refused
    assert 'id="arms-arms-error"><p>line 2: n and sums must be numbers</p>' in refused
    design = client.get("/analytics/experiments/?baseline=0.1&target=abc").content.decode()
    assert 'id="design-target-error"><p>must be a number</p>' in design
    assert 'value="abc"' in design
    same = client.get("/analytics/experiments/?baseline=0.1&target=0.1").content.decode()
    assert 'id="design-target-error"><p>must differ from p1' in same


def test_the_clv_forms_keep_their_dates_when_one_field_is_refused(client, admin):
    client.force_login(admin)
    html = client.get("/analytics/clv/?holdout_weeks=0").content.decode()
    assert 'id="holdout-holdout_weeks-error"><p>must be between 1 and 104</p>' in html
    today = date.today().isoformat()  # no data yet: the forms start at today
    assert f'id="holdout-as_of" name="as_of" type="date" value="{today}"' in html
    assert f'id="fit-as_of" name="as_of" type="date" value="{today}"' in html


def test_a_refused_form_shows_each_reason_under_its_field(client, admin):
    client.force_login(admin)
    response = client.post(
        "/experiments/", {"key": "Bad Key", "name": "", "variants": "a", "metric": "conversion"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'id="field-key"[^>]*aria-invalid="true"', html)
    assert 'value="Bad Key"' in html  # what was typed stays
    assert 'href="#field-key">Key: use 1-100 lowercase' in html


def _nav_sections(html: str) -> list[tuple[str, list[str]]]:
    """(heading, link labels) of each section of the main navigation, in order."""
    nav = re.search(r'<nav aria-label="Main" class="nav">(.*?)</nav>', html, re.S).group(1)
    sections, heading = [], ""
    for part in re.findall(r'<summary class="nav-heading"[^>]*>[^<]*|<ul.*?</ul>', nav, re.S):
        if part.startswith("<summary"):
            heading = re.sub(r"<[^>]+>", "", part).strip()
        else:
            sections.append((heading, re.findall(r">([^<]+)</a>", part)))
            heading = ""
    return sections


def test_the_navigation_comes_in_headed_sections_of_what_the_role_may_use(client, workspace, admin):
    client.force_login(admin)
    sections = dict(_nav_sections(client.get("/").content.decode()))
    assert list(sections)[0] == "" and list(sections)[-1] == "Settings"
    assert sections["Engage"] == ["Segments", "Messages"]
    assert sections["Plan &amp; spend"][:8] == [
        "Plans",
        "Timeline",
        "Budgets",
        "Results",
        "Planned vs actual",
        "Monthly close",
        "Campaigns",
        "Spend",
    ]
    assert sections["Work &amp; content"][:2] == ["Boards", "Who works on what"]
    assert sections[""] == ["Dashboard", "Leads", "Contacts", "Import"]
    assert sections["Measure"] == ["Attribution", "CLV", "Locations", "Cohorts", "Experiments"]
    assert sections["Teams"] == ["Teams", "Location scoreboard", "Experience"]
    assert "Members" in sections["Settings"]
    staff = actions.create_user(workspace, "sid", "long-password", "staff")
    client.force_login(staff)
    headings = [h for h, _ in _nav_sections(client.get("/leads/").content.decode())]
    assert "Settings" not in headings  # nothing there a staff member may use


def _open_sections(html: str) -> list[str]:
    return re.findall(r'<details class="nav-group" open>\s*<summary[^>]*>([^<]*)', html)


def test_only_the_section_holding_the_page_is_unfolded(client, workspace, admin):
    client.force_login(admin)
    assert _open_sections(client.get("/").content.decode()) == []
    assert _open_sections(client.get("/vendors/").content.decode()) == ["Plan &amp; spend"]
    assert _open_sections(client.get("/plans/results/").content.decode()) == ["Plan &amp; spend"]
    assert _open_sections(client.get("/settings/members/").content.decode()) == ["Settings"]


def test_a_navigation_item_in_an_unknown_section_stops_the_start_up():
    from pacer.core.domains import NavItem

    with pytest.raises(ValueError, match="group 'plans' is not one of"):
        NavItem("Plans", "planning:plans", "planning.view", group="plans")
    assert NavItem("Plans", "planning:plans", "planning.view", group="plan").group == "plan"


def test_only_the_deepest_matching_link_is_marked_as_the_current_page(client, admin):
    client.force_login(admin)
    html = client.get("/plans/results/").content.decode()
    assert re.findall(r'href="([^"]+)" aria-current="page"', html) == ["/plans/results/"]
    html = client.get("/plans/").content.decode()
    assert re.findall(r'href="([^"]+)" aria-current="page"', html) == ["/plans/"]
