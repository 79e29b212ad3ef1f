"""Team scoping of the plans timeline, budgets and spend pages: a node belongs to its
team, or (without one) to its nearest ancestor's; a member of teams sees their teams'
nodes by default, an admin or a member of no team sees all. The page's ``team`` filter
(kept in the URL) chooses ``mine``, ``all`` or one team by key. A budget line belongs to
its own team, else to its node's."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.roles import Role
from pacer.planning.models import PlanNode
from pacer.teams import selectors as teams
from pacer.web.filters import Choice

MINE, ALL = "mine", "all"


def node_teams(workspace: Workspace) -> dict[int, int | None]:
    """Each node's team id: its own, else its nearest ancestor's (None: no team)."""
    rows = PlanNode.objects.filter(workspace=workspace).values_list("pk", "parent_id", "team_id")
    parents = {pk: parent for pk, parent, _ in rows}
    own = {pk: team for pk, _, team in rows}
    found: dict[int, int | None] = {}
    for node_id in parents:
        path, current = [], node_id
        while current is not None and current not in found and len(path) <= len(parents):
            if own[current] is not None:
                found[current] = own[current]
                break
            path.append(current)
            current = parents.get(current)
        team = found.get(current) if current is not None else None
        for passed in path:
            found[passed] = team
    return found


def lines_of_teams(node_ids: set[int], team_ids: set[int], prefix: str = "") -> Q:
    """The budget lines (``prefix``: the path to them, such as ``source__``) that belong to
    one of ``team_ids``: by their own team, else (none) by their node's (``node_ids``, from
    ``nodes_of_teams``)."""
    return Q(**{f"{prefix}team_id__in": sorted(team_ids)}) | Q(
        **{f"{prefix}team_id": None, f"{prefix}node_id__in": sorted(node_ids)}
    )


def nodes_of_teams(workspace: Workspace, team_ids: set[int]) -> set[int]:
    """The ids of the nodes that belong to one of ``team_ids``."""
    return {node_id for node_id, team in node_teams(workspace).items() if team in team_ids}


def team_lines(workspace: Workspace, team_ids: set[int] | None, prefix: str = "") -> Q | None:
    """The budget lines of ``team_ids`` (``lines_of_teams``; None: every line)."""
    if team_ids is None:
        return None
    return lines_of_teams(nodes_of_teams(workspace, team_ids), team_ids, prefix)


@dataclass
class TeamScope:
    """The team filter of a page (``choice``, for its filter bar) and what it chose."""

    choice: Choice
    mine: list[str]  # the names of the viewer's teams
    own: set[int]  # their ids

    @property
    def value(self) -> str:
        return self.choice.selected

    @property
    def label(self) -> str:
        """What the page is computed on, in words: "your teams (Brand, Content)", "every
        team" or one team's name."""
        if self.value == MINE:
            return f"your teams ({', '.join(self.mine)})"
        if self.value == ALL:
            return "every team"
        return dict(self.choice.options).get(self.value, self.value)

    def team_ids(self, workspace: Workspace) -> set[int] | None:
        """The teams shown (None: every team, and the nodes of none)."""
        if self.value == ALL:
            return None
        if self.value == MINE:
            return set(self.own)
        team = teams.team_by_key(workspace, self.value)
        return {team.pk} if team else set()

    def lines(self, workspace: Workspace, prefix: str = "") -> Q | None:
        """The budget lines shown (``team_lines``; None: all of them)."""
        return team_lines(workspace, self.team_ids(workspace), prefix)

    def node_ids(self, workspace: Workspace) -> set[int] | None:
        """The nodes shown (None: all of them)."""
        team_ids = self.team_ids(workspace)
        return None if team_ids is None else nodes_of_teams(workspace, team_ids)


def team_filter(request) -> TeamScope:
    """The ``team`` filter for the viewer: ``mine`` by default for a member of teams who
    is not an admin, ``all`` otherwise; read its choice after the filter bar parsed it."""
    workspace = request.workspace
    own = teams.team_ids_of(workspace, request.user.pk)
    found = teams.teams_by_id(workspace)
    mine = sorted(found[i].name for i in own if i in found)
    options = [(MINE, "My teams")] if own else []
    options += [(ALL, "All teams"), *teams.team_choices(workspace)]
    default = MINE if own and request.role != Role.ADMIN else ALL
    return TeamScope(Choice("team", "Team", options, default=default), mine, own)


def scoped_address(url_name: str, *args: object, team: str = "", **params: object) -> str:
    """The address of the page ``url_name`` (``args``: its URL's, such as a node's id)
    at the ``team`` filter's choice (none: the page's default, left out) and with the
    other parameters ``params`` (those empty or None left out), ``team`` last: the one
    way the planning pages build a link, form action or redirect that keeps a team."""
    query = {name: str(value) for name, value in params.items() if value not in ("", None)}
    if team:
        query["team"] = team
    return reverse(url_name, args=args) + (f"?{urlencode(query)}" if query else "")


def kept_team(request, scope: TeamScope | None = None) -> str:
    """The team choice a page's links and redirects keep: the one its URL made ("" when
    it made none: the next page has the same default), as ``scope`` read it when given
    (an unknown choice is then the default it fell back to)."""
    if "team" not in request.GET:
        return ""
    return scope.value if scope is not None else request.GET["team"]


def chosen_team_ids(workspace: Workspace, user_id: int, role: str, choice: str) -> set[int] | None:
    """The teams whose money a reader (not a page) sees for the ``team`` choice: ""
    (the default: ``mine`` for a member of teams who is not an admin, else ``all``),
    ``mine``, ``all`` (None: every team and none), or a team's key (``ValidationFailed``
    naming ``team`` for an unknown one)."""
    own = teams.team_ids_of(workspace, user_id)
    choice = choice or (MINE if own and role != Role.ADMIN else ALL)
    if choice == ALL:
        return None
    if choice == MINE:
        return set(own)
    team = teams.team_by_key(workspace, choice)
    if team is None:
        raise ValidationFailed({"team": f"must be mine, all or a team's key; no team {choice!r}"})
    return {team.pk}


@dataclass
class Owner:
    """The team a node's money counts for (``node_teams``), and the node it is set on
    (the node itself, or the nearest ancestor with a team)."""

    key: str
    name: str
    set_on: PlanNode


# the pages a team's scoped view has, by URL name and label
SCOPED_PAGES = (
    ("plans", "Plan tree"),
    ("plan-timeline", "Timeline"),
    ("budgets", "Budgets"),
    ("spend", "Spend"),
    ("plan-report", "Planned vs actual"),
    ("plan-results", "Results"),
    ("budget-close", "Monthly close"),
    ("vendor-scorecards", "Agency scorecards"),
)


def owner_of(workspace: Workspace, node: PlanNode) -> Owner | None:
    """The team that owns ``node``: its own, else its nearest ancestor's (None: none)."""
    current: PlanNode | None = node
    seen = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.team_id is not None:
            team = teams.teams_by_id(workspace, {current.team_id}).get(current.team_id)
            return Owner(team.key, team.name, current) if team else None
        current = current.parent
    return None


def reader_team_ids(request, choice: str) -> set[int] | None:
    """``chosen_team_ids`` for the reader of an API request (its user, else nobody's
    teams: every team's money by default)."""
    user_id = getattr(request.user, "pk", None)
    return chosen_team_ids(request.workspace, user_id, request.role, choice)


def label_teams(workspace: Workspace, nodes) -> None:
    """Give each node ``team_key`` and ``team_name`` (its own team's; "" for none)."""
    found = teams.teams_by_id(workspace, {n.team_id for n in nodes})
    for node in nodes:
        team = found.get(node.team_id)
        node.team_key, node.team_name = (team.key, team.name) if team else ("", "")
