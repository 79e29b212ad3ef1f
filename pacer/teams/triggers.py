"""Surveys sent by themselves after an order, or after a visit without one.

A survey's trigger (``SurveyTrigger``) asks each customer about each order placed since
it was set: ``collect`` reads new orders through the people domain's selector (by id,
which orders are appended in) and records one ``SurveyAsk`` per (survey, contact, order),
a unique key, due ``delay_days`` after the order inside the daytime window of the
order's location's time zone (when the location has one of its own; else the contact's,
else the workspace's); ``send_due`` sends the due asks through a messaging broadcast of
their own, where consent and suppression apply as to any broadcast. Skipped instead: a
contact asked by any survey within ``ask_again_after_days`` (after an order, or by hand:
``surveys.send_survey`` records those asks too; a merged contact's asks are the
survivor's, ``pacer.teams.merges``), a second order of the same person in one run, and
anyone who has answered the survey (one answer per person).

A trigger with a ``visit_event`` ("Store Visited", "Appointment Completed": a Segment
track event) asks after each such visit too, an order or not: ``pacer.teams.visits``
follows the change feed's processed events and records one ask per (survey, event), a
unique key, the same way. A visit that ended in an order is still asked about once: the
second ask falls in the ask-again window (or the same run) and is skipped with that
reason. When a location's time zone changes (``pacer.people.signals``),
``move_waiting_asks`` sets its waiting asks' due times again in the new zone.
``run_triggers`` is the worker's periodic task: each trigger's work happens under a lock
on its row, so two runs (or two workers) claim each ask once; the claimed asks' broadcast
is queued after that commit, outside the lock (messaging queues a broadcast once), and a
claim cut short before its queuing is queued by the next run (``deliver``).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from pacer.core import audit, clock, faults
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.zones import known_zone
from pacer.messaging import actions as messaging
from pacer.messaging import selectors as messages
from pacer.messaging.rules import settings_of
from pacer.people import selectors as people
from pacer.teams.models import AskStatus, Survey, SurveyAsk, SurveyResponse, SurveyTrigger

ORDERS_PER_RUN = 2000
ASKS_PER_RUN = 1000
MAX_DELAY_DAYS = 60
MAX_ASK_AGAIN_DAYS = 730


def _whole(errors: dict, field: str, value, low: int, high: int) -> int:
    text = str(value).strip() if isinstance(value, str | int) and value is not True else ""
    if not (text.isdecimal() and len(text) < 6 and low <= int(text) <= high):
        errors[field] = f"must be a whole number from {low} to {high}"
        return low
    return int(text)


def _clock(errors: dict, field: str, value) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) == 5 and text[2] == ":":
        try:
            return time.fromisoformat(text)
        except ValueError:
            pass
    errors[field] = "must be a time of day as HH:MM"
    return time(0)


def _event_name(errors: dict, value) -> str:
    name = value.strip() if isinstance(value, str) else None
    if name is None or len(name) > 200 or any(ord(char) < 32 for char in name):
        errors["visit_event"] = (
            "must be a track event's name of at most 200 characters on one line "
            "(empty: after orders only)"
        )
        return ""
    return name


def _location_ids(workspace: Workspace, errors: dict, codes) -> list[int]:
    if not isinstance(codes, list) or len(codes) > 1000:
        errors["locations"] = "must be a list of at most 1000 location codes"
        return []
    wanted = [str(code).strip() for code in codes if str(code).strip()]
    found = people.locations_by_code(workspace, wanted)
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors["locations"] = f"no location with code '{unknown[0][:40]}'"
    return sorted({found[code].pk for code in wanted if code in found})


@transaction.atomic
def save_trigger(
    survey: Survey,
    *,
    sender_id,
    delay_days=2,
    send_from="09:00",
    send_until="18:00",
    locations=(),
    ask_again_after_days=90,
    purpose="marketing",
    enabled=True,
    visit_event="",
    actor=None,
) -> SurveyTrigger:
    """Set (or change) the survey's "send after an order" trigger; every field is checked
    before anything is written. A new trigger, or one switched on again, asks about orders
    placed from now on (not those placed while it was off: a survey weeks after the
    visit measures a memory, and a sudden burst of them annoys; asks already waiting are
    still sent); a ``visit_event`` (a track event's name; "" for none) newly named, or
    switched on again, about those visits from now on too."""
    workspace = survey.workspace
    errors: dict[str, str] = {}
    values = {
        "delay_days": _whole(errors, "delay_days", delay_days, 0, MAX_DELAY_DAYS),
        "ask_again_after_days": _whole(
            errors, "ask_again_after_days", ask_again_after_days, 0, MAX_ASK_AGAIN_DAYS
        ),
        "send_from": _clock(errors, "send_from", send_from),
        "send_until": _clock(errors, "send_until", send_until),
        "location_ids": _location_ids(workspace, errors, list(locations or [])),
        "enabled": bool(enabled),
        "visit_event": _event_name(errors, visit_event),
    }
    times_given = "send_from" not in errors and "send_until" not in errors
    if times_given and values["send_from"] >= values["send_until"]:
        errors["send_until"] = "must be later in the day than send_from"
    sender_ids = {str(s.pk): s.pk for s in messages.senders(workspace)}
    if str(sender_id).strip() not in sender_ids:
        errors["sender_id"] = "no such sender in this workspace"
    if not isinstance(purpose, str) or not 1 <= len(purpose.strip()) <= 60:
        errors["purpose"] = "must be text of 1 to 60 characters"
    if errors:
        raise ValidationFailed(errors)
    values["sender_id"] = sender_ids[str(sender_id).strip()]
    values["purpose"] = purpose.strip()
    trigger = SurveyTrigger.objects.select_for_update().filter(survey=survey).first()
    before = audit.snapshot(trigger) if trigger else None
    switched_on = trigger is None or (values["enabled"] and not trigger.enabled)
    if trigger is None:
        trigger = SurveyTrigger(workspace=workspace, survey=survey)
    if switched_on:  # what happened while it was off is not asked about
        trigger.since = clock.now()
        trigger.order_cursor = people.last_order_id(workspace)
    if not values["visit_event"]:
        trigger.visits_since = None
    elif (
        switched_on or values["visit_event"] != trigger.visit_event or trigger.visits_since is None
    ):
        trigger.visits_since = clock.now()
    for name, value in values.items():
        setattr(trigger, name, value)
    trigger.save()
    audit.record(
        workspace,
        "survey.trigger",
        survey,
        actor=actor,
        before=before,
        after=audit.snapshot(trigger),
    )
    return trigger


def ask_about_orders_since(trigger: SurveyTrigger, since: datetime) -> None:
    """Have the trigger ask about the orders placed from ``since`` on, earlier ones
    included (the demo asks about its simulated last weeks): its next runs read every
    order again from the first; asks already recorded stay once (the unique key)."""
    if since > clock.now():
        raise ValidationFailed({"since": "must not be in the future"})
    SurveyTrigger.objects.filter(pk=trigger.pk).update(since=since, order_cursor=0)
    trigger.since, trigger.order_cursor = since, 0


def daytime_instant(at: datetime, zone_name: str, start: time, end: time) -> datetime:
    """The first instant at or after ``at`` whose wall-clock time in ``zone_name`` lies in
    ``[start, end)``.

    >>> daytime_instant(datetime(2026, 4, 3, 23, 0, tzinfo=UTC), "Europe/Paris",
    ...                 time(9), time(18)).isoformat()
    '2026-04-04T07:00:00+00:00'
    """
    zone = ZoneInfo(zone_name)
    local = at.astimezone(zone)
    if start <= local.time() < end:
        return at
    day = local.date() + timedelta(days=1 if local.time() >= end else 0)
    return datetime.combine(day, start, tzinfo=zone).astimezone(UTC)


def _first_known(*zones) -> str | None:
    """The first of ``zones`` that is a known IANA zone (a contact's trait may be any
    text, "America" among them, which ``ZoneInfo`` refuses with an OSError)."""
    return next((zone for zone in zones if known_zone(zone)), None)


def _zone(location_zone: str | None, contact_zone: str | None, default_zone: str) -> str:
    """The zone an ask waits for the daytime of: the location's own, else the contact's,
    else the workspace's."""
    return _first_known(location_zone, contact_zone) or default_zone


@dataclass
class _Timed:
    """Asks timed before a transaction, with what their times came from: the trigger's
    fields (``_inputs``) and the zones read (location ids, their zones, the workspace's)."""

    inputs: tuple
    asks: list[SurveyAsk] = field(default_factory=list)
    zones: tuple = ((), {}, "")
    cursor: int | None = None  # the last order read (None: none was)
    read: int = 0  # orders read


def _inputs(trigger: SurveyTrigger) -> tuple:
    """The trigger's fields its asks' times and choice depend on."""
    return (
        trigger.order_cursor,
        trigger.since,
        tuple(trigger.location_ids),
        trigger.delay_days,
        trigger.send_from,
        trigger.send_until,
        trigger.survey_id,
    )


def _timed_asks(trigger: SurveyTrigger, happenings: list[tuple]) -> _Timed:
    """One waiting ask per ``(contact id, location id, at, order id, event id)``, due
    from ``at`` plus the delay moved into the daytime (not written)."""
    timed = _Timed(_inputs(trigger))
    if not happenings:
        return timed
    workspace = trigger.workspace
    zones = {
        row["id"]: row["time_zone"]
        for row in people.recipients(workspace, sorted({h[0] for h in happenings}))
    }
    location_ids = tuple(sorted({h[1] for h in happenings if h[1] is not None}))
    location_zones = people.location_zones(workspace, list(location_ids))
    default_zone = settings_of(workspace).time_zone
    delay = timedelta(days=trigger.delay_days)
    timed.zones = (location_ids, location_zones, default_zone)
    timed.asks = [
        SurveyAsk(
            workspace=workspace,
            survey_id=trigger.survey_id,
            contact_id=contact_id,
            order_id=order_id,
            event_id=event_id,
            location_id=location_id,
            earliest_at=at + delay,
            due_at=daytime_instant(
                at + delay,
                _zone(location_zones.get(location_id), zones.get(contact_id), default_zone),
                trigger.send_from,
                trigger.send_until,
            ),
        )
        for contact_id, location_id, at, order_id, event_id in happenings
    ]
    return timed


def _write_asks(asks: list[SurveyAsk]) -> None:
    if asks:  # the unique keys: an order or visit read again is asked once
        SurveyAsk.objects.bulk_create(asks, ignore_conflicts=True)


def _record_asks(trigger: SurveyTrigger, happenings: list[tuple]) -> None:
    """Write the waiting asks of ``happenings`` (``_timed_asks``); each once."""
    _write_asks(_timed_asks(trigger, happenings).asks)


def _read_orders(trigger: SurveyTrigger) -> _Timed:
    """The orders placed since the trigger's cursor, read and their asks timed: the part
    of ``collect`` that writes nothing."""
    orders = people.orders_after(trigger.workspace, trigger.order_cursor, ORDERS_PER_RUN)
    wanted = set(trigger.location_ids)
    timed = _timed_asks(
        trigger,
        [
            (contact_id, location_id, placed_at, order_id, None)
            for order_id, contact_id, location_id, placed_at in orders
            if placed_at >= trigger.since and (not wanted or location_id in wanted)
        ],
    )
    timed.cursor, timed.read = (orders[-1][0] if orders else None), len(orders)
    return timed


def _still_right(trigger: SurveyTrigger, timed: _Timed) -> bool:
    """Whether asks timed before the lock are what the locked trigger would time now: its
    fields (its cursor among them: another run moved it) and the zones unchanged."""
    if _inputs(trigger) != timed.inputs:
        return False
    if not timed.asks:
        return True
    location_ids, location_zones, default_zone = timed.zones
    workspace = trigger.workspace
    now = (people.location_zones(workspace, list(location_ids)), settings_of(workspace).time_zone)
    return now == (location_zones, default_zone)


def _write_orders(trigger: SurveyTrigger, timed: _Timed) -> int:
    """Write the asks ``_read_orders`` timed and move the cursor past the orders read."""
    if timed.cursor is None:
        return 0
    _write_asks(timed.asks)
    trigger.order_cursor = timed.cursor
    trigger.save(update_fields=["order_cursor", "updated_at"])
    return timed.read


def collect(trigger: SurveyTrigger) -> int:
    """Record the asks of the orders placed since the trigger's cursor (call with its row
    locked); returns how many orders were read."""
    return _write_orders(trigger, _read_orders(trigger))


def ask_about_visits(trigger: SurveyTrigger, events: list[dict]) -> int:
    """Record the asks of these visits (processed track events as
    ``ingest.selectors.events_named`` gives them) that happened from the trigger's
    ``visits_since`` on: the visit's location is its ``location`` property (a location
    code), else the person's own; returns how many visits were asked about."""
    workspace = trigger.workspace
    events = [
        e
        for e in events
        if e["contact_id"] is not None
        and trigger.visits_since is not None
        and e["timestamp"] >= trigger.visits_since
    ]
    if not events:
        return 0

    def code(event: dict) -> str:
        props = event["properties"]
        value = props.get("location") if isinstance(props, dict) else None
        return str(value).strip()[:40] if isinstance(value, str | int) else ""

    places = people.locations_by_code(workspace, {code(e) for e in events})
    persons = people.contacts_by_ids(workspace, [e["contact_id"] for e in events])
    wanted, happenings = set(trigger.location_ids), []
    for event in events:
        person = persons.get(event["contact_id"])  # a merged-away id: its survivor
        if person is None:
            continue
        place = places.get(code(event))
        location_id = place.pk if place else person.location_id
        if not wanted or location_id in wanted:
            happenings.append((person.pk, location_id, event["timestamp"], None, event["id"]))
    if happenings:
        _record_asks(trigger, happenings)
    return len(happenings)


def move_waiting_asks(workspace: Workspace, location_id: int) -> int:
    """After a location's time zone changed: the due time of each of its waiting asks
    again from its earliest time, moved into the daytime of the location's zone now
    (else the contact's, else the workspace's). Idempotent; returns how many moved.
    An ask without an earliest time (by hand, or its order gone before teams 0007 filled
    the earlier ones) starts from its due time."""
    waiting = list(
        SurveyAsk.objects.filter(
            workspace=workspace, location_id=location_id, status=AskStatus.WAITING
        )
    )
    windows = {
        t.survey_id: (t.send_from, t.send_until)
        for t in SurveyTrigger.objects.filter(survey_id__in={a.survey_id for a in waiting})
    }
    zones = {
        row["id"]: row["time_zone"]
        for row in people.recipients(workspace, sorted({a.contact_id for a in waiting}))
    }
    location_zone = people.location_zones(workspace, [location_id]).get(location_id)
    default_zone = settings_of(workspace).time_zone
    moved = 0
    for ask in waiting:
        if ask.survey_id not in windows:
            continue
        due = daytime_instant(
            ask.earliest_at or ask.due_at,
            _zone(location_zone, zones.get(ask.contact_id), default_zone),
            *windows[ask.survey_id],
        )
        if due != ask.due_at:  # still waiting: one being sent now keeps its time
            moved += SurveyAsk.objects.filter(pk=ask.pk, status=AskStatus.WAITING).update(
                due_at=due
            )
    return moved


def _template_id(trigger: SurveyTrigger) -> int:
    from pacer.teams.surveys import email_link

    if trigger.template_id and messages.template(trigger.workspace, trigger.template_id):
        return trigger.template_id
    survey = trigger.survey
    link = email_link(survey) + "?r={{ unsubscribe_url|urlencode }}"
    template = messaging.save_template(
        trigger.workspace,
        name=f"Survey after an order: {survey.name} ({survey.pk})"[:200],
        subject=survey.question,
        html=f'<p>{survey.question}</p><p><a href="{link}">Answer in one click</a></p>',
        text=f"{survey.question}\n\nAnswer here: {link}",
    )
    trigger.template_id = template.pk
    trigger.save(update_fields=["template_id", "updated_at"])
    return template.pk


def _skip(asks: list[SurveyAsk], reason: str) -> None:
    SurveyAsk.objects.filter(pk__in=[a.pk for a in asks]).update(
        status=AskStatus.SKIPPED, reason=reason[:300]
    )


def send_due(trigger: SurveyTrigger) -> tuple[int, int | None]:
    """Claim the trigger's due asks into one messaging broadcast (call with its row
    locked): the broadcast is made, a draft, and each chosen ask marked ``sending`` with
    its id; the others skipped with the reason. Queuing the broadcast (``deliver``) is
    left for after the commit. Returns how many asks were settled or claimed, and the
    broadcast's id (None: none made)."""
    workspace, now = trigger.workspace, clock.now()
    due = list(
        SurveyAsk.objects.filter(
            survey_id=trigger.survey_id, status=AskStatus.WAITING, due_at__lte=now
        ).order_by("due_at", "id")[:ASKS_PER_RUN]
    )
    if not due:
        return 0, None
    window = now - timedelta(days=trigger.ask_again_after_days)
    recent = set(
        SurveyAsk.objects.filter(
            workspace=workspace,
            status__in=(AskStatus.SENT, AskStatus.SENDING),
            asked_at__gt=window,
            contact_id__in=sorted({a.contact_id for a in due}),
        ).values_list("contact_id", flat=True)
    )
    answered = set(
        SurveyResponse.objects.filter(
            survey_id=trigger.survey_id, contact_id__in=sorted({a.contact_id for a in due})
        ).values_list("contact_id", flat=True)
    )
    chosen: dict[int, SurveyAsk] = {}
    asked_lately, repeated, done = [], [], []
    for ask in due:
        if ask.contact_id in answered:
            done.append(ask)
        elif ask.contact_id in recent:
            asked_lately.append(ask)
        elif ask.contact_id in chosen:
            repeated.append(ask)
        else:
            chosen[ask.contact_id] = ask
    _skip(asked_lately, f"asked within {trigger.ask_again_after_days} days")
    _skip(repeated, "asked about another order or visit in the same run")
    _skip(done, "already answered this survey (one answer per person)")
    return len(due), _claim(trigger, chosen, now) if chosen else None


def _claim(trigger: SurveyTrigger, chosen: dict[int, SurveyAsk], now: datetime) -> int:
    workspace, survey = trigger.workspace, trigger.survey
    broadcast = messaging.create_broadcast(
        workspace,
        name=f"Survey after an order: {survey.name} {now:%Y-%m-%d %H:%M}"[:200],
        template_id=_template_id(trigger),
        sender_id=trigger.sender_id,
        audience={"contacts": sorted(chosen)},
        purpose=trigger.purpose,
    )
    SurveyAsk.objects.filter(pk__in=[a.pk for a in chosen.values()]).update(
        status=AskStatus.SENDING, broadcast_id=broadcast.pk, asked_at=now
    )
    return broadcast.pk


def deliver(survey_id: int, *, counted: int | None = None) -> int:
    """Queue the broadcasts the survey's ``sending`` asks were claimed into, each once
    (messaging queues a draft broadcast once), and settle those asks: sent when their
    message was queued, skipped with the reason otherwise. Run after the claim's commit,
    outside the trigger's lock, and again by every run: a claim whose queuing was cut
    short (a crash between the commit and here) is queued by the next. Returns how many
    asks were settled, less those of the broadcast ``counted`` (claimed, and counted
    already, by this run)."""
    settled = 0
    claimed = (
        SurveyAsk.objects.filter(survey_id=survey_id, status=AskStatus.SENDING)
        .values_list("broadcast_id", flat=True)
        .distinct()
        .order_by("broadcast_id")
    )
    for broadcast_id in list(claimed):
        found = _queue(survey_id, broadcast_id)
        settled += 0 if broadcast_id == counted else found
    return settled


def _queue(survey_id: int, broadcast_id: int) -> int:
    asks = SurveyAsk.objects.filter(
        survey_id=survey_id, status=AskStatus.SENDING, broadcast_id=broadcast_id
    )
    first = asks.select_related("workspace").first()
    if first is None:
        return 0
    workspace = first.workspace
    try:
        messaging.queue_broadcast(workspace, broadcast_id)
    except ValidationFailed as refused:
        if "broadcast_id" not in refused.errors:  # nobody may get it (the template's assets)
            return _skip_sending(asks, "; ".join(refused.errors.values()))
        if not messages.messages_of(workspace, broadcast_id).exists():  # gone or not queued
            return _skip_sending(asks, refused.errors["broadcast_id"])
    outcome = {
        contact_id: (status, reason)
        for contact_id, status, reason in messages.messages_of(workspace, broadcast_id)
        .order_by()
        .values_list("contact_id", "status", "reason")
    }
    settled = 0
    for ask in list(asks):
        status, reason = outcome.get(
            ask.contact_id, ("", "no email address or no longer on record")
        )
        if status == "queued":
            settled += asks.filter(pk=ask.pk).update(status=AskStatus.SENT)
        else:
            settled += _skip_sending(asks.filter(pk=ask.pk), reason or status)
    return settled


def _skip_sending(asks, reason: str) -> int:
    return asks.update(status=AskStatus.SKIPPED, reason=reason[:300], asked_at=None)


def _enabled(trigger_id: int, *, lock: bool) -> SurveyTrigger | None:
    rows = SurveyTrigger.objects.select_for_update() if lock else SurveyTrigger.objects
    found = rows.select_related("workspace", "survey").filter(pk=trigger_id, enabled=True)
    return found.first()


def run_trigger(trigger_id: int) -> int:
    """Collect one trigger's work and claim its due asks under a lock on its row, then
    queue them after the commit (``deliver``); returns how much was done (orders read,
    asks settled). The new orders are read and their asks timed
    before the transaction (SQLite's write lock is held from its BEGIN: IMMEDIATE), and
    done again inside only when the trigger or a zone changed meanwhile."""
    unlocked = _enabled(trigger_id, lock=False)
    if unlocked is None:
        return 0
    timed = _read_orders(unlocked)
    with transaction.atomic():
        trigger = _enabled(trigger_id, lock=True)
        if trigger is None:
            return 0
        if not _still_right(trigger, timed):
            timed = _read_orders(trigger)
        written = _write_orders(trigger, timed)
        settled, claimed = send_due(trigger)  # queued after the commit, by ``deliver``
        faults.point("teams.survey-asks-claiming")  # claimed, not committed
    faults.point("teams.survey-asks-claimed")  # committed, not queued
    return written + settled + deliver(trigger.survey_id, counted=claimed)


def run_triggers() -> int:
    """The worker's periodic task: every enabled trigger's work; safe to run twice."""
    ids = SurveyTrigger.objects.filter(enabled=True).order_by("id").values_list("id", flat=True)
    return sum(run_trigger(trigger_id) for trigger_id in list(ids))
