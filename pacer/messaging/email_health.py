"""Email deliverability of the workspace and of each sender domain (the From address's
domain, what Gmail and Yahoo judge a bulk sender by) over a rolling day and week: the
24 hours and the 7 days up to now (after the start, up to and including now).

- **complaint rate**: messages reported as spam (ARF reports and providers' complaint
  events, one per message) received in the window, of the messages sent (accepted by the
  relay) in the window, as Gmail's Postmaster Tools counts a day's spam rate against the
  day's mail. Gmail and Yahoo (bulk-sender rules, 2024) ask senders to stay under
  **0.1 %** (the target) and never to reach **0.3 %** (the limit, past which they reject
  or spam-file the sender's mail);
- **bounce rate**: messages refused for good by the relay in the window, and hard bounces
  (DSNs and providers' bounce events, one per message) received in it, of the messages
  handed to the relay in the window (sent or refused for good); over **2 %** warns, as on
  a broadcast's report (neither provider publishes a number: 2 % is the usual ceiling
  ESPs hold senders to).

A rate is None when nothing was sent (handed over) in the window. No minimum volume: a
handful of messages with one complaint warns, as it would count at Gmail. Counted in the
database: two grouped queries for both windows, whatever the volume (per From address,
added up per domain in Python).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from django.db.models import Count, Q

from pacer.core import clock
from pacer.core.models import Workspace
from pacer.messaging.models import EventKind, Message, MessageEvent, MessageStatus

WINDOWS = {"day": timedelta(days=1), "week": timedelta(days=7)}
WINDOW_WORDS = {"day": "the last 24 hours", "week": "the last 7 days"}
COMPLAINT_TARGET, COMPLAINT_LIMIT = Fraction(1, 1000), Fraction(3, 1000)
BOUNCE_LIMIT = Fraction(2, 100)
DEFINITIONS = {
    "complaint_rate": (
        "Messages reported as spam in the window, of those sent in it; Gmail and Yahoo ask "
        "for under 0.1% and reject or spam-file senders that reach 0.3%"
    ),
    "bounce_rate": (
        "Messages refused for good or returned by a hard bounce in the window, of those "
        "handed to the relay in it; over 2% warns"
    ),
}


@dataclass
class Window:
    """One scope's counts over one window."""

    sent: int = 0
    refused: int = 0
    bounced: int = 0  # hard bounces received (refused ones are counted apart)
    complained: int = 0

    @property
    def handed(self) -> int:
        return self.sent + self.refused

    @property
    def bounce_rate(self) -> Fraction | None:
        return Fraction(self.refused + self.bounced, self.handed) if self.handed else None

    @property
    def complaint_rate(self) -> Fraction | None:
        return Fraction(self.complained, self.sent) if self.sent else None

    def add(self, other: "Window") -> None:
        self.sent += other.sent
        self.refused += other.refused
        self.bounced += other.bounced
        self.complained += other.complained

    def figures(self) -> dict:
        rates = {"bounce_rate": self.bounce_rate, "complaint_rate": self.complaint_rate}
        return {
            "sent": self.sent,
            "handed": self.handed,
            "bounced": self.refused + self.bounced,
            "complained": self.complained,
            **{name: None if rate is None else float(rate) for name, rate in rates.items()},
        }


def _counts(workspace: Workspace, now: datetime) -> dict[str, dict[str, Window]]:
    """Per sender domain, per window name: the counts (two queries)."""
    found: dict[str, dict[str, Window]] = {}

    def window(from_email: str, name: str) -> Window:
        domain = from_email.rsplit("@", 1)[-1].lower()
        return found.setdefault(domain, {n: Window() for n in WINDOWS})[name]

    starts = {name: now - length for name, length in WINDOWS.items()}
    within = {name: Q(**_span("sent_at", start, now)) for name, start in starts.items()}
    refused = {name: Q(**_span("failed_at", start, now)) for name, start in starts.items()}
    handed = Message.objects.filter(
        Q(status=MessageStatus.SENT, **_span("sent_at", starts["week"], now))
        | Q(status=MessageStatus.FAILED, **_span("failed_at", starts["week"], now)),
        workspace=workspace,
    )
    totals = {
        **{
            f"sent_{n}": Count("id", filter=Q(status=MessageStatus.SENT) & within[n])
            for n in WINDOWS
        },
        **{
            f"refused_{n}": Count("id", filter=Q(status=MessageStatus.FAILED) & refused[n])
            for n in WINDOWS
        },
    }
    for row in handed.values("broadcast__sender__from_email").annotate(**totals).order_by():
        for name in WINDOWS:
            counted = window(row["broadcast__sender__from_email"], name)
            counted.sent += row[f"sent_{name}"]
            counted.refused += row[f"refused_{name}"]
    events = MessageEvent.objects.filter(
        workspace=workspace,
        kind__in=[EventKind.BOUNCE, EventKind.COMPLAINT],
        **_span("at", starts["week"], now),
    )
    per_window = {
        name: Count("message_id", distinct=True, filter=Q(**_span("at", start, now)))
        for name, start in starts.items()
    }
    grouped = events.values("message__broadcast__sender__from_email", "kind")
    for row in grouped.annotate(**per_window).order_by():
        for name in WINDOWS:
            counted = window(row["message__broadcast__sender__from_email"], name)
            if row["kind"] == EventKind.BOUNCE:
                counted.bounced += row[name]
            else:
                counted.complained += row[name]
    return found


def _span(field: str, start: datetime, end: datetime) -> dict:
    return {f"{field}__gt": start, f"{field}__lte": end}


def deliverability(workspace: Workspace, domain: str | None = None) -> dict:
    """The workspace's figures (``all``) and each sender domain's (``domains``: a list of
    ``{"domain", "day", "week"}`` by domain), each window's ``figures`` as
    ``Window.figures``, and the ``warnings``: sentences naming the scope, the window, the
    rate and the threshold, the workspace's first. ``domain``: only that domain's rows and
    warnings beside the workspace's (a broadcast's page)."""
    per_domain = _counts(workspace, clock.now())
    everything = {name: Window() for name in WINDOWS}
    for windows in per_domain.values():
        for name, counted in windows.items():
            everything[name].add(counted)
    shown = sorted(d for d in per_domain if domain is None or d == domain)
    warnings = _warnings("All senders", everything)
    if len(per_domain) > 1:  # with one domain its warnings are the workspace's
        for name in shown:
            warnings += _warnings(name, per_domain[name])
    return {
        "all": {name: w.figures() for name, w in everything.items()},
        "domains": [
            {"domain": d, **{name: w.figures() for name, w in per_domain[d].items()}} for d in shown
        ],
        "warnings": warnings,
        "definitions": DEFINITIONS,
    }


def complaint_warning(what: str, complained: int, sent: int, *, within: str = "") -> str | None:
    """The warning for ``complained`` of ``sent`` messages, the one rule of the rolling
    windows and a broadcast's report: None under the 0.1 % target (or nothing sent);
    at or over it, a sentence starting with ``what`` (naming the scope), the rate and the
    window (``within``, if any), that says which of the two levels, the target or the
    0.3 % limit, the rate has reached.

    >>> complaint_warning("Complaint rate", 1, 1001) is None
    True
    >>> complaint_warning("Complaint rate", 1, 1000)[:42]
    "Complaint rate 0.10% (1 of 1000 sent) is a"
    """
    if not sent or Fraction(complained, sent) < COMPLAINT_TARGET:
        return None
    rate = Fraction(complained, sent)
    what = f"{what} {float(rate):.2%}{' over ' + within if within else ''}"
    what += f" ({complained} of {sent} sent)"
    if rate >= COMPLAINT_LIMIT:
        return (
            f"{what} has reached the 0.3% limit Gmail and Yahoo set for bulk senders: "
            "they may reject or spam-file this mail; pause, and send only to "
            "recipients who engaged recently"
        )
    return (
        f"{what} is at or over Gmail's and Yahoo's 0.1% target (their limit is "
        "0.3%): send only to recipients who asked for this mail"
    )


def bounce_over_limit(bounced: int, handed: int) -> bool:
    """Whether ``bounced`` of ``handed`` is over the 2 % that warns (the rolling windows'
    and a broadcast's report's one rule)."""
    return bool(handed) and Fraction(bounced, handed) > BOUNCE_LIMIT


def _warnings(scope: str, windows: dict[str, Window]) -> list[str]:
    found = []
    for name, counted in windows.items():
        when = WINDOW_WORDS[name]
        what = f"{scope}: complaint rate"
        warning = complaint_warning(what, counted.complained, counted.sent, within=when)
        if warning is not None:
            found.append(warning)
        rate = counted.bounce_rate
        if bounce_over_limit(counted.refused + counted.bounced, counted.handed):
            found.append(
                f"{scope}: bounce rate {float(rate):.1%} over {when} "
                f"({counted.refused + counted.bounced} of {counted.handed} handed to the "
                "relay) is over 2%: clean the list before the next send"
            )
    return found
