"""What every REST schema shares: the one error body, the error statuses each operation
declares, and bounded input types (see ``docs/api-errors.md``).

Inputs are bounded where they are declared, so the OpenAPI document says what is accepted
and nothing out of range reaches an action, a query or an analysis: text no longer than
its column and free of NUL characters (which PostgreSQL cannot store; pydantic refuses
unpaired surrogates itself), whole numbers within 64 bits, finite floats, days within
``FIRST_DAY`` .. ``LAST_DAY`` and money within its ``Decimal(14, 2)`` column.

Outputs never carry a bare ``NaN`` or ``Infinity``: ``Number`` turns a value an analysis
could not define into ``null``.
"""

import math
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from pacer.core.channels import CHANNELS
from pacer.core.errors import FIRST_DAY, LAST_DAY, MAX_AMOUNT

MAX_ID = 2**63 - 1  # a 64-bit primary key
MAX_OFFSET = 10_000_000


class ErrorOut(Schema):
    """The body of every 4xx answer under ``/api/``."""

    detail: str = Field(description="the errors in one line, for people")
    errors: dict[str, str] = Field(
        description="field path (a parameter's name or a path into the JSON body, such as "
        "'rows[3].amount') -> the reason it was refused"
    )


# Every operation declares these: 400 for a malformed request (a body that is not JSON,
# too many parameters), 401 without a valid token, 403 for a role without the
# permission, 422 for a refused parameter or a refusal by the action.
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
# Operations that read a JSON body add this (a body over the size limit).
BODY_ERRORS: dict[int, Any] = {413: ErrorOut}
# Operations that name a thing in their path add this.
NOT_FOUND: dict[int, Any] = {404: ErrorOut}


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def text(max_length: int, *, min_length: int = 0, pattern: str | None = None, **field) -> Any:
    """A string that fits a ``max_length`` column and that both databases can store
    (``field``: more ``Field`` arguments, such as ``examples``)."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, pattern=pattern, **field),
        AfterValidator(_storable),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[
    date, Field(ge=FIRST_DAY, le=LAST_DAY, description=f"a day from {FIRST_DAY} to {LAST_DAY}")
]
Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="rounded to cents"),
]
Channel = Literal[tuple(CHANNELS)]
AnyChannel = Literal[("", *CHANNELS)]  # "" for every channel
CampaignKey = text(200)


def finite(*, ge: float | None = None, le: float | None = None, gt=None, lt=None) -> Any:
    """A float that is neither NaN nor infinite, within the given bounds."""
    return Annotated[float, Field(ge=ge, le=le, gt=gt, lt=lt, allow_inf_nan=False)]


def _defined(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# An analysis figure: null where the analysis has no defined value (say a relative
# effect against a control mean of 0).
Number = Annotated[float | None, BeforeValidator(_defined)]


def check_order(start: date | None, end: date | None, start_name: str = "start") -> date | None:
    """``end`` unless it is before ``start`` (for a ``field_validator`` of the end field,
    which is then named as the one refused)."""
    if start is not None and end is not None and end < start:
        raise ValueError(f"must not be before {start_name}")
    return end


Interval = tuple[Number, Number]


class VariationOut(Schema):
    """One variation against the control (null where a figure is undefined, such as a
    relative effect against a control mean of 0)."""

    name: str
    absolute: Number
    absolute_ci: Interval
    relative: Number
    relative_ci: Interval
    p_value: Number
    adjusted_p_value: Number = Field(description="Holm-adjusted across the variations")
    chance_to_win: Number
    expected_loss: Number
    sequential_ci: Interval = Field(description="always valid: safe to peek")
