"""A REST API client for tests: a member's personal token as ``Authorization: Bearer``."""

import json
from urllib.parse import urlencode

from django.test import Client

from pacer.core import actions


class ApiClient:
    def __init__(self, workspace, user):
        _, self.token = actions.issue_api_key(workspace, "personal", "tests", user=user)
        self.client = Client()

    def headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/{path}", params, **self.headers())

    def post(self, path: str, body=None, *, raw: bytes | None = None, **params):
        """POST ``body`` as JSON (``raw``: these bytes as the body instead); ``params``
        go in the query string."""
        url = f"/api/{path}" + (f"?{urlencode(params)}" if params else "")
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(url, data, content_type="application/json", **self.headers())

    def put(self, path: str, body=None):
        return self._send("put", path, body)

    def patch(self, path: str, body=None):
        return self._send("patch", path, body)

    def delete(self, path: str):
        return self.client.delete(f"/api/{path}", **self.headers())

    def _send(self, method: str, path: str, body):
        data = json.dumps(body if body is not None else {})
        send = getattr(self.client, method)
        return send(f"/api/{path}", data, content_type="application/json", **self.headers())


def strict_json(response):
    """The body as JSON, refusing NaN and Infinity (which JSON does not have)."""

    def refuse(constant):
        raise AssertionError(f"bare {constant} in the JSON body")

    return json.loads(response.content, parse_constant=refuse)
