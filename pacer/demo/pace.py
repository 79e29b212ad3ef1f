"""The demo loads beside a running web app without locking its sign-ins out.

SQLite has one write lock (Pacer opens every transaction with ``BEGIN IMMEDIATE``), and a
writer that finds it taken retries on SQLite's busy handler: every 100 ms after the first
few tries, for at most the busy timeout (30 s), then fails with "database is locked" (a
sign-in answers 500). Two things lock a sign-in out while the demo loads, and this module
answers both:

- one long transaction (a feed delivery of thousands of contacts held it 9 s at 20,000
  contacts): the loader does its work in short ones instead (``catch_up_in_steps``, and
  the chunks of ``pacer.demo.lead_staff`` and ``pacer.demo.teams``);
- short transactions back to back: the loader takes the lock again microseconds after
  it let it go, so the waiter's next retry, up to 100 ms later, finds it taken again. A
  sign-in beside the lead staff's 50-lead chunks (each under a second) waited 51 s.
  ``yielding_write_lock`` has the loader pause ``GAP_SECONDS`` (longer than the busy
  handler's retry interval) before it opens a transaction once it has held the lock
  for ``HOLD_SECONDS`` without a pause, so a waiting writer gets in.

On PostgreSQL writers lock rows, not the database: nothing to yield, no pause.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from pacer.core.feed import deliver, subscribers

HOLD_SECONDS = 1.0
GAP_SECONDS = 0.15  # SQLite's busy handler retries at most 100 ms apart


@dataclass
class Yielding:
    """How often the loader let the lock go on purpose (``pauses``) while it loaded."""

    pauses: int = 0


@contextmanager
def yielding_write_lock(hold: float = HOLD_SECONDS, gap: float = GAP_SECONDS) -> Iterator[Yielding]:
    """Within the block, before each transaction the connection opens: when it has
    written for ``hold`` seconds with no pause of ``gap`` seconds, wait ``gap`` seconds
    (SQLite only)."""
    yielding = Yielding()
    if connection.vendor != "sqlite":
        yield yielding
        return
    clock = {"writing_since": time.monotonic(), "last_statement": time.monotonic()}

    def pause_before_begin(execute, sql, params, many, context):
        if sql.startswith("BEGIN"):
            now = time.monotonic()
            if now - clock["last_statement"] >= gap:  # paused anyway (reading, computing)
                clock["writing_since"] = now
            elif now - clock["writing_since"] >= hold:
                time.sleep(gap)
                yielding.pauses += 1
                clock["writing_since"] = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            clock["last_statement"] = time.monotonic()

    with connection.execute_wrapper(pause_before_begin):
        yield yielding


def catch_up_in_steps() -> int:
    """``pacer.core.feed.catch_up`` one batch a delivery (a transaction each): every
    subscriber gets everything, as there; returns how many batches were handed."""
    handed = 0
    for subscriber in subscribers():
        while delivered := deliver(subscriber, limit=1):
            handed += delivered
    return handed
