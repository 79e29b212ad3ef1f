"""The one error type actions raise for bad input: it names the field and the reason."""


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
