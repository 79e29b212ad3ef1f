from pacer.core.domains import DomainConfig


class OpsConfig(DomainConfig):
    """For operators: health and readiness probes, Prometheus metrics, JSON logs."""

    name = "pacer.ops"
    label = "ops"
    urls = "pacer.ops.urls"
