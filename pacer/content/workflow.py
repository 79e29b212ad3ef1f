"""The default editorial workflow and the checks of a configured one."""

import re

from pacer.core.errors import ValidationFailed

STATE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
IN_REVIEW = "in_review"  # the default workflow's review state
PUBLISHED = "published"  # entering it hands the item to its channel
SCHEDULED = "scheduled"  # entering it needs a day to publish on
# states that must need approval wherever a workflow has them: nothing is scheduled or
# published without its approvals
GATED = (SCHEDULED, PUBLISHED)

DEFAULT_STATES = [
    {"key": "idea", "label": "Idea", "needs_approval": False},
    {"key": "draft", "label": "Draft", "needs_approval": False},
    {"key": IN_REVIEW, "label": "In review", "needs_approval": False, "review": True},
    {"key": "approved", "label": "Approved", "needs_approval": True},
    {"key": SCHEDULED, "label": "Scheduled", "needs_approval": True},
    {"key": PUBLISHED, "label": "Published", "needs_approval": True},
    {"key": "archived", "label": "Archived", "needs_approval": False},
]
DEFAULT_TRANSITIONS = {
    "idea": ["draft", "archived"],
    "draft": [IN_REVIEW, "archived"],
    IN_REVIEW: ["draft", "approved"],
    "approved": ["draft", SCHEDULED, PUBLISHED],
    SCHEDULED: ["draft", "approved", PUBLISHED],
    PUBLISHED: ["archived"],
    "archived": ["draft"],
}
MAX_STATES = 20


def check_workflow(states, transitions) -> tuple[list[dict], dict[str, list[str]]]:
    """The workflow cleaned, or ``ValidationFailed`` naming ``states`` or ``transitions``."""
    if not isinstance(states, list) or not 2 <= len(states) <= MAX_STATES:
        raise ValidationFailed({"states": f"need 2-{MAX_STATES} states"})
    cleaned = []
    for index, state in enumerate(states):
        key = state.get("key") if isinstance(state, dict) else None
        label = state.get("label", "") if isinstance(state, dict) else ""
        if not isinstance(key, str) or not STATE_KEY.match(key):
            raise ValidationFailed(
                {f"states[{index}].key": "1-40 lowercase letters, digits or '_', from a letter"}
            )
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 60:
            raise ValidationFailed({f"states[{index}].label": "must be 1-60 characters"})
        review = bool(state.get("review", key == IN_REVIEW))
        if review and state.get("needs_approval"):
            raise ValidationFailed(
                {f"states[{index}].review": "a review state cannot need approval itself"}
            )
        cleaned.append(
            {
                "key": key,
                "label": label.strip(),
                "needs_approval": bool(state.get("needs_approval")),
                "review": review,
            }
        )
    keys = [s["key"] for s in cleaned]
    if len(set(keys)) != len(keys):
        raise ValidationFailed({"states": "keys must be different"})
    for state in cleaned:
        if state["key"] in GATED and not state["needs_approval"]:
            raise ValidationFailed({"states": f"'{state['key']}' must need approval"})
    if not isinstance(transitions, dict):
        raise ValidationFailed({"transitions": "must map a state to the states it may move to"})
    moves: dict[str, list[str]] = {}
    for source, targets in transitions.items():
        if source not in keys:
            raise ValidationFailed({"transitions": f"'{source}' is not a state"})
        if not isinstance(targets, list) or any(t not in keys or t == source for t in targets):
            raise ValidationFailed(
                {f"transitions.{source}": "must list other states of this workflow"}
            )
        moves[source] = list(dict.fromkeys(targets))
    return cleaned, moves


def from_rows(rows: list[dict]) -> tuple[list[dict], dict[str, list[str]]]:
    """A workflow from the editor's rows, in order: ``[{"key", "label", "needs_approval",
    "review", "terminal", "moves_to": [key, ...]}]``. A terminal state has no moves out;
    a row that says it is not terminal (``terminal`` False, not omitted) needs one.
    ``ValidationFailed`` names ``states[i].<field>``; then ``check_workflow``'s rules."""
    if not isinstance(rows, list) or not 2 <= len(rows) <= MAX_STATES:
        raise ValidationFailed({"states": f"need 2-{MAX_STATES} states"})
    keys = {row.get("key") for row in rows if isinstance(row, dict)}
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        moves = row.get("moves_to") or [] if isinstance(row, dict) else []
        unknown = [str(target) for target in moves if target not in keys]
        if unknown:
            errors[f"states[{index}].moves_to"] = f"'{unknown[0]}' is not a state of this workflow"
        elif row.get("key") in moves:
            errors[f"states[{index}].moves_to"] = "a state cannot move to itself"
        elif row.get("terminal") is True and moves:
            errors[f"states[{index}].moves_to"] = "a terminal state has no moves out"
        elif row.get("terminal") is False and not moves:
            errors[f"states[{index}].moves_to"] = (
                "name the states it may move to, or mark it terminal"
            )
    if errors:
        raise ValidationFailed(errors)
    states = [
        {k: row.get(k) for k in ("key", "label", "needs_approval", "review") if k in row}
        for row in rows
    ]
    return check_workflow(states, {row["key"]: list(row.get("moves_to") or []) for row in rows})
