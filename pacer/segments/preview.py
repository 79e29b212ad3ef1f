"""A definition's count and a sample of its contacts, while it is being edited."""

from datetime import datetime

from pacer.core.models import Workspace
from pacer.people import selectors as people
from pacer.segments import actions, evaluation

SAMPLE = 10


def preview(
    workspace: Workspace, definition, *, now: datetime, segment_id: int | None = None
) -> tuple[int, list[dict]]:
    """(how many contacts match, the newest ``SAMPLE`` of them), or ``ValidationFailed``
    naming the offending nodes."""
    tree = actions.validated(workspace, segment_id, definition)
    matched = evaluation.members(workspace, tree, now=now, resolve=actions.resolver(workspace))
    newest = sorted(matched, reverse=True)[:SAMPLE]
    found = people.contact_summaries(workspace, newest)
    return len(matched), [found[c] for c in newest if c in found]
