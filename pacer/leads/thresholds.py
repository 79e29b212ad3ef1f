"""Score thresholds as a manager sets them: a lead in ``from_stage`` whose rule score
reaches ``score`` moves to ``to_stage`` at its next rescore (``pacer.leads.scoring``),
recorded in its history as moved by ``rule:score>=N``. One threshold per stage a lead
moves from; ``to_stage`` comes later in the stage list and is not a lost stage (a lost
stage needs a reason a score cannot give). Each refusal is named by its field, the
stages in it by their labels (as the page shows them), with nothing written; each write
is audited (``leads.score_threshold``)."""

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.leads.models import ScoreThreshold, StageKind
from pacer.leads.score_rules import MAX_POINTS, MAX_SCORE_RULES, typed_number
from pacer.leads.stages import stages

MAX_SCORE = MAX_POINTS * MAX_SCORE_RULES  # the most a lead can score


def threshold_rows(workspace: Workspace) -> list[dict]:
    """The workspace's thresholds, lowest score first (the order they are applied in)."""
    return list(
        ScoreThreshold.objects.filter(workspace=workspace)
        .order_by("score", "from_stage")
        .values("from_stage", "to_stage", "score")
    )


def _checked(workspace: Workspace, data: Mapping) -> dict:
    errors: dict[str, str] = {}
    listed = stages(workspace)
    place = {stage.key: n for n, stage in enumerate(listed)}
    kinds = {stage.key: stage.kind for stage in listed}
    labels = {stage.key: stage.label for stage in listed}  # what the user sees, not keys
    from_stage, to_stage = data.get("from_stage"), data.get("to_stage")
    opened = [stage.key for stage in listed if stage.kind == StageKind.OPEN]
    if from_stage not in opened:
        errors["from_stage"] = f"must be an open stage: {', '.join(labels[k] for k in opened)}"
    if to_stage not in place:
        errors["to_stage"] = f"must be a stage: {', '.join(labels.values())}"
    elif kinds[to_stage] == StageKind.LOST:
        errors["to_stage"] = (
            f"must not be {labels[to_stage]}, a lost stage (it needs a reason a score cannot give)"
        )
    elif from_stage in opened and place[to_stage] <= place[from_stage]:
        errors["to_stage"] = f"must come after {labels[from_stage]} in the stage list"
    score = typed_number(
        data.get("score"), "score", errors, low=-MAX_SCORE, high=MAX_SCORE, required=True
    )
    if errors:
        raise ValidationFailed(errors)
    return {"from_stage": from_stage, "to_stage": to_stage, "score": score}


@transaction.atomic
def set_threshold(workspace: Workspace, data: Mapping, *, actor=None) -> ScoreThreshold:
    """Set the threshold of ``data["from_stage"]`` (``to_stage``, ``score``; the score
    may come as text), replacing the one that stage has."""
    row = _checked(workspace, data)
    found = ScoreThreshold.objects.select_for_update().filter(
        workspace=workspace, from_stage=row["from_stage"]
    )
    threshold = found.first()
    if threshold is None:
        try:
            with transaction.atomic():
                threshold = ScoreThreshold.objects.create(workspace=workspace, **row)
            audit.record(workspace, "leads.score_threshold", threshold, actor=actor, after=row)
            return threshold
        except IntegrityError:  # another request set this stage's meanwhile: replace it
            threshold = found.get()
    before = {key: getattr(threshold, key) for key in row}
    for key, value in row.items():
        setattr(threshold, key, value)
    threshold.save()
    audit.record(
        workspace, "leads.score_threshold", threshold, actor=actor, before=before, after=row
    )
    return threshold


@transaction.atomic
def remove_threshold(workspace: Workspace, from_stage: str, *, actor=None) -> None:
    threshold = (
        ScoreThreshold.objects.select_for_update()
        .filter(workspace=workspace, from_stage=from_stage)
        .first()
    )
    if threshold is None:
        raise ValidationFailed({"from_stage": "this stage has no score threshold"})
    before = {key: getattr(threshold, key) for key in ("from_stage", "to_stage", "score")}
    audit.record(workspace, "leads.score_threshold", threshold, actor=actor, before=before)
    threshold.delete()
