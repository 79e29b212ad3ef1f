"""Writes for content: items, versions, the workflow and its approval gate, comments,
publishing hand-offs, themes, rescheduling and calendar feeds.

Every action validates first and raises ``ValidationFailed`` naming the field before it
writes; each runs in one transaction and leaves an audit entry. Nothing enters a state
that needs approval (approved, scheduled, published by default) unless every approval
step of the item's latest version is approved and every asset it uses is covered by its
rights on the scheduled day.
"""

import secrets
from datetime import UTC, date, datetime, time

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pacer.content import details, links, selectors, themes
from pacer.content.models import (
    ApprovalStep,
    CalendarFeed,
    ContentItem,
    ContentKind,
    ContentVersion,
    Decision,
    FeedScope,
    Handoff,
    Theme,
    VersionComment,
    Workflow,
)
from pacer.content.rights import rights_problem
from pacer.content.workflow import PUBLISHED, SCHEDULED, check_workflow, from_rows
from pacer.core import audit, clock
from pacer.core.actions import digest_secret
from pacer.core.errors import FIRST_DAY, LAST_DAY, ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.core.selectors import members
from pacer.messaging import actions as messaging
from pacer.messaging import webhooks

MAX_BODY = 200_000
MAX_STEPS = 10
DEFAULT_HOUR = time(9, 0)


_text = check_text


def _plan(workspace: Workspace, reviewers, errors: dict) -> list[dict]:
    """The approval plan cleaned: named steps, each with a member of the workspace who
    may vote on it (``selectors.reviewers``: not a partner's login)."""
    if not isinstance(reviewers, list) or len(reviewers) > MAX_STEPS:
        errors["reviewers"] = f"must be a list of at most {MAX_STEPS} steps"
        return []
    member_ids = {m.user_id for m in members(workspace)}
    reviewer_ids = {m.user_id for m in selectors.reviewers(workspace)}
    plan = []
    for index, step in enumerate(reviewers):
        name = step.get("name", "") if isinstance(step, dict) else ""
        reviewer = step.get("reviewer") if isinstance(step, dict) else None
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            errors[f"reviewers[{index}].name"] = "name the step in 1-100 characters"
        elif reviewer not in member_ids:
            errors[f"reviewers[{index}].reviewer"] = "must be a member of this workspace"
        elif reviewer not in reviewer_ids:
            errors[f"reviewers[{index}].reviewer"] = (
                "must be a member of this workspace who may review"
            )
        else:
            due = _day(step.get("due_on"), f"reviewers[{index}].due_on", errors)
            plan.append(
                {"name": name.strip(), "reviewer": reviewer}
                | ({"due_on": due.isoformat()} if due else {})
            )
    return plan


def _day(value, field: str, errors: dict) -> date | None:
    """A deadline day from a date, an ISO text or nothing."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime) or not isinstance(value, date | str):
        errors[field] = "must be a date (YYYY-MM-DD)"
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = "must be a date (YYYY-MM-DD)"
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors[field] = f"must be between {FIRST_DAY} and {LAST_DAY}"
        return None
    return day


def _when(value, field: str, errors: dict) -> datetime | None:
    """A scheduled time from a datetime, a date (at 09:00 UTC) or ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parse = date.fromisoformat if len(value.strip()) == 10 else datetime.fromisoformat
            value = parse(value.strip())
        except ValueError:
            errors[field] = "must be a date (YYYY-MM-DD) or a date and time"
            return None
    if isinstance(value, datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    elif isinstance(value, date):
        moment = datetime.combine(value, DEFAULT_HOUR, tzinfo=UTC)
    else:
        errors[field] = "must be a date or a date and time"
        return None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        errors[field] = f"must be between {FIRST_DAY} and {LAST_DAY}"
        return None
    return moment


def _refuse_stranding(workspace: Workspace, kept: set) -> None:
    """``ValidationFailed`` naming each state not in ``kept`` that items are in, with
    how many are."""
    stranded = (
        ContentItem.objects.filter(workspace=workspace)
        .exclude(state__in=kept)
        .values("state")
        .annotate(count=Count("pk"))
        .order_by("state")
    )
    if stranded:
        found = "; ".join(
            f"{row['count']} item{'s' if row['count'] != 1 else ''} in '{row['state']}'"
            for row in stranded
        )
        raise ValidationFailed({"states": f"{found}: move them to a kept state first"})


@transaction.atomic
def save_workflow(workspace: Workspace, rows: list[dict], *, actor=None) -> Workflow:
    """The workflow editor's rows (``workflow.from_rows``) as the workspace's workflow;
    stranding items is refused first, before the rows' own checks."""
    _refuse_stranding(workspace, {row.get("key") for row in rows if isinstance(row, dict)})
    return _store_workflow(workspace, *from_rows(rows), actor=actor)


@transaction.atomic
def set_workflow(workspace: Workspace, *, states, transitions, actor=None) -> Workflow:
    """Replace the workspace's states and moves; a state items are in cannot be dropped
    (refused naming each such state and how many items are in it)."""
    cleaned, moves = check_workflow(states, transitions)
    _refuse_stranding(workspace, {s["key"] for s in cleaned})
    return _store_workflow(workspace, cleaned, moves, actor=actor)


def _store_workflow(workspace: Workspace, cleaned, moves, *, actor) -> Workflow:
    """Save states and moves already checked (``check_workflow``) and strand no item."""
    flow, _ = Workflow.objects.update_or_create(
        workspace=workspace, defaults={"states": cleaned, "transitions": moves}
    )
    audit.record(workspace, "content.workflow", flow, actor=actor, after={"states": cleaned})
    return flow


@transaction.atomic
def create_item(
    workspace: Workspace,
    *,
    title,
    kind,
    body="",
    channel="",
    team="",
    theme_id=None,
    campaign_key="",
    owner=None,
    reviewers=(),
    scheduled_for=None,
    due_on=None,
    actor=None,
) -> ContentItem:
    """A content item in the workflow's first state, with its body as version 1.
    ``due_on`` is its editorial deadline (a board task is made for it)."""
    errors: dict[str, str] = {}
    given = {"title": title, "kind": kind, "channel": channel, "team": team}
    given.update(theme=theme_id, campaign_key=campaign_key)
    detail = details.check_details(workspace, given, errors)
    body = _text(errors, "body", body, MAX_BODY)
    plan = _plan(workspace, list(reviewers), errors)
    when = _when(scheduled_for, "scheduled_for", errors)
    due = _day(due_on, "due_on", errors)
    linked = []
    if "body" not in errors and "scheduled_for" not in errors:
        linked = links.check_links(workspace, body, (when or clock.now()).date(), errors)
    if errors:
        raise ValidationFailed(errors)
    flow = selectors.workflow(workspace)
    item = ContentItem.objects.create(
        workspace=workspace,
        **detail,
        state=flow.states[0]["key"],
        owner=owner if getattr(owner, "pk", None) else None,
        approval_plan=plan,
        scheduled_for=when,
        due_on=due,
    )
    author = actor if getattr(actor, "is_authenticated", False) else None
    ContentVersion.objects.create(item=item, number=1, body=body, author=author)
    audit.record(workspace, "content.create", item, actor=actor, after=audit.snapshot(item))
    links.record_links(item, linked, actor=actor)
    return item


def _open_steps(item: ContentItem, version: ContentVersion) -> None:
    """The approval steps of ``version`` from the item's plan (once per version)."""
    if version.steps.exists():
        return
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            item=item,
            version=version,
            position=position,
            name=step["name"],
            reviewer_id=step["reviewer"],
            due_on=step.get("due_on"),
        )
        for position, step in enumerate(item.approval_plan, start=1)
    )


@transaction.atomic
def save_version(item: ContentItem, body, *, actor=None) -> ContentVersion:
    """Save a new body as the next version. A new version needs approving afresh: an item
    that was in review or past it goes back to review with new steps."""
    errors: dict[str, str] = {}
    body = _text(errors, "body", body, MAX_BODY)
    if errors:
        raise ValidationFailed(errors)
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    latest = item.versions.order_by("-number").first()
    if latest is not None and latest.body == body:
        return latest  # nothing changed: no new version
    if item.state == PUBLISHED:
        raise ValidationFailed({"body": "a published item cannot change; archive it first"})
    linked = links.check_links(
        item.workspace, body, (item.scheduled_for or clock.now()).date(), errors
    )
    if errors:
        raise ValidationFailed(errors)
    author = actor if getattr(actor, "is_authenticated", False) else None
    version = ContentVersion.objects.create(
        item=item, number=(latest.number if latest else 0) + 1, body=body, author=author
    )
    flow = selectors.workflow(item.workspace)
    if flow.is_review(item.state) or flow.needs_approval(item.state):
        before = item.state
        if flow.review_states:  # back to the item's review, or the workflow's first
            if not flow.is_review(item.state):
                item.state = flow.review_states[0]
                item.save(update_fields=["state"])
            _open_steps(item, version)
        audit.record(
            item.workspace,
            "content.restart_approval",
            item,
            actor=actor,
            before={"state": before},
            after={"state": item.state, "version": version.number},
        )
    audit.record(
        item.workspace, "content.version", version, actor=actor, after={"n": version.number}
    )
    links.record_links(item, linked, actor=actor)
    return version


@transaction.atomic
def set_due(item: ContentItem, due_on, *, actor=None) -> ContentItem:
    """Set or clear the item's editorial deadline."""
    errors: dict[str, str] = {}
    due = _day(due_on, "due_on", errors)
    if errors:
        raise ValidationFailed(errors)
    before = item.due_on
    item.due_on = due
    item.save(update_fields=["due_on"])
    audit.record(
        item.workspace,
        "content.due",
        item,
        actor=actor,
        before={"due_on": str(before)},
        after={"due_on": str(due)},
    )
    return item


@transaction.atomic
def edit_item(item: ContentItem, values: dict, reviewers=None, *, actor=None) -> ContentItem:
    """Change an item's details (``details.update_item``) and, when ``reviewers`` is
    given, its approval plan (as ``set_reviewers``, checked once): all or nothing, every
    refusal at once. A plan equal to the item's is left alone (no audit entry)."""
    errors: dict[str, str] = {}
    plan = None if reviewers is None else _plan(item.workspace, reviewers, errors)
    try:
        item = details.update_item(item, values, actor=actor)
    except ValidationFailed as refused:
        raise ValidationFailed({**refused.errors, **errors}) from None
    if errors:
        raise ValidationFailed(errors)  # the details written above roll back with it
    if plan is not None and plan != item.approval_plan:
        item = _write_plan(item, plan, actor)
    return item


@transaction.atomic
def set_reviewers(item: ContentItem, reviewers, *, actor=None) -> ContentItem:
    """Replace the approval plan; it applies to the next review round."""
    errors: dict[str, str] = {}
    plan = _plan(item.workspace, reviewers, errors)
    if errors:
        raise ValidationFailed(errors)
    return _write_plan(item, plan, actor)


def _write_plan(item: ContentItem, plan: list[dict], actor) -> ContentItem:
    """Store the checked ``plan`` (``_plan``) and audit the change."""
    before = item.approval_plan
    item.approval_plan = plan
    item.save(update_fields=["approval_plan"])
    audit.record(
        item.workspace,
        "content.reviewers",
        item,
        actor=actor,
        before={"plan": before},
        after={"plan": plan},
    )
    return item


def _refusal_for(item: ContentItem, day: date) -> str | None:
    """Why the item may not enter a state that needs approval, or ``None``."""
    problem = selectors.approval_problem(item)
    if problem:
        return problem
    for use in item.asset_uses.select_related("asset"):
        problem = rights_problem(use.asset, day, territory=use.territory, channel=item.channel)
        if problem:
            return problem
    return None


def _email_template(item: ContentItem, version: ContentVersion):
    """The messaging template a published email version becomes, named as people read it
    ("Welcome to the family (version 2)"); the item's number joins the name only when
    another template has that one already (names are unique in a workspace)."""
    title, number = item.title[:150], version.number
    fields = {"subject": item.title, "html": version.body}
    try:
        return messaging.save_template(item.workspace, name=f"{title} (version {number})", **fields)
    except ValidationFailed as error:
        if set(error.errors) != {"name"}:
            raise
    return messaging.save_template(
        item.workspace, name=f"{title} (item {item.pk}, version {number})", **fields
    )


def _hand_off(item: ContentItem, version: ContentVersion) -> Handoff:
    """Give the published version to its channel: an email becomes a messaging template,
    anything else a signed ``content.published`` webhook. Once per version."""
    done = Handoff.objects.filter(item=item, version=version).first()
    if done is not None:
        return done
    if item.kind == ContentKind.EMAIL:
        template = _email_template(item, version)
        target, reference = "messaging.template", str(template.pk)
    else:
        queued = webhooks.emit(
            item.workspace_id,
            "content.published",
            f"{item.pk}:{version.number}",
            {
                "id": item.pk,
                "title": item.title,
                "kind": item.kind,
                "channel": item.channel,
                "version": version.number,
                "body": version.body,
            },
        )
        target, reference = "webhook", f"{queued} endpoint(s)"
    return Handoff.objects.create(item=item, version=version, target=target, reference=reference)


@transaction.atomic
def transition(item: ContentItem, state: str, *, actor=None) -> ContentItem:
    """Move an item along an allowed transition; states that need approval are refused
    until every step of the latest version is approved (and its assets' rights cover the
    scheduled day). Entering review opens the steps; publishing hands the item off."""
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    flow = selectors.workflow(item.workspace)
    if state not in flow.allowed(item.state):
        allowed = ", ".join(flow.allowed(item.state)) or "nothing"
        raise ValidationFailed(
            {"state": f"a {item.state} item cannot become {state} (it may become {allowed})"}
        )
    now = clock.now()
    if flow.needs_approval(state):
        problem = _refusal_for(item, (item.scheduled_for or now).date())
        if problem:
            raise ValidationFailed({"state": f"cannot become {state}: {problem}"})
    if state == SCHEDULED and item.scheduled_for is None:
        raise ValidationFailed({"scheduled_for": "set a date before scheduling"})
    version = item.versions.order_by("-number").first()
    if flow.is_review(state):
        if not item.approval_plan:
            raise ValidationFailed({"reviewers": "name at least one reviewer first"})
        _open_steps(item, version)
    before = item.state
    item.state = state
    if state == PUBLISHED:
        item.published_at = now
        _hand_off(item, version)
    item.save(update_fields=["state", "published_at"])
    if flow.needs_approval(state) or state == "archived":
        item.flags.filter(resolved_at__isnull=True).update(resolved_at=now)
    audit.record(
        item.workspace,
        "content.transition",
        item,
        actor=actor,
        before={"state": before},
        after={"state": state},
    )
    return item


@transaction.atomic
def vote(step: ApprovalStep, decision: str, *, user, comment: str = "") -> ApprovalStep:
    """The named reviewer approves or rejects their step, in order. The last approval
    makes an item in review approved; a rejection sends it back to draft."""
    errors: dict[str, str] = {}
    comment = _text(errors, "comment", comment, 5000)
    if decision not in (Decision.APPROVED, Decision.REJECTED):
        errors["decision"] = "must be approved or rejected"
    if errors:
        raise ValidationFailed(errors)
    step = (
        ApprovalStep.objects.select_for_update().select_related("item", "version").get(pk=step.pk)
    )
    item = step.item
    if step.reviewer_id != getattr(user, "pk", None):
        raise ValidationFailed({"step": f"only the named reviewer may vote on '{step.name}'"})
    latest = item.versions.order_by("-number").values_list("pk", flat=True).first()
    if step.version_id != latest:
        raise ValidationFailed({"step": "this step is for an older version"})
    if step.decision != Decision.PENDING:
        raise ValidationFailed({"step": f"'{step.name}' is already {step.decision}"})
    earlier = step.version.steps.filter(position__lt=step.position).exclude(
        decision=Decision.APPROVED
    )
    if earlier.exists():
        raise ValidationFailed({"step": f"'{earlier.order_by('position')[0].name}' comes first"})
    if decision == Decision.REJECTED and not comment:
        raise ValidationFailed({"comment": "say why it is rejected"})
    step.decision, step.comment, step.decided_at = decision, comment, clock.now()
    step.save(update_fields=["decision", "comment", "decided_at"])
    if comment:
        VersionComment.objects.create(
            version=step.version, author=user, body=f"{step.name}: {decision}. {comment}"
        )
    flow = selectors.workflow(item.workspace)
    if flow.is_review(item.state):
        back, onward = flow.after_rejection(item.state), flow.after_approval(item.state)
        if decision == Decision.REJECTED and back:
            item.state = back
        elif onward and _refusal_for(item, (item.scheduled_for or clock.now()).date()) is None:
            item.state = onward  # every step approved, and its assets' rights cover its day
        item.save(update_fields=["state"])
    audit.record(
        item.workspace,
        f"content.{decision}",
        step,
        actor=user,
        after={"step": step.name, "item_state": item.state},
    )
    return step


@transaction.atomic
def add_comment(version: ContentVersion, body, *, user) -> VersionComment:
    errors: dict[str, str] = {}
    body = _text(errors, "body", body, 5000, required=True)
    if errors:
        raise ValidationFailed(errors)
    comment = VersionComment.objects.create(version=version, author=user, body=body)
    audit.record(version.item.workspace, "content.comment", comment, actor=user)
    return comment


@transaction.atomic
def reschedule(item: ContentItem, when, *, actor=None) -> ContentItem:
    """Move an item to another day (keeping its time of day) or time. A published or
    archived item stays where it was; a scheduled one is rechecked against its assets'
    rights on the new day."""
    errors: dict[str, str] = {}
    if isinstance(when, str) and len(when) == 10:
        try:
            when = date.fromisoformat(when)
        except ValueError:
            errors["day"] = "must be a date (YYYY-MM-DD)"
    if isinstance(when, date) and not isinstance(when, datetime) and not errors:
        keep = item.scheduled_for.timetz() if item.scheduled_for else DEFAULT_HOUR
        when = datetime.combine(when, keep.replace(tzinfo=keep.tzinfo or UTC))
    moment = None if errors else _when(when, "day", errors)
    if moment is None and not errors:
        errors["day"] = "must not be empty"
    if errors:
        raise ValidationFailed(errors)
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    if item.state in (PUBLISHED, "archived"):
        raise ValidationFailed({"day": f"a {item.state} item cannot be rescheduled"})
    if selectors.workflow(item.workspace).needs_approval(item.state):
        for use in item.asset_uses.select_related("asset"):
            problem = rights_problem(
                use.asset, moment.date(), territory=use.territory, channel=item.channel
            )
            if problem:
                raise ValidationFailed({"day": problem})
    before = item.scheduled_for
    item.scheduled_for = moment
    item.save(update_fields=["scheduled_for"])
    audit.record(
        item.workspace,
        "content.reschedule",
        item,
        actor=actor,
        before={"scheduled_for": str(before)},
        after={"scheduled_for": str(moment)},
    )
    return item


@transaction.atomic
def create_theme(
    workspace: Workspace, *, name, starts_on, ends_on, colour="amber", actor=None
) -> Theme:
    """A theme or season over inclusive days, in its colour (checked as
    ``themes.checked``)."""
    errors: dict[str, str] = {}
    typed = {"name": name, "starts_on": starts_on, "ends_on": ends_on, "colour": colour}
    values = themes.checked(typed, errors)
    themes.check_days(values.get("starts_on"), values.get("ends_on"), errors)
    if errors:
        raise ValidationFailed(errors)
    theme = Theme.objects.create(workspace=workspace, **values)
    audit.record(workspace, "content.theme", theme, actor=actor, after=audit.snapshot(theme))
    return theme


def new_secret() -> tuple[str, str, str]:
    """A fresh URL token with its digest and display prefix: ``(token, digest, prefix)``."""
    token = secrets.token_urlsafe(32)
    return token, digest_secret(token), token[:6]


@transaction.atomic
def rotate_feed(
    workspace: Workspace, *, user, scope: str, team: str = ""
) -> tuple[CalendarFeed, str]:
    """Create the user's feed for a scope, or give it a new secret token (the old one is
    refused from then on). Returns the feed and its token, which is stored only as a
    digest: show it now, it cannot be shown again."""
    errors: dict[str, str] = {}
    team = details.check_team(workspace, team, errors, required=scope == FeedScope.TEAM)
    if scope not in FeedScope.values:
        errors["scope"] = f"must be one of {', '.join(FeedScope.values)}"
    if errors:
        raise ValidationFailed(errors)
    token, digest, prefix = new_secret()
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        workspace=workspace,
        scope=scope,
        user=user,
        team=team if scope == FeedScope.TEAM else "",
        defaults={"digest": digest, "prefix": prefix},
    )
    if not created:
        feed.digest, feed.prefix = digest, prefix
        feed.save(update_fields=["digest", "prefix", "rotated_at"])
    audit.record(workspace, "content.feed_rotate", feed, actor=user, after={"scope": scope})
    return feed, token
