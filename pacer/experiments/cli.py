"""``pacer analyze experiment``: an experiment of the workspace, or numbers from elsewhere."""

import argparse
import sys

from pacer.core.commands import fail, print_rows, workspace_named


def _print_srm(p_value: float, mismatch: bool) -> None:
    print(f"SRM p-value {p_value:.5f}" + ("  ** SAMPLE RATIO MISMATCH **" if mismatch else ""))


def _print_variations(result, fmt: str) -> None:
    print_rows(
        [{"control": result.control, **v.as_dict()} for v in result.variations],
        fmt,
        title=f"each variation against {result.control}",
    )


def _report(workspace, key: str, fmt: str) -> int:
    from django.utils import timezone

    from pacer.experiments.selectors import experiment, report

    found = experiment(workspace, key)
    if found is None:
        return fail(f"--key: no experiment '{key}' in workspace '{workspace.slug}'")
    summary = report(found, now=timezone.now())
    table = fmt == "table"
    if table:
        print(
            f"{found.name} ({found.status}): "
            + ", ".join(
                f"{k} {summary.counts[k]} units, mean {summary.means[k]:.4f}"
                for k in summary.counts
            )
        )
        if summary.srm_p_value is not None:
            _print_srm(summary.srm_p_value, summary.sample_ratio_mismatch)
    if summary.result is None:
        print(f"no results yet: {summary.problem}", file=sys.stdout if table else sys.stderr)
        return 0
    _print_variations(summary.result, fmt)
    if table:
        for effect in summary.cuped:
            print(
                f"{effect.variation}: CUPED effect {effect.absolute:+.4f} "
                f"[{effect.ci[0]:+.4f}, {effect.ci[1]:+.4f}]"
            )
    return 0


def analyze(args: argparse.Namespace) -> int:
    from pacer.analytics.experiments import ExperimentError, parse_arm
    from pacer.analytics.experiments import analyze as analyze_arms

    try:
        if args.key:
            return _report(workspace_named(args.workspace), args.key, args.format)
        arms = dict(parse_arm(spec, f"--arm '{spec}'") for spec in args.arm or [])
        result = analyze_arms(arms)
    except ExperimentError as error:
        return fail(error)
    if args.format == "table":
        _print_srm(result.srm_p_value, result.sample_ratio_mismatch)
    _print_variations(result, args.format)
    return 0


def register(cli) -> None:
    p = cli.command(
        "analyze experiment",
        analyze,
        help="results of an experiment (--key) or of per-arm numbers (--arm)",
        permission="experiments.view",
        report=True,
    )
    p.add_argument("--workspace", default="demo")
    p.add_argument("--key", help="analyse this experiment of the workspace")
    p.add_argument(
        "--arm",
        action="append",
        metavar="NAME,N,SUM[,SUMSQ]",
        help="one per arm, control first",
    )
