from pacer.core.domains import DomainConfig


class WebConfig(DomainConfig):
    """The shared web layer: base template, components, vendored static files, and the
    style guide that shows the components (its only page)."""

    name = "pacer.web"
    label = "web"
    urls = "pacer.web.urls"
