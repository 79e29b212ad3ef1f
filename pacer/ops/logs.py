"""Structured logs: one JSON object per line on stderr.

Each line has ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, the
``request_id`` and ``workspace`` (slug) of the request being served when there is one
(``pacer.ops.middleware.RequestContextMiddleware``), anything passed as ``extra=``, and
``exception`` with the traceback. Settings use ``logging_config`` (no Django imports
here: settings import this module).
"""

import logging
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

# the request being served in this context (set by the middleware)
current_request: ContextVar = ContextVar("pacer_request", default=None)

# LogRecord attributes that are not ``extra=`` fields
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def _request_fields(request) -> dict:
    fields = {}
    request_id = getattr(request, "request_id", None)
    if request_id:
        fields["request_id"] = request_id
    workspace = getattr(request, "workspace", None)
    if workspace is not None:
        fields["workspace"] = workspace.slug
    return fields


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = current_request.get()
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key == "request":  # Django's request loggers pass the request itself
                request = request or value
                data["method"] = getattr(value, "method", "")
                data["path"] = getattr(value, "path", "")  # without the query string
            else:
                data[key] = value
        if request is not None:
            data.update(_request_fields(request))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(data, default=str).decode()


class QuietRefusals(logging.Filter):
    """Leaves out Django's line for an answer of 422: a form or API call refused for the
    user's own input (the answer names the field) is normal use, not something for the
    operator; every other 4xx and every 5xx is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 422


def logging_config(level: str = "WARNING", fmt: str = "json") -> dict:
    """A ``LOGGING`` dict: everything to stderr at ``level``, as JSON lines (``fmt``
    ``"json"``) or as plain text for people reading a terminal (``"text"``), without the
    lines of refused input (``QuietRefusals``)."""
    if fmt not in ("json", "text"):
        raise ValueError(f"PACER_LOG_FORMAT: must be json or text, not {fmt!r}")
    formatter = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"pacer": formatter},
        "filters": {"quiet_refusals": {"()": QuietRefusals}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "pacer",
                "filters": ["quiet_refusals"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
    }
