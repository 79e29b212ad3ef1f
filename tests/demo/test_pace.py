"""The demo loads beside a running web app without locking its sign-ins out: SQLite's one
write lock is let go between short transactions, long enough for a waiting writer to get
in, and the demo's steps that held it for many seconds go in short transactions."""

import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection, connections, transaction

from pacer.core.feed import subscribers
from pacer.core.models import ChangeBatch, FeedCursor
from pacer.demo.loader import load_business
from pacer.demo.pace import catch_up_in_steps, yielding_write_lock
from pacer.demo.teams import SURVEY, load_teams
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.teams.models import SurveyResponse

pytestmark = pytest.mark.django_db(transaction=True)
CONFIG = SimConfig(seed=5, contacts=900, months=3, locations=3, start="2026-01-05")


def _writes_waiting_at_most(seconds: float, times: int, outcome: dict) -> None:
    """In a connection of its own (a sign-in's), ``times`` writes one after another, each
    waiting at most ``seconds`` for the lock: ``outcome["waited"]`` (each one's wait) or
    ``outcome["error"]``."""
    outcome["waited"] = []
    try:
        own = connections["default"]
        own.ensure_connection()
        own.connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
        for _ in range(times):
            started = time.monotonic()
            with transaction.atomic():
                User.objects.filter(username="demo-sign-in").update(last_name="signed in")
            outcome["waited"].append(time.monotonic() - started)
    except OperationalError as error:
        outcome["error"] = str(error)
    finally:
        connections.close_all()


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="PostgreSQL locks rows, not the DB")
def test_back_to_back_transactions_let_the_lock_go_after_each_hold():
    """The loader's transactions, back to back for 1.2 s, leave a gap of at least ``gap``
    before the next one each time they have held the lock ``hold`` seconds: a waiting
    writer's next retry (at most 100 ms away) then finds it free. Without the pauses the
    gaps are microseconds (only a busy scheduler makes one that long, rarely twice)."""
    User.objects.create(username="demo-loader")
    begins, ends = [], []

    def clock(execute, sql, params, many, context):
        if sql.startswith("BEGIN"):
            begins.append(time.monotonic())
        return execute(sql, params, many, context)

    with yielding_write_lock(hold=0.3, gap=0.15) as yielding, connection.execute_wrapper(clock):
        deadline = time.monotonic() + 1.2
        while time.monotonic() < deadline:
            with transaction.atomic():  # a loader's chunk: ~30 ms
                User.objects.filter(username="demo-loader").update(first_name="loader")
                time.sleep(0.03)
            ends.append(time.monotonic())
    gaps = [begin - end for end, begin in zip(ends, begins[1:], strict=False)]
    assert sum(gap >= 0.15 for gap in gaps) >= 2, gaps
    assert yielding.pauses >= 2


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="PostgreSQL locks rows, not the DB")
def test_writers_waiting_beside_back_to_back_transactions_get_in():
    """A sign-in's writes beside the loader's chunks all get in within their busy timeout.
    On an idle machine, without the pauses, one ran out ('database is locked'): a waiter
    got in only when one of its retries (100 ms apart) fell in the microseconds between two
    of the loader's transactions. On a loaded one the scheduler's own gaps may let it in
    anyway; the test above checks the pauses themselves."""
    User.objects.create(username="demo-sign-in")
    outcome: dict = {}
    waiter = threading.Thread(target=_writes_waiting_at_most, args=(3.0, 5, outcome))
    started = False
    with yielding_write_lock(hold=0.3):
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and (not started or waiter.is_alive()):
            with transaction.atomic():  # a loader's chunks: ~30 ms each, back to back
                User.objects.filter(username="demo-sign-in").update(first_name="loader")
                time.sleep(0.03)
                if not started:
                    waiter.start()  # asks for the lock while the loader holds it
                    started = True
    waiter.join()
    assert "error" not in outcome, outcome
    assert len(outcome["waited"]) == 5, outcome
    assert User.objects.get(username="demo-sign-in").last_name == "signed in"


def test_the_demo_hands_the_feed_one_batch_a_transaction(workspace):
    load_business(workspace, generate(CONFIG))
    batches = list(ChangeBatch.objects.order_by("id").values_list("id", flat=True))
    assert len(batches) > 3
    for subscriber in subscribers():  # every subscriber has everything still to come
        FeedCursor.objects.update_or_create(subscriber=subscriber.name, defaults={"position": 0})
    names = dict(FeedCursor.objects.values_list("id", "subscriber"))
    moves: list[tuple[str, int]] = []

    def watch(execute, sql, params, many, context):
        if sql.startswith('UPDATE "core_feedcursor"') and connection.in_atomic_block:
            move = (names[params[-1]], params[0])
            transaction.on_commit(lambda: moves.append(move))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        handed = catch_up_in_steps()
    names_moved = sorted({name for name, _ in moves})
    assert names_moved == sorted(names.values()) and len(names_moved) >= 4
    assert handed == len(batches) * len(names_moved)
    for name in names_moved:  # each commit moves a cursor on by exactly one batch
        assert [position for n, position in moves if n == name] == batches
    assert set(FeedCursor.objects.values_list("position", flat=True)) == {batches[-1]}
    assert catch_up_in_steps() == 0


def test_the_demo_records_survey_answers_a_few_hundred_a_transaction(workspace, admin, monkeypatch):
    monkeypatch.setattr("pacer.demo.teams.ANSWERS_PER_TRANSACTION", 10)  # a small demo's
    business = generate(CONFIG)
    load_business(workspace, business)
    totals = [0]  # answers on record after each commit that wrote some
    watching = {"transaction": False}

    def committed():
        watching["transaction"] = False
        totals.append(SurveyResponse.objects.count())

    def watch(execute, sql, params, many, context):
        inserting = sql.startswith("INSERT") and '"teams_surveyresponse"' in sql[:60]
        if inserting and connection.in_atomic_block and not watching["transaction"]:
            watching["transaction"] = True
            transaction.on_commit(committed)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        loaded = load_teams(workspace, business)
    per_commit = [after - before for before, after in zip(totals, totals[1:], strict=False)]
    first_visit = SurveyResponse.objects.filter(survey__name=SURVEY).count()
    assert loaded["answers"] == first_visit > 2 * 10
    assert sum(per_commit) == SurveyResponse.objects.count() == first_visit + loaded["answered"]
    assert max(per_commit) <= 10 and len(per_commit) >= first_visit / 10, per_commit
    assert load_teams(workspace, business) == {"answers": 0, "ratings": 0, "sent": 0, "answered": 0}
    assert SurveyResponse.objects.count() == sum(per_commit)


def test_the_survey_after_orders_broken_off_before_its_answers_is_completed_on_the_next_load(
    workspace, admin
):
    business = generate(CONFIG)
    load_business(workspace, business)
    loaded = load_teams(workspace, business)
    after_orders = SurveyResponse.objects.exclude(survey__name=SURVEY)
    expected = sorted(after_orders.values_list("contact_id", "location_id", "score"))
    assert loaded["answered"] == len(expected) > 0
    after_orders.delete()  # as if the load stopped after the asks, before the answers
    again = load_teams(workspace, business)
    assert again == {"answers": 0, "ratings": 0, "sent": 0, "answered": len(expected)}
    assert sorted(after_orders.values_list("contact_id", "location_id", "score")) == expected
