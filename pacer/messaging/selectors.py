"""Reads for messaging pages and reports."""

from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from pacer.core.models import Workspace
from pacer.messaging import email_health
from pacer.messaging.models import (
    Broadcast,
    EventKind,
    Message,
    MessageEvent,
    MessageStatus,
    Sender,
    SmsMessage,
    SnsSubscription,
    SuppressedAddress,
    Template,
)
from pacer.people import selectors as people


def broadcasts(workspace: Workspace):
    """Broadcasts with their message counts per status, newest first."""
    counts = {
        status: Count("messages", filter=Q(messages__status=status))
        for status in MessageStatus.values
    }
    return (
        Broadcast.objects.filter(workspace=workspace)
        .select_related("template", "sender")
        .annotate(**counts)
        .order_by("-id")
    )


def broadcast(workspace: Workspace, broadcast_id: int) -> Broadcast | None:
    """One broadcast with its message counts per status, as ``broadcasts()`` gives them,
    read apart: its messages counted by status in one grouped read (the unique
    ``(broadcast, contact)`` index finds them) instead of joining them all to the
    broadcast, its template and its sender and grouping by every column."""
    found = (
        Broadcast.objects.filter(workspace=workspace, pk=broadcast_id)
        .select_related("template", "sender")
        .first()
    )
    if found is None:
        return None
    counts = dict(
        Message.objects.filter(workspace=workspace, broadcast=found)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for status in MessageStatus.values:
        setattr(found, status, counts.get(status, 0))
    return found


def broadcast_search(workspace: Workspace, text: str, limit: int) -> list[tuple[int, str]]:
    """``(id, name)`` of the first ``limit`` broadcasts whose name holds ``text`` (case
    ignored), newest first (a card's link picker)."""
    rows = Broadcast.objects.filter(workspace=workspace, name__icontains=text)
    return list(rows.order_by("-id").values_list("pk", "name")[:limit])


def skip_reasons(workspace: Workspace, broadcast_id: int) -> list[tuple[str, int]]:
    """Why messages of a broadcast were skipped or failed, most common first."""
    rows = (
        Message.objects.filter(workspace=workspace, broadcast_id=broadcast_id)
        .exclude(reason="")
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
    )
    return [(row["reason"], row["n"]) for row in rows]


def with_contact_names(workspace: Workspace, rows: QuerySet) -> QuerySet:
    """``rows`` (with a ``contact_id``) annotated with ``contact_name``: the contact's
    name, else their email, else their phone ("" when no live contact has the id), as
    tables show the person instead of an id."""
    name = Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
    label = Coalesce(NullIf(name, Value("")), NullIf("email", Value("")), "phone")
    found = (
        people.contacts(workspace)
        .filter(pk=OuterRef("contact_id"))
        .order_by()
        .annotate(label=label)
        .values("label")[:1]
    )
    return rows.annotate(contact_name=Coalesce(Subquery(found), Value("")))


# what a broadcast's messages table can be narrowed to (``messages_of``'s ``outcome``)
MESSAGE_OUTCOMES = {
    "opened": "Opened",
    "not_opened": "Sent, not opened",
    "clicked": "Clicked",
    "bounced": "Bounced",
    "complained": "Complained",
}
# and an SMS broadcast's texts table (``texts_of``'s ``delivery``)
TEXT_DELIVERIES = {
    "delivered": "Delivered (or read)",
    "not_delivered": "Failed or undelivered",
    "unreported": "Sent, no delivery report yet",
    "clicked": "Clicked a link",
}


def _first_event(kinds: list[str], field: str = "at") -> Subquery:
    """``field`` of the message's first event of one of ``kinds`` (a subquery: the table
    reads every row's in the same query)."""
    events = MessageEvent.objects.filter(message_id=OuterRef("pk"), kind__in=kinds)
    return Subquery(events.order_by("at", "id").values(field)[:1])


def messages_of(workspace: Workspace, broadcast_id: int, outcome: str = ""):
    """A broadcast's messages, each with its contact's name (``with_contact_names``) and
    what became of it, counted in the database: ``opened_at`` and ``clicked_at`` (the
    first open, the first click), ``bounced_at`` (the first hard-bounce report, else when
    the relay refused it for good), ``complained_at`` (the first complaint) and
    ``problem`` (the bounce's or complaint's reason, else the relay's refusal).
    ``outcome`` (one of ``MESSAGE_OUTCOMES``) keeps only such messages."""
    failed_reason = Case(When(status=MessageStatus.FAILED, then="reason"), default=Value(""))
    found = Message.objects.filter(workspace=workspace, broadcast_id=broadcast_id).annotate(
        opened_at=_first_event([EventKind.OPEN]),
        clicked_at=_first_event([EventKind.CLICK]),
        bounced_at=Coalesce(_first_event([EventKind.BOUNCE]), "failed_at"),
        complained_at=_first_event([EventKind.COMPLAINT]),
        problem=Coalesce(
            NullIf(_first_event([EventKind.BOUNCE, EventKind.COMPLAINT], "detail"), Value("")),
            failed_reason,
            output_field=CharField(),
        ),
    )
    narrowed = {
        "opened": Q(opened_at__isnull=False),
        "not_opened": Q(status=MessageStatus.SENT, opened_at__isnull=True),
        "clicked": Q(clicked_at__isnull=False),
        "bounced": Q(status=MessageStatus.FAILED) | Q(bounced_at__isnull=False),
        "complained": Q(complained_at__isnull=False),
    }.get(outcome)
    if narrowed is not None:
        found = found.filter(narrowed)
    return with_contact_names(workspace, found)


def texts_of(workspace: Workspace, broadcast_id: int, delivery: str = ""):
    """An SMS broadcast's texts, each with its contact's name (``with_contact_names``);
    ``delivery`` (one of ``TEXT_DELIVERIES``) keeps only texts with such a report."""
    found = SmsMessage.objects.filter(workspace=workspace, broadcast_id=broadcast_id)
    narrowed = {
        "delivered": Q(delivery__in=["delivered", "read"]),
        "not_delivered": Q(delivery__in=["undelivered", "failed"]),
        "unreported": Q(status=MessageStatus.SENT) & ~Q(delivery__in=["delivered", "read"]),
        "clicked": Q(clicked_at__isnull=False),
    }.get(delivery)
    if narrowed is not None:
        found = found.filter(narrowed)
    return with_contact_names(workspace, found)


def templates(workspace: Workspace):
    return Template.objects.filter(workspace=workspace).order_by("name")


def template(workspace: Workspace, template_id: int) -> Template | None:
    return Template.objects.filter(workspace=workspace, pk=template_id).first()


def senders(workspace: Workspace):
    return Sender.objects.filter(workspace=workspace).order_by("name")


def sender(workspace: Workspace, sender_id: int) -> Sender | None:
    return Sender.objects.filter(workspace=workspace, pk=sender_id).first()


def suppressions(workspace: Workspace):
    return SuppressedAddress.objects.filter(workspace=workspace).order_by("-created_at")


def recipient_of(token: str) -> tuple[int, int, int | None] | None:
    """``(workspace id, contact id, broadcast id)`` of the message whose unsubscribe token
    this is (the per-recipient signature every email carries; nothing is written), or None
    for a token this install did not make. Lets another domain's link in an email know who
    clicked it."""
    from django.core import signing

    from pacer.messaging.actions import UNSUBSCRIBE_SALT

    try:
        workspace_id, message_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    found = (
        Message.objects.filter(workspace_id=workspace_id, pk=message_id)
        .values_list("workspace_id", "contact_id", "broadcast_id")
        .first()
    )
    return found


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def report(workspace: Workspace, broadcast: Broadcast) -> dict:
    """What became of a broadcast (``broadcast`` from ``broadcasts()``, with its counts):
    sent (accepted by the relay), bounced (refused by the relay for good, or accepted and
    then returned by a hard-bounce DSN), opened, clicked, unsubscribed and complained
    (distinct messages with such an event; complaints come from ARF reports), delivered
    (sent and not returned by a DSN since), their rates (delivered and bounced of those
    handed to the relay, the others of those sent) and the warnings, by the rule of the
    workspace's rolling ones (``email_health``): a bounce rate over 2 %, a complaint rate
    at or over the 0.1 % target or the 0.3 % limit. Rates are None with nothing sent."""
    events = dict(
        MessageEvent.objects.filter(workspace=workspace, message__broadcast_id=broadcast.pk)
        .values_list("kind")
        .annotate(n=Count("message_id", distinct=True))
        .order_by()
    )
    complaints = events.get(EventKind.COMPLAINT, 0)
    attempted = broadcast.sent + broadcast.failed
    sent, bounced = broadcast.sent, broadcast.failed + events.get(EventKind.BOUNCE, 0)
    returned = (
        MessageEvent.objects.filter(
            workspace=workspace,
            message__broadcast_id=broadcast.pk,
            message__status=MessageStatus.SENT,
            kind=EventKind.BOUNCE,
        )
        .values("message_id")
        .distinct()
        .count()
    )
    figures = {
        "sent": sent,
        "delivered": sent - returned,
        "bounced": bounced,
        "opened": events.get(EventKind.OPEN, 0),
        "clicked": events.get(EventKind.CLICK, 0),
        "unsubscribed": events.get(EventKind.UNSUBSCRIBE, 0),
        "complained": complaints,
    }
    rates = {
        "delivery_rate": _rate(figures["delivered"], attempted),
        "bounce_rate": _rate(bounced, attempted),
        "open_rate": _rate(figures["opened"], sent),
        "click_rate": _rate(figures["clicked"], sent),
        "unsubscribe_rate": _rate(figures["unsubscribed"], sent),
        "complaint_rate": _rate(complaints, sent),
    }
    warnings = []
    if email_health.bounce_over_limit(bounced, attempted):
        warnings.append(
            f"Bounce rate {rates['bounce_rate']:.1%} is over 2%: "
            "clean the list before the next send"
        )
    complaint = email_health.complaint_warning("Complaint rate", complaints, sent)
    if complaint is not None:
        warnings.append(complaint)
    return {**figures, **rates, "warnings": warnings}


def sns_subscriptions(workspace: Workspace):
    """The SNS topics whose subscription Pacer confirmed or failed to, latest first."""
    rows = SnsSubscription.objects.filter(workspace=workspace).order_by("-at", "-id")
    return rows.values("topic_arn", "status", "detail", "at")


def engagement(workspace: Workspace, start, end, template_ids) -> dict[int, dict[str, int]]:
    """Per template of ``template_ids``: the email messages of its broadcasts sent in
    ``[start, end)`` and how many of them were opened and clicked (distinct messages with
    such an event, whenever it came); templates with nothing sent left out."""
    sent = Message.objects.filter(
        workspace=workspace,
        status=MessageStatus.SENT,
        sent_at__gte=start,
        sent_at__lt=end,
        broadcast__template_id__in=list(template_ids),
    )
    found: dict[int, dict[str, int]] = {}
    for template_id, n in (
        sent.values_list("broadcast__template_id").annotate(n=Count("pk")).order_by()
    ):
        found[template_id] = {"sent": n, "opened": 0, "clicked": 0}
    events = (
        MessageEvent.objects.filter(message__in=sent, kind__in=[EventKind.OPEN, EventKind.CLICK])
        .values_list("message__broadcast__template_id", "kind")
        .annotate(n=Count("message_id", distinct=True))
        .order_by()
    )
    for template_id, kind, n in events:
        found[template_id]["opened" if kind == EventKind.OPEN else "clicked"] = n
    return found
