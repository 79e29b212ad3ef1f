"""Subject-line tests: a broadcast with 2-4 subject variants goes first to a test share of
its audience, one variant each; after the wait the winner goes to the rest.

When the broadcast is queued, the recipients who may be mailed are put in a stable
random order (SHA-256 of the broadcast and contact ids); the first ``test_percent`` of
them get the variants in turn (so the groups differ in size by at most one) and the rest
are held. When ``test_decide_at`` has come (the send time plus ``test_wait_hours``), the
``messaging-subject-tests`` loop compares the variants on the share of sent messages
opened (or clicked) with ``pacer.analytics.experiments.analyze``, variant A as the
control: the winner is the variant that beats A with a Holm-adjusted p-value under 0.05
and the highest Bayesian chance to win; when none does, A is sent (the test was
inconclusive, as HubSpot does). The held messages then carry the winner's subject. Each
contact has one message in the broadcast, so gets one subject, once.
"""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q

from pacer.core import audit, clock, faults
from pacer.messaging.models import (
    Broadcast,
    BroadcastStatus,
    EventKind,
    Message,
    MessageStatus,
    Schedule,
)
from pacer.messaging.render import TemplateProblem, compile_parts

MIN_VARIANTS, MAX_VARIANTS = 2, 4
MIN_PERCENT, MAX_PERCENT = 5, 50
MAX_WAIT_HOURS = 168
METRICS = {"open": EventKind.OPEN, "click": EventKind.CLICK}
ALPHA = 0.05
LETTERS = "ABCD"


def check(errors: dict, variants, percent, wait_hours, metric, schedule) -> list[str]:
    """The variants as given, or [] when there is no test; reasons go in ``errors``."""
    if variants in (None, []):
        return []
    if not isinstance(variants, list) or not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        errors["subject_variants"] = f"must be {MIN_VARIANTS} to {MAX_VARIANTS} subject lines"
        return []
    for index, subject in enumerate(variants):
        field = f"subject_variants[{index}]"
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 300:
            errors[field] = "must be text of 1 to 300 characters"
        elif "\x00" in subject:
            errors[field] = "must not contain NUL characters"
        else:
            try:
                compile_parts(subject, "", "")
            except TemplateProblem as problem:
                errors[field] = problem.reason
    if len({v.strip() for v in variants if isinstance(v, str)}) < len(variants):
        errors.setdefault("subject_variants", "each variant must differ from the others")
    for field, value, low, high in (
        ("test_percent", percent, MIN_PERCENT, MAX_PERCENT),
        ("test_wait_hours", wait_hours, 1, MAX_WAIT_HOURS),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[field] = f"must be a whole number from {low} to {high}"
    if metric not in METRICS:
        errors["test_metric"] = f"must be one of {', '.join(METRICS)}"
    if schedule == Schedule.LOCAL:
        errors["schedule"] = "a subject test is sent now or at one time, not in local time"
    return variants


def _order(broadcast_id: int, contact_id: int) -> bytes:
    return hashlib.sha256(f"pacer.subject-test:{broadcast_id}:{contact_id}".encode()).digest()


def split(broadcast: Broadcast, messages: list[Message]) -> None:
    """Give the test share of the messages to be sent a variant each and hold the rest
    (called on the unsaved messages when the broadcast is queued)."""
    if not broadcast.subject_variants:
        return
    going = sorted(
        (m for m in messages if m.status == MessageStatus.QUEUED),
        key=lambda m: _order(broadcast.pk, m.contact_id),
    )
    size = round(len(going) * broadcast.test_percent / 100)
    for position, message in enumerate(going):
        if position < size:
            message.variant = position % len(broadcast.subject_variants)
        else:
            message.status, message.due_at = MessageStatus.HELD, None
    start = broadcast.send_at if broadcast.schedule == Schedule.AT else clock.now()
    broadcast.test_decide_at = start + timedelta(hours=broadcast.test_wait_hours)


def results(broadcast: Broadcast) -> list[dict]:
    """Per variant: its subject, messages sent, opened and clicked (distinct messages)."""
    counts = {
        row["variant"]: row
        for row in Message.objects.filter(broadcast=broadcast, variant__isnull=False)
        .values("variant")
        .annotate(
            sent=Count("id", filter=Q(status=MessageStatus.SENT), distinct=True),
            opened=Count("id", filter=Q(events__kind=EventKind.OPEN), distinct=True),
            clicked=Count("id", filter=Q(events__kind=EventKind.CLICK), distinct=True),
        )
        .order_by()
    }
    rows = []
    for index, subject in enumerate(broadcast.subject_variants):
        found = counts.get(index, {})
        sent = found.get("sent", 0)
        row = {"variant": LETTERS[index], "subject": subject, "sent": sent}
        for name in ("opened", "clicked"):
            row[name] = found.get(name, 0)
            row[f"{name}_rate"] = row[name] / sent if sent else None
        row["winner"] = broadcast.winner == index
        rows.append(row)
    return rows


def choose(rows: list[dict], metric: str) -> tuple[int, str, dict]:
    """The winning variant's index, why, and the analysis (JSON-safe) from the per-variant
    ``rows`` of ``results``: A unless a variant beats it significantly."""
    # here, not at the top: SciPy (a second of CPU to import) is needed only when a test
    # is decided, not by every process that sends mail
    from pacer.analytics import experiments

    converted = "opened" if metric == "open" else "clicked"
    try:
        arms = {
            row["variant"]: experiments.ArmStats(row["sent"], row[converted], row[converted])
            for row in rows
        }
        analysis = experiments.analyze(arms, alpha=ALPHA)
    except experiments.ExperimentError as error:
        return 0, f"inconclusive ({error}); variant A goes to the rest", {}
    figures = [v.as_dict() for v in analysis.variations]
    better = [
        (v["chance_to_win"], LETTERS.index(v["name"]))
        for v in figures
        if v["adjusted_p_value"] < ALPHA and v["absolute"] > 0
    ]
    decision = {"srm_p_value": analysis.srm_p_value, "variations": figures}
    if not better:
        lowest = min(v["adjusted_p_value"] for v in figures)
        reason = (
            f"no variant beat A on {metric}s (lowest adjusted p-value {lowest:.3f}); "
            "variant A goes to the rest"
        )
        return 0, reason, decision
    chance, index = max(better)
    found = next(v for v in figures if v["name"] == LETTERS[index])
    reason = (
        f"variant {LETTERS[index]} beat A on {metric}s (adjusted p-value "
        f"{found['adjusted_p_value']:.4f}, chance to win {chance:.1%})"
    )
    return index, reason, decision


def decide(broadcast_id: int) -> bool:
    """Choose the winner of a broadcast whose test is due and release the held messages
    with it; False when there is nothing to decide (decided before, or not due)."""
    with transaction.atomic():
        broadcast = (
            Broadcast.objects.select_for_update()
            .filter(
                pk=broadcast_id,
                status=BroadcastStatus.QUEUED,
                winner__isnull=True,
                test_decide_at__lte=clock.now(),
            )
            .exclude(subject_variants=[])
            .first()
        )
        if broadcast is None:
            return False
        rows = results(broadcast)
        winner, reason, analysis = choose(rows, broadcast.test_metric)
        released = Message.objects.filter(broadcast=broadcast, status=MessageStatus.HELD).update(
            status=MessageStatus.QUEUED, variant=winner
        )
        faults.point("messaging.subject_test.released")  # held ones released; no decision yet
        broadcast.winner = winner
        broadcast.test_decision = {
            "metric": broadcast.test_metric,
            "reason": reason,
            "decided_at": clock.now().isoformat(),
            "arms": rows,
            "released": released,
            **analysis,
        }
        broadcast.save(update_fields=["winner", "test_decision"])
        audit.record(
            broadcast.workspace,
            "messaging.subject_test_decided",
            broadcast,
            after={"winner": LETTERS[winner], "reason": reason, "released": released},
        )
        faults.point("messaging.subject_test.decided")  # all written, before COMMIT
    return True


def decide_due() -> int:
    """The ``messaging-subject-tests`` loop: decide every test whose time has come."""
    due = Broadcast.objects.filter(
        status=BroadcastStatus.QUEUED, winner__isnull=True, test_decide_at__lte=clock.now()
    ).exclude(subject_variants=[])
    return sum(decide(pk) for pk in due.values_list("pk", flat=True))


def subject_of(message: Message) -> str | None:
    """The subject line a message carries in place of its template's (None: the
    template's)."""
    variants = message.broadcast.subject_variants
    if message.variant is None or message.variant >= len(variants):
        return None
    return variants[message.variant]
