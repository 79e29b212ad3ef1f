"""The lead stages a workspace uses: its own list, or the defaults."""

from dataclasses import dataclass

from pacer.core.models import Workspace
from pacer.leads.models import LeadStage, StageKind


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    kind: str = StageKind.OPEN


DEFAULT_STAGES = (
    Stage("subscriber", "Subscriber"),
    Stage("lead", "Lead"),
    Stage("mql", "Marketing qualified lead"),
    Stage("sql", "Sales qualified lead"),
    Stage("opportunity", "Opportunity"),
    Stage("customer", "Customer", StageKind.WON),
    Stage("disqualified", "Disqualified", StageKind.LOST),
)
NEW_LEAD_STAGE = "lead"


def stages(workspace: Workspace) -> list[Stage]:
    """The workspace's stages in order (the defaults until it sets its own)."""
    own = [
        Stage(row.key, row.label, row.kind)
        for row in LeadStage.objects.filter(workspace=workspace).order_by("position")
    ]
    return own or list(DEFAULT_STAGES)


def open_stages(workspace: Workspace) -> list[str]:
    """Keys of the stages a lead is still being worked in (neither won nor lost)."""
    return [stage.key for stage in stages(workspace) if stage.kind == StageKind.OPEN]


def first_open_stage(workspace: Workspace) -> str:
    """Where a new lead starts: "lead" when the workspace has it, else its first open stage."""
    listed = stages(workspace)
    keys = [s.key for s in listed]
    if NEW_LEAD_STAGE in keys:
        return NEW_LEAD_STAGE
    return next(s.key for s in listed if s.kind == StageKind.OPEN)
