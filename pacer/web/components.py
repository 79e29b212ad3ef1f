"""Shared pieces of server-rendered pages that every domain's views use."""

from django.contrib import messages

from pacer.core.errors import ValidationFailed

# Chart colours, in the order series take them (the same in every chart).
PALETTE = [
    "#2563eb",
    "#f97316",
    "#16a34a",
    "#9333ea",
    "#dc2626",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#4b5563",
    "#65a30d",
]


def flash_errors(request, error: ValidationFailed) -> None:
    """Show each refused field with its reason."""
    for field, reason in error.errors.items():
        messages.error(request, f"{field}: {reason}")
