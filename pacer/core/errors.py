"""Errors for bad input: each names the field and the reason."""

from decimal import Decimal, InvalidOperation


class ValidationFailed(Exception):
    """Raised by an action before it writes anything.

    ``errors`` maps a field path (``"traits.email"``, ``"rows[3].total"``) to a reason.
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))


def require(condition: bool, field: str, reason: str) -> None:
    """Raise ``ValidationFailed`` for ``field`` unless ``condition`` holds."""
    if not condition:
        raise ValidationFailed({field: reason})


class FieldError(Exception):
    """One field of one record is wrong; the record is refused, its siblings may go on."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def parse_amount(value, field: str) -> Decimal:
    """A finite, non-negative money amount rounded to cents, or ``FieldError``."""
    if isinstance(value, bool) or value is None or value == "":
        raise FieldError(field, "must be a number")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise FieldError(field, f"'{value}' is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise FieldError(field, "must be a finite number of at least 0")
    return amount.quantize(Decimal("0.01"))
