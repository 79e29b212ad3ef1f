"""The segment builder's form: a definition tree written as flat form fields and back.

Each node has a path: ``r`` for the top group, ``r.0`` for its first child, ``r.0.2`` for
that group's third child. A node's inputs are named ``<path>.<attribute>``
(``r.1.event``, ``r.1.within_days``). Editing buttons submit ``edit`` =
``add-<kind>:<group path>`` or ``remove:<node path>``; the server re-renders the builder,
so it works without JavaScript (HTMX only swaps the builder instead of the page).
"""

from dataclasses import dataclass, field

from pacer.segments import definition as d

KINDS = {
    "field": "Contact field",
    "trait": "Trait",
    "location": "Location",
    "consent": "Consent",
    "event": "Event",
    "orders": "Orders",
    "rfm": "RFM segment",
    "lead_score": "Lead score",
    "segment": "In segment",
    "group": "Group",
}
FIELD_LABELS = {name: name.replace("_", " ").capitalize() for name in d.FIELDS}
FIELD_LABELS.update(
    {
        "p_alive": "P(alive)",
        "predicted_clv": "Predicted CLV",
        "expected_purchases_90d": "Expected purchases (90 days)",
    }
)
RFM_SCORE_LABELS = {"recency": "Recency", "frequency": "Frequency", "monetary": "Monetary"}
LEAD_MEASURES = {"score": "rule score", "predicted": "predicted chance to convert (0-1)"}
OP_LABELS = {
    "eq": "is",
    "ne": "is not",
    "contains": "contains",
    "starts_with": "starts with",
    "in": "is one of (comma-separated)",
    "is_set": "is set",
    "is_not_set": "is not set",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "within_days": "within the last N days",
    "before_days": "more than N days ago",
}
# the tests in a sentence, where a text box's instructions do not belong
OP_WORDS = OP_LABELS | {"in": "is one of"}
FIELD_OPS = sorted(set(d.TEXT_OPS + d.NUMBER_OPS + d.TIME_OPS), key=list(OP_LABELS).index)
DEFAULTS = {
    "field": {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "customer"},
    "trait": {"type": "trait", "key": "plan", "op": "eq", "value": "gold"},
    "location": {"type": "location", "codes": [""]},
    "consent": {"type": "consent", "channel": "email", "purpose": "marketing"},
    "event": {"type": "event", "event": "Order Completed", "count_op": "gte", "count": 1},
    "orders": {"type": "orders", "measure": "count", "op": "gte", "value": 1},
    "rfm": {"type": "rfm", "segments": ["Champions", "Loyal"]},
    "lead_score": {"type": "lead_score", "measure": "score", "op": "gte", "value": 50},
    "segment": {"type": "segment", "segment_id": 0, "member": True},
    "group": {"type": "group", "op": "or", "children": []},
}


def _number(text: str):
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def _scalar(text: str):
    """A typed value from a text box: a number, true/false, or the text itself."""
    if text in ("true", "false"):
        return text == "true"
    return _number(text) if text.strip() else text


def _blank_none(text: str):
    return None if text.strip() == "" else _number(text.strip())


def node_from(form, path: str) -> dict:
    """The node at ``path`` as the form states it (a dict, validated later)."""
    kind = form.get(f"{path}.type", "")
    get = lambda name: form.get(f"{path}.{name}", "")  # noqa: E731
    if kind == "group":
        indexes = sorted(
            {
                int(key[len(path) + 1 :].split(".")[0])
                for key in form
                if key.startswith(f"{path}.") and key[len(path) + 1 :].split(".")[0].isdecimal()
            }
        )
        return {
            "type": "group",
            "op": get("op") or "and",
            "negate": get("negate") == "on",
            "children": [node_from(form, f"{path}.{i}") for i in indexes],
        }
    if kind == "field":
        op, value = get("op"), get("value")
        node = {"type": "field", "field": get("field"), "op": op}
        if op == "in":  # a comma-separated text box, or the stages' multiple select
            listed = form.getlist(f"{path}.value") if hasattr(form, "getlist") else [value]
            node["value"] = [v.strip() for item in listed for v in item.split(",") if v.strip()]
        elif op not in ("is_set", "is_not_set"):
            node["value"] = value if get("field") in d.TEXT_FIELDS else _number(value.strip())
        return node
    if kind == "trait":
        node = {"type": "trait", "key": get("key"), "op": get("op")}
        if get("op") != "is_set":
            node["value"] = _scalar(get("value"))
        return node
    if kind == "location":
        return {
            "type": "location",
            "codes": [c.strip() for c in get("codes").split(",") if c.strip()],
        }
    if kind == "consent":
        return {"type": "consent", "channel": get("channel"), "purpose": get("purpose")}
    if kind == "event":
        node = {
            "type": "event",
            "event": get("event"),
            "did": get("did") != "no",
            "count_op": get("count_op") or "gte",
            "count": _blank_none(get("count")) if get("count").strip() else 1,
            "within_days": _blank_none(get("within_days")),
        }
        if get("where_key").strip():
            where = {"key": get("where_key").strip(), "op": get("where_op") or "eq"}
            if where["op"] != "is_set":
                where["value"] = _scalar(get("where_value"))
            node["where"] = [where]
        return node
    if kind == "orders":
        return {
            "type": "orders",
            "measure": get("measure") or "count",
            "op": get("op") or "gte",
            "value": _number(get("value").strip() or "0"),
            "within_days": _blank_none(get("within_days")),
            "sku": get("sku").strip() or None,
        }
    if kind == "rfm":
        listed = form.getlist(f"{path}.segments") if hasattr(form, "getlist") else []
        node = {"type": "rfm", "segments": [name for name in listed if name]}
        for score in d.RFM_SCORES:
            low, high = get(f"{score}_low").strip(), get(f"{score}_high").strip()
            if low or high:  # one end left blank: the lowest (1) or highest (5) score
                node[score] = [_number(low or "1"), _number(high or "5")]
        return node
    if kind == "lead_score":
        return {
            "type": "lead_score",
            "measure": get("measure") or "score",
            "op": get("op") or "gte",
            "value": _number(get("value").strip() or "0"),
        }
    if kind == "segment":
        segment_id = get("segment_id")
        return {
            "type": "segment",
            "segment_id": int(segment_id) if segment_id.isdecimal() else 0,
            "member": get("member") != "no",
        }
    return {"type": kind}


def apply_edit(tree: dict, edit: str) -> dict:
    """``tree`` with the button's edit done (an unknown edit changes nothing)."""
    action, _, path = edit.partition(":")
    if action.startswith("add-") and action[4:] in DEFAULTS:
        group = _at(tree, path)
        if group is not None and group.get("type") == "group":
            group["children"].append(_copy(DEFAULTS[action[4:]]))
    elif action == "remove" and path.count(".") >= 1:
        parent_path, _, index = path.rpartition(".")
        parent = _at(tree, parent_path)
        if parent is not None and index.isdecimal() and int(index) < len(parent["children"]):
            del parent["children"][int(index)]
    return tree


def _copy(node: dict) -> dict:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in node.items()}


def _at(tree: dict, path: str):
    node = tree
    for part in path.split(".")[1:]:
        children = node.get("children") if isinstance(node, dict) else None
        if not part.isdecimal() or not children or int(part) >= len(children):
            return None
        node = children[int(part)]
    return node


@dataclass
class Row:
    """A node as the template shows it."""

    path: str
    node: dict
    depth: int
    errors: list[str] = field(default_factory=list)
    children: list["Row"] = field(default_factory=list)
    stages: list[tuple[str, str]] = field(default_factory=list)  # (key, label) offered

    @property
    def kind(self) -> str:
        return self.node.get("type", "")

    @property
    def value_text(self) -> str:
        return _text(self.node.get("value"))

    @property
    def chosen(self) -> list[str]:
        """The value as the options it selects (a list for "is one of")."""
        value = self.node.get("value")
        return [_text(v) for v in value] if isinstance(value, list) else [_text(value)]

    @property
    def stage_options(self) -> list[tuple[str, str, bool]]:
        """(key, label, selected) of each lifecycle stage offered, and of a chosen value
        that is none of them (kept, so the condition still says what it said)."""
        chosen = [v for v in self.chosen if v]
        known = {key for key, _ in self.stages}
        unknown = [(v, f"{v} (not a stage)") for v in chosen if v not in known]
        return [(key, label, key in chosen) for key, label in [*self.stages, *unknown]]

    @property
    def codes_text(self) -> str:
        return _text(self.node.get("codes"))

    @property
    def where_value_text(self) -> str:
        return _text(self.where.get("value"))

    @property
    def rfm_ranges(self) -> list[tuple[str, str, str, str]]:
        """(score, label, lowest, highest) of an RFM condition, blank where unset."""
        found = []
        for score, label in RFM_SCORE_LABELS.items():
            span = self.node.get(score) or ["", ""]
            found.append((score, label, _text(span[0]), _text(span[-1])))
        return found

    @property
    def where(self) -> dict:
        where = self.node.get("where") or [{}]
        return where[0]


def _text(value) -> str:
    """A value as its text box shows it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rows(tree: dict, errors: dict[str, str], stages: list[tuple[str, str]] = ()) -> Row:
    """The tree as nested rows, each with the refusals aimed at it or inside it;
    ``stages`` are the (key, label) lifecycle stages a stage condition offers."""
    by_path: dict[str, list[str]] = {}
    for error_path, reason in errors.items():
        by_path.setdefault(_node_path(error_path), []).append(f"{_attribute(error_path)}{reason}")

    def build(node, path: str, depth: int) -> Row:
        row = Row(path, node if isinstance(node, dict) else {}, depth, by_path.get(path, []))
        row.stages = list(stages)
        if row.kind == "group":
            row.children = [
                build(child, f"{path}.{i}", depth + 1)
                for i, child in enumerate(node.get("children", []))
            ]
        return row

    return build(tree, "r", 0)


def error_lines(errors: dict[str, str]) -> list[str]:
    """Refusals in the builder's words, each with the position of its condition as the
    page numbers them (``definition.children[2].children[0].segment_id`` -> "Condition
    3 › 1: segment_id: ..."), for the live count, which has no rows to put them on."""
    lines = []
    for error_path, reason in errors.items():
        steps = [str(int(step) + 1) for step in _node_path(error_path).split(".")[1:]]
        where = f"Condition {' › '.join(steps)}" if steps else "The rules"
        lines.append(f"{where}: {_attribute(error_path)}{reason}")
    return lines


def _node_path(error_path: str) -> str:
    """``definition.children[1].children[0].count`` -> ``r.1.0``."""
    path = "r"
    for part in error_path.split("."):
        if part.startswith("children[") and part.endswith("]"):
            path += "." + part[len("children[") : -1]
    return path


def _attribute(error_path: str) -> str:
    last = error_path.rsplit(".", 1)[-1]
    if last.startswith("children[") or last == "definition":
        return ""
    return f"{last}: "


def describe(
    node: d.Node, segment_names: dict[int, str], stage_labels: dict[str, str] | None = None
) -> str:
    """One condition in words (the membership page's summary of the rules); a lifecycle
    stage reads as its label in ``stage_labels`` (``mql`` as "Marketing qualified lead")."""
    if isinstance(node, d.FieldCondition):
        value = node.value
        if node.field == "lifecycle_stage" and stage_labels:
            named = [
                stage_labels.get(v, v) for v in (value if isinstance(value, list) else [value])
            ]
            value = named if isinstance(value, list) else named[0]
        value = "" if value is None else f" {_text(value)}"
        return f"{FIELD_LABELS[node.field]} {OP_WORDS[node.op]}{value}"
    if isinstance(node, d.ValueFilter):  # a trait
        value = "" if node.value is None else f" {_text(node.value)}"
        return f"trait {node.key} {OP_LABELS[node.op]}{value}"
    if isinstance(node, d.LocationCondition):
        return "location is one of " + ", ".join(node.codes)
    if isinstance(node, d.ConsentCondition):
        return f"consents to {node.channel} for {node.purpose}"
    if isinstance(node, d.EventCondition):
        words = f"{'did' if node.did else 'did not do'} '{node.event}' "
        words += f"{OP_LABELS[node.count_op]} {node.count} times"
        if node.within_days:
            words += f" in the last {node.within_days} days"
        for test in node.where:
            value = "" if test.value is None else f" {_text(test.value)}"
            words += f", where {test.key} {OP_LABELS[test.op]}{value}"
        return words
    if isinstance(node, d.OrdersCondition):
        words = "order count" if node.measure == "count" else "revenue"
        if node.sku:
            words += f" of orders with {node.sku}"
        if node.within_days:
            words += f" in the last {node.within_days} days"
        return f"{words} {OP_LABELS[node.op]} {_text(node.value)}"
    if isinstance(node, d.RFMCondition):
        parts = ["RFM segment is " + " or ".join(node.segments)] if node.segments else []
        for score, label in RFM_SCORE_LABELS.items():
            span = getattr(node, score)
            if span is not None:
                parts.append(f"{label.lower()} score {span[0]}-{span[1]}")
        return ", ".join(parts)
    if isinstance(node, d.LeadScoreCondition):
        words = "lead score" if node.measure == "score" else "predicted chance to convert"
        return f"{words} {OP_LABELS[node.op]} {_text(node.value)}"
    if isinstance(node, d.SegmentCondition):
        name = segment_names.get(node.segment_id, f"#{node.segment_id}")
        return f"{'in' if node.member else 'not in'} segment '{name}'"
    return node.type
