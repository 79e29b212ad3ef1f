"""Reads for campaigns and spend."""

from pacer.core.models import Workspace
from pacer.planning.models import SpendEntry


def has_spend(workspace: Workspace) -> bool:
    return SpendEntry.objects.filter(workspace=workspace).exists()
