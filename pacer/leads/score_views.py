"""The lead scoring settings page: the workspace's score rules (fit, behaviour and
arrival) in a table, and a form per rule; the score thresholds that move a lead's stage,
with a form to set one (``pacer.leads.thresholds``). Every write goes through
``pacer.leads.score_rules``; a refusal re-renders the form with each reason under its
field, 422, nothing written."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.leads import rules, score_rules, thresholds
from pacer.leads.models import StageKind
from pacer.leads.stages import stages
from pacer.web.tables import Column, Table

FORM_KEYS = ("name", "kind", "points", "field", "value", "event", "half_life_days")


@page("leads.configure")
def scoring_settings(request):
    typed, errors = {}, {}
    if request.method == "POST" and request.POST.get("form") == "threshold":
        typed = {key: request.POST.get(key, "") for key in ("from_stage", "to_stage", "score")}
        try:
            made = thresholds.set_threshold(request.workspace, typed, actor=request.user)
        except ValidationFailed as error:
            errors = error.errors
        else:
            messages.success(
                request, f"Leads in {made.from_stage} move to {made.to_stage} at {made.score:g}."
            )
            return redirect("lead-scoring")
    rows = [
        {**row, "kind_label": score_rules.KINDS[row["kind"]], "rewards": score_rules.describe(row)}
        for row in score_rules.score_rule_rows(request.workspace)
    ]
    table = Table(
        request,
        rows,
        [
            Column(
                "name",
                "Rule",
                sortable=True,
                href=lambda row: reverse("lead-score-rule", args=[row["id"]]),
            ),
            Column("kind_label", "Kind", sortable=True),
            Column("rewards", "Gives its points when"),
            Column("points", "Points", format="decimal", sortable=True),
        ],
        default_sort="name",
        prefix="score-",
        caption="Score rules: a lead's rule score is the sum of the points of those it matches",
        empty_title="No score rules.",
        empty_hint="Without rules every lead scores 0 and no threshold moves it.",
    )
    listed = stages(request.workspace)
    labels = {stage.key: stage.label for stage in listed}
    set_ones = thresholds.threshold_rows(request.workspace)
    context = {
        "rules": table,
        "thresholds": _threshold_table(request, set_ones, labels),
        "threshold_rows": [
            {**row, "from_label": labels.get(row["from_stage"], row["from_stage"])}
            for row in set_ones
        ],
        "form": typed,
        "errors": errors,
        "from_options": [
            ("", "choose a stage"),
            *((s.key, s.label) for s in listed if s.kind == StageKind.OPEN),
        ],
        "to_options": [
            ("", "choose a stage"),
            *((s.key, s.label) for s in listed if s.kind != StageKind.LOST),
        ],
    }
    return render(request, "leads/scoring.html", context, status=422 if errors else 200)


def _threshold_table(request, rows: list[dict], labels: dict[str, str]) -> Table:
    return Table(
        request,
        [{**row, "pk": row["from_stage"]} for row in rows],
        [
            Column("from_stage", "Leads in", labels=labels),
            Column("score", "Reaching a score of", format="decimal"),
            Column("to_stage", "Move to", labels=labels),
        ],
        default_sort="score",
        prefix="threshold-",
        caption="Score thresholds, lowest first (the order a rescore applies them in)",
        empty_title="No score thresholds.",
        empty_hint="Without them a score moves no lead; set one below.",
        html_id="score-thresholds",
    )


def _rule_page(request, rule_id, form, errors, status=200):
    context = {
        "rule_id": rule_id,
        "form": form,
        "errors": errors,
        "kinds": [("", "choose a kind"), *score_rules.KINDS.items()],
        "days": list(score_rules.DAY_NAMES.items()),
        "chosen_days": form.get("weekdays") or [],
        "arrivals": [("", "any time"), *((k, f"arriving {v}") for k, v in rules.ARRIVED.items())],
    }
    return render(request, "leads/score_rule_form.html", context, status=status)


def _shown(value) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _rule_edit(request, rule_id: int | None):
    workspace = request.workspace
    row = None
    if rule_id is not None:
        row = next((r for r in score_rules.score_rule_rows(workspace) if r["id"] == rule_id), None)
        if row is None:
            raise Http404("no such score rule")
    if request.method == "POST":
        post = request.POST
        data = {key: post.get(key, "") for key in FORM_KEYS} | {
            "weekdays": post.getlist("weekdays"),
            "hour_from": post.get("hour_from", ""),
            "hour_to": post.get("hour_to", ""),
            "arrived": post.get("arrived", ""),
        }
        try:
            saved = score_rules.save_score_rule(
                workspace, data, rule_id=rule_id, actor=request.user
            )
        except ValidationFailed as error:
            return _rule_page(request, rule_id, data, error.errors, status=422)
        messages.success(request, f"Score rule '{saved.name}' saved.")
        return redirect("lead-scoring")
    form = {} if row is None else {key: _shown(value) for key, value in row.items()}
    if row is not None:
        form["weekdays"] = row["weekdays"]
    return _rule_page(request, rule_id, form, {})


@page("leads.configure")
def score_rule_new(request):
    return _rule_edit(request, None)


@page("leads.configure")
def score_rule_edit(request, rule_id: int):
    return _rule_edit(request, rule_id)


@require_POST
@page("leads.configure")
def score_rule_delete(request, rule_id: int):
    try:
        score_rules.remove_score_rule(request.workspace, rule_id, actor=request.user)
    except ValidationFailed:
        raise Http404("no such score rule") from None
    messages.success(request, "Score rule removed.")
    return redirect("lead-scoring")


@require_POST
@page("leads.configure")
def threshold_delete(request, from_stage: str):
    try:
        thresholds.remove_threshold(request.workspace, from_stage, actor=request.user)
    except ValidationFailed:
        raise Http404("no such score threshold") from None
    messages.success(request, "Score threshold removed.")
    return redirect("lead-scoring")
