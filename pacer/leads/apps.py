from pacer.core.domains import DomainConfig
from pacer.core.roles import EVERYONE, MANAGERS


class LeadsConfig(DomainConfig):
    name = "pacer.leads"
    label = "leads"
    api = (("/leads/", "pacer.leads.api.router"),)
    contact_rows = ("pacer.leads.models.Lead",)
    subscribers = ("pacer.leads.feed.SUBSCRIBER",)
    permissions = {
        "leads.view": EVERYONE,
        "leads.capture": EVERYONE,
        "leads.work": EVERYONE,  # move a lead through the stages
        "leads.configure": MANAGERS,  # the workspace's stages
    }
