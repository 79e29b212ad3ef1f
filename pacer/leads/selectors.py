"""Reads of the leads domain: lists, one lead with its history, and the stage funnel."""

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db.models import QuerySet

from pacer.core.models import Workspace
from pacer.leads.models import Lead, StageChange
from pacer.leads.stages import stages


def leads(workspace: Workspace, *, stage: str = "") -> QuerySet[Lead]:
    """The workspace's leads, newest first (optionally in one stage)."""
    found = Lead.objects.filter(workspace=workspace)
    if stage:
        found = found.filter(stage=stage)
    return found.order_by("-created_at", "-id")


def lead(workspace: Workspace, lead_id: int) -> Lead | None:
    return Lead.objects.filter(workspace=workspace, pk=lead_id).first()


def history(workspace: Workspace, lead_id: int) -> list[StageChange]:
    return list(StageChange.objects.filter(workspace=workspace, lead_id=lead_id))


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    reached: int  # leads created in the period that were ever in this stage or a later one
    conversion: float | None  # reached / reached of the step before (None for the first)
    median_hours_from_previous: float | None  # among leads that reached both


def funnel(workspace: Workspace, start: datetime, end: datetime) -> list[FunnelStep]:
    """Each open or won stage in order: how many leads created in ``[start, end)`` reached
    it, the conversion from the stage before, and the median time from the stage before.

    A lead that skipped a stage (moved straight from lead to SQL) counts as having reached
    the stages it skipped, at the time it passed them; lost stages are not steps.
    """
    steps = [s.key for s in stages(workspace) if s.kind != "lost"]
    order = {key: index for index, key in enumerate(steps)}
    reached_at: dict[int, dict[int, datetime]] = {}
    changes = StageChange.objects.filter(
        workspace=workspace, lead__created_at__gte=start, lead__created_at__lt=end
    ).values_list("lead_id", "to_stage", "at")
    for lead_id, to_stage, at in changes.order_by("at", "id"):
        if to_stage not in order:
            continue
        times = reached_at.setdefault(lead_id, {})
        for index in range(order[to_stage] + 1):
            times.setdefault(index, at)
    result = []
    for index, key in enumerate(steps):
        reached = [times for times in reached_at.values() if index in times]
        before = [times for times in reached_at.values() if index - 1 in times]
        gaps = [
            (times[index] - times[index - 1]).total_seconds() / 3600
            for times in reached
            if index > 0 and index - 1 in times
        ]
        result.append(
            FunnelStep(
                stage=key,
                reached=len(reached),
                conversion=len(reached) / len(before) if index and before else None,
                median_hours_from_previous=median(gaps) if gaps else None,
            )
        )
    return result
