"""A local HTTPS server that answers as Twilio's Messages API does (written from Twilio's
API reference, apart from Pacer's code): ``POST /2010-04-01/Accounts/{AccountSid}/
Messages.json``, form-encoded, HTTP basic auth with the account SID and auth token; 201
with the message resource (its ``sid``), or an error status with Twilio's JSON error body
(``code``, ``message``, ``more_info``, ``status``). It stands in for ``api.twilio.com``
(a certificate authority made here, trusted through ``SSL_CERT_FILE``; the host resolved
to 127.0.0.1). And what Twilio does when it posts back: the ``X-Twilio-Signature``."""

import base64
import hashlib
import hmac
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from tests.messaging.providers import tls_files

HOST = "api.twilio.com"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f2a3b4c5d6e7f8091a2b3c4d5e6f7081"
INVALID_TO = "+15005550001"  # Twilio's test number for "not a valid phone number"


def twilio_signature(auth_token: str, url: str, params: dict) -> str:
    """What Twilio puts in ``X-Twilio-Signature``: base64(HMAC-SHA1(token, URL followed by
    each parameter's name and value, sorted by name))."""
    text = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(
        hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    ).decode()


class FakeTwilio:
    """The Messages API; every request kept as (path, headers, form fields); the answers
    to give next can be queued in ``script`` as (status, JSON body, headers)."""

    def __init__(self, directory, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN):
        self.ca_file, chain = tls_files(directory, HOST, prefix="twilio-")
        self.requests: list[tuple[str, dict, dict]] = []
        self.script: list[tuple[int, dict, dict]] = []
        self.sids: list[str] = []
        fake = self
        expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                size = int(self.headers.get("Content-Length", "0"))
                fields = dict(parse_qsl(self.rfile.read(size).decode(), keep_blank_values=True))
                fake.requests.append((self.path, dict(self.headers), fields))
                status, body, headers = fake._answer(self.path, self.headers, fields)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self._expected_auth, self._account_sid = expected_auth, account_sid
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def error(status: int, code: int, message: str) -> dict:
        return {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def _answer(self, path: str, headers, fields: dict) -> tuple[int, dict, dict]:
        if path != f"/2010-04-01/Accounts/{self._account_sid}/Messages.json":
            return 404, self.error(404, 20404, "The requested resource was not found"), {}
        if headers.get("Authorization") != self._expected_auth:
            return 401, self.error(401, 20003, "Authenticate"), {}
        if self.script:
            return self.script.pop(0)
        if not fields.get("Body") or not (fields.get("From") or fields.get("MessagingServiceSid")):
            return 400, self.error(400, 21602, "Message body is required."), {}
        if fields.get("To") == INVALID_TO:
            message = f"The 'To' number {INVALID_TO} is not a valid phone number."
            return 400, self.error(400, 21211, message), {}
        sid = "SM" + hashlib.md5(str(len(self.requests)).encode()).hexdigest()  # noqa: S324
        self.sids.append(sid)
        resource = {
            "sid": sid,
            "account_sid": self._account_sid,
            "to": fields["To"],
            "from": fields.get("From"),
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "body": fields["Body"],
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self._account_sid}/Messages/{sid}.json",
        }
        return 201, resource, {}

    def resolve(self, real_getaddrinfo):
        """A ``getaddrinfo`` that sends Twilio's host to this server, others to DNS."""

        def getaddrinfo(host, port, *args, **kwargs):
            if host == HOST:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", self.port))]
            return real_getaddrinfo(host, port, *args, **kwargs)

        return getaddrinfo

    @property
    def base(self) -> str:
        return f"https://{HOST}:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
