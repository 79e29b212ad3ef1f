"""Follow-up SLA policies: per stage and location, the first response due within N
working minutes (the location's opening hours), a reminder some minutes before the
deadline, escalation to the location's managers at it, and re-assignment a second
number of working minutes after it; optionally, after each response, the next touch
within N working minutes, and re-assignment some working minutes after a missed one
(``pacer.leads.touches``).

One policy per stage and location ("" for every location without its own); a lead uses
its location's policy, else the every-location one (``pacer.leads.routing.policy_of``).
A change applies to leads assigned after it: timers already set keep their times.
Every write validates first, refuses with every bad field named and writes nothing; each
is audited.

A lead no policy gives a deadline has a follow-up time instead: its owner's
first-response task falls due, and its owner is reminded, that many working minutes
after its clock starts (its location's own ``LocationFollowUp``, else the workspace's
``follow_up_minutes``, one working day unless set). A change applies, like a policy's,
to leads whose clock starts after it.
"""

from collections.abc import Mapping

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.leads.models import LeadSettings, LocationFollowUp, SlaPolicy
from pacer.leads.stages import open_stages
from pacer.people.selectors import locations

MAX_MINUTES = 10_080  # a week of working minutes
FIELDS = (
    "respond_minutes",
    "remind_minutes",
    "reassign_minutes",
    "next_touch_minutes",
    "touch_reassign_minutes",
)
EVERY_LOCATION = "Every other location"
DEFAULT_FOLLOW_UP_MINUTES = LeadSettings._meta.get_field("follow_up_minutes").default
MIN_FOLLOW_UP_MINUTES = 15


def _minutes(value, field: str, errors: dict, *, low: int) -> int:
    if isinstance(value, str):
        value = value.strip()
        try:
            value = int(value)
        except ValueError:
            errors[field] = "must be a whole number of minutes"
            return 0
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = "must be a whole number of minutes"
        return 0
    if not low <= value <= MAX_MINUTES:
        errors[field] = f"must be between {low} and {MAX_MINUTES} minutes"
    return value


def _policy_data(workspace: Workspace, data: Mapping) -> tuple[str, int | None, dict]:
    """The stage, the location id and the minutes of ``data``, or every refusal."""
    errors: dict[str, str] = {}
    stage = check_text(errors, "stage", data.get("stage"), 40, required=True)
    allowed = open_stages(workspace)
    if stage and "stage" not in errors and stage not in allowed:
        errors["stage"] = f"must be an open stage: {', '.join(allowed)}"
    code = check_text(errors, "location", data.get("location"), 60)
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if code and "location" not in errors and code not in codes:
        errors["location"] = f"no location '{code}' in this workspace"
    minutes = {
        "respond_minutes": _minutes(data.get("respond_minutes"), "respond_minutes", errors, low=1),
        "remind_minutes": _minutes(data.get("remind_minutes"), "remind_minutes", errors, low=0),
        "reassign_minutes": _minutes(
            data.get("reassign_minutes"), "reassign_minutes", errors, low=1
        ),
    }
    if (
        not {"respond_minutes", "remind_minutes"} & errors.keys()
        and minutes["remind_minutes"] >= minutes["respond_minutes"]
    ):
        errors["remind_minutes"] = (
            "must be less than the response time (the reminder comes before the deadline)"
        )
    raw = data.get("next_touch_minutes")
    minutes["next_touch_minutes"] = None
    if not _blank(raw):
        touch = _minutes(raw, "next_touch_minutes", errors, low=1)
        checked = not {"next_touch_minutes", "remind_minutes"} & errors.keys()
        if checked and touch <= minutes["remind_minutes"]:
            errors["next_touch_minutes"] = (
                f"must be more than the reminder's {minutes['remind_minutes']} minutes "
                "(the reminder comes before the next touch is due), or blank for none"
            )
        minutes["next_touch_minutes"] = touch
    minutes["touch_reassign_minutes"] = _touch_reassign(data, minutes, errors)
    if errors:
        raise ValidationFailed(errors)
    return stage, codes.get(code), minutes


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _touch_reassign(data: Mapping, minutes: dict, errors: dict) -> int | None:
    """``touch_reassign_minutes`` of ``data``: blank (None) keeps a lead whose next touch
    was missed with its owner; else 1 to a week, and only beside a next touch."""
    raw = data.get("touch_reassign_minutes")
    if _blank(raw):
        return None
    found = _minutes(raw, "touch_reassign_minutes", errors, low=1)
    if "touch_reassign_minutes" not in errors and _blank(data.get("next_touch_minutes")):
        errors["touch_reassign_minutes"] = (
            "needs a next touch time (next_touch_minutes) to count from, or blank for none"
        )
    return found


@transaction.atomic
def save_policy(workspace: Workspace, data: Mapping, *, actor=None) -> SlaPolicy:
    """Set the policy of ``data["stage"]`` at ``data["location"]`` (a location code; ""
    for every location without its own): ``respond_minutes`` (1 to a week),
    ``remind_minutes`` before the deadline (0 up to the response time) and
    ``reassign_minutes`` after it (1 to a week); ``next_touch_minutes`` (optional, 1 to a
    week, more than ``remind_minutes``; blank or None: none), the working minutes after
    each response within which the lead's next touch is due; ``touch_reassign_minutes``
    (optional, 1 to a week, only with a next touch; blank or None: never), the working
    minutes after a missed next touch at which the lead goes to someone else. Replaces
    that stage and location's policy if there is one."""
    stage, location_id, minutes = _policy_data(workspace, data)
    policy = (
        SlaPolicy.objects.select_for_update()
        .filter(workspace=workspace, stage=stage, location_id=location_id)
        .first()
    )
    before = {field: getattr(policy, field) for field in FIELDS} if policy else None
    policy = policy or SlaPolicy(workspace=workspace, stage=stage, location_id=location_id)
    for field, value in minutes.items():
        setattr(policy, field, value)
    policy.save()
    audit.record(
        workspace,
        "leads.sla",
        policy,
        actor=actor,
        before=before,
        after={"stage": stage, "location": data.get("location") or "", **minutes},
    )
    return policy


@transaction.atomic
def remove_policy(workspace: Workspace, policy_id: int, *, actor=None) -> None:
    """Remove a policy: leads of its stage and location then follow the every-location
    policy (or have no deadline)."""
    policy = SlaPolicy.objects.select_for_update().filter(workspace=workspace, pk=policy_id).first()
    if policy is None:
        raise ValidationFailed({"policy_id": "no such SLA policy in this workspace"})
    before = {"stage": policy.stage, **{field: getattr(policy, field) for field in FIELDS}}
    audit.record(workspace, "leads.sla.remove", policy, actor=actor, before=before)
    policy.delete()


def policy_rows(workspace: Workspace) -> list[dict]:
    """Every policy as ``{id, stage, location, respond_minutes, remind_minutes,
    reassign_minutes, next_touch_minutes, touch_reassign_minutes}`` (``location`` a code,
    "" for every location), by stage then location."""
    codes = {loc.pk: loc.code for loc in locations(workspace)}
    rows = [
        {
            "id": policy.pk,
            "stage": policy.stage,
            "location": codes.get(policy.location_id, ""),
            **{field: getattr(policy, field) for field in FIELDS},
        }
        for policy in SlaPolicy.objects.filter(workspace=workspace)
    ]
    return sorted(rows, key=lambda row: (row["stage"], row["location"], row["id"]))


def follow_up_minutes(workspace: Workspace) -> int:
    """The workspace's follow-up time of a lead without a deadline, in working minutes."""
    found = (
        LeadSettings.objects.filter(workspace=workspace)
        .values_list("follow_up_minutes", flat=True)
        .first()
    )
    return DEFAULT_FOLLOW_UP_MINUTES if found is None else found


def location_follow_ups(workspace: Workspace) -> dict[int, int]:
    """The locations' own follow-up times (working minutes) by location id; a location
    not listed uses the workspace's."""
    return dict(
        LocationFollowUp.objects.filter(workspace=workspace).values_list(
            "location_id", "follow_up_minutes"
        )
    )


def follow_up_rows(workspace: Workspace) -> list[dict]:
    """Every location's own follow-up time as ``{location, name, follow_up_minutes}``
    (``location`` a code), by name."""
    own = location_follow_ups(workspace)
    return sorted(
        (
            {"location": loc.code, "name": loc.name, "follow_up_minutes": own[loc.pk]}
            for loc in locations(workspace)
            if loc.pk in own
        ),
        key=lambda row: (row["name"], row["location"]),
    )


@transaction.atomic
def save_follow_up(workspace: Workspace, data: Mapping, *, actor=None) -> int | None:
    """Set the follow-up time of the leads no policy gives a deadline:
    ``data["follow_up_minutes"]``, ``MIN_FOLLOW_UP_MINUTES`` to a week of working minutes,
    the workspace's, or with ``data["location"]`` (a location code) that location's own;
    a blank time for a location removes its own (it uses the workspace's again).
    Applies to leads whose clock starts after it (open leads keep their follow-up time).
    Returns the minutes set (None: the location's own removed)."""
    errors: dict[str, str] = {}
    code = check_text(errors, "location", data.get("location"), 60)
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if code and "location" not in errors and code not in codes:
        errors["location"] = f"no location '{code}' in this workspace"
    raw = data.get("follow_up_minutes")
    blank = _blank(raw)
    minutes = None
    if not (code and blank):
        minutes = _minutes(raw, "follow_up_minutes", errors, low=MIN_FOLLOW_UP_MINUTES)
    if errors:
        raise ValidationFailed(errors)
    if code:
        return _save_location_follow_up(workspace, code, codes[code], minutes, actor)
    row, _ = LeadSettings.objects.select_for_update().get_or_create(workspace=workspace)
    before = row.follow_up_minutes
    if before != minutes:
        row.follow_up_minutes = minutes
        row.save(update_fields=["follow_up_minutes"])
        audit.record(
            workspace,
            "leads.follow_up",
            row,
            actor=actor,
            before={"follow_up_minutes": before},
            after={"follow_up_minutes": minutes},
        )
    return minutes


def _save_location_follow_up(
    workspace: Workspace, code: str, location_id: int, minutes: int | None, actor
) -> int | None:
    """Set (or, ``minutes`` None, remove) a location's own follow-up time; audited when
    it changed."""
    row = (
        LocationFollowUp.objects.select_for_update()
        .filter(workspace=workspace, location_id=location_id)
        .first()
    )
    before = row.follow_up_minutes if row else None
    if before == minutes:
        return minutes
    if minutes is not None:
        row = row or LocationFollowUp(workspace=workspace, location_id=location_id)
        row.follow_up_minutes = minutes
        row.save()
    audit.record(
        workspace,
        "leads.follow_up",
        row,
        actor=actor,
        before={"location": code, "follow_up_minutes": before},
        after={"location": code, "follow_up_minutes": minutes},
    )
    if minutes is None:
        row.delete()
    return minutes
