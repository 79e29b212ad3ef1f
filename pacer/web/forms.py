"""Refused input shown next to the fields it is about.

Actions raise ``ValidationFailed`` with a map of field path to reason; a view that
re-renders the form puts that map in the context as ``errors`` and the template's
``{% field %}`` tags show each reason under its field (``{% form_errors %}`` lists them
all at the top, each linking to its field). Errors from elsewhere that read
``"field: reason"`` (the analytics library's) go through ``errors_from_message``.
"""

import re

from pacer.web.error_labels import part_words

FIELD_MESSAGE = re.compile(r"^([A-Za-z_][\w.\[\]]*(?: line \d+)?): (.+)$", re.DOTALL)
ROW_FIELD = re.compile(r"^([A-Za-z_]\w*)\[(\d{1,4})\]\.([A-Za-z_]\w*)$")


def row_field_id(prefix: str, name: str, index: int, field: str) -> str:
    """The id of ``field`` in row ``index`` of a form's repeated rows ``name``
    (``steps[2].address`` with prefix ``esc-``: ``esc-steps-2-address``): the id a
    form's row fields are given, and where ``{% form_errors rows=... %}`` links."""
    return f"{prefix}{name}-{index}-{field}"


def row_field_target(path: str, prefix: str, rows: set[str]) -> str | None:
    """The id a refusal of ``path`` links to when it is one row's field
    (``steps[2].address``) of the repeated rows named in ``rows``; None otherwise."""
    match = ROW_FIELD.match(path)
    if match is None or match[1] not in rows:
        return None
    return row_field_id(prefix, match[1], int(match[2]), match[3])


def errors_from_message(message: str, default_field: str) -> dict[str, str]:
    """``"baseline: must be in (0, 1)"`` → ``{"baseline": "must be in (0, 1)"}``; a
    message that names no field is filed under ``default_field``."""
    match = FIELD_MESSAGE.match(message)
    return {match[1]: match[2]} if match else {default_field: message}


def errors_for_field(errors: dict[str, str] | None, name: str) -> list[str]:
    """The reasons about field ``name``: its own, and those about its parts with the
    part named in words (``variants[1].weight``: ``#2 › weight: …``)."""
    found = []
    for path, reason in (errors or {}).items():
        if path == name:
            found.append(reason)
        elif path.startswith((f"{name}.", f"{name}[", f"{name} ")):
            found.append(f"{part_words(path[len(name) :])}: {reason}")
    return found
