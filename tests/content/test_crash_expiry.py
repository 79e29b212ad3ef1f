"""Asset expiry survives kills: a real ``expire_assets`` process (the
``content-asset-expiry`` loop) is killed with SIGKILL inside the transaction of an
expiry alert and of a withdrawal, with everything written but not committed.

The guarantee: each alert and each withdrawal happens once and whole. After each kill
an asset is either done — its notice, and for a withdrawal its status, the flags and
state changes of the items that use it, the ``asset.withdrawn`` webhook and the audit
entry, with the owners' emails queued to be sent after COMMIT — or exactly as it was, no email sent.
A rerun does what is left, once; the end state is what an undisturbed run does
(``withdrawal.effects`` read before it). The emails are queued in the staff outbox in
the same transactions (none for a killed one) and the ``staff-email`` loop sends each
once."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import assets, withdrawal
from pacer.content.models import Asset, AssetNotice, ContentFlag, ContentItem
from pacer.core.models import AuditEntry, OutboxEmail
from pacer.messaging import webhooks
from pacer.messaging.models import WebhookDelivery
from tests.content.test_assets import png
from tests.content.test_withdrawal import _item, now  # noqa: F401 (a fixture)
from tests.core.loop_processes import SIGKILL, run_loop, subjects

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
AT = datetime(2026, 6, 25, 12, tzinfo=UTC)  # the items were made on June 1st
LOOP = "pacer.content.tasks.expire_assets"
SEND = "pacer.core.outbox.send_due"


def queued() -> list[str]:
    return sorted(OutboxEmail.objects.values_list("subject", flat=True))


def expire(outbox_dir, fault=""):
    return run_loop(LOOP, AT, fault=fault, PACER_DATA_DIR=str(outbox_dir))


def state(asset) -> tuple:
    """An asset's status and notices, its items' states and flags, its webhook
    deliveries and audit entries."""
    found = Asset.objects.get(pk=asset.pk)
    item_ids = list(found.uses.values_list("item_id", flat=True))
    return (
        found.status,
        sorted(AssetNotice.objects.filter(asset=found).values_list("kind", flat=True)),
        sorted(ContentItem.objects.filter(pk__in=item_ids).values_list("title", "state")),
        sorted(
            ContentFlag.objects.filter(asset=found).values_list(
                "item__title", "kind", "state_before"
            )
        ),
        WebhookDelivery.objects.filter(
            key=f"asset.withdrawn:{found.pk}:{found.rights_end}"
        ).count(),
        AuditEntry.objects.filter(action="asset.withdraw", object_id=str(found.pk)).count(),
    )


def withdrawn(before: tuple, effects: list[dict]) -> tuple:
    """``before`` as an undisturbed withdrawal leaves it (``effects`` read before)."""
    labels = {"Draft": "draft", "Scheduled": "scheduled", "Published": "published"}
    states = {e["item"].title: labels[e["state_after"]] for e in effects}
    return (
        "withdrawn",
        ["withdrawn"],
        sorted((title, states.get(title, s)) for title, s in before[2]),
        sorted((e["item"].title, e["kind"], e["item"].state) for e in effects),
        1,
        1,
    )


@pytest.mark.usefixtures("now")
def test_a_killed_expiry_alerts_and_withdraws_each_asset_whole_and_once(
    workspace, team, plan, tmp_path
):
    webhooks.add_webhook(
        workspace, url="https://hooks.example.com/dam", event_types=["asset.withdrawn"]
    )

    def asset(name, rights_end):
        return assets.upload_asset(
            workspace,
            name=name,
            filename=f"{name}.png",
            data=png(),
            rights={"rights_end": rights_end},
            owner=team["editor"],
        )

    spring, summer = asset("Spring", "2026-06-20"), asset("Summer", "2026-06-22")  # ended
    autumn, winter = asset("Autumn", "2026-07-01"), asset("Winter", "2026-07-05")  # soon
    day = date(2026, 6, 15)
    for title, state_, used in (
        ("spring scheduled", "scheduled", spring),
        ("spring published", "published", spring),
        ("summer draft", "draft", summer),
        ("summer scheduled", "scheduled", summer),
    ):
        _item(workspace, team, plan, title, state_, used, day=day)
    everything = (spring, summer, autumn, winter)
    before = {a.name: state(a) for a in everything}
    after = {
        "Spring": withdrawn(before["Spring"], withdrawal.effects(spring)),
        "Summer": withdrawn(before["Summer"], withdrawal.effects(summer)),
        "Autumn": ("active", ["expiring"], *before["Autumn"][2:]),
        "Winter": ("active", ["expiring"], *before["Winter"][2:]),
    }
    mails = {
        "Autumn": ["Rights for 'Autumn' end on 2026-07-01"],
        "Winter": ["Rights for 'Winter' end on 2026-07-05"],
        "Spring": [
            "'Spring' was withdrawn",
            "'Spring' was withdrawn: 2 of your items need attention",
        ],
        "Summer": [
            "'Summer' was withdrawn",
            "'Summer' was withdrawn: 2 of your items need attention",
        ],
    }
    outbox = tmp_path / "child"

    def check(done: list[str]) -> None:
        assert {a.name: state(a) for a in everything} == {
            name: after[name] if name in done else before[name] for name in before
        }
        assert queued() == sorted(s for name in done for s in mails[name])

    # alerts first (in id order), then withdrawals
    for fault, done in (
        ("content.expiry.alerted:2", ["Autumn"]),
        ("content.expiry.withdrawn:1", ["Autumn", "Winter"]),
        ("content.expiry.withdrawn:2", ["Autumn", "Winter", "Spring"]),
    ):
        status, output = expire(outbox, fault)
        assert status == SIGKILL, output
        check(done)
    assert expire(outbox) == (0, "1\n")  # Summer
    check(["Autumn", "Winter", "Spring", "Summer"])
    assert expire(outbox) == (0, "0\n")
    check(["Autumn", "Winter", "Spring", "Summer"])
    assert subjects(outbox) == []  # the staff-email loop sends them
    assert run_loop(SEND, AT, PACER_DATA_DIR=str(outbox)) == (0, "6\n")
    assert subjects(outbox) == queued()
