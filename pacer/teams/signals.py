"""A new workspace starts with the default teams; a location's new time zone times its
waiting survey asks again."""

from pacer.teams.actions import create_default_teams
from pacer.teams.triggers import move_waiting_asks


def workspace_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        create_default_teams(instance)


def location_zone_changed(sender, workspace, location_id: int, **kwargs) -> None:
    move_waiting_asks(workspace, location_id)
