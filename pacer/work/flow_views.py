"""A board's flow metrics (cumulative flow, lead and cycle times, throughput, blocked
time, ageing work) and "who works on what" across every team."""

from django.shortcuts import render

from pacer.core import clock
from pacer.core.permissions import page
from pacer.teams import selectors as teams
from pacer.web.charts import Series, chart
from pacer.work import selectors
from pacer.work.views import _board_or_404, label_filter

# lead and cycle time histogram bins, in days: [0, 1), [1, 2), ... and the last open
BINS = (0, 1, 2, 3, 5, 8, 13, 21)


def _histogram(days: list[float]) -> tuple[list[str], list[int]]:
    labels = [f"{low}–{high}" for low, high in zip(BINS, BINS[1:], strict=False)]
    labels.append(f"{BINS[-1]}+")
    counts = [0] * len(labels)
    for value in days:
        index = sum(1 for edge in BINS[1:] if value >= edge)
        counts[index] += 1
    return labels, counts


@page("work.view")
def flow_metrics(request, slug: str):
    board = _board_or_404(request, slug)
    bar, label = label_filter(request, board)
    report = selectors.flow_report(board, now=clock.now(), label=label)
    columns = list(board.columns.all())
    cumulative = chart(
        "line",
        [day.isoformat() for day in report.days],
        [Series(c.name, report.cumulative[c.pk], fill=True) for c in reversed(columns)],
        stacked=True,
    )
    lead_labels, lead_counts = _histogram(report.lead_times)
    cycle_labels, cycle_counts = _histogram(report.cycle_times)
    times = chart(
        "bar",
        lead_labels,
        [Series("Lead time", lead_counts), Series("Cycle time", cycle_counts)],
    )
    throughput = chart(
        "bar",
        [week.isoformat() for week in report.weeks],
        [Series("Cards finished", report.throughput)],
        partial=[len(report.weeks) - 1],
    )
    blocked = sorted(report.blocked.items(), key=lambda pair: -pair[1])
    titles = dict(selectors.cards(board).filter(pk__in=report.blocked).values_list("pk", "title"))
    return render(
        request,
        "work/flow.html",
        {
            "board": board,
            "bar": bar,
            "label": label,
            "report": report,
            "cumulative": cumulative,
            "times": times,
            "throughput": throughput,
            "blocked": [(card_id, titles[card_id], days) for card_id, days in blocked],
        },
    )


@page("work.view")
def who(request):
    mentions = selectors.unread_mentions(request.workspace, request.user)
    people = selectors.who_works_on_what(request.workspace)
    names = dict(teams.team_choices(request.workspace))
    for _, cards in people:
        for card in cards:
            card.team_name = names.get(card.board.team, card.board.team)
    return render(
        request,
        "work/who.html",
        {
            "people": people,
            "mentions": mentions.select_related("card", "comment__author").order_by("-created_at")[
                :10
            ],
        },
    )
