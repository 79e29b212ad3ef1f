from pacer.core.domains import DomainConfig, NavItem
from pacer.core.roles import EVERYONE, MANAGERS


class WorkConfig(DomainConfig):
    name = "pacer.work"
    label = "work"
    urls = "pacer.work.urls"
    api = (
        ("/work/", "pacer.work.api.router"),
        ("/work/", "pacer.work.board_edit_api.router"),
        ("/work/", "pacer.work.attachment_api.router"),
        ("/work/", "pacer.work.comments_api.router"),
        ("/work/", "pacer.work.label_api.router"),
        ("/work/", "pacer.work.archive_api.router"),
        ("/work/", "pacer.work.sprint_api.router"),
        ("/work/", "pacer.work.flow_api.router"),
    )
    permissions = {
        "work.view": EVERYONE,
        "work.edit": EVERYONE,  # cards: create, move, comment, plan
        "work.manage": MANAGERS,  # boards, columns, WIP limits, sprints, labels
    }
    nav = (
        NavItem("Boards", "work-boards", "work.view", order=10, group="work"),
        NavItem("Who works on what", "work-who", "work.view", order=15, group="work"),
        NavItem(
            "Mentions",
            "work-notifications",
            "work.view",
            order=16,
            group="work",
            badge="pacer.work.selectors.unread_badge",
        ),
    )
