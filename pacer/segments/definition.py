"""The segment definition language: a JSON tree of AND/OR groups (each may be negated)
whose leaves are conditions on a contact.

Leaves (``type``):

- ``field``: a contact field or computed trait (``FIELDS``) compared by an operator that
  suits its kind (text, number, time);
- ``trait``: a key of the contact's free-form traits, compared as its JSON type;
- ``location``: the contact's location code is one of ``codes``;
- ``consent``: the latest decision on (``channel``, ``purpose``) is a grant;
- ``event``: how many times the contact did ``event`` (optionally within the last
  ``within_days`` days and only events whose properties match ``where``) compared with
  ``count``; ``did: false`` negates it ("did not do X at least once");
- ``orders``: the count or revenue of the contact's orders (optionally within a window and
  only orders with a line of product ``sku``) compared with ``value``;
- ``rfm``: the contact's RFM scores (written by the CLV analysis, ``pacer.analytics.rfm``):
  its RFM segment is one of ``segments`` and each score named (``recency``,
  ``frequency``, ``monetary``) lies in its inclusive ``[lowest, highest]`` range; a
  contact not yet scored matches no ``rfm`` condition;
- ``lead_score``: the highest ``measure`` of the contact's leads: ``score`` (the rule
  score) or ``predicted`` (the predictive score's calibrated chance to convert, 0-1; a
  lead not yet predicted has none);
- ``segment``: membership of another segment, by id (a reference, never inlined in the
  stored definition; cycles are refused by ``pacer.segments.actions``).

Every condition is two-valued: a missing value (no location, no CLV yet, a trait not set)
makes a comparison false, so ``NOT`` of it is true. Both evaluators follow this rule
(``pacer.segments.full`` and ``pacer.segments.incremental``).
"""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from pacer.analytics.rfm import DEFAULT_SEGMENTS
from pacer.core.errors import ValidationFailed
from pacer.people.selectors import NUMBER_FIELDS, TEXT_FIELDS, TIME_FIELDS

MAX_DEPTH = 6
MAX_NODES = 100
MAX_DAYS = 36_500
MAX_COUNT = 1_000_000
MAX_NUMBER = 1e15

FIELDS = TEXT_FIELDS + NUMBER_FIELDS + TIME_FIELDS

TEXT_OPS = ("eq", "ne", "contains", "starts_with", "in", "is_set", "is_not_set")
NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "is_set", "is_not_set")
TIME_OPS = ("within_days", "before_days", "is_set", "is_not_set")
VALUE_OPS = ("eq", "ne", "contains", "gt", "gte", "lt", "lte", "is_set")
COUNT_OPS = ("gte", "lte", "eq")
# The RFM segments the CLV analysis assigns (``pacer.metrics.analysis``), "Other" for a
# customer no rule covers; each score is a quintile, 1 (lowest) to 5.
RFM_SEGMENTS = (*(rule.name for rule in DEFAULT_SEGMENTS), "Other")
RFM_SCORES = ("recency", "frequency", "monetary")

Name = Annotated[str, Field(min_length=1, max_length=200)]
Scalar = Annotated[str, Field(max_length=200)] | bool | float
Number = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)]


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldCondition(Node):
    type: Literal["field"]
    field: Literal[FIELDS]
    op: Literal[tuple(sorted(set(TEXT_OPS + NUMBER_OPS + TIME_OPS)))]
    value: Annotated[str, Field(max_length=200)] | Number | list[Name] | None = None

    @model_validator(mode="after")
    def _fits_the_field(self):
        if self.field in TEXT_FIELDS:
            kind, ops = "text", TEXT_OPS
        elif self.field in NUMBER_FIELDS:
            kind, ops = "number", NUMBER_OPS
        else:
            kind, ops = "time", TIME_OPS
        if self.op not in ops:
            raise ValueError(f"op '{self.op}' does not apply to {kind} field '{self.field}'")
        _check_value(self.op, self.value, kind)
        return self


class ValueFilter(Node):
    """A comparison of one JSON value (a trait, an event property) by its JSON type."""

    key: Name
    op: Literal[VALUE_OPS]
    value: Scalar | None = None

    @model_validator(mode="after")
    def _fits_the_op(self):
        if self.op == "is_set":
            if self.value is not None:
                raise ValueError("is_set takes no value")
        elif self.op in ("gt", "gte", "lt", "lte"):
            if isinstance(self.value, bool) or not isinstance(self.value, float | int):
                raise ValueError(f"op '{self.op}' needs a number")
        elif self.op == "contains":
            if not isinstance(self.value, str) or not self.value:
                raise ValueError("contains needs non-empty text")
        elif self.value is None:
            raise ValueError(f"op '{self.op}' needs a value")
        return self


class TraitCondition(ValueFilter):
    type: Literal["trait"]


class LocationCondition(Node):
    type: Literal["location"]
    codes: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=100
    )


class ConsentCondition(Node):
    type: Literal["consent"]
    channel: Annotated[str, Field(min_length=1, max_length=20)]
    purpose: Annotated[str, Field(min_length=1, max_length=60)]


class EventCondition(Node):
    type: Literal["event"]
    event: Name
    did: bool = True
    count_op: Literal[COUNT_OPS] = "gte"
    count: int = Field(1, ge=0, le=MAX_COUNT)
    within_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    where: list[ValueFilter] = Field([], max_length=10)


class OrdersCondition(Node):
    type: Literal["orders"]
    measure: Literal["count", "revenue"] = "count"
    op: Literal["gt", "gte", "lt", "lte", "eq"] = "gte"
    value: Number = 1
    within_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    sku: Annotated[str, Field(min_length=1, max_length=100)] | None = None


Score = Annotated[int, Field(ge=1, le=5)]
ScoreRange = tuple[Score, Score]


class RFMCondition(Node):
    type: Literal["rfm"]
    segments: list[Literal[RFM_SEGMENTS]] = Field([], max_length=len(RFM_SEGMENTS))
    recency: ScoreRange | None = None
    frequency: ScoreRange | None = None
    monetary: ScoreRange | None = None

    @field_validator(*RFM_SCORES)
    @classmethod
    def _ordered(cls, span):
        if span is not None and span[0] > span[1]:
            raise ValueError(f"the lowest score {span[0]} is above the highest {span[1]}")
        return span

    @model_validator(mode="after")
    def _says_something(self):
        if not self.segments and all(getattr(self, s) is None for s in RFM_SCORES):
            raise ValueError("name RFM segments or a score range (recency, frequency, monetary)")
        return self


class LeadScoreCondition(Node):
    type: Literal["lead_score"]
    measure: Literal["score", "predicted"] = "score"
    op: Literal["gt", "gte", "lt", "lte", "eq"] = "gte"
    value: Number


class SegmentCondition(Node):
    type: Literal["segment"]
    segment_id: int = Field(ge=1, le=2**63 - 1)
    member: bool = True


class Group(Node):
    type: Literal["group"]
    op: Literal["and", "or"] = "and"
    negate: bool = False
    children: list["Condition"] = Field(max_length=MAX_NODES)


Condition = Annotated[
    Group
    | FieldCondition
    | TraitCondition
    | LocationCondition
    | ConsentCondition
    | EventCondition
    | OrdersCondition
    | RFMCondition
    | LeadScoreCondition
    | SegmentCondition,
    Field(discriminator="type"),
]
Group.model_rebuild()
LEAF_TYPES = (
    "field",
    "trait",
    "location",
    "consent",
    "event",
    "orders",
    "rfm",
    "lead_score",
    "segment",
)
_ADAPTER = TypeAdapter(Condition)


def _check_value(op: str, value: Any, kind: str) -> None:
    if op in ("is_set", "is_not_set"):
        if value is not None:
            raise ValueError(f"{op} takes no value")
    elif op == "in":
        if not isinstance(value, list) or not value:
            raise ValueError("in needs a non-empty list of text")
    elif op in ("within_days", "before_days"):
        if not isinstance(value, float | int) or not 1 <= value <= MAX_DAYS or value != int(value):
            raise ValueError(f"{op} needs a whole number of days from 1 to {MAX_DAYS}")
    elif kind == "text":
        if not isinstance(value, str) or (op in ("contains", "starts_with") and not value):
            raise ValueError(f"op '{op}' needs {'non-empty ' if op != 'eq' else ''}text")
    elif isinstance(value, bool) or not isinstance(value, float | int):
        raise ValueError(f"op '{op}' needs a number")


def _path(location: tuple) -> str:
    """A pydantic error location as ``children[0].where[1].value`` (union tags left out)."""
    path = ""
    for index, part in enumerate(location):
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in _TAGS and (index == 0 or isinstance(location[index - 1], int)):
            continue  # the discriminator's branch name, not a field
        else:
            path += f".{part}" if path else part
    return path or "definition"


_TAGS = {"group", *LEAF_TYPES}


def _reason(error: dict) -> str:
    if error["loc"] and error["loc"][-1] == "segment_id" and error["type"] != "missing":
        return "must be a segment's id: choose a segment"  # the builder's "choose…" sends 0
    message = error["msg"]
    return message.removeprefix("Value error, ")


def parse(data: Any) -> Group:
    """The definition as a validated tree, or ``ValidationFailed`` naming each offending
    node by its path (``definition.children[1].count``) and the reason.

    >>> parse({"type": "group", "children": [{"type": "lead_score", "value": 50}]}).op
    'and'
    """
    if not isinstance(data, dict) or data.get("type") != "group":
        raise ValidationFailed({"definition": "must be a group: {'type': 'group', ...}"})
    if _too_deep(data, 3 * MAX_DEPTH + 6):
        raise ValidationFailed({"definition": f"groups nest at most {MAX_DEPTH} deep"})
    try:
        tree = _ADAPTER.validate_python(data)
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            errors.setdefault(_join("definition", _path(item["loc"])), _reason(item))
        raise ValidationFailed(errors) from None
    problems: dict[str, str] = {}
    _check_shape(tree, "definition", 1, problems, [0])
    if problems:
        raise ValidationFailed(problems)
    return tree


def _too_deep(data, limit: int) -> bool:
    """Whether the raw JSON nests deeper than ``limit`` (checked before parsing it)."""
    level = [data]
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _join(root: str, path: str) -> str:
    if path == "definition":
        return root
    return f"{root}{path}" if path.startswith("[") else f"{root}.{path}"


def _check_shape(node, path: str, depth: int, problems: dict, count: list[int]) -> None:
    count[0] += 1
    if count[0] == MAX_NODES + 1:
        problems[path] = f"a definition has at most {MAX_NODES} nodes"
    if not isinstance(node, Group):
        return
    if depth > MAX_DEPTH:
        problems[path] = f"groups nest at most {MAX_DEPTH} deep"
        return
    if not node.children:
        problems[f"{path}.children"] = "a group needs at least one condition"
    for index, child in enumerate(node.children):
        _check_shape(child, f"{path}.children[{index}]", depth + 1, problems, count)


def walk(node):
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, Group):
        for child in node.children:
            yield from walk(child)


def references(tree: Group) -> set[int]:
    """The ids of the segments the definition refers to."""
    return {node.segment_id for node in walk(tree) if isinstance(node, SegmentCondition)}


def dump(tree: Group) -> dict:
    """The tree as stored (JSON), without defaults left implicit."""
    return tree.model_dump(mode="json")


EMPTY = {"type": "group", "op": "and", "negate": False, "children": []}
