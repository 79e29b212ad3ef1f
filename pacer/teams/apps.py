from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE, MANAGERS


class TeamsConfig(DomainConfig):
    name = "pacer.teams"
    label = "teams"
    urls = "pacer.teams.urls"
    api = (
        ("/teams/", "pacer.teams.api.router"),
        ("/teams/", "pacer.teams.review_api.router"),
    )
    permissions = {
        "teams.view": EVERYONE,
        "teams.manage": MANAGERS,  # teams, members, targets, reviews
        "locations.scoreboard": EVERYONE,  # staff see the locations they take leads for
        "cx.view": ANALYSTS,
        "cx.manage": MANAGERS,
    }
    nav = (
        NavItem("Teams", "teams", "teams.view", order=40, group="teams"),
        NavItem(
            "Location scoreboard",
            "location-scoreboard",
            "locations.scoreboard",
            order=45,
            group="teams",
        ),
        NavItem("Experience", "cx", "cx.view", order=50, group="teams"),
    )
    loops = (Loop("survey-triggers", "pacer.teams.triggers.run_triggers", 60),)
    person_rows = ("pacer.teams.surveys.person_rows",)
    subscribers = ("pacer.teams.merges.SUBSCRIBER", "pacer.teams.visits.SUBSCRIBER")

    def ready(self):
        from django.db.models.signals import post_save

        from pacer.core.models import Workspace
        from pacer.people.signals import location_zone_changed
        from pacer.teams.signals import location_zone_changed as zone_changed
        from pacer.teams.signals import workspace_created

        post_save.connect(workspace_created, sender=Workspace, dispatch_uid="teams-defaults")
        location_zone_changed.connect(zone_changed, dispatch_uid="teams-survey-asks-zone")
