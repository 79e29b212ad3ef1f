"""``pacer import-leads FILE``: leads from a CSV file, all or nothing;
``pacer lead-locating FILE``: how new leads find their location (a JSON file);
``pacer lead-routing FILE``: the routing rules (a JSON file);
``pacer lead-model``: the predictive score's last fit beside the rule score."""

import argparse
import json
from pathlib import Path

from pacer.core.commands import fail, print_rows, workspace_named


def import_leads(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from pacer.core.errors import ValidationFailed
    from pacer.leads.actions import capture_rows
    from pacer.leads.lead_csv import read_rows

    path = Path(args.file)
    if not path.is_file():
        return fail(f"file: '{path}' does not exist")
    workspace = workspace_named(args.workspace)
    try:
        rows = read_rows(path.read_bytes(), max_rows=None)
        captured = capture_rows(workspace, rows, source="csv", received_at=timezone.now())
    except ValidationFailed as error:
        return fail(error)
    new = sum(c.status == "accepted" for c in captured)
    print(f"{len(captured)} rows: {new} new leads, {len(captured) - new} already imported")
    return 0


def set_locating(args: argparse.Namespace) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.leads.locating import configure

    path = Path(args.file)
    try:
        rule = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return fail(f"file: cannot read '{path}' as JSON ({error})")
    if not isinstance(rule, dict):
        return fail("file: must hold an object with steps, areas and centroids")
    workspace = workspace_named(args.workspace)
    try:
        configure(
            workspace,
            steps=rule.get("steps"),
            areas=rule.get("areas") or [],
            centroids=rule.get("centroids") or [],
        )
    except ValidationFailed as error:
        return fail(error)
    print(f"new leads are located by: {' then '.join(rule['steps'])}")
    return 0


def set_routing(args: argparse.Namespace) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.leads.rules import set_rules

    try:
        rules = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return fail(f"file: cannot read '{args.file}' as JSON ({error})")
    try:
        made = set_rules(workspace_named(args.workspace), rules)
    except ValidationFailed as error:
        return fail(error)
    print(f"{len(made)} routing rules, tried in order")
    return 0


def show_model(args: argparse.Namespace) -> int:
    from pacer.leads.predictive import latest_run

    run = latest_run(workspace_named(args.workspace))
    if run is None:
        return fail("workspace: no predictive fit yet (the worker fits it daily)")
    if args.format == "table":
        rule = "no score rules" if run.rule_auc is None else f"{run.rule_auc:.3f}"
        print(
            f"fitted {run.fitted_at:%Y-%m-%d %H:%M} on {run.trained_on} leads, judged on "
            f"{run.holdout} held out (conversion {run.base_rate:.3f})\n"
            f"AUC: predictive {run.auc:.3f}, rule score {rule}; predictive Brier {run.brier:.4f}"
        )
    rule_lift = run.lift.get("rule") or []
    rows = [
        {
            "tenth": tenth,
            "lift_predictive": lift,
            "lift_rule": rule_lift[tenth - 1] if rule_lift else None,
        }
        for tenth, lift in enumerate(run.lift.get("predictive", []), start=1)
    ]
    print_rows(rows, args.format, title="Lift by tenth of leads, highest score first")
    return 0


def register(cli) -> None:
    p = cli.command(
        "import-leads",
        import_leads,
        help="import leads from CSV: columns email, phone, first_name, last_name, "
        "postal_code, location, form, utm_* (all or nothing; a repeat adds nothing)",
        permission="leads.capture",
    )
    p.add_argument("file")
    p.add_argument("--workspace", default="demo")
    p = cli.command(
        "lead-locating",
        set_locating,
        help='how new leads find their location, from a JSON file: {"steps": ["form", '
        '"postal", "nearest", "contact"], "areas": [{"code", "postal_codes", "latitude", '
        '"longitude"}], "centroids": [{"postal_code", "latitude", "longitude"}]}',
        permission="leads.configure",
    )
    p.add_argument("file")
    p.add_argument("--workspace", default="demo")
    p = cli.command(
        "lead-routing",
        set_routing,
        help='routing rules from a JSON file: [{"name", "team", "territory", "products", '
        '"sources", "min_score"}], the first match picks the team (all replaced)',
        permission="leads.configure",
    )
    p.add_argument("file")
    p.add_argument("--workspace", default="demo")
    p = cli.command(
        "lead-model",
        show_model,
        help="the predictive lead score's last fit: its AUC and Brier score beside the rule "
        "score's AUC, and both scores' lift by tenth, on the same held-out leads",
        permission="leads.view",
        report=True,
    )
    p.add_argument("--workspace", default="demo")
