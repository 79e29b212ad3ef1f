"""The demo's content: a quarter of calendar around the simulated business's last day,
with seasonal themes, items in every editorial state (moved there through the workflow,
approvals included) and assets whose rights end during the period (the expiry loop runs
once, so some are withdrawn and some alerted); a partner agency with both collections
shared on its portal (some of their assets' rights end during the period) and an
expiring share link made for it."""

import io
from datetime import UTC, date, datetime, time, timedelta

from PIL import Image

from pacer.content import actions, assets, partners, selectors, withdrawal
from pacer.core.models import Workspace
from pacer.core.selectors import members

KINDS = ("blog_post", "email", "social_post", "landing_page", "ad", "video", "print")
CHANNELS = {
    "blog_post": "organic_search",
    "email": "email",
    "social_post": "organic_social",
    "landing_page": "paid_search",
    "ad": "paid_social",
    "video": "video",
    "print": "print",
}
TEAMS = ("brand", "content", "performance")
# the path through the default workflow to each state
PATHS = {
    "idea": [],
    "draft": ["draft"],
    "in_review": ["draft", "in_review"],
    "approved": ["draft", "in_review", "*approve"],
    "scheduled": ["draft", "in_review", "*approve", "scheduled"],
    "published": ["draft", "in_review", "*approve", "published"],
    "archived": ["draft", "archived"],
}
COLOURS = ((214, 69, 65), (52, 120, 198), (242, 176, 53), (46, 160, 90))
# six titles per kind, as the team would name each piece (the n-th item of a kind
# takes the n-th)
TITLES = {
    "blog_post": (
        "How to choose the right service plan",
        "Five signs it is time to book",
        "What the premium service includes",
        "Meet the team in Chicago",
        "Answers to our top ten questions",
        "Getting the most from your care plan",
    ),
    "email": (
        "Welcome to the family",
        "Your member offer is inside",
        "Bring a friend, both save",
        "We miss you: 20% off your next visit",
        "Your care plan renews soon",
        "Thank you for a great year",
    ),
    "social_post": (
        "Before and after: deluxe package",
        "Behind the scenes in Boston",
        "Customer of the month",
        "Three tips from our technicians",
        "Gift cards are back",
        "Vote for our next service",
    ),
    "landing_page": (
        "Book your first visit",
        "Deluxe package",
        "Care plan sign-up",
        "Refer a friend",
        "Gift cards",
        "New location: Denver",
    ),
    "ad": (
        "First visit offer, search",
        "Care plan, social",
        "Loyalty month, social",
        "Gift card, display",
        "Refer a friend, social",
        "Premium service, search",
    ),
    "video": (
        "Booking in 30 seconds",
        "A day at the Boston location",
        "What happens at your first visit",
        "Customer story: five years a member",
        "Meet our technicians",
        "The deluxe package in one minute",
    ),
    "print": (
        "Store window poster",
        "Refer-a-friend flyer",
        "Care plan brochure",
        "Local paper ad",
        "Loyalty card",
        "Direct mail postcard",
    ),
}
ASSETS = (
    "Storefront at dusk",
    "Team photo, Austin",
    "Deluxe package hero",
    "Gift card product shot",
    "Technician at work",
    "Happy customer portrait",
    "Logo on white",
    "Van in front of the Denver location",
)
# collections of those assets (by index), as a team gathers them to share
COLLECTIONS = {"Brand kit": (4, 6, 7), "Social images": (2, 3, 5)}
# a partner agency that prints and lists for the franchise locations, with a login
PARTNER = {
    "name": "Bright Signs agency",
    "key": "bright-signs",
    "territory": "US",
    "channels": ["print", "local_partner", "paid_social"],
    "contacts": [{"name": "Robin Ortiz", "email": "robin@bright-signs.demo.pacer.test"}],
}
PARTNER_LOGIN = "partner"


def _image(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), COLOURS[index % len(COLOURS)]).save(buffer, "PNG")
    return buffer.getvalue()


def load_content(workspace: Workspace, today: date, *, partner_password: str = "") -> dict:
    """Themes, 42 items, 8 assets, two collections of them shared with a partner (and a
    share link for it expiring in 14 days); with ``partner_password``, the partner's login
    ``partner``. Does nothing when the workspace has content."""
    if selectors.items(workspace).exists():
        return {"items": 0, "assets": 0, "notices": 0, "partners": 0}
    people = [m.user for m in members(workspace)][:2]
    plan = [
        {"name": name, "reviewer": u.pk}
        for name, u in zip(("Brand", "Legal"), people, strict=False)
    ]
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=4)
    seasons = [
        ("Welcome offer", 0, 20, "amber"),
        ("Loyalty month", 28, 58, "teal"),
        ("Refer a friend", 63, 89, "pink"),
    ]
    themes = [
        actions.create_theme(
            workspace,
            name=name,
            starts_on=start + timedelta(days=a),
            ends_on=start + timedelta(days=b),
            colour=colour,
        )
        for name, a, b, colour in seasons
    ]
    states = list(PATHS)
    made = 0
    for n in range(42):
        kind = KINDS[n % len(KINDS)]
        day = start + timedelta(days=2 * n + n % 3)
        theme = next((t for t in themes if t.starts_on <= day <= t.ends_on), None)
        # the past is published or archived; the future on its way, never yet published
        ahead = [s for s in states if s not in ("published", "archived")]
        state = ahead[n % len(ahead)] if day >= today else ("published", "archived")[n % 2]
        if not plan and PATHS[state] and "*approve" in PATHS[state]:
            state = "draft"
        item = actions.create_item(
            workspace,
            title=TITLES[kind][n // len(KINDS)],
            kind=kind,
            body=f"Working copy: {TITLES[kind][n // len(KINDS)]}.\nKey message: come back soon.",
            channel=CHANNELS[kind],
            team=TEAMS[n % len(TEAMS)],
            theme_id=theme.pk if theme else None,
            owner=people[0] if people else None,
            reviewers=plan,
            scheduled_for=datetime.combine(day, time(9 + n % 8), tzinfo=UTC),
        )
        if n % 5 == 1:
            actions.save_version(item, f"{item.title}.\nKey message: book today, save 20%.")
        for step in PATHS[state]:
            if step == "*approve":
                for person in people:
                    open_step = selectors.open_step_for(item, person)
                    if open_step is not None:
                        actions.vote(open_step, "approved", user=person, comment="Looks good")
            else:
                actions.transition(item, step)
        made += 1
    rights_ends = [-10, -1, 5, 12, 30, 60, None, None]
    uploaded = []
    for index, offset in enumerate(rights_ends):
        asset = assets.upload_asset(
            workspace,
            name=ASSETS[index],
            filename=f"image-{index + 1}.png",
            data=_image(index),
            tags=["demo", ("welcome", "loyalty", "referral")[index % 3]],
            rights={
                "licence": ("Stock, standard", "Agency shoot", "Own work")[index % 3],
                "territories": ["US", "CA"] if index % 2 else [],
                "channels": [],
                "rights_start": str(start - timedelta(days=90)),
                "rights_end": str(today + timedelta(days=offset)) if offset is not None else "",
            },
            owner=people[0] if people else None,
        )
        uploaded.append(asset)
    collections = []
    for name, chosen in COLLECTIONS.items():
        collection = assets.create_collection(workspace, name)
        for index in chosen:
            assets.collect(collection, uploaded[index])
        collections.append(collection)
    _partner(workspace, collections, partner_password)
    notices = withdrawal.expire_assets(today)
    return {"items": made, "assets": len(rights_ends), "notices": notices, "partners": 1}


def _partner(workspace: Workspace, collections: list, password: str) -> None:
    """The partner agency: every collection on its portal (medium and original), a share
    link to the social images for print, expiring in 14 days; its login if a password is
    given."""
    agency = partners.create_partner(workspace, **PARTNER)
    for collection in collections:
        partners.share(agency, collection, renditions=["medium", "original"])
    assets.share_collection(
        collections[-1],
        label="Bright Signs: print run",
        days=14,
        can_download=True,
        renditions=["medium", "original"],
        partner=agency,
        channels=["print"],
    )
    if password:
        partners.add_login(
            agency,
            username=PARTNER_LOGIN,
            email="partner@bright-signs.demo.pacer.test",
            password=password,
        )
