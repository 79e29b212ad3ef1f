"""Every page in headless Chromium at phone, tablet and desktop widths: no sideways
scrolling, no serious or critical axe-core violations (labels, contrast, names), no script
errors (a Content-Security-Policy violation is one), the navigation reachable by
keyboard, and /api/docs working with nothing fetched from another host.

axe-core runs every rule at 1440 px, and at 390 px only the rules whose answer depends on
the width (a region that scrolls sideways must be reachable by keyboard; WCAG 2.2's
24 × 24 px targets, which a narrow column packs closer together): the pages'
colours, labels and names are the same at every width (pacer.css changes only the
navigation's layout below 1024 px, and the open phone menu gets every rule in
``test_the_menu_opens_by_keyboard_and_every_link_is_reachable_with_tab``). Contrast is
most of axe's time, so this halves the walk. The overflow and script checks run at all
three widths: the tablet's (768 px) on the desktop page, its window narrowed (``_check``).

With ``$PACER_SCREENSHOTS`` set (``make screenshots`` sets it to
``/tmp/pacer-screenshots``), every page is saved at 390 and 1440 px for a person to look
at; the domains' browser tests that use ``_check`` do the same.
"""

import os
import re
from pathlib import Path

import pytest

from pacer.core import actions
from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync
from tests.browser_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each page is loaded at the phone and desktop widths; the tablet width is checked on the
# desktop page by narrowing its window (the same CSS, no script of ours measures the window,
# and Chart.js follows its container), which saves a third of the page loads.
WIDTHS = AXE_WIDTHS = SCREENSHOT_WIDTHS = (390, 1440)
NARROWED = {1440: 768}
# at the phone width, the axe rules a narrower window can change (None: every rule)
AXE_RULES = {390: ["scrollable-region-focusable", "target-size"], 1440: None}
SHOTS = Path(os.environ["PACER_SCREENSHOTS"]) if os.environ.get("PACER_SCREENSHOTS") else None
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PASSWORD = "correct-horse-1"

# (name, path, who): pages a signed-in admin sees, then the others
ADMIN_PAGES = [
    ("dashboard", "/"),
    ("dashboard-filtered", "/?range=mtd&channel=paid_search&start=2026-13-01"),
    ("contacts", "/contacts/"),
    ("contacts-search", "/contacts/?q=nobody-matches&cols=email&cols=revenue"),
    ("contacts-filtered", "/contacts/?location=L1&email=yes&sort=-revenue"),
    ("contact", "/contacts/{contact}/"),
    ("contact-timeline-orders", "/contacts/{contact}/?kind=order"),
    ("attribution", "/analytics/attribution/?range=ytd"),
    ("clv", "/analytics/clv/?holdout_weeks=0"),
    ("attribution-campaigns", "/analytics/attribution/?by=campaign&measure=romi"),
    ("locations", "/analytics/locations/"),
    ("cohorts", "/analytics/cohorts/"),
    ("calculator", "/analytics/experiments/?baseline=0.1&target=0.12"),
    ("experiments", "/experiments/"),
    ("experiment", "/experiments/checkout/"),
    ("keys", "/settings/keys/"),
    ("members", "/settings/members/"),
    ("audit", "/audit/"),
    ("staff-email", "/settings/staff-email/"),
    ("new-workspace", "/workspaces/new/"),
    ("imports", "/imports/"),
    ("leads", "/leads/?view=open"),
    ("lead-queues", "/leads/locations/"),
    ("lead-speed", "/leads/speed/"),
    ("lead-funnel", "/leads/funnel/?by=channel"),
    ("lead-forms", "/leads/forms/"),
    ("lead-routing", "/leads/routing/"),
    ("lead-rule-new", "/leads/routing/rules/new/"),
    ("lead-agent-new", "/leads/routing/agents/new/"),
    ("lead-locating", "/leads/locating/"),
    ("lead-sla", "/leads/sla/"),
    ("messages", "/messages/"),
    ("message-template-new", "/messages/templates/new/"),
    ("message-sender-new", "/messages/senders/new/"),
    ("broadcast-new", "/messages/broadcasts/new/"),
    ("message-settings", "/messages/settings/"),
    ("sms-list", "/messages/sms/"),
    ("sms-new", "/messages/sms/new/"),
    ("segments", "/segments/"),
    ("segment-new", "/segments/new/"),
    ("teams", "/teams/"),
    ("team-scoreboard", "/teams/performance/?month=2026-02"),
    ("plan-report", "/plans/report/?rows=channel&columns=quarter"),
    ("team-edit", "/teams/performance/edit/"),
    ("team-review", "/teams/cx/review/?week=2026-03-02"),
    ("location-scoreboard", "/locations/scoreboard/?start=2026-01-01&end=2026-02-28"),
    ("experience", "/experience/?start=2026-01-01&end=2026-02-28"),
    ("ingestion", "/settings/ingestion/"),
    ("privacy", "/settings/privacy/"),
    ("campaigns", "/campaigns/"),
    ("campaigns-filtered", "/campaigns/?channel=tv2&status=live&q=brand&cols=key&cols=spend"),
    ("campaign-new", "/campaigns/new/"),
    ("link-builder", "/campaigns/links/?landing_url=https://a.test/?x=1&campaign=brand"),
    ("link-refused", "/campaigns/links/?landing_url=ftp://a.test/&campaign=brand&channel=tv"),
    ("spend", "/spend/"),
    ("spend-filtered", "/spend/?range=last_30&channel=paid_search&start=2026-13-01"),
    ("spend-new", "/spend/new/"),
    ("spend-upload", "/spend/upload/"),
    ("content-items", "/content/items/"),
    ("content-calendar", "/content/calendar/?day=2026-03-15"),
    ("content-feeds", "/content/feeds/"),
    ("content-flags", "/content/flags/"),
    ("assets", "/assets/"),
    ("styleguide", "/styleguide/?toast=1"),
    ("not-found", "/no-such-page/"),
]


@pytest.fixture
def site(live_server, workspace, admin, small_business, tracker):
    from pacer.experiments import actions as experiments
    from tests.experiments.test_experiments import START, signed_up, viewed

    sync(after_sync=refresh_cube)
    experiment = experiments.create_experiment(
        workspace,
        key="checkout",
        name="New checkout",
        variants=[{"key": "control", "weight": 1}, {"key": "treatment", "weight": 1}],
        metric="conversion",
        goal_event="Signed Up",
        hypothesis="A one-page checkout converts more visitors.",
    )
    experiments.set_status(experiment, "running", now=START)
    tracker.batch(
        [viewed(f"c{i}", "control", 1) for i in range(30)]
        + [viewed(f"t{i}", "treatment", 1) for i in range(30)]
        + [signed_up(f"c{i}", 2) for i in range(6)]
        + [signed_up(f"t{i}", 2) for i in range(11)]
    )
    actions.create_user(workspace, "sam", PASSWORD, "staff")
    actions.issue_api_key(workspace, "write", "shop")  # the newest key: listed first
    _, token = actions.invite(workspace, "analyst", note="Kim from finance")
    from pacer.people.selectors import contacts

    buyer = contacts(workspace).filter(order_count__gt=0).order_by("-order_count", "id")[0]
    return {
        "url": live_server.url,
        "invitation": f"/invitations/{token}/",
        "contact": buyer.pk,
        "import_pages": _import_runs(workspace) + _segments(workspace),
        **_messaging(workspace, buyer),
        **_planning(workspace),
        **_work(workspace),
    }


def _work(workspace) -> dict:
    """The demo's boards, a card, its board's flow, sprints, stand-up and who works on what."""
    from pacer.core import clock
    from pacer.demo.work import load_work
    from pacer.work.selectors import board, cards, current_sprint

    now = clock.now()
    load_work(workspace, now=now)
    brand = board(workspace, "brand-board")
    card = cards(brand).exclude(blocked_reason="").first()
    sprint = current_sprint(brand, now.date())
    label = brand.labels.order_by("name").first()
    return {
        "work": [
            ("work-boards", "/work/boards/"),
            ("work-board", "/work/boards/brand-board/"),
            ("work-board-settings", "/work/boards/brand-board/settings/"),
            ("work-board-labelled", f"/work/boards/brand-board/?label={label.pk}"),
            ("work-labels", "/work/boards/brand-board/labels/"),
            ("work-flow-labelled", f"/work/boards/brand-board/flow/?label={label.pk}"),
            ("work-card", f"/work/cards/{card.pk}/"),
            ("work-flow", "/work/boards/brand-board/flow/"),
            ("work-sprints", "/work/boards/brand-board/sprints/"),
            ("work-sprint", f"/work/sprints/{sprint.pk}/"),
            ("work-standup", "/work/boards/brand-board/standup/"),
            ("work-who", "/work/who/"),
        ]
    }


def _messaging(workspace, buyer) -> dict:
    """A template, a sender and a broadcast queued to one contact (who has no consent,
    so it shows a skip reason), and the unsubscribe page a recipient sees."""
    from pacer.messaging import actions as messaging

    buyer.rfm_code, buyer.rfm_segment = "354", "Potential loyalists"
    buyer.save(update_fields=["rfm_code", "rfm_segment"])
    template = messaging.save_template(
        workspace,
        name="Spring",
        subject="Spring, {{ contact.first_name }}",
        html="<p>Hello {{ contact.first_name|default:'there' }}</p>",
    )
    sender = messaging.save_sender(workspace, name="Acme", from_email="news@acme.test")
    from pacer.messaging import rules

    news = rules.save_topic(workspace, name="News", description="What is new, monthly")
    rules.save_topic(workspace, name="Offers")
    broadcast = messaging.create_broadcast(
        workspace,
        name="Spring sale",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"contacts": [buyer.pk]},
        topic_id=news.pk,
    )
    messaging.queue_broadcast(workspace, broadcast.pk)
    message = broadcast.messages.get()
    from pacer.messaging import sms_broadcasts

    texts = sms_broadcasts.create_sms_broadcast(
        workspace, name="Spring texts", text="Hi {{ contact.first_name }}", audience={"all": True}
    )
    sms_broadcasts.queue_sms_broadcast(workspace, texts.pk)
    return {
        "messaging": [
            ("message-template", f"/messages/templates/{template.pk}/"),
            ("broadcast", f"/messages/broadcasts/{broadcast.pk}/"),
            ("sms", f"/messages/sms/{texts.pk}/"),
        ],
        "unsubscribe": f"/m/u/{messaging.unsubscribe_token(message)}/",
        "preferences": f"/m/p/{messaging.unsubscribe_token(message)}/",
    }


def _segments(workspace) -> list[tuple[str, str]]:
    """A nested dynamic segment (its members, its builder) and a static list."""
    from pacer.segments.actions import create_segment

    nested = create_segment(
        workspace,
        name="Engaged buyers",
        description="Bought twice, or viewed a lot lately",
        definition={
            "type": "group",
            "op": "or",
            "children": [
                {"type": "orders", "measure": "count", "op": "gte", "value": 2},
                {
                    "type": "group",
                    "negate": True,
                    "children": [
                        {"type": "event", "event": "Order Completed", "within_days": 30},
                        {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "lead"},
                    ],
                },
            ],
        },
    )
    static = create_segment(workspace, name="VIP list", kind="static")
    return [
        ("segment", f"/segments/{nested.pk}/"),
        ("segment-edit", f"/segments/{nested.pk}/edit/"),
        ("segment-static", f"/segments/{static.pk}/"),
    ]


def _import_runs(workspace) -> list[tuple[str, str]]:
    """An import waiting for its mapping, and one refused with rejected rows."""
    from pacer.ingest import import_runs

    waiting = import_runs.upload(
        workspace, "contacts", "people.csv", b"E-mail,Name,Tier\nann@x.com,Ann,gold\nbad,Bo,\n"
    )
    refused = import_runs.upload(workspace, "contacts", "bad.csv", b"email\nnope\nb@x.com\n")
    import_runs.start(refused)
    import_runs.execute(refused.pk)
    return [
        ("import-mapping", f"/imports/{waiting.pk}/mapping/"),
        ("import-preview", f"/imports/{waiting.pk}/preview/"),
        ("import-refused", f"/imports/{refused.pk}/"),
    ]


def _planning(workspace) -> dict:
    """Pages of one campaign, one spend line and two uploads (one with rejected rows)."""
    from pacer.planning.models import Campaign, SpendEntry
    from pacer.planning.uploads import start_upload

    campaign = Campaign.objects.get(workspace=workspace, key="brand")
    campaign.landing_url = "https://shop.example/brand?ref=nav"
    campaign.save()
    good = start_upload(workspace, "march.csv", b"date,channel,amount\n2026-03-02,tv,800\n")
    bad = start_upload(
        workspace, "bad.csv", b"date,channel,amount\n2026-13-02,tv,800\n2026-03-02,x,1\n"
    )
    line = SpendEntry.objects.filter(workspace=workspace).first()
    return {
        "planning": [
            ("campaign", f"/campaigns/{campaign.pk}/"),
            ("campaign-edit", f"/campaigns/{campaign.pk}/edit/"),
            ("spend-edit", f"/spend/{line.pk}/edit/"),
            ("upload-preview", f"/spend/upload/{good.pk}/"),
            ("upload-rejected", f"/spend/upload/{bad.pk}/"),
            # the plan pages: tests/planning/test_plan_browser.py walks them at every width
        ]
    }


def _context(browser, width: int, user: str | None, url: str):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error"
            and "the server responded with a status of 4" not in message.text
            else None
        ),
    )
    if user:
        sign_in(page, url, user)
    return context, page, problems


def _axe(page, rules: list[str] | None = None) -> list:
    """Serious and critical violations of ``rules`` (every rule when None), with where
    they are."""
    page.evaluate(AXE)
    return page.evaluate(
        """async (rules) => {
            const options = {resultTypes: ["violations"]};
            if (rules) options.runOnly = {type: "rule", values: rules};
            const result = await axe.run(document, options);
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": "
                     + v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(" | "));
        }""",
        rules,
    )


def _check(page, name: str, width: int, problems: list) -> list[str]:
    # loaded, and no HTMX request in flight (the page's own lazy parts have arrived);
    # "networkidle" would wait a further half second on every page
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    found = [f"{name}@{width}: {p}" for p in problems]
    problems.clear()
    found += _overflow(page, name, width)
    if width in AXE_WIDTHS:
        found += [f"{name}@{width}: axe {v}" for v in _axe(page, AXE_RULES[width])]
    if SHOTS and width in SCREENSHOT_WIDTHS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    if width in NARROWED:
        height = page.viewport_size["height"]
        page.set_viewport_size({"width": NARROWED[width], "height": height})
        # two frames: the resize observers (Chart.js) have redrawn
        frames = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        page.evaluate(frames)
        found += _overflow(page, name, NARROWED[width])
        found += [f"{name}@{NARROWED[width]}: {p}" for p in problems]
        problems.clear()
        page.set_viewport_size({"width": width, "height": height})
    return found


def _overflow(page, name: str, width: int) -> list[str]:
    wide, window = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    return [f"{name}@{width}: page is {wide} px wide in a {window} px window"] * (wide > window)


def test_every_page_fits_every_width_and_passes_axe(browser, site):
    url, found = site["url"], []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "ada", url)
        pages = ADMIN_PAGES + site["import_pages"] + site["planning"] + site["messaging"]
        pages += site["work"]
        for name, path in pages:
            page.goto(url + path.format(contact=site["contact"]))
            found += _check(page, name, width, problems)
        # a refused campaign form shows its errors next to the fields
        page.goto(f"{url}/campaigns/new/")
        page.fill("#field-landing_url", "ftp://x")
        page.click("#campaign-form button[type=submit]")
        page.wait_for_selector("#field-key-error")
        found += _check(page, "campaign-refused", width, problems)
        # the calculator's results, after a post
        page.goto(f"{url}/analytics/experiments/")
        page.click("#arms-form button[type=submit]")
        page.wait_for_selector("#results")
        found += _check(page, "calculator-results", width, problems)
        # a refused form shows its errors next to the fields
        page.goto(f"{url}/experiments/")
        page.fill("#field-key", "Not A Key")
        page.fill("#field-name", "x")
        page.click("#new-experiment button[type=submit]")
        page.wait_for_selector("#field-key-error")
        found += _check(page, "experiment-refused", width, problems)
        context.close()
        context, page, problems = _context(browser, width, "sam", url)
        page.goto(f"{url}/settings/keys/")
        found += _check(page, "forbidden", width, problems)
        context.close()
        context, page, problems = _context(browser, width, None, url)
        for name, path in (
            ("login", "/login/"),
            ("invitation", site["invitation"]),
            ("unsubscribe", site["unsubscribe"]),
            ("preferences", site["preferences"]),
        ):
            page.goto(url + path)
            found += _check(page, name, width, problems)
        context.close()
    assert found == [], "\n".join(found)


def test_the_menu_opens_by_keyboard_and_every_link_is_reachable_with_tab(
    browser, live_server, admin
):
    url = live_server.url
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/contacts/")
        links = page.eval_on_selector_all(".nav a", "links => links.map(a => a.pathname)")
        assert {"/", "/contacts/", "/settings/keys/", "/settings/members/", "/audit/"} <= set(links)
        assert not page.is_visible("nav.nav") if width == 390 else page.is_visible("nav.nav")
        page.keyboard.press("Tab")  # the skip link first
        assert page.evaluate("document.activeElement.className") == "skip-link"
        if width == 390:
            while page.evaluate("document.activeElement.className") != "menu-toggle":
                page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
            assert page.is_visible("nav.nav")
            assert _axe(page) == []  # the open menu is readable (no white on white)
        reached = set()
        # each link, the controls before them and the folded sections' headings
        for _ in range(len(links) + 20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('details:not([open]) > summary')"):
                page.keyboard.press("Enter")  # a folded section opens by keyboard
            reached.add(page.evaluate("document.activeElement.pathname || ''"))
        assert set(links) <= reached, set(links) - reached
        assert (
            page.evaluate("document.querySelector('.nav a[aria-current=page]').pathname")
            == "/contacts/"
        )
        if width == 390:
            page.keyboard.press("Escape")
            assert page.get_attribute(".menu-toggle", "aria-expanded") == "false"
            assert not page.is_visible("nav.nav")
        assert problems == []
        context.close()


def test_the_sidebar_shows_every_section_and_the_current_page_without_scrolling(
    browser, live_server, admin
):
    """At 1440 × 900 the sidebar used to list every link of every section (about 40),
    so on /vendors/ the page's own link and the Work, Settings and user links sat below
    the fold of the sidebar. Sections now fold, the one holding the page open."""
    url = live_server.url
    context, page, problems = _context(browser, 1440, "ada", url)
    page.goto(f"{url}/vendors/")
    bottom = page.evaluate("window.innerHeight")
    headings = page.eval_on_selector_all(
        ".nav-heading",
        "hs => hs.map(h => [h.textContent.trim(), h.getBoundingClientRect().bottom])",
    )
    assert [text for text, _ in headings] == [
        "Measure",
        "Engage",
        "Plan & spend",
        "Teams",
        "Work & content",
        "Settings",
    ]
    assert all(0 < low <= bottom for _, low in headings), headings
    current = page.locator(".nav a[aria-current=page]")
    assert current.inner_text() == "Vendors"
    assert 0 < current.bounding_box()["y"] + current.bounding_box()["height"] <= bottom
    # the page's section is open, the others folded; a click opens one
    assert page.is_visible(".nav a[href='/campaigns/']")
    assert not page.is_visible(".nav a[href='/settings/members/']")
    page.click("summary#nav-settings")
    assert page.is_visible(".nav a[href='/settings/members/']")
    assert problems == []
    context.close()


def test_api_docs_work_without_the_internet_and_fit_a_phone(browser, live_server):
    url = live_server.url
    page = browser.new_page(viewport={"width": 390, "height": 900})
    elsewhere = []

    def only_here(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
    assert re.match(r"Pacer API", page.inner_text(".swagger-ui .info .title"))
    page.wait_for_selector(".opblock-tag", timeout=60_000)
    assert page.locator(".opblock").count() >= 20  # the operations are listed
    assert elsewhere == [] and errors == []
    # at 390 px every control is big enough to tap (Swagger UI's own CSS fails
    # target-size; pacer/web/static/web/api-docs.css overrides it), with a section open
    page.click(".opblock-tag")
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    assert _axe(page, AXE_RULES[390]) == []
    overflow = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"page is {overflow[0]} px wide in {overflow[1]} px"


def test_a_destructive_action_asks_first_in_a_dialog(browser, live_server, workspace, admin):
    from pacer.core.models import ApiKey

    actions.issue_api_key(workspace, "write", "shop")
    url = live_server.url
    context, page, problems = _context(browser, 1440, "ada", url)
    page.goto(f"{url}/settings/keys/")
    page.click("#keys button.danger")
    assert page.is_visible("#confirm-dialog")
    assert "shop" in page.inner_text("#confirm-text")
    page.click("#confirm-dialog button[value=cancel]")
    assert not page.is_visible("#confirm-dialog")
    assert ApiKey.objects.get(name="shop").revoked_at is None  # cancelled: nothing done
    page.click("#keys button.danger")
    with page.expect_navigation():
        page.click("#confirm-ok")
    assert "revoked" in page.inner_text(".toasts")
    assert ApiKey.objects.get(name="shop").revoked_at is not None
    assert problems == []
    context.close()
