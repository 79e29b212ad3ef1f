"""Gives each request an id (the caller's ``X-Request-ID`` when it is sane, else a new
one), echoes it on the response, and makes the request known to the JSON log formatter
while it is served."""

import re
import uuid

from pacer.ops.logs import current_request

HEADER = "X-Request-ID"
SANE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request.request_id = given if SANE.match(given) else uuid.uuid4().hex
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response[HEADER] = request.request_id
        return response
