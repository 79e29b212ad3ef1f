from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ADMINS


class PrivacyConfig(DomainConfig):
    """GDPR/CCPA: export and erasure of a person, suppression of erased identifiers."""

    name = "pacer.privacy"
    label = "privacy"
    urls = "pacer.privacy.urls"
    api = (("/privacy/", "pacer.privacy.api.router"),)
    cli = "pacer.privacy.cli"
    permissions = {
        "privacy.export": ADMINS,
        "privacy.erase": ADMINS,
    }
    nav = (NavItem("Privacy", "privacy", "privacy.export", order=40, group="settings"),)
    loops = (Loop("privacy-finish", "pacer.privacy.actions.finish_erasures", seconds=60),)
