"""The seams every domain plugs into (ADR 0003).

A domain is a Django app whose ``AppConfig`` subclasses ``DomainConfig`` and declares its
surface as class attributes: its page URLs, its REST router, its CLI commands, its
warehouse tables, its background loops, its permissions and its navigation entries.
The shared pieces (``pacer.urls``, ``pacer.api``, ``pacer.cli``, the warehouse sync, the
worker, the permission gate, the base template) read these registries; adding a domain
edits none of them, only ``INSTALLED_APPS``.

Everything is named by dotted path and imported on first use, so declaring a surface
costs nothing at start-up and import cycles between domains cannot arise here.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module

from django.apps import AppConfig, apps


def load(path: str):
    """The object at ``"package.module.attribute"`` (or the module at a module path)."""
    module, _, attribute = path.rpartition(".")
    try:
        return getattr(import_module(module), attribute)
    except (AttributeError, ModuleNotFoundError):
        return import_module(path)


# The sections of the navigation, in the order shown, with their headings ("main" has none).
NAV_GROUPS = {
    "main": "",
    "measure": "Measure",
    "engage": "Engage",
    "plan": "Plan & spend",
    "teams": "Teams",
    "work": "Work & content",
    "settings": "Settings",
}


@dataclass(frozen=True)
class NavItem:
    """A link in the top navigation: shown to roles holding ``permission``."""

    label: str
    url_name: str
    permission: str
    order: int = 50
    group: str = "main"  # a key of NAV_GROUPS: the section of the navigation it sits in
    # dotted path of a function ``(request) -> int``: a count shown beside the link (an
    # unread count; 0 shows none). One call per page shown, so keep it to one query.
    badge: str = ""

    def __post_init__(self):
        # checked when the domain's apps.py is imported, so a misspelt section stops the
        # start-up instead of the link silently vanishing from the navigation
        if self.group not in NAV_GROUPS:
            raise ValueError(
                f"NavItem {self.label!r}: group {self.group!r} is not one of {list(NAV_GROUPS)}"
            )


@dataclass(frozen=True)
class Loop:
    """Background work the worker runs every ``seconds`` (each in its own thread).

    ``function`` is a dotted path to a callable taking no arguments; it returns how much
    it did (a number), and a loop whose run did something is run again at once.
    """

    name: str
    function: str
    seconds: float | str  # a number, or the name of a setting holding it


@dataclass(frozen=True)
class MemberNote:
    """What a domain says of a member on the Members page, under their name: ``text``
    (linked to ``url`` when given; "Login of Franchise Berlin") and a ``warning`` shown
    strong (why they are suspended, or what an admin should do), "" when none."""

    text: str
    url: str = ""
    warning: str = ""


class DomainConfig(AppConfig):
    """An app that registers its surface with the shared registries."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = True  # Django picks the domain's config, not this base, in apps.py

    # dotted path of a urls module whose ``urlpatterns`` are mounted at the site root
    urls: str | None = None
    # (prefix, dotted path of a ninja Router) pairs mounted under /api/
    api: tuple[tuple[str, str], ...] = ()
    # dotted path of a module with ``register(commands)`` (see pacer.core.commands)
    cli: str | None = None
    # dotted paths of pacer.warehouse.tables.TableSpec objects this domain owns
    warehouse_tables: tuple[str, ...] = ()
    # dotted paths of functions of the warehouse store run after a sync that changed rows
    warehouse_refreshers: tuple[str, ...] = ()
    # dotted paths of tasks queued after a sync that changed rows (slower refits that the
    # sync does not wait for; each must be idempotent per snapshot)
    after_sync_tasks: tuple[str, ...] = ()
    # background loops the worker runs
    loops: tuple[Loop, ...] = ()
    # permission -> the roles that hold it (asked through pacer.core.permissions)
    permissions: dict[str, tuple[str, ...]] = {}
    # role -> dotted path of a function ``(workspace, user) -> str``: why a member holding
    # that role may not come in now ("" when they may). The gate asks it at sign-in, on
    # every request of a session, for every API token and every ``--as``.
    suspensions: dict[str, str] = {}
    # dotted paths of functions ``(workspace, user, role) -> str``: why ``user`` may not be
    # given ``role`` in ``workspace`` now ("" when they may; a partner's login keeps the
    # partner role). ``pacer.core.actions.set_role`` asks them whenever a role changes or a
    # person joins, so a role change cannot step around a suspension.
    role_checks: tuple[str, ...] = ()
    # dotted paths of functions ``(workspace, memberships) -> {user_id: MemberNote}``: what
    # the Members page says of some members (a partner's login: of which partner)
    member_notes: tuple[str, ...] = ()
    nav: tuple[NavItem, ...] = ()
    # dotted paths of models with a ``contact`` foreign key whose rows follow a merge
    contact_rows: tuple[str, ...] = ()
    # dotted paths of pacer.core.timeline.TimelineSource objects: what this domain adds to
    # a contact's timeline on the contact page
    timeline_sources: tuple[str, ...] = ()
    # dotted paths of functions ``(workspace, contact_ids) -> {"app.model": QuerySet}``: a
    # person's rows keyed to them through this domain's own rows (not by a ``contact``
    # foreign key), which a privacy export reads and an erasure deletes
    person_rows: tuple[str, ...] = ()
    # dotted paths of change-feed subscribers (pacer.core.feed.Subscriber instances)
    subscribers: tuple[str, ...] = ()
    # dotted paths of ASGI middleware classes (``Wrapper(app)``) around the whole site, in
    # domain order, outermost last
    asgi_wrappers: tuple[str, ...] = ()


def domains() -> Iterator[DomainConfig]:
    """The installed domains, in ``INSTALLED_APPS`` order."""
    for config in apps.get_app_configs():
        if isinstance(config, DomainConfig):
            yield config


def collect(attribute: str) -> list:
    """Every domain's entries for a tuple-valued surface attribute, in domain order."""
    return [item for config in domains() for item in getattr(config, attribute)]


def loaded(attribute: str) -> list:
    """``collect(attribute)`` with each dotted path imported."""
    return [load(path) for path in collect(attribute)]


# Imported into every apps.py beside the domain's own config: not a candidate itself.
DomainConfig.default = False
