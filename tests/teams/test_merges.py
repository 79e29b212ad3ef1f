"""Survey answers and asks follow a contact merge through the change feed: moved to the
survivor, the earlier answer kept where both answered the same survey, one ask kept per
survey and order where both had one, idempotent."""

from datetime import UTC, datetime

import pytest

from pacer.core import feed
from pacer.core.models import FeedCursor
from pacer.ingest import csv_io
from pacer.people import selectors as people
from pacer.people.models import Contact, Identity
from pacer.teams.merges import SUBSCRIBER, handle
from pacer.teams.models import SurveyAsk, SurveyResponse
from pacer.teams.surveys import create_survey

pytestmark = pytest.mark.django_db


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 12, tzinfo=UTC)


def answer(survey, contact_id: int, score: int, day: int) -> SurveyResponse:
    return SurveyResponse.objects.create(
        workspace=survey.workspace, survey=survey, contact_id=contact_id, score=score,
        answered_at=at(day),
    )  # fmt: skip


def answers(workspace) -> set[tuple]:
    return set(
        SurveyResponse.objects.filter(workspace=workspace).values_list(
            "survey__name", "contact_id", "score"
        )
    )


def import_contacts(workspace, text: str) -> None:
    header = text.splitlines()[0].split(",")
    report = csv_io.import_contacts(workspace, text, {column: column for column in header})
    assert report.ok, report.rejected


def test_a_merge_moves_answers_and_keeps_the_earlier_one_per_survey(workspace):
    nps = create_survey(workspace, name="NPS", kind="nps")
    csat = create_survey(workspace, name="CSAT", kind="csat")
    visit = create_survey(workspace, name="Visit", kind="csat")
    answer(nps, 2, 9, day=5)  # the merged contact answered NPS first: kept
    answer(nps, 1, 3, day=6)
    answer(csat, 2, 2, day=8)  # the survivor answered CSAT first: kept
    answer(csat, 1, 5, day=7)
    answer(visit, 2, 4, day=9)  # only the merged contact: moved
    answer(nps, 7, 10, day=1)  # someone else: untouched
    batch = feed.publish(workspace.pk, source="test", merges=[(2, 1)])
    handle([batch])
    assert answers(workspace) == {("NPS", 1, 9), ("CSAT", 1, 5), ("Visit", 1, 4), ("NPS", 7, 10)}
    handle([batch])  # again: nothing left to move, nothing changes
    assert answers(workspace) == {("NPS", 1, 9), ("CSAT", 1, 5), ("Visit", 1, 4), ("NPS", 7, 10)}


def test_merges_in_a_chain_follow_the_feeds_order(workspace):
    nps = create_survey(workspace, name="NPS", kind="nps")
    answer(nps, 3, 6, day=2)
    first = feed.publish(workspace.pk, source="test", merges=[(3, 2)])
    second = feed.publish(workspace.pk, source="test", merges=[(2, 1)])
    handle([first, second])
    assert answers(workspace) == {("NPS", 1, 6)}


def test_a_merge_by_csv_import_reaches_the_answers_through_the_feed(workspace):
    import_contacts(workspace, "email\nann@x.com\n")
    import_contacts(workspace, "user_id\nu-1\n")
    by_email = Identity.objects.get(kind="email", value="ann@x.com").contact_id
    by_user = Identity.objects.get(kind="user_id", value="u-1").contact_id
    survey = create_survey(workspace, name="NPS", kind="nps")
    answer(survey, by_user, 8, day=3)
    import_contacts(workspace, "user_id,email\nu-1,ann@x.com\n")
    survivor = people.contact(workspace, by_user).pk
    assert survivor == by_email and Contact.objects.get(pk=by_user).merged_into_id == survivor
    while feed.deliver(SUBSCRIBER):
        pass
    assert answers(workspace) == {("NPS", survivor, 8)}
    assert FeedCursor.objects.get(subscriber="teams-survey-answers").position > 0


def ask(survey, contact_id: int, order_id, status: str, day: int | None = None) -> SurveyAsk:
    return SurveyAsk.objects.create(
        workspace=survey.workspace, survey=survey, contact_id=contact_id, order_id=order_id,
        due_at=at(1), status=status, asked_at=at(day) if day else None,
    )  # fmt: skip


def test_a_merge_moves_asks_and_keeps_one_per_survey_and_order(workspace):
    nps = create_survey(workspace, name="NPS", kind="nps")
    csat = create_survey(workspace, name="CSAT", kind="csat")
    ask(nps, 2, 50, "sent", day=4)  # both asked about order 50: the sent one is kept
    ask(nps, 1, 50, "waiting")
    ask(nps, 2, 51, "waiting")  # both about order 51, neither sent: the skipped one kept
    ask(nps, 1, 51, "skipped")
    ask(csat, 1, None, "sent", day=3)  # both sent CSAT by hand: the earlier one kept
    ask(csat, 2, None, "sent", day=2)
    ask(csat, 2, 52, "sent", day=9)  # only the merged contact: moved
    ask(csat, 7, 53, "sent", day=9)  # someone else: untouched
    expected = {
        ("NPS", 1, 50, "sent", at(4)),
        ("NPS", 1, 51, "skipped", None),
        ("CSAT", 1, None, "sent", at(2)),
        ("CSAT", 1, 52, "sent", at(9)),
        ("CSAT", 7, 53, "sent", at(9)),
    }
    batch = feed.publish(workspace.pk, source="test", merges=[(2, 1)])
    handle([batch])
    assert asks(workspace) == expected
    handle([batch])  # again: nothing left to move, nothing changes
    assert asks(workspace) == expected


def asks(workspace) -> set[tuple]:
    return set(
        SurveyAsk.objects.filter(workspace=workspace).values_list(
            "survey__name", "contact_id", "order_id", "status", "asked_at"
        )
    )
