"""Shared pieces of server-rendered pages that every domain's views use (the template
side is ``pacer.web.templatetags.pacer_ui``; the style guide at ``/styleguide/`` shows
them all)."""

from django.contrib import messages

from pacer.core.errors import ValidationFailed
from pacer.web.charts import PALETTE

__all__ = ["PALETTE", "flash_errors"]


def flash_errors(request, error: ValidationFailed) -> None:
    """Show each refused field with its reason as a toast (for an action whose page
    redirects; a page that shows its form again puts ``error.errors`` in the context
    as ``errors`` for ``{% field %}`` instead)."""
    for field, reason in error.errors.items():
        messages.error(request, f"{field}: {reason}")
