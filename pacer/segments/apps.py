from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE, MANAGERS


class SegmentsConfig(DomainConfig):
    name = "pacer.segments"
    label = "segments"
    urls = "pacer.segments.urls"
    api = (("/segments/", "pacer.segments.api.router"),)
    warehouse_tables = (
        "pacer.segments.warehouse.PROFILES",
        "pacer.segments.warehouse.CONSENTS",
        "pacer.segments.warehouse.ORDER_LINES",
    )
    subscribers = ("pacer.segments.feed.SUBSCRIBER",)
    loops = (Loop("segment-rebuild", "pacer.segments.actions.rebuild_all", 3600),)
    permissions = {
        "segments.view": EVERYONE,
        "segments.edit": MANAGERS,  # define, change, delete; add to static lists
        "segments.export": ANALYSTS,
    }
    nav = (NavItem("Segments", "segments", "segments.view", order=10, group="engage"),)
