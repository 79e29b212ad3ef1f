"""Notices to staff about a lead (a reminder, an escalation, "Lead #N is yours", an
alert that nobody owns it), each recorded once per lead and key: the in-app notice, and
its email on the staff email outbox (``pacer.core.outbox``) or its SMS for the leads'
sender (``pacer.leads.followup.send_notices``). Deadlines in them are written in the
lead's location's own time zone, as the people there read a clock."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from pacer.core import clock, outbox
from pacer.core.models import Membership
from pacer.core.roles import Role
from pacer.core.worker import wake
from pacer.leads.hours import hours_of, local_time
from pacer.leads.models import Agent, Lead, Notice


def outbox_key(lead_id: int, key: str) -> str:
    """The staff email outbox's key for a notice's email (unique per lead and notice)."""
    return f"leads.notice:{lead_id}:{key}"


def queue_notice(
    lead: Lead, key: str, *, subject: str, body: str, to_user=None, to_email="", to_phone=""
) -> None:
    """Record a notice to staff about ``lead`` (a reminder, an escalation; inside the
    caller's transaction), once per lead and ``key``: the in-app notice, and its email on
    the staff email outbox (``pacer.core.outbox``, key ``outbox_key``) or its SMS for
    this domain's sender. The row of an email notice is written claimed: the outbox
    sends it (at least once, retried, failures on the staff email page), never the
    leads' own sender."""
    now = clock.now()
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                workspace_id=lead.workspace_id,
                lead=lead,
                key=key,
                to_user=to_user,
                to_email=to_email,
                to_phone=to_phone,
                subject=subject[:200],
                body=body,
                created_at=now,
                claimed_at=None if to_phone else now,
            )
    except IntegrityError:
        return  # made before (a rerun): once per lead and key
    if to_phone:
        transaction.on_commit(lambda: wake("lead-notices"))
    elif to_email:
        outbox.queue(
            lead.workspace,
            key=outbox_key(lead.pk, notice.key),
            to=to_email,
            subject=notice.subject,
            body=body,
            source="leads",
        )


def local_deadline(lead: Lead) -> str:
    """The lead's response deadline as a person at its location reads it ("Fri 5 Dec
    09:15 EST", in its opening hours' time zone); "" when it has none."""
    if lead.respond_by is None:
        return ""
    return local_time(lead.respond_by, hours_of(lead.workspace, lead.location_id).zone)


def tell_new_owner(lead: Lead, how: str) -> None:
    """ "Lead #N is yours" to the lead's owner, once per assignment round (inside the
    caller's transaction); ``how`` says how it came to them ("was handed to you: its
    owner is away"), the deadline in the location's time."""
    due = local_deadline(lead)
    queue_notice(
        lead,
        f"assigned:{lead.assignment_round}",
        to_user=lead.owner,
        to_email=lead.owner.email,
        subject=f"Lead #{lead.pk} is yours" + (f", respond by {due}" if due else ""),
        body=f"Lead #{lead.pk} {how}. It waits for its first response"
        + (f", due {due}.\n" if due else ".\n"),
    )


def away_until(workspace_id: int, user_id: int, now: datetime) -> datetime | None:
    """When the member's time off ends, if they are away at ``now`` (time off on any of
    their agent rows)."""
    return (
        Agent.objects.filter(workspace_id=workspace_id, user_id=user_id, away_until__gt=now)
        .order_by("-away_until")
        .values_list("away_until", flat=True)
        .first()
    )


def managers_of(lead: Lead, now: datetime) -> list:
    """Who answers for the lead when its owner cannot: the managers of its location and
    of the fallback queue (agents marked manager) not away at ``now``, else the
    workspace's admins. One user object each."""
    away = Agent.objects.filter(workspace_id=lead.workspace_id, away_until__gt=now).values(
        "user_id"
    )
    managers = [
        agent.user
        for agent in Agent.objects.filter(
            Q(location_id=lead.location_id) | Q(location_id__isnull=True),
            workspace_id=lead.workspace_id,
            is_manager=True,
        )
        .exclude(user_id__in=away)
        .select_related("user")
    ] or [
        member.user
        for member in Membership.objects.filter(
            workspace_id=lead.workspace_id, role=Role.ADMIN
        ).select_related("user")
    ]
    return list({user.pk: user for user in managers}.values())


def alert_unowned(lead: Lead, what: str, why: str) -> int:
    """Nobody can take the lead and it has no fallback owner: tell its managers
    (``managers_of``), once per assignment round each (inside the caller's transaction):
    "Lead #N ``what``" and ``why``. Marks the lead alerted (``unowned_alerted_at``, the
    first time): the inbox's Overdue view shows it while it stays unowned. Returns how
    many were told."""
    due = local_deadline(lead)
    now = clock.now()
    if lead.unowned_alerted_at is None:
        lead.unowned_alerted_at = now
        Lead.objects.filter(pk=lead.pk).update(unowned_alerted_at=now)
    told = managers_of(lead, now)
    for user in told:
        queue_notice(
            lead,
            f"unowned:{lead.assignment_round}:{user.pk}",
            to_user=user,
            to_email=user.email,
            subject=f"Lead #{lead.pk} {what}",
            body=f"Lead #{lead.pk} {what}: {why}, and no fallback owner is set. Give it to "
            "someone, or set a fallback owner on the lead routing page"
            + (f"; its first response is due {due}.\n" if due else ".\n"),
        )
    return len(told)


def remind(lead: Lead, assignment_round: int, follow_up_at: datetime, now: datetime) -> int:
    """The reminder of the owned lead's first response (inside the caller's transaction,
    its timer claimed): to the owner, in-app, by email and by SMS to their agent phone.
    When the owner is away (nobody else could take the lead over), it goes to the lead's
    managers who are not away (``managers_of``) instead, never to an away person, and
    says so. A lead without an SLA deadline is reminded at its follow-up time
    ``follow_up_at`` (its location's or the workspace's follow-up time, ``sla``).
    Returns how many people were reminded."""
    zone = hours_of(lead.workspace, lead.location_id).zone
    label = f"Lead #{lead.pk}"
    if lead.respond_by is not None:
        due = local_time(lead.respond_by, zone)
        subject = f"{label}: respond by {due}"
        body = f"{label} is waiting for its first response (due {due}).\n"
    else:
        subject = f"{label}: follow up (no response deadline)"
        body = (
            f"{label} has waited for its first response since "
            f"{local_time(lead.created_at, zone)}. No SLA deadline applies to it; its "
            f"follow-up was due {local_time(follow_up_at, zone)}.\n"
        )
    until = away_until(lead.workspace_id, lead.owner_id, now)
    if until is None:
        queue_notice(
            lead,
            f"remind:{assignment_round}",
            to_user=lead.owner,
            to_email=lead.owner.email,
            subject=subject,
            body=body,
        )
        phone = (
            Agent.objects.filter(workspace_id=lead.workspace_id, user_id=lead.owner_id)
            .exclude(phone="")
            .values_list("phone", flat=True)
            .first()
        )
        if phone:
            queue_notice(
                lead,
                f"remind-sms:{assignment_round}",
                to_phone=phone,
                subject=subject,
                body=subject,
            )
        return 1
    owner = lead.owner.get_full_name() or lead.owner.get_username()
    body += (
        f"Its owner, {owner}, is away until {local_time(until, zone)} and nobody else could "
        "take it over: answer it, or give it to someone.\n"
    )
    told = managers_of(lead, now)
    for user in told:
        queue_notice(
            lead,
            f"remind:{assignment_round}:{user.pk}",
            to_user=user,
            to_email=user.email,
            subject=f"{subject} (its owner is away)",
            body=body,
        )
    return len(told)
