"""A share link's state has one rule (``share_links.state``): revoked, else expired, else
withdrawn (its partner deactivated, else its one asset lapsed), else open; what lasts wins
over what may pass. Its maker reads the state and why (the links table, the API); the
public address answers with the same state in its own sentences (``share_links.refusal``:
410 for revoked and expired, 404 for withdrawn) and never the why. Every combination of
the four causes is pinned here on both sides, so that the two cannot drift apart."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.content import assets, partners, share_links, tasks
from pacer.content.models import Asset, ShareLink
from pacer.core import clock
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=8)  # the link was made for 7 days
CAUSES = ("revoked", "expired", "deactivated", "lapsed")

MAKER = {
    "revoked": ("revoked", "revoked by ada on 2026-06-01 13:00 UTC"),
    "expired": ("expired", "expired on 2026-06-08 12:00 UTC"),
    "deactivated": ("withdrawn", "Franchise Berlin is deactivated"),
    "lapsed": ("withdrawn", "the rights for 'Beach' do not cover 2026-06-07"),
    None: ("open", ""),
}
PUBLIC = {  # status, title, heading, first sentence
    "revoked": (
        410,
        "Link revoked",
        "This link was revoked",
        "Whoever shared it has revoked it, and it no longer opens anything.",
    ),
    "expired": (
        410,
        "Link expired",
        "This link has expired",
        "It was shared for a limited time, until 8 Jun 2026, 12:00 UTC, and it no longer "
        "opens anything.",
    ),
    "withdrawn": (
        404,
        "Link withdrawn",
        "This link was withdrawn",
        "Whoever shared it has withdrawn it for now, so it opens nothing.",
    ),
}


@pytest.fixture
def shared(workspace, admin, media_dir, monkeypatch):
    """A link made at NOW for 7 days to one asset (rights until 2026-06-30), for a
    partner; its address; the clock (set it with ``clock_at[0] = ...``)."""
    clock_at = [NOW]
    monkeypatch.setattr(clock, "now", lambda: clock_at[0])
    beach = assets.upload_asset(workspace, name="Beach", filename="b.png", data=png(40, 30))
    tasks.render(beach.versions.get().pk)
    Asset.objects.filter(pk=beach.pk).update(rights_end="2026-06-30")
    franchise = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print"]
    )
    link, token = assets.share_asset(
        Asset.objects.get(pk=beach.pk),
        label="Berlin",
        days=7,
        can_download=True,
        renditions=["medium"],
        partner=franchise,
    )
    return {"link": link, "token": token, "asset": beach, "partner": franchise, "clock": clock_at}


def _cause(shared, admin, cause: str) -> None:
    if cause == "revoked":
        shared["clock"][0] = NOW + timedelta(hours=1)
        share_links.revoke(shared["link"], actor=admin)
    elif cause == "expired":
        pass  # the clock is set past the expiry below
    elif cause == "deactivated":
        partners.set_active(shared["partner"], False, actor=admin)
    elif cause == "lapsed":
        Asset.objects.filter(pk=shared["asset"].pk).update(rights_end="2026-06-02")


def _public(token: str):
    response = Client().get(f"/share/{token}/")
    page = response.content.decode()
    if response.status_code == 200:
        return 200, None, None, None
    title = re.search(r"<title>(.*?) · Pacer</title>", page).group(1)
    heading = re.search(r'<h1 id="error-heading">(.*?)</h1>', page).group(1)
    sentence = re.search(r'<p id="share-refused">(.*?)</p>', page).group(1)
    return response.status_code, title, heading, sentence


COMBINATIONS = [
    tuple(c for c, on in zip(CAUSES, flags, strict=True) if on)
    for flags in itertools.product((False, True), repeat=len(CAUSES))
]


@pytest.mark.parametrize("causes", COMBINATIONS, ids=lambda c: "+".join(c) or "none")
def test_the_first_cause_by_the_one_rule_decides_both_the_makers_and_the_public_answer(
    shared, admin, causes
):
    for cause in causes:
        _cause(shared, admin, cause)
    shared["clock"][0] = LATER if "expired" in causes else NOW + timedelta(days=6)
    winner = next(iter(causes), None)  # CAUSES are in the rule's order
    link = ShareLink.objects.select_related("asset", "partner", "revoked_by").get()

    expected = MAKER[winner]
    assert share_links.state(link) == expected
    refused = None if winner is None else expected[0]
    assert share_links.refusal(link) == refused
    assert assets.share_problem(link) == (refused and f"this link is {refused}")
    assert _public(shared["token"]) == (PUBLIC[refused] if refused else (200, None, None, None))
