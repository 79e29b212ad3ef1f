"""A content item's details — title, kind, channel, team, theme and campaign — checked
against the workspace (its teams, themes and campaigns) when an item is made and when
they are changed. The body has versions of its own (``actions.save_version``)."""

from django.db import transaction

from pacer.content import selectors
from pacer.content.models import ContentItem, ContentKind, Theme
from pacer.content.rights import rights_problem
from pacer.content.workflow import PUBLISHED
from pacer.core import audit, clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.planning import selectors as planning
from pacer.teams import selectors as teams

FIELDS = ("title", "kind", "channel", "team", "theme", "campaign_key")


def check_team(workspace: Workspace, team, errors: dict, *, required: bool = False) -> str:
    """The key of one of the workspace's teams (case and spaces ignored), or "" for no
    team (refused when ``required``); an unknown key is refused under ``errors["team"]``."""
    team = check_text(errors, "team", team, 100, required=required)
    if not team or "team" in errors:
        return team
    found = teams.team_by_key(workspace, team)
    if found is None:
        errors["team"] = f"no team '{team[:60]}' in this workspace: choose one of its teams"
        return team
    return found.key


def check_campaign(workspace: Workspace, key, errors: dict) -> str:
    """The key of one of the workspace's campaigns, or "" for none; another key is
    refused under ``errors["campaign_key"]``."""
    key = check_text(errors, "campaign_key", key, 200)
    if key and "campaign_key" not in errors and planning.campaign_by_key(workspace, key) is None:
        errors["campaign_key"] = f"no campaign '{key[:60]}' in this workspace"
    return key


def check_theme(workspace: Workspace, theme_id, errors: dict) -> Theme | None:
    if theme_id in (None, ""):
        return None
    is_id = isinstance(theme_id, int) or (str(theme_id).isdecimal() and len(str(theme_id)) < 19)
    theme = Theme.objects.filter(workspace=workspace, pk=int(theme_id)).first() if is_id else None
    if theme is None:
        errors["theme"] = "no such theme in this workspace"
    return theme


def check_details(workspace: Workspace, values: dict, errors: dict) -> dict:
    """The details of ``values`` (only those given) cleaned; each refusal under its field."""
    cleaned: dict = {}
    if "title" in values:
        cleaned["title"] = check_text(errors, "title", values["title"], 300, required=True)
    if "kind" in values:
        if values["kind"] not in ContentKind.values:
            errors["kind"] = f"must be one of {', '.join(ContentKind.values)}"
        cleaned["kind"] = values["kind"]
    if "channel" in values:
        channel = values["channel"] or ""
        if channel and channel not in CHANNELS:
            errors["channel"] = "is not a known channel"
        cleaned["channel"] = channel
    if "team" in values:
        cleaned["team"] = check_team(workspace, values["team"], errors)
    if "theme" in values:
        cleaned["theme"] = check_theme(workspace, values["theme"], errors)
    if "campaign_key" in values:
        cleaned["campaign_key"] = check_campaign(workspace, values["campaign_key"], errors)
    return cleaned


@transaction.atomic
def update_item(item: ContentItem, values: dict, *, actor=None) -> ContentItem:
    """Change an item's details (those in ``values``: ``title``, ``kind``, ``channel``,
    ``team``, ``theme`` (an id, or None), ``campaign_key``), all or nothing. A published
    item cannot change. An item in a state that needs approval keeps it only if its
    assets' rights cover the new channel (refused naming ``channel`` otherwise)."""
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        errors[unknown[0]] = "cannot be changed here"
    if item.state == PUBLISHED:
        errors["state"] = "a published item cannot change; archive it first"
    cleaned = check_details(item.workspace, values, errors)
    changed = [f for f, value in cleaned.items() if getattr(item, f) != value]
    flow = selectors.workflow(item.workspace)
    if "channel" in changed and "channel" not in errors and flow.needs_approval(item.state):
        day = (item.scheduled_for or clock.now()).date()
        for use in item.asset_uses.select_related("asset"):
            problem = rights_problem(
                use.asset, day, territory=use.territory, channel=cleaned["channel"]
            )
            if problem:
                errors["channel"] = f"'{use.asset.name}': {problem}"
                break
    if errors:
        raise ValidationFailed(errors)
    if not changed:
        return item
    return audit.save_changes(item, cleaned, changed, "content.update", actor=actor)
