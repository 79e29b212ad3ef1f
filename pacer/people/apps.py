from pacer.core.domains import DomainConfig, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE, MANAGERS


class PeopleConfig(DomainConfig):
    name = "pacer.people"
    label = "people"
    urls = "pacer.people.urls"
    api = (("/people/", "pacer.people.api.router"),)
    warehouse_tables = (
        "pacer.people.warehouse.ORDERS",
        "pacer.people.warehouse.CONTACTS",
        "pacer.people.warehouse.LOCATIONS",
    )
    contact_rows = (
        "pacer.people.models.Identity",
        "pacer.people.models.Order",
        "pacer.people.models.Consent",
    )
    timeline_sources = (
        "pacer.people.timeline.ORDERS",
        "pacer.people.timeline.CONSENTS",
        "pacer.people.timeline.MERGES",
    )
    permissions = {
        "contacts.view": EVERYONE,
        "contacts.export": ANALYSTS,
        "contacts.import": MANAGERS,
        "locations.manage": MANAGERS,
    }
    nav = (
        NavItem("Contacts", "contacts", "contacts.view", order=20),
        NavItem(
            "Location settings", "location-list", "locations.manage", order=22, group="settings"
        ),
    )
