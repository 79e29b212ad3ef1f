"""Customer-experience figures from survey answers and review ratings.

- NPS = 100 × (promoters − detractors) ÷ answers, promoters scoring 9-10 and detractors
  0-6 on the 0-10 question;
- CSAT = answers of 4 or 5 ÷ answers on the 1-5 question;
- rating = the mean star rating (1-5) of imported reviews.

Each is ``None`` without answers (never 0). NPS's standard error (``nps_standard_error``)
is 100 × √((p + d − (p − d)²) ÷ n) for the shares p of promoters and d of detractors among
n answers: the standard error of the mean of scores of +100, 0 and −100.

Pages show NPS as it is written, a whole number from -100 to 100 (``NPS_SHOWN``): with
the few hundred answers a location gets its standard error is several points, so a
decimal would claim a precision it does not have (and a small sample even less); the API
and CSV keep the exact value.
"""

from datetime import date, datetime, time, timedelta
from math import sqrt

from django.db.models import Avg, Count, Q
from django.utils import timezone

from pacer.core.models import Workspace
from pacer.teams.models import ReviewRating, SurveyKind, SurveyResponse

NPS_SHOWN = "count"  # the pacer.web.formats kind: a whole number, halves away from zero


def nps_of(scores: list[int]) -> float | None:
    """The net promoter score of 0-10 answers (None for none)."""
    if not scores:
        return None
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100 * (promoters - detractors) / len(scores)


def nps_standard_error(scores: list[int]) -> float | None:
    """The standard error of the NPS of 0-10 answers (None for none).

    Examples
    --------
    >>> nps_standard_error([10, 10, 0, 0])  # NPS 0 of 2 promoters and 2 detractors
    50.0
    >>> nps_standard_error([10] * 30)  # all promoters: no spread
    0.0
    """
    if not scores:
        return None
    n = len(scores)
    promoters = sum(score >= 9 for score in scores) / n
    detractors = sum(score <= 6 for score in scores) / n
    variance = max(promoters + detractors - (promoters - detractors) ** 2, 0.0)
    return 100 * sqrt(variance / n)


def csat_of(scores: list[int]) -> float | None:
    """The share of 1-5 answers that are 4 or 5 (None for none)."""
    if not scores:
        return None
    return sum(score >= 4 for score in scores) / len(scores)


def _answers(workspace: Workspace, kind: str, start: date, end: date, location_id: int | None):
    zone = timezone.get_default_timezone()
    rows = SurveyResponse.objects.filter(
        workspace=workspace,
        survey__kind=kind,
        answered_at__gte=timezone.make_aware(datetime.combine(start, time.min), zone),
        answered_at__lt=timezone.make_aware(
            datetime.combine(end + timedelta(days=1), time.min), zone
        ),
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return rows


def nps(
    workspace: Workspace, start: date, end: date, *, location_id: int | None = None
) -> float | None:
    """NPS of the answers given on the days ``[start, end]``."""
    rows = _answers(workspace, SurveyKind.NPS, start, end, location_id)
    return nps_of(list(rows.values_list("score", flat=True)))


def csat(
    workspace: Workspace, start: date, end: date, *, location_id: int | None = None
) -> float | None:
    """CSAT of the answers given on the days ``[start, end]``."""
    rows = _answers(workspace, SurveyKind.CSAT, start, end, location_id)
    return csat_of(list(rows.values_list("score", flat=True)))


def by_location(workspace: Workspace, start: date, end: date) -> dict[int, dict]:
    """Per location id: ``nps``, ``nps_answers``, ``nps_se`` (its standard error),
    ``csat``, ``csat_answers``, ``rating`` and ``ratings`` (imported reviews dated in the range)."""
    found: dict[int, dict] = {}

    def entry(location_id: int) -> dict:
        return found.setdefault(
            location_id,
            {
                "nps": None,
                "nps_answers": 0,
                "nps_se": None,
                "csat": None,
                "csat_answers": 0,
                "rating": None,
                "ratings": 0,
            },
        )

    for kind, score_of in ((SurveyKind.NPS, nps_of), (SurveyKind.CSAT, csat_of)):
        scores: dict[int, list[int]] = {}
        rows = _answers(workspace, kind, start, end, None).exclude(location_id=None)
        for location_id, score in rows.values_list("location_id", "score"):
            scores.setdefault(location_id, []).append(score)
        for location_id, values in scores.items():
            item = entry(location_id)
            item[kind] = score_of(values)
            item[f"{kind}_answers"] = len(values)
            if kind == SurveyKind.NPS:
                item["nps_se"] = nps_standard_error(values)
    ratings = (
        ReviewRating.objects.filter(workspace=workspace, reviewed_on__range=(start, end))
        .values("location_id")
        .annotate(mean=Avg("rating"), n=Count("id", filter=Q(rating__isnull=False)))
    )
    for row in ratings:
        item = entry(row["location_id"])
        item["rating"], item["ratings"] = float(row["mean"]), row["n"]
    return found
