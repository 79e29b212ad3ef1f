from pacer.core.domains import DomainConfig, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE


class ExperimentsConfig(DomainConfig):
    name = "pacer.experiments"
    label = "experiments"
    urls = "pacer.experiments.urls"
    api = (("/experiments/", "pacer.experiments.api.router"),)
    cli = "pacer.experiments.cli"
    permissions = {
        "experiments.view": EVERYONE,
        "experiments.manage": ANALYSTS,
        "experiments.assign": ANALYSTS,
    }
    nav = (
        NavItem("Experiments", "experiment-list", "experiments.view", order=50, group="measure"),
    )
