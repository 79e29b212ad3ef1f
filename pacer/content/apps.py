from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ADMINS, EVERYONE, MANAGERS, PARTNERS, Role


class ContentConfig(DomainConfig):
    name = "pacer.content"
    label = "content"
    urls = "pacer.content.urls"
    cli = "pacer.content.cli"
    api = (
        ("/content/", "pacer.content.api.router"),
        ("/content/", "pacer.content.asset_api.router"),
        ("/content/", "pacer.content.partner_api.router"),
        ("/content/", "pacer.content.share_api.router"),
        ("/content/", "pacer.content.theme_api.router"),
        ("/content/", "pacer.content.collection_api.router"),
    )
    loops = (
        Loop("content-asset-expiry", "pacer.content.tasks.expire_assets", 300),
        Loop("content-deadline-tasks", "pacer.content.tasks.deadline_tasks", 900),
    )
    permissions = {
        "content.view": EVERYONE,
        "content.edit": MANAGERS,
        "content.review": EVERYONE,  # the action also requires the step's named reviewer
        "content.publish": MANAGERS,
        "content.workflow": ADMINS,  # change the editorial states and their moves
        "assets.view": EVERYONE,
        "assets.manage": MANAGERS,
        # a partner's login: its portal and nothing else; admins preview a partner's portal
        "content.portal": (*ADMINS, *PARTNERS),
    }
    # a deactivated partner's logins are refused everything (sign-in, sessions, tokens)
    suspensions = {Role.PARTNER: "pacer.content.partners.suspension"}
    # ...whatever role an admin gives them: a partner's login keeps the partner role
    role_checks = ("pacer.content.partners.role_check",)
    # the Members page says which members are a partner's logins, and if suspended
    member_notes = ("pacer.content.partner_members.member_notes",)
    nav = (
        NavItem("Calendar", "content-calendar", "content.view", order=30, group="work"),
        NavItem("Content", "content-list", "content.view", order=31, group="work"),
        NavItem("Assets", "asset-list", "assets.view", order=32, group="work"),
        NavItem("Partners", "partner-list", "assets.view", order=33, group="work"),
        NavItem("Partner portal", "portal", "content.portal", order=34, group="work"),
    )
