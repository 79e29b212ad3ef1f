from pacer.core.domains import DomainConfig


class DemoConfig(DomainConfig):
    """The demo business: simulated with known ground truth and loaded through the same
    code real traffic uses."""

    name = "pacer.demo"
    label = "demo"
    cli = "pacer.demo.cli"
