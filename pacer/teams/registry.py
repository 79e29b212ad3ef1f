"""The metrics a team can set targets on, and how each one's actual is computed.

Every actual comes from another domain's selectors (the KPI cube of ``pacer.metrics``,
the speed-to-lead report of ``pacer.leads``, content published in ``pacer.content``,
email opens and clicks in ``pacer.messaging``) or from this domain's own survey answers;
a metric without data in a period is ``None`` (shown as a dash), never 0; a count of
output (content published) is 0 when nothing was.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from pacer.content import selectors as content
from pacer.core.models import Workspace
from pacer.leads import selectors as leads
from pacer.messaging import selectors as messaging
from pacer.teams.cx import NPS_SHOWN, csat, nps


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    format: str  # a kind of pacer.web.formats
    good: str  # "up": more is better; "down": less is better
    definition: str
    shown_whole_only: bool = False  # shown as a whole number, though not a count (NPS)

    @property
    def is_count(self) -> bool:
        """Whether the metric counts things, so that its targets are whole numbers."""
        return self.format == "count" and not self.shown_whole_only

    @property
    def adds_up(self) -> bool:
        """Whether the business's figure is the sum of its locations' (counts, revenue,
        spend), so that a team's target, set for the business, is no location's."""
        return self.is_count or self.key in ("revenue", "spend")


METRICS = {
    m.key: m
    for m in (
        Metric("leads", "Leads", "count", "up", "People whose lead date is in the month."),
        Metric(
            "new_customers",
            "New customers",
            "count",
            "up",
            "People whose first order is in the month.",
        ),
        Metric("revenue", "Revenue", "money", "up", "Order totals placed in the month."),
        Metric("spend", "Spend", "money", "down", "Marketing spend booked to days in the month."),
        Metric("cac", "CAC", "money", "down", "Spend ÷ new customers."),
        Metric("romi", "ROMI", "percent", "up", "(Gross profit − spend) ÷ spend."),
        Metric(
            "repeat_rate",
            "Repeat rate",
            "percent",
            "up",
            "New customers of the month who ordered again on a later day in it ÷ new customers.",
        ),
        Metric(
            "retention",
            "Retention",
            "percent",
            "up",
            "Customers who ordered in the month and in as many days before ÷ those before.",
        ),
        Metric(
            "speed_to_lead",
            "Speed to lead (median minutes)",
            "decimal",
            "down",
            "Median minutes from a lead's arrival to its first response (answered leads).",
        ),
        Metric(
            "sla_attainment",
            "SLA attainment",
            "percent",
            "up",
            "Leads with a response deadline answered by it ÷ leads with a deadline.",
        ),
        Metric(
            "nps",
            "NPS",
            NPS_SHOWN,
            "up",
            "% promoters (9-10) − % detractors (0-6) of NPS answers in the month.",
            shown_whole_only=True,  # a score: a target of 30.5 is one
        ),
        Metric(
            "csat",
            "CSAT",
            "percent",
            "up",
            "Answers of 4 or 5 ÷ all CSAT answers in the month.",
        ),
        # the content team's output and engagement
        Metric(
            "content_published",
            "Content published",
            "count",
            "up",
            "Content items published in the month, of every kind.",
        ),
        *(
            Metric(
                f"published_{kind}",
                f"Published: {label.lower()}",
                "count",
                "up",
                f"Content items of the kind {label.lower()} published in the month.",
            )
            for kind, label in content.kinds()
        ),
        Metric(
            "content_open_rate",
            "Content email open rate",
            "percent",
            "up",
            "Emails sent in the month from published content items that were opened ÷ those sent.",
        ),
        Metric(
            "content_click_rate",
            "Content email click rate",
            "percent",
            "up",
            "Emails sent in the month from published content items with a link clicked ÷ "
            "those sent.",
        ),
    )
}
KPI_METRICS = ("leads", "new_customers", "revenue", "spend", "cac", "romi")
CONTENT_METRICS = tuple(
    k for k in METRICS if k == "content_published" or k.startswith("published_")
)
ENGAGEMENT_METRICS = ("content_open_rate", "content_click_rate")
PERSON_METRICS = ("repeat_rate", "retention")
TARGET_STEP = Decimal("0.0001")  # KpiTarget.target's places
SPEED_METRICS = ("speed_to_lead", "sla_attainment")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def shift_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _instant(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def monthly_actuals(
    workspace: Workspace,
    months: list[date],
    keys: Iterable[str] | None = None,
    *,
    location_id: int | None = None,
) -> list[dict[str, float | None]]:
    """The actuals of the metrics ``keys`` (every metric when None) in each month of
    ``months`` (consecutive firsts of months, oldest first): one dict per month, of those
    keys only (a location's with ``location_id``: speed-to-lead by the location's leads,
    SLA attainment only for all).

    The KPI cube and the leads are each read once for all the months, and a kind of
    metric none of ``keys`` needs is not computed: a scoreboard of six months used to
    compute every metric month by month, 18 warehouse queries and six passes over the
    leads (19 s for the CX team on the demo under load)."""
    wanted = set(METRICS if keys is None else keys)
    found = _kpis(workspace, months, wanted, location_id)
    if wanted & set(SPEED_METRICS):
        for figures, speed in zip(found, _speed(workspace, months, location_id), strict=True):
            figures.update(speed)
    for first, figures in zip(months, found, strict=True):
        start, end = first, month_end(first)
        if "nps" in wanted:
            figures["nps"] = nps(workspace, start, end, location_id=location_id)
        if "csat" in wanted:
            figures["csat"] = csat(workspace, start, end, location_id=location_id)
        if wanted & set(CONTENT_METRICS + ENGAGEMENT_METRICS):
            figures.update(_content(workspace, start, end, location_id))
    return [{key: figures.get(key) for key in METRICS if key in wanted} for figures in found]


def _kpis(
    workspace: Workspace, months: list[date], wanted: set[str], location_id: int | None
) -> list[dict[str, float | None]]:
    """Per month: the KPI cube's metrics from one report over all the months (a month
    without data has the sums of none), and the per-person rates over its days."""
    # imported here: they bring Ibis, Polars and NumPy, which every process would otherwise
    # load at start (the teams app connects a signal that imports this module)
    from pacer.metrics.customers import activity_bounds, person_rates_of_ranges
    from pacer.metrics.selectors import MEASURES, KpiFilter, derive, kpi_report
    from pacer.warehouse.sync import default_store

    found: list[dict[str, float | None]] = [{} for _ in months]
    store = default_store()
    if wanted & set(KPI_METRICS):
        span = KpiFilter(
            start=months[0], end=month_end(months[-1]), grain="month", location_id=location_id
        )
        trend = {
            row["label"]: row for row in kpi_report(store, workspace.pk, span, people=False).trend
        }
        nothing = derive(dict.fromkeys(MEASURES, 0.0))
        for first, figures in zip(months, found, strict=True):
            row = trend.get(first.isoformat(), nothing)
            figures.update({key: row[key] for key in KPI_METRICS})
    if wanted & set(PERSON_METRICS) and activity_bounds(store, workspace.pk) is not None:
        ranges = [(first, month_end(first)) for first in months]
        rates = person_rates_of_ranges(store, workspace.pk, ranges, location_id=location_id)
        for figures, month_rates in zip(found, rates, strict=True):
            figures["repeat_rate"] = month_rates.repeat_rate
            figures["retention"] = month_rates.retention
    return found


def _speed(
    workspace: Workspace, months: list[date], location_id: int | None
) -> list[dict[str, float | None]]:
    """Per month: speed to lead (the median minutes to the first response of the leads
    that arrived in it) and SLA attainment (None for a location's), from one read of the
    leads (the full speed-to-lead report also fits a decay model, month by month)."""
    edges = [_instant(first) for first in months] + [
        _instant(month_end(months[-1]) + timedelta(days=1))
    ]
    return [
        {
            "speed_to_lead": month.median_minutes,
            "sla_attainment": None
            if location_id is not None or not month.on_time + month.missed
            else month.on_time / (month.on_time + month.missed),
        }
        for month in leads.response_figures(workspace, edges, location_id=location_id)
    ]


def _content(
    workspace: Workspace, start: date, end: date, location_id: int | None
) -> dict[str, float | None]:
    """The content metrics: items published (none is 0: output is counted) and the
    engagement of the emails sent from the templates published email items became (None
    with none sent). Neither has a location: None
    for a location's."""
    if location_id is not None:
        return dict.fromkeys(CONTENT_METRICS + ENGAGEMENT_METRICS)
    since, until = _instant(start), _instant(end + timedelta(days=1))
    published = content.published_counts(workspace, since, until)
    found: dict[str, float | None] = {
        f"published_{kind}": published.get(kind, 0) for kind, _ in content.kinds()
    }
    found["content_published"] = sum(published.values())
    templates = content.email_templates(workspace)
    emails = messaging.engagement(workspace, since, until, templates).values()
    sent = sum(e["sent"] for e in emails)
    found["content_open_rate"] = sum(e["opened"] for e in emails) / sent if sent else None
    found["content_click_rate"] = sum(e["clicked"] for e in emails) / sent if sent else None
    return found


def exact_text(metric: Metric, target: Decimal | None) -> str | None:
    """A stored target as the API's decimal string: a money metric's with at least 2
    places (``150.00``), another's without trailing zeros (``0.25``, ``40``)."""
    if target is None:
        return None
    if target == 0:
        target = Decimal(0)  # not "-0"
    if metric.format == "money" and target == target.quantize(Decimal("0.01")):
        return str(target.quantize(Decimal("0.01")))
    return format(target.normalize(), "f")


def at_target_places(actual: float | None) -> Decimal | None:
    """An actual as a decimal at a target's 4 places (None when missing or not finite):
    what it is compared with, so float noise such as 0.1 + 0.2 = 0.30000000000000004
    does not decide whether a target of 0.3 is met."""
    if actual is None or not math.isfinite(actual):
        return None
    return Decimal(repr(float(actual))).quantize(TARGET_STEP)


def attainment(metric: Metric, target: Decimal | None, actual: float | None) -> float | None:
    """How far the actual is toward the target: actual ÷ target when more is better,
    target ÷ actual when less is (computed in ``Decimal``, the actual at the target's 4
    places); None when either is missing or either is not above 0 (a ratio of an NPS of
    −10 to a target of 20 means nothing)."""
    exact = at_target_places(actual)
    if target is None or exact is None or target <= 0 or exact <= 0:
        return None
    return float(exact / target if metric.good == "up" else target / exact)


def met(metric: Metric, target: Decimal | None, actual: float | None) -> bool | None:
    """Whether the actual, at the target's 4 places, reaches the target (None when
    either is missing)."""
    exact = at_target_places(actual)
    if target is None or exact is None:
        return None
    return exact >= target if metric.good == "up" else exact <= target
