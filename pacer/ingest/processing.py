"""Processing accepted events: identity resolution, computed traits, orders and consents.

The tracking API acknowledges a batch once its validated events are durably appended
(``pending``); this step, run by the worker right after (and inline by ``ingest``),
resolves each pending event to a contact and keeps the contact's traits current. It works
through a workspace's pending events in id order, a chunk at a time: it plans the chunk
from reads alone, then, in one transaction holding the workspace's lock, checks that
what it read still holds and writes the plan (ADR 0002). Two processors never write the
same events, and running it again finds nothing left to do.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from pacer.core import faults, feed
from pacer.core.bulk import db_datetime, db_json, fetch_rows, update_values
from pacer.core.errors import FieldError
from pacer.core.models import Workspace
from pacer.ingest.channels import Touch
from pacer.ingest.models import MESSAGE_COLUMNS, Event
from pacer.ingest.selectors import pending_window
from pacer.ingest.spec import Message
from pacer.people.commerce import order_from_properties
from pacer.people.profiles import Activity, ProfilePlan, consent_input

ORDER_EVENT = "Order Completed"
CONSENT_EVENT = "Consent Updated"
logger = logging.getLogger(__name__)
PENDING_COLUMNS = ["id", *MESSAGE_COLUMNS[:-1]]  # all but context
# Failures that say nothing about the events (a lock, a lost connection): the worker
# retries later instead of quarantining anything.
TRANSIENT = (OperationalError, InterfaceError)
MAX_REASON_LENGTH = 2000
PROMPT_EVENTS = 500  # pending events processed without waiting to gather more


def process_pending(workspace: Workspace | None = None, *, chunk: int | None = None) -> int:
    """Process the pending events of one workspace (or of all), ``chunk`` at a time
    (``INGEST_PROCESS_CHUNK`` by default); returns how many."""
    chunk = chunk or settings.INGEST_PROCESS_CHUNK
    if workspace is not None:
        workspace_ids = [workspace.pk]
    else:
        workspace_ids = list(
            Event.objects.filter(pending=True).values_list("workspace_id", flat=True).distinct()
        )
    done = 0
    for workspace_id in workspace_ids:
        while True:
            count = _process_chunk(workspace_id, chunk)
            done += count
            if count < chunk:
                break
    return done


def processing_due(now: datetime) -> bool:
    """Whether the worker should process now.

    Once the API has been quiet for ``INGEST_PROCESS_QUIET_SECONDS``, or the oldest
    pending event has waited ``INGEST_PROCESS_MAX_LAG_SECONDS``: under a heavy stream
    that gathers chunks big enough to process efficiently, and it bounds how stale
    contacts get. A trickle (at most ``PROMPT_EVENTS`` pending: lead forms, a small
    site) is processed at once: a small chunk costs little, and someone may be waiting
    on it (a lead's auto-reply).
    """
    window = pending_window()
    if window is None:
        return False
    oldest, newest = window
    return (
        (now - newest).total_seconds() >= settings.INGEST_PROCESS_QUIET_SECONDS
        or (now - oldest).total_seconds() >= settings.INGEST_PROCESS_MAX_LAG_SECONDS
        or Event.objects.filter(pending=True)[: PROMPT_EVENTS + 1].count() <= PROMPT_EVENTS
    )


def process_due() -> int:
    """The worker's ``process-events`` loop: process now if ``processing_due``."""
    return process_pending() if processing_due(timezone.now()) else 0


def _process_chunk(workspace_id: int, chunk: int, bounds: tuple[int, int] | None = None) -> int:
    """Process the oldest ``chunk`` pending events (with ids within ``bounds``); returns
    how many were processed or quarantined."""
    try:
        return _write_chunk(workspace_id, chunk, bounds)
    except TRANSIENT:
        raise
    except Exception as error:
        ids = list(_pending(workspace_id, bounds).values_list("id", flat=True)[:chunk])
        if len(ids) <= 1:
            return quarantine(workspace_id, ids[0], error) if ids else 0
        logger.info("events %s-%s failed (%r); bisecting", ids[0], ids[-1], error)
        half = len(ids) // 2
        done = _process_chunk(workspace_id, half, (ids[0], ids[half - 1]))
        return done + _process_chunk(workspace_id, len(ids) - half, (ids[half], ids[-1]))


def _write_chunk(workspace_id: int, chunk: int, bounds: tuple[int, int] | None) -> int:
    for attempt in range(3):
        try:
            # Plan from a read of the current state, without the write lock, so the API
            # keeps appending meanwhile; then, holding the lock, re-check what the plan
            # read and write it (or plan again under the lock if anything changed).
            plan = ChunkPlan.read(workspace_id, chunk, bounds)
            if plan is None:
                return 0
            faults.point("process.planned")
            with transaction.atomic():
                Workspace.objects.select_for_update().get(pk=workspace_id)
                faults.point("process.locked")
                if not plan.current():
                    logger.info(
                        "events %s-%s changed while planned; planning again", *plan.id_range
                    )
                    plan = ChunkPlan.read(workspace_id, chunk, bounds)
                    if plan is None:
                        return 0
                plan.write()
                faults.point("process.written")
            faults.point("process.committed")
            return plan.count
        except IntegrityError:
            # A concurrent writer that does not take the workspace lock (a CSV import)
            # created the same identifier, product or order first; the retry sees it.
            if attempt == 2:
                raise
    return 0


def _pending(workspace_id: int, bounds: tuple[int, int] | None):
    events = Event.objects.filter(workspace_id=workspace_id, pending=True)
    if bounds is not None:
        events = events.filter(id__gte=bounds[0], id__lte=bounds[1])
    return events.order_by("id")


def quarantine(workspace_id: int, event_id: int, error: Exception) -> int:
    """Set a pending event aside with the error that stopped it (returns 1 if it was
    still pending, else 0)."""
    reason = str(error) if isinstance(error, FieldError) else f"{type(error).__name__}: {error}"
    # the reason may quote the event's own data: keep it storable
    reason = reason[:MAX_REASON_LENGTH].replace("\x00", "\\u0000")
    reason = reason.encode(errors="replace").decode()
    with transaction.atomic():
        Workspace.objects.select_for_update().get(pk=workspace_id)
        set_aside = Event.objects.filter(pk=event_id, pending=True).update(
            pending=False, quarantined_at=timezone.now(), quarantine_reason=reason
        )
        faults.point("process.quarantined")
    logger.warning("event %s quarantined: %s", event_id, reason)
    return set_aside


def message_from_row(row: tuple) -> Message:
    """The ``Message`` an event row was written from (``PENDING_COLUMNS[1:]``, as the
    database driver returns them). The properties of events that processing does not
    read (pages, screens, other tracks) are left unparsed: empty here."""
    (mid, kind, event, name, user_id, anon, ts, channel, source, medium, campaign, props) = row
    if kind in ("identify", "group", "alias") or event in (ORDER_EVENT, CONSENT_EVENT):
        props = db_json(props)
    else:
        props = {}
    message = Message(
        type=kind,
        message_id=mid,
        user_id=user_id,
        anonymous_id=anon,
        timestamp=db_datetime(ts),
        event=event,
        name=name,
        touch=Touch(source=source, medium=medium, campaign=campaign, channel=channel),
    )
    if kind in ("identify", "group"):
        message.traits = props.get("traits", {})
        message.group_id = props.get("groupId", "")
    elif kind == "alias":
        message.previous_id = props.get("previousId", "")
    else:
        message.properties = props
    return message


def activity_of(message: Message) -> Activity:
    """What an event says about its person, for their profile."""
    touch = message.touch
    activity = Activity(
        kind=message.type,
        user_id=message.user_id,
        anonymous_id=message.anonymous_id,
        timestamp=message.timestamp,
        channel=touch.channel,
        source=touch.source,
        medium=touch.medium,
        campaign=touch.campaign,
        traits=message.traits,
        group_id=message.group_id,
        previous_id=message.previous_id,
    )
    if message.type == "track" and message.event == ORDER_EVENT:
        # validated when the event was accepted, so this cannot fail here
        activity.order = order_from_properties(
            message.properties, message.timestamp, message.message_id
        )
    elif message.type == "track" and message.event == CONSENT_EVENT:
        activity.consent = consent_input(message.properties, message.timestamp)
    return activity


class ChunkPlan:
    """What processing one chunk of pending events writes, worked out from reads alone.

    ``read`` resolves every event to a contact in memory (``pacer.people.profiles``);
    ``current`` tells whether what it read (the events still pending, the profiles' rows)
    is still so; ``write`` stores the profiles, points the events at their contacts and
    publishes the change on the change feed.
    """

    def __init__(self, workspace: Workspace, rows: list[tuple]):
        self.workspace = workspace
        self.count = len(rows)
        self.id_range = (rows[0][0], rows[-1][0])
        self.event_ids = [row[0] for row in rows]
        self.profiles = ProfilePlan(workspace, [activity_of(message_from_row(r[1:])) for r in rows])

    @classmethod
    def read(
        cls, workspace_id: int, chunk: int, bounds: tuple[int, int] | None = None
    ) -> "ChunkPlan | None":
        """The plan for the workspace's oldest ``chunk`` pending events, with ids within
        ``bounds`` if given (None if none)."""
        rows = fetch_rows(_pending(workspace_id, bounds).values_list(*PENDING_COLUMNS)[:chunk])
        return cls(Workspace.objects.get(pk=workspace_id), rows) if rows else None

    def current(self) -> bool:
        """Whether the state the plan was read from still holds (call under the lock)."""
        first, last = self.id_range
        still_pending = Event.objects.filter(
            workspace_id=self.workspace.pk, pending=True, id__gte=first, id__lte=last
        ).count()
        return still_pending == self.count and self.profiles.current()

    def write(self) -> None:
        """Store the plan: call inside the transaction that holds the workspace's lock."""
        profiles = self.profiles
        profiles.write()
        faults.point("process.profiles-written")
        update_values(
            Event,
            ["contact", "pending"],
            [
                (profiles.canonical(contact).pk, False, event_id)
                for event_id, contact in zip(self.event_ids, profiles.contacts, strict=True)
            ],
        )
        feed.publish(
            self.workspace.pk,
            source="events",
            contact_ids=profiles.changed_contact_ids(),
            merges=profiles.merges(),
            event_ids=self.id_range,
        )
