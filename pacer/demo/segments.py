"""The segments the demo's marketing team keeps: whom to thank, whom to win back, whom to
nurture. Made after the CLV fit, so the ones on P(alive) and RFM have people in them."""

from pacer.core.models import Workspace
from pacer.segments.actions import create_segment
from pacer.segments.selectors import segments


def _all(*children: dict) -> dict:
    return {"type": "group", "op": "and", "children": list(children)}


REPEAT = {"type": "orders", "measure": "count", "op": "gte", "value": 2}
SEGMENTS = [
    ("Repeat buyers", "Ordered twice or more", _all(REPEAT)),
    (
        "Champions and loyal",
        "RFM: bought recently, often and for a lot; thank them first",
        _all({"type": "rfm", "segments": ["Champions", "Loyal"]}),
    ),
    (
        "Slipping away",
        "Customers the CLV model gives less than an even chance of still buying",
        _all(
            {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "customer"},
            {"type": "field", "field": "p_alive", "op": "lt", "value": 0.5},
        ),
    ),
    (
        "Leads to nurture",
        "Leads who have not ordered yet and opened an email in the last 30 days",
        _all(
            {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "lead"},
            {
                "type": "event",
                "event": "Email Opened",
                "count_op": "gte",
                "count": 1,
                "within_days": 30,
            },
        ),
    ),
]


def load_segments(workspace: Workspace) -> int:
    """Create the demo's segments that are not there yet; the number created."""
    existing = set(segments(workspace).values_list("name", flat=True))
    made = 0
    for name, description, definition in SEGMENTS:
        if name not in existing:
            create_segment(workspace, name=name, description=description, definition=definition)
            made += 1
    return made
