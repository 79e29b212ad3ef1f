"""Structured logs: one JSON object per line, with the request's id and workspace."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

from pacer.ops.logs import JsonFormatter, logging_config
from pacer.ops.middleware import RequestContextMiddleware
from tests.api_client import ApiClient


@pytest.fixture
def lines():
    """A logger writing JSON lines into a buffer; returns (logger, the lines so far)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pacer.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_record_is_one_json_line_with_its_fields(lines):
    logger, read = lines
    logger.warning("sync %s took %.1f s", "events", 2.5, extra={"rows": 1200})
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("it failed")
    first, second = read()
    assert first.pop("timestamp").endswith("+00:00")
    assert first == {
        "level": "WARNING",
        "logger": "pacer.test.logs",
        "message": "sync events took 2.5 s",
        "rows": 1200,
    }
    assert second["level"] == "ERROR" and second["message"] == "it failed"
    assert second["exception"].startswith("Traceback") and "ValueError: boom" in second["exception"]


class Member:
    slug = "acme"


def test_lines_logged_while_serving_a_request_carry_its_id_and_workspace(lines):
    logger, read = lines

    def view(request):
        request.workspace = Member()  # set by the workspace middleware or the API's auth
        logger.info("inside")
        return HttpResponse("ok")

    middleware = RequestContextMiddleware(view)
    given = middleware(RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-42.a"))
    minted = middleware(RequestFactory().get("/x", HTTP_X_REQUEST_ID="bad id\n{}"))
    logger.info("outside")
    inside_given, inside_minted, outside = read()
    assert given["X-Request-ID"] == "req-42.a"
    assert inside_given["request_id"] == "req-42.a" and inside_given["workspace"] == "acme"
    assert len(minted["X-Request-ID"]) == 32 and minted["X-Request-ID"] != "bad id\n{}"
    assert inside_minted["request_id"] == minted["X-Request-ID"]
    assert "request_id" not in outside and "workspace" not in outside


def test_djangos_request_records_give_the_path_without_the_query(lines):
    logger, read = lines
    request = RequestFactory().get("/api/privacy/export?email=someone@example.org")
    logger.error(
        "Internal Server Error: %s", request.path, extra={"request": request, "status_code": 500}
    )
    (line,) = read()
    assert line["method"] == "GET" and line["path"] == "/api/privacy/export"
    assert line["status_code"] == 500
    assert "someone@example.org" not in json.dumps(line)


def test_the_settings_log_json_lines_to_stderr():
    assert settings.LOGGING["formatters"]["pacer"] == {"()": JsonFormatter}
    assert settings.LOGGING["handlers"]["stderr"]["formatter"] == "pacer"
    assert logging_config("info", "text")["root"]["level"] == "INFO"
    logging.config.dictConfig(logging_config("WARNING", "text"))  # a valid configuration
    logging.config.dictConfig(settings.LOGGING)
    with pytest.raises(ValueError, match="PACER_LOG_FORMAT"):
        logging_config("INFO", "yaml")


@pytest.mark.django_db
def test_a_refused_input_is_not_logged_while_other_4xx_and_5xx_are(capsys, workspace, admin):
    """A 422 is the user's own input refused (the answer names the field): normal use, so
    no line in the server's log. A 404 and a 5xx still give one line each."""
    logging.config.dictConfig(logging_config("WARNING", "json"))  # stderr as captured now
    try:
        api = ApiClient(workspace, admin)
        refused = api.post("planning/campaigns", {"key": "x", "channel": "carrier_pigeon"})
        assert refused.status_code == 422
        assert api.get("planning/no-such-report").status_code == 404
        request = RequestFactory().get("/api/planning/campaigns")
        log_response(
            "Internal Server Error: %s",
            request.path,
            response=HttpResponse(status=500),
            request=request,
        )
        log_response(
            "Service Unavailable: %s",
            request.path,
            response=HttpResponse(status=503),
            request=request,
        )
        logged = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert [(line["level"], line["status_code"], line["path"]) for line in logged] == [
        ("WARNING", 404, "/api/planning/no-such-report"),
        ("ERROR", 500, "/api/planning/campaigns"),
        ("ERROR", 503, "/api/planning/campaigns"),
    ]
