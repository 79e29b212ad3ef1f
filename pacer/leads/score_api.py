"""Score rules and thresholds over the REST API (``/api/leads/settings/score-rules``,
``/api/leads/settings/score-thresholds``): the same actions as the scoring settings page
(``pacer.leads.score_rules``, ``pacer.leads.thresholds``)."""

from typing import Literal

from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id, finite, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.leads import score_rules, thresholds
from pacer.leads.models import ScoreRule
from pacer.leads.stages import stages

router = Router(tags=["leads"])

ScoreWeekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ScoreRuleIn(Schema):
    name: text(100, min_length=1)
    kind: Literal[tuple(score_rules.KINDS)] = Field(
        description="fit: a field's value; behaviour: each event, decaying; arrival: when "
        "the lead arrived"
    )
    points: finite(ge=-score_rules.MAX_POINTS, le=score_rules.MAX_POINTS) = Field(
        description="added to the score when the rule matches (negative: taken off); not 0"
    )
    field: text(40) = Field(
        "", description="fit: a lead field (form, channel, source), a contact field or a trait"
    )
    value: text(200) = Field("", description="fit: the value it must equal; empty: is set")
    event: text(200) = Field("", description="behaviour: the event's name")
    half_life_days: finite(gt=0, le=score_rules.MAX_HALF_LIFE_DAYS) | None = Field(
        None, description="behaviour: points halve every this many days; none: no decay"
    )
    weekdays: list[ScoreWeekday] = Field(
        [], max_length=7, description="arrival: days of arrival in the location's zone"
    )
    hour_from: int | None = Field(None, ge=0, le=23, description="arrival: from this hour")
    hour_to: int | None = Field(
        None, ge=1, le=24, description="arrival: to before this hour; 22 to 6 crosses midnight"
    )
    arrived: Literal["", "open", "closed"] = Field(
        "", description="arrival: inside (open) or outside (closed) the opening hours"
    )


class ScoreRuleOut(ScoreRuleIn):
    id: int


def _rule(request, rule_id: int) -> dict:
    for row in score_rules.score_rule_rows(request.workspace):
        if row["id"] == rule_id:
            return row
    raise NotFound("rule_id", "no such score rule in this workspace")


@router.get("/settings/score-rules", response={200: list[ScoreRuleOut], **ERRORS})
@endpoint("leads.configure")
def list_score_rules(request):
    return score_rules.score_rule_rows(request.workspace)


@router.post("/settings/score-rules", response={201: ScoreRuleOut, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def add_score_rule(request, payload: ScoreRuleIn):
    """Add a score rule; leads' scores show it at their next rescore."""
    rule = score_rules.save_score_rule(request.workspace, payload.dict(), actor=request.user)
    return Status(201, _rule(request, rule.pk))


@router.put(
    "/settings/score-rules/{rule_id}",
    response={200: ScoreRuleOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.configure")
def change_score_rule(request, rule_id: Id, payload: ScoreRuleIn):
    """Replace a score rule's fields."""
    _rule(request, rule_id)
    score_rules.save_score_rule(
        request.workspace, payload.dict(), rule_id=rule_id, actor=request.user
    )
    return _rule(request, rule_id)


@router.delete("/settings/score-rules/{rule_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def remove_score_rule(request, rule_id: Id):
    if not ScoreRule.objects.filter(workspace=request.workspace, pk=rule_id).exists():
        raise NotFound("rule_id", "no such score rule in this workspace")
    score_rules.remove_score_rule(request.workspace, rule_id, actor=request.user)
    return Status(204, None)


class ScoreThresholdIn(Schema):
    to_stage: text(40, min_length=1) = Field(
        description="the stage it moves to: later in the stage list, not a lost stage"
    )
    score: finite(ge=-thresholds.MAX_SCORE, le=thresholds.MAX_SCORE) = Field(
        description="a lead whose rule score reaches it moves at its next rescore"
    )


class ScoreThresholdOut(ScoreThresholdIn):
    from_stage: str = Field(description="an open stage; one threshold each")


@router.get("/settings/score-thresholds", response={200: list[ScoreThresholdOut], **ERRORS})
@endpoint("leads.configure")
def list_score_thresholds(request):
    """The thresholds, lowest score first (the order a rescore applies them in)."""
    return thresholds.threshold_rows(request.workspace)


@router.put(
    "/settings/score-thresholds/{from_stage}",
    response={200: ScoreThresholdOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.configure")
def set_score_threshold(request, from_stage: text(40, min_length=1), payload: ScoreThresholdIn):
    """Set the threshold of leads in ``from_stage`` (an open stage), replacing the one it
    has; 404 for a stage the workspace does not have."""
    if from_stage not in {stage.key for stage in stages(request.workspace)}:
        raise NotFound("from_stage", "no such stage in this workspace")
    made = thresholds.set_threshold(
        request.workspace, {"from_stage": from_stage, **payload.dict()}, actor=request.user
    )
    return {"from_stage": made.from_stage, "to_stage": made.to_stage, "score": made.score}


@router.delete(
    "/settings/score-thresholds/{from_stage}", response={204: None, **ERRORS, **NOT_FOUND}
)
@endpoint("leads.configure")
def remove_score_threshold(request, from_stage: text(40, min_length=1)):
    rows = thresholds.threshold_rows(request.workspace)
    if not any(row["from_stage"] == from_stage for row in rows):
        raise NotFound("from_stage", "this stage has no score threshold")
    thresholds.remove_threshold(request.workspace, from_stage, actor=request.user)
    return Status(204, None)
