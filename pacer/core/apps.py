from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ADMINS


class CoreConfig(DomainConfig):
    name = "pacer.core"
    label = "core"
    urls = "pacer.core.urls"
    api = (("/core/", "pacer.core.api.router"),)
    cli = "pacer.core.cli"
    permissions = {
        "members.manage": ADMINS,
        "keys.manage": ADMINS,
        "audit.view": ADMINS,
        "staff_email.manage": ADMINS,
    }
    nav = (
        NavItem("API keys", "api-keys", "keys.manage", order=10, group="settings"),
        NavItem("Members", "members", "members.manage", order=20, group="settings"),
        NavItem("Audit log", "audit", "audit.view", order=30, group="settings"),
        NavItem("Staff email", "staff-email", "staff_email.manage", order=40, group="settings"),
    )
    loops = (
        Loop("change-feed", "pacer.core.feed.deliver_all", seconds="FEED_POLL_SECONDS"),
        Loop("change-feed-prune", "pacer.core.feed.prune", seconds=3600),
        Loop("staff-email", "pacer.core.outbox.send_due", seconds=30),
    )
