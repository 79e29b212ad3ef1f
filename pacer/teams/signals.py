"""A new workspace starts with the default teams."""

from pacer.teams.actions import create_default_teams


def workspace_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        create_default_teams(instance)
