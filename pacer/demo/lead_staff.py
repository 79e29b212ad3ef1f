"""The demo's lead staff: per location a full-time and a part-time agent and a manager,
on the simulator's shifts (``pacer.simulate.leads.shifts``, in the zone the simulator
kept for the location: its city's for the demo, ``pacer.simulate.places``),
with the location's opening hours; then every simulated lead goes to whoever the
rotation gives it at the moment it was answered (or arrived, when it never was), so the
inbox, the manager view and the speed report have owners as a real franchise would.

Made through the leads actions (``staff``, ``sla``) and routing, with the SLA a
franchise would set (``DEMO_SLA``: first response within 15 working minutes). Each lead
carries its deadline, counted from its arrival, so the inbox shows how late it is and
the speed report has SLA attainment; only a lead whose deadline is still ahead gets the
timers (reminder, escalation, re-assignment), so nothing fires for past weeks. The leads
are given out ``CHUNK`` a transaction, so a sign-in beside the loader waits seconds, not
minutes. Loading again adds nothing.
Staff log in as ``<workspace slug>-<location code>-<front|parttime|manager>``.
"""

import math
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from pacer.core import actions
from pacer.core.models import Role, Workspace
from pacer.leads import escalation, sla, staff
from pacer.leads.hours import WEEKDAYS
from pacer.leads.routing import Router, assign, response_deadline, start_clock
from pacer.leads.selectors import leads
from pacer.leads.stages import first_open_stage
from pacer.people.selectors import locations
from pacer.simulate.business import Business
from pacer.simulate.leads import shifts
from pacer.simulate.places import location_zone
from pacer.simulate.segment import lead_submissions

# leads given their owner in one transaction: SQLite has one write lock, and all 8,000 of
# the 20,000-contact demo's in one held it for minutes, so a sign-in meanwhile failed with
# "database is locked" (its 30 s wait ran out); 50 hold it about a second at a time
CHUNK = 50
DEMO_SLA = {"location": "", "respond_minutes": 15, "remind_minutes": 5, "reassign_minutes": 60}
# (name, weight, weekdays on shift: None = every open day of the location, is_manager)
ROLES = (
    ("front", 2.0, None, False),
    ("parttime", 1.0, ("thu", "fri", "sat", "sun"), False),
    ("manager", 0.0, None, True),
)


def _week(hours, days=None) -> dict:
    return {
        day: [[f"{opens:02d}:00", f"{closes:02d}:00"]]
        for day, (opens, closes) in zip(WEEKDAYS, hours.tolist(), strict=True)
        if closes > opens and (days is None or day in days)
    }


def staff_username(workspace: Workspace, code: str, role: str) -> str:
    """Usernames are global: the workspace's slug keeps a second demo workspace's staff
    apart from the first's (``acme-north-front``)."""
    return f"{workspace.slug}-{code.lower()}-{role}"


FIRST_NAMES = ("Maria", "James", "Aisha", "Tomás", "Lena", "Omar", "Sofia", "Daniel", "Priya")
LAST_NAMES = ("Okafor", "Lindqvist", "Haddad", "Moreau", "Tanaka", "Novak", "Reyes")


def staff_name(number: int) -> tuple[str, str]:
    """The ``number``-th staff member's first and last name (pairs repeat only after 63)."""
    return FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[number % len(LAST_NAMES)]


def load_staff(workspace: Workspace, business: Business, password: str, now: datetime) -> dict:
    """Make the staff (once) and assign the leads that have no owner; returns counts."""
    users = get_user_model().objects
    by_code = {loc.code: loc for loc in locations(workspace)}
    made = 0
    codes_and_hours = zip(business.location_codes, shifts(business.config), strict=True)
    for place, (code, hours) in enumerate(codes_and_hours):
        if code not in by_code:
            continue
        zone = location_zone(business.config, place)  # the clock the simulator kept there
        staff.set_hours(workspace, code, {"timezone": zone, "weekly": _week(hours)})
        for number, (role, weight, days, manager) in enumerate(ROLES):
            username = staff_username(workspace, code, role)
            if users.filter(username=username).exists():
                continue
            actions.create_user(workspace, username, password, Role.STAFF)
            first, last = staff_name(place * len(ROLES) + number)
            users.filter(username=username).update(first_name=first, last_name=last)
            shift = {"timezone": zone, "weekly": _week(hours, days)}
            staff.save_agent(
                workspace,
                {
                    "user": username,
                    "location": code,
                    "weight": weight,
                    "max_open": 500,
                    "is_manager": manager,
                    "team": "front-desk",
                    "shift": shift if manager is False else {},
                },
            )
            made += 1
    if not sla.policy_rows(workspace):
        sla.save_policy(workspace, {"stage": first_open_stage(workspace), **DEMO_SLA})
    if not escalation.chain_rows(workspace):  # the owner and the managers at once, then all
        chain = [
            {"delay_minutes": 0, "to": "owner"},
            {"delay_minutes": 0, "to": "managers"},
            {"delay_minutes": 30, "to": "agents"},
        ]
        escalation.save_chain(workspace, {"location": "", "steps": chain})
    answered = {s.data["email"]: s.response_minutes for s in lead_submissions(business) if s.data}
    assigned = 0
    waiting = leads(workspace).filter(owner__isnull=True).select_related("workspace", "contact")
    ids = list(waiting.order_by("created_at", "id").values_list("id", flat=True))
    deadlines = Router(workspace, now)  # the SLA policies and opening hours only
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            for lead in waiting.filter(id__in=ids[start : start + CHUNK]).order_by(
                "created_at", "id"
            ):
                minutes = answered.get(lead.contact.email, math.inf)
                late = timedelta(minutes=minutes) if math.isfinite(minutes) else timedelta()
                assign(lead, min(lead.created_at + late, now), why="demo: history", deadlines=False)
                assigned += lead.owner_id is not None
                _give_deadline(lead, deadlines, now)
    return {"agents": made, "assigned": assigned}


def _give_deadline(lead, router: Router, now: datetime) -> None:
    """The lead's first-response deadline from its arrival; the timers too while it is
    still ahead (a lead of past weeks gets the deadline only, so nothing fires)."""
    if lead.owner_id is None or lead.first_response_at is not None:
        return
    due = response_deadline(lead, router, lead.created_at)
    if due is not None and due > now:
        start_clock(lead, router, lead.created_at)
    else:
        lead.respond_by = due
    lead.save(update_fields=["respond_by"])
