"""A card's link to a campaign is stored under the campaign's id, never its key (data):
a link kept under a key becomes the link to that campaign's id, and where the card
already links to that id as well (the same campaign linked twice, once by key and once by
id) the key's row is deleted. A link whose text names no campaign of the card's workspace
by id or by key is left as it is (the card shows it as no longer there).

Before this, a link was stored under the id when the text read as the id of a campaign of
the workspace (written plainly: "5"), and as typed otherwise (a key); so a stored plain
number that is a campaign's id is an id, and anything else is a key."""

from django.db import migrations

BATCH = 500


def _is_plain_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and str(int(text)) == text


def campaign_links_by_id(apps, schema_editor):
    CardLink = apps.get_model("work", "CardLink")
    Campaign = apps.get_model("planning", "Campaign")
    rows = list(
        CardLink.objects.filter(kind="campaign")
        .order_by("pk")
        .values_list("pk", "card_id", "card__workspace_id", "target_id")
    )
    workspaces = {workspace for _, _, workspace, _ in rows}
    campaigns = Campaign.objects.filter(workspace_id__in=workspaces)
    ids = set(campaigns.values_list("workspace_id", "pk"))
    by_key = {(w, key): pk for w, key, pk in campaigns.values_list("workspace_id", "key", "pk")}
    held = {(card, target) for _, card, _, target in rows}
    moved: dict[str, list[int]] = {}
    doubled: list[int] = []
    for pk, card, workspace, target in rows:
        if _is_plain_id(target) and (workspace, int(target)) in ids:
            continue
        campaign = by_key.get((workspace, target))
        if campaign is None:
            continue
        if (card, str(campaign)) in held:
            doubled.append(pk)
        else:
            held.add((card, str(campaign)))
            moved.setdefault(str(campaign), []).append(pk)
    for start in range(0, len(doubled), BATCH):
        CardLink.objects.filter(pk__in=doubled[start : start + BATCH]).delete()
    for campaign, pks in moved.items():
        for start in range(0, len(pks), BATCH):
            CardLink.objects.filter(pk__in=pks[start : start + BATCH]).update(target_id=campaign)


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("work", "0006_mention_emails_to_outbox"),
    ]

    operations = [migrations.RunPython(campaign_links_by_id, migrations.RunPython.noop)]
