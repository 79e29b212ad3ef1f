"""Escalation chains: who hears of a missed deadline (a first response, or a next touch
after a response, ``pacer.leads.touches``), and when.

A chain is a list of steps, each ``delay_minutes`` working minutes (the location's
opening hours) after the deadline, to: the location's managers or agents, the lead's
owner (its managers while the owner is away), a named member, a team inbox (an email
address), or the workspace's webhooks subscribed to ``lead.escalated``. A location may
have its own chain; the others use the every-location chain ("" location), else the
default: the location's managers at the deadline. A form may override that for its
leads: its own chain, or no escalation.

The chain is copied onto the lead's timers when it is assigned (one escalation timer per
step), so a change applies to leads assigned after it; for a next touch, when its
deadline is set (each response). ``step_times`` places the steps after a deadline and
``notify`` fires one, for both deadlines. Each step fires once (the timer's
claim, and one notice per lead, round, step and recipient), and none fires after the
first response or once the lead went to someone else (a re-assignment starts the new
owner's own chain), nor once the lead is closed (won or lost: its pending timers are
cancelled then). Every write validates first, refuses with every bad field named and
writes nothing; each is audited.
"""

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Membership, Workspace
from pacer.leads import selectors
from pacer.leads.hours import Hours, add_working_minutes
from pacer.leads.models import (
    Agent,
    EscalateTo,
    EscalationStep,
    FormEscalation,
    Lead,
    LeadForm,
)
from pacer.leads.notices import away_until, managers_of, queue_notice
from pacer.leads.sla import MAX_MINUTES
from pacer.messaging import webhooks
from pacer.people.selectors import locations

MAX_STEPS = 10
EVENT = "lead.escalated"
DEFAULT = ({"delay_minutes": 0, "to": EscalateTo.MANAGERS.value, "user": None, "address": ""},)


def _delay(value, field: str, errors: dict) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = "must be a whole number of minutes"
        return 0
    if not 0 <= value <= MAX_MINUTES:
        errors[field] = f"must be between 0 and {MAX_MINUTES} minutes"
    return value


def _step(workspace: Workspace, raw, at: str, errors: dict, members: dict) -> dict:
    """One step of ``raw`` as ``{delay_minutes, to, user, address}`` (``user`` an id)."""
    if not isinstance(raw, Mapping):
        errors[at] = "must be a step: delay_minutes, to, and user or address"
        return {}
    step = {
        "delay_minutes": _delay(raw.get("delay_minutes"), f"{at}.delay_minutes", errors),
        "to": raw.get("to"),
        "user": None,
        "address": "",
    }
    if step["to"] not in EscalateTo.values:
        errors[f"{at}.to"] = f"must be one of {', '.join(EscalateTo.values)}"
    elif step["to"] == EscalateTo.USER:
        username = check_text(errors, f"{at}.user", raw.get("user"), 150, required=True)
        if username and f"{at}.user" not in errors:
            user_id, role = members.get(username, (None, ""))
            if user_id is None:
                errors[f"{at}.user"] = f"no member '{username}' in this workspace"
            elif refusal := selectors.not_a_worker(username, role):
                errors[f"{at}.user"] = refusal
            step["user"] = user_id
    elif step["to"] == EscalateTo.EMAIL:
        address = check_text(errors, f"{at}.address", raw.get("address"), 254, required=True)
        if address and f"{at}.address" not in errors:
            try:
                validate_email(address)
            except ValidationError:
                errors[f"{at}.address"] = "must be an email address (the team's inbox)"
            step["address"] = address
    elif step["to"] == EscalateTo.WEBHOOK:
        subscribed = [
            hook
            for hook in webhooks.endpoints([workspace.pk])[workspace.pk]
            if EVENT in hook.event_types
        ]
        if not subscribed:
            errors[f"{at}.to"] = (
                f"no active webhook of this workspace is subscribed to {EVENT}: add one first"
            )
    return step


def _chain_data(workspace: Workspace, data: Mapping) -> tuple[int | None, list[dict]]:
    errors: dict[str, str] = {}
    code = check_text(errors, "location", data.get("location"), 60)
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if code and "location" not in errors and code not in codes:
        errors["location"] = f"no location '{code}' in this workspace"
    steps = _steps(workspace, data.get("steps"), errors)
    if errors:
        raise ValidationFailed(errors)
    return codes.get(code), steps


def _steps(workspace: Workspace, raw_steps, errors: dict) -> list[dict]:
    """The checked steps of a chain (refusals added to ``errors``, keyed ``steps...``)."""
    steps: list[dict] = []
    if not isinstance(raw_steps, list | tuple) or not raw_steps:
        errors["steps"] = "must list at least one step"
    elif len(raw_steps) > MAX_STEPS:
        errors["steps"] = f"must list at most {MAX_STEPS} steps"
    else:
        members = {
            username: (user_id, role)
            for username, user_id, role in Membership.objects.filter(
                workspace=workspace
            ).values_list("user__username", "user_id", "role")
        }
        for index, raw in enumerate(raw_steps):
            at = f"steps[{index}]"
            step = _step(workspace, raw, at, errors, members)
            before = steps[-1]["delay_minutes"] if steps else 0
            field = f"{at}.delay_minutes"
            if step and field not in errors and step["delay_minutes"] < before:
                errors[field] = f"must be at least the step before's ({before} minutes)"
            steps.append(step)
    return steps


def _rows(found) -> list[dict]:
    return [
        {
            "delay_minutes": step.delay_minutes,
            "to": step.to,
            "user": step.user_id,
            "address": step.address,
        }
        for step in found
    ]


def _make_steps(workspace: Workspace, steps: list[dict], **chain) -> list[EscalationStep]:
    """Write checked ``steps`` as the chain ``chain`` names (``location_id=`` or ``form=``)."""
    return EscalationStep.objects.bulk_create(
        EscalationStep(
            workspace=workspace,
            position=index,
            delay_minutes=step["delay_minutes"],
            to=step["to"],
            user_id=step["user"],
            address=step["address"],
            **chain,
        )
        for index, step in enumerate(steps)
    )


@transaction.atomic
def save_chain(workspace: Workspace, data: Mapping, *, actor=None) -> list[EscalationStep]:
    """Set the escalation chain of ``data["location"]`` (a location code; "" for every
    location without its own) to ``data["steps"]``: 1 to ``MAX_STEPS`` steps of
    ``delay_minutes`` (0 to a week of working minutes after the deadline, each at least
    the one before's) and ``to`` (an ``EscalateTo``), with ``user`` (a member's
    username) for "user" and ``address`` for "email". Replaces the chain it had."""
    location_id, steps = _chain_data(workspace, data)
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()  # one edit at a time
    current = EscalationStep.objects.filter(
        workspace=workspace, location_id=location_id, form__isnull=True
    )
    before = _rows(current) or None
    current.delete()
    made = _make_steps(workspace, steps, location_id=location_id)
    audit.record(
        workspace,
        "leads.escalation",
        workspace,
        actor=actor,
        before=before,
        after={"location": data.get("location") or "", "steps": _rows(made)},
    )
    return made


@transaction.atomic
def remove_chain(workspace: Workspace, location: str, *, actor=None) -> None:
    """Remove a location's chain (its leads then follow the every-location one, else the
    default); refused when that location has none."""
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if location and location not in codes:
        raise ValidationFailed({"location": f"no location '{location[:60]}' in this workspace"})
    found = EscalationStep.objects.select_for_update().filter(
        workspace=workspace, location_id=codes.get(location), form__isnull=True
    )
    before = _rows(found)
    if not before:
        raise ValidationFailed({"location": "has no escalation chain of its own"})
    audit.record(
        workspace,
        "leads.escalation.remove",
        workspace,
        actor=actor,
        before={"location": location, "steps": before},
    )
    found.delete()


def chain_of(workspace: Workspace, location_id: int | None, form: str = "") -> list[dict]:
    """The steps a lead of ``location_id`` from ``form`` (a form's key) escalates by: the
    form's own chain ([] for a form without escalation), else the location's chain, else
    the every-location chain, else ``DEFAULT``."""
    override = form_overrides(workspace).get(form) if form else None
    if override is not None:
        return override
    found: dict[int | None, list[dict]] = {}
    for step in EscalationStep.objects.filter(workspace=workspace, form__isnull=True).order_by(
        "position"
    ):
        if step.location_id in (location_id, None):
            found.setdefault(step.location_id, []).append(_rows([step])[0])
    return found.get(location_id) or found.get(None) or [dict(step) for step in DEFAULT]


def chain_rows(workspace: Workspace) -> list[dict]:
    """Every chain as ``{location, steps: [{delay_minutes, to, user, address}]}``
    (``location`` a code, "" for every location; ``user`` a username), by location."""
    codes = {loc.pk: loc.code for loc in locations(workspace)}
    chains: dict[str, list[dict]] = {}
    for step in (
        EscalationStep.objects.filter(workspace=workspace, form__isnull=True)
        .select_related("user")
        .order_by("location_id", "position")
    ):
        chains.setdefault(codes.get(step.location_id, ""), []).append(
            {
                "delay_minutes": step.delay_minutes,
                "to": step.to,
                "user": step.user.username if step.user else "",
                "address": step.address,
            }
        )
    return [{"location": code, "steps": chains[code]} for code in sorted(chains)]


def form_overrides(workspace: Workspace) -> dict[str, list[dict]]:
    """The chains of forms that do not follow the default, by form key: the form's own
    steps, or [] for a form without escalation."""
    overrides: dict[str, list[dict]] = {
        key: []
        for key in LeadForm.objects.filter(workspace=workspace)
        .exclude(escalation=FormEscalation.DEFAULT)
        .values_list("key", flat=True)
    }
    for step in (
        EscalationStep.objects.filter(workspace=workspace, form__escalation=FormEscalation.OWN)
        .select_related("form")
        .order_by("position")
    ):
        overrides[step.form.key].append(_rows([step])[0])
    return overrides


def form_chain(workspace: Workspace, key: str) -> dict | None:
    """A form's escalation as ``{form, mode, steps}`` (``mode`` a ``FormEscalation``;
    ``steps`` its own, usernames for members), or None when there is no such form."""
    form = LeadForm.objects.filter(workspace=workspace, key=key).first()
    if form is None:
        return None
    steps = [
        {
            "delay_minutes": step.delay_minutes,
            "to": step.to,
            "user": step.user.username if step.user else "",
            "address": step.address,
        }
        for step in form.steps.select_related("user").order_by("position")
    ]
    return {"form": form.key, "mode": form.escalation, "steps": steps}


@transaction.atomic
def save_form_chain(workspace: Workspace, key: str, data: Mapping, *, actor=None) -> dict:
    """Set how the leads of form ``key`` escalate: ``data["mode"]`` "default" (the
    location's or workspace's chain), "none" (no escalation) or "own" with
    ``data["steps"]`` (1 to ``MAX_STEPS``, as ``save_chain``'s; none for the other modes).
    Applies to leads assigned after it. Returns ``form_chain``."""
    form = LeadForm.objects.select_for_update().filter(workspace=workspace, key=key).first()
    errors: dict[str, str] = {}
    if form is None:
        raise ValidationFailed({"form": f"no form '{str(key)[:100]}' in this workspace"})
    mode, raw_steps = data.get("mode"), data.get("steps") or []
    steps: list[dict] = []
    if mode not in FormEscalation.values:
        errors["mode"] = f"must be one of {', '.join(FormEscalation.values)}"
    elif mode == FormEscalation.OWN:
        steps = _steps(workspace, raw_steps, errors)
    elif raw_steps:
        errors["steps"] = f"must be empty unless mode is {FormEscalation.OWN.value}"
    if errors:
        raise ValidationFailed(errors)
    before = form_chain(workspace, key)
    form.steps.all().delete()
    _make_steps(workspace, steps, form=form)
    form.escalation = mode
    form.save(update_fields=["escalation"])
    after = form_chain(workspace, key)
    audit.record(workspace, "leads.escalation.form", form, actor=actor, before=before, after=after)
    return after


def describe(step: Mapping) -> str:
    """A step in words: "at the deadline: the location's managers"."""
    when = (
        "at the deadline"
        if not step["delay_minutes"]
        else f"{step['delay_minutes']} min after the deadline"
    )
    who = {
        EscalateTo.USER: step.get("user") or "(a removed member)",
        EscalateTo.EMAIL: step.get("address"),
    }.get(step["to"], EscalateTo(step["to"]).label.lower())
    return f"{when}: {who}"


def step_times(
    chain: list[dict], deadline: datetime, hours: Hours
) -> list[tuple[int, dict, datetime]]:
    """Each step of ``chain`` as ``(index, step, due)``: ``delay_minutes`` working minutes
    of ``hours`` after ``deadline`` (at it for no delay)."""
    return [
        (
            index,
            step,
            add_working_minutes(deadline, step["delay_minutes"], hours)
            if step["delay_minutes"]
            else deadline,
        )
        for index, step in enumerate(chain)
    ]


def _owner_or_managers(lead: Lead, now: datetime) -> list:
    """The lead's owner, or its managers while the owner is away (never the away owner)."""
    if lead.owner is None:
        return []
    if away_until(lead.workspace_id, lead.owner_id, now) is None:
        return [lead.owner]
    return managers_of(lead, now)


def notify(
    lead: Lead,
    target: Mapping,
    key: str,
    *,
    subject: str,
    body: str,
    event: tuple[str, dict],
    now: datetime,
) -> None:
    """Fire one step ``target`` of the lead's chain (inside the caller's transaction, its
    timer claimed): a notice to each of its recipients, keyed ``key:<user id>`` (or
    ``key:inbox`` for a team inbox), once each; the location's managers or agents away
    now left out, an away owner's step to the managers; or the ``EVENT`` webhook event
    ``event``: its key (once per key) and its data."""
    to = target["to"]
    if to == EscalateTo.WEBHOOK:
        webhooks.emit(lead.workspace_id, EVENT, *event)
        return
    if to == EscalateTo.EMAIL:
        queue_notice(lead, f"{key}:inbox", to_email=target["address"], subject=subject, body=body)
        return
    away = Agent.objects.filter(workspace_id=lead.workspace_id, away_until__gt=now)
    agents = Agent.objects.filter(  # anyone away now is not told
        workspace_id=lead.workspace_id, location_id=lead.location_id
    ).exclude(user_id__in=away.values("user_id"))
    users = {
        EscalateTo.MANAGERS: lambda: [a.user for a in agents.filter(is_manager=True)],
        EscalateTo.AGENTS: lambda: [a.user for a in agents],
        EscalateTo.OWNER: lambda: _owner_or_managers(lead, now),
        EscalateTo.USER: lambda: [  # while still a member
            member.user
            for member in Membership.objects.filter(
                workspace_id=lead.workspace_id, user_id=target.get("user")
            ).select_related("user")
        ],
    }[to]()
    for user in {user.pk: user for user in users}.values():
        queue_notice(
            lead,
            f"{key}:{user.pk}",
            to_user=user,
            to_email=user.email,
            subject=subject,
            body=body,
        )
