from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE, MANAGERS


class LeadsConfig(DomainConfig):
    name = "pacer.leads"
    label = "leads"
    urls = "pacer.leads.urls"
    cli = "pacer.leads.cli"
    api = (  # the forms' fixed paths before the leads' /{lead_id}
        ("/leads/", "pacer.leads.form_api.router"),
        ("/leads/", "pacer.leads.api.router"),
        ("/leads/", "pacer.leads.config_api.router"),
        ("/leads/", "pacer.leads.score_api.router"),
    )
    contact_rows = ("pacer.leads.models.Lead",)
    person_rows = ("pacer.leads.privacy.person_rows",)
    timeline_sources = (
        "pacer.leads.timeline.STAGES",
        "pacer.leads.timeline.ACTIVITIES",
        "pacer.leads.timeline.MESSAGES",
    )
    subscribers = ("pacer.leads.feed.SUBSCRIBER",)
    loops = (
        Loop("lead-timers", "pacer.leads.timers.fire_due_timers", "LEAD_TIMER_SECONDS"),
        Loop("lead-notices", "pacer.leads.followup.send_notices", "LEAD_TIMER_SECONDS"),
        Loop("lead-away", "pacer.leads.handover.hand_over_all_away", 300),
        Loop("lead-scores", "pacer.leads.scoring.rescore_open_leads", 3600),
        Loop("lead-predictive", "pacer.leads.predictive.refit_due", 3600),
    )
    permissions = {
        "leads.view": EVERYONE,
        # the speed report of every location (others: the locations they are agents of)
        "leads.all_locations": ANALYSTS,
        "leads.capture": EVERYONE,
        "leads.work": EVERYONE,  # move a lead through the stages
        "leads.configure": MANAGERS,  # stages, forms, routing, agents, hours, locating, SLAs
    }
    nav = (
        NavItem("Leads", "lead-inbox", "leads.view", order=15),
        NavItem("Lead forms", "lead-forms", "leads.configure", order=15, group="settings"),
        NavItem("Lead routing", "lead-routing", "leads.configure", order=16, group="settings"),
        NavItem("Lead SLAs", "lead-sla", "leads.configure", order=17, group="settings"),
        NavItem("Lead scoring", "lead-scoring", "leads.configure", order=18, group="settings"),
    )
