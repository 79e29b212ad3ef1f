"""Talent releases: an asset that shows people may be used only where each of them has a
release covering the territory, the channel and the day, checked with the asset's own
rights when it is used in content, when content is scheduled, and by the selector other
domains call before they put an asset in a message."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions, assets, releases, selectors
from pacer.content.models import AssetUse, TalentRelease
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
JUNE = date(2026, 6, 10)


@pytest.fixture
def photo(workspace, team):
    asset = assets.upload_asset(workspace, name="Beach hero", filename="h.png", data=png())
    form = assets.upload_asset(workspace, name="Ana's release", filename="r.png", data=png())
    releases.add_release(
        asset,
        person="Ana Silva",
        document_id=form.pk,
        territories="US, CA",
        channels="email",
        ends_on="2026-08-31",
    )
    return asset


def test_a_use_is_allowed_only_where_the_release_covers_it(workspace, photo):
    check = selectors.check_asset_use
    assert check(workspace, photo.pk, "email", "US", JUNE) == []
    assert check(workspace, photo.pk, "email", "ca", JUNE) == []
    assert check(workspace, photo.pk, "paid_social", "US", JUNE) == [
        "'Beach hero' shows Ana Silva, whose release does not cover US, channel "
        "'paid_social' on 2026-06-10 (it covers CA, US, email, open to 2026-08-31)"
    ]
    assert len(check(workspace, photo.pk, "email", "DE", JUNE)) == 1
    assert len(check(workspace, photo.pk, "email", "US", date(2026, 9, 1))) == 1
    # a second release of the same person widens what is covered
    releases.add_release(photo, person="Ana Silva", territories=["DE"], channels=[])
    assert check(workspace, photo.pk, "paid_social", "DE", date(2027, 1, 1)) == []


def test_every_person_in_the_asset_needs_a_covering_release(workspace, photo):
    releases.add_release(photo, person="Bo Lee", territories="US", ends_on="2026-06-30")
    assert selectors.check_asset_use(workspace, photo.pk, "email", "US", JUNE) == []
    reasons = selectors.check_asset_use(workspace, photo.pk, "email", "US", date(2026, 7, 1))
    assert [r.split(",")[0] for r in reasons] == ["'Beach hero' shows Bo Lee"]


def test_the_check_lists_every_reason_with_the_assets_own_rights(workspace, photo):
    assets.update_asset(photo, {"territories": "CA", "rights_end": "2026-06-30"})
    reasons = selectors.check_asset_use(workspace, photo.pk, "sms", "US", date(2026, 7, 1))
    assert reasons[:2] == [
        "'Beach hero' may be used until 2026-06-30, not on 2026-07-01",
        "'Beach hero' is licensed for CA, not US",
    ]
    assert reasons[2].startswith("'Beach hero' shows Ana Silva, whose release does not cover")
    assert len(reasons) == 3


def test_an_asset_of_another_workspace_or_none_is_refused(workspace, photo, admin):
    other = core.create_workspace("Other", actor=admin)
    assert selectors.check_asset_use(other, photo.pk, "email", "US", JUNE) == [
        f"asset {photo.pk} does not exist in this workspace"
    ]
    assert selectors.check_asset_use(workspace, 10**30, "email", "US", JUNE) == [
        f"asset {10**30} does not exist in this workspace"
    ]


def test_using_the_asset_in_content_and_approving_it_check_the_releases(
    workspace, team, plan, photo
):
    ad = actions.create_item(
        workspace, title="Ad", kind="ad", channel="paid_social", scheduled_for="2026-06-10"
    )
    with pytest.raises(ValidationFailed, match="shows Ana Silva, whose release does not"):
        assets.use_asset(ad, photo, territory="US")
    assert AssetUse.objects.count() == 0
    email = actions.create_item(
        workspace,
        title="Mail",
        kind="email",
        channel="email",
        reviewers=plan,
        scheduled_for=datetime(2026, 6, 10, 9, tzinfo=UTC),
    )
    assets.use_asset(email, photo, territory="US")
    actions.reschedule(email, "2026-09-15")  # an idea may move anywhere
    actions.transition(email, "draft")
    actions.transition(email, "in_review")
    for who in ("legal", "brand"):
        step = selectors.open_step_for(email, team[who])
        actions.vote(step, "approved", user=team[who])
    email.refresh_from_db()
    assert email.state == "in_review"  # the last vote could not approve it
    with pytest.raises(ValidationFailed, match="Ana Silva, whose release does not cover US"):
        actions.transition(email, "approved")
    actions.reschedule(email, "2026-08-31")
    assert actions.transition(email, "approved").state == "approved"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"person": ""}, {"person": "must not be empty"}),
        (
            {"person": "Ana", "territories": "USA"},
            {"territories": "two-letter country codes (ISO 3166), or none for worldwide"},
        ),
        (
            {"person": "Ana", "starts_on": "2026-06-01", "ends_on": "2026-05-01"},
            {"ends_on": "must not be before the start"},
        ),
        ({"person": "Ana", "ends_on": "someday"}, {"ends_on": "must be a date (YYYY-MM-DD)"}),
        ({"person": "Ana", "document_id": "999"}, {"document": "no such asset in this workspace"}),
        (
            {"person": "Ana", "channels": "fax"},
            {"channels": "channel keys (e.g. email, paid_social), or none for any"},
        ),
    ],
)
def test_a_bad_release_is_refused_naming_the_field_and_nothing_is_written(
    workspace, photo, values, errors
):
    with pytest.raises(ValidationFailed) as refused:
        releases.add_release(photo, **values)
    assert refused.value.errors == errors
    assert TalentRelease.objects.count() == 1
