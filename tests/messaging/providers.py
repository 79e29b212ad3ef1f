"""What email providers do when they post events, done with keys the tests make: Amazon
SNS's RSA message signatures (the string to sign written here from AWS's documentation,
apart from Pacer's), SendGrid's ECDSA signed event webhook and Postmark's basic auth; and
a local HTTPS server standing in for ``sns.us-east-1.amazonaws.com`` (a certificate
authority made here, trusted through ``SSL_CERT_FILE``; the host resolved to 127.0.0.1)."""

import base64
import json
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from pacer.messaging.models import SnsCertificate

SNS_HOST = "sns.us-east-1.amazonaws.com"
CERT_URL = f"https://{SNS_HOST}/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-bounces"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool = False, dns=()):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def tls_files(directory, host: str, prefix: str = "") -> tuple:
    """A throw-away root CA and a certificate for ``host`` signed by it, written under
    ``directory``: (the CA's PEM file, the server's chain and key PEM file)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test Root CA", ca_key, "Test Root CA", ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(host, leaf_key, "Test Root CA", ca_key, dns=[host])
    ca_file = directory / f"{prefix}ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = directory / f"{prefix}server.pem"
    chain.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, chain


@cache
def sns_key() -> tuple[rsa.RSAPrivateKey, str]:
    """The test's stand-in for Amazon's SNS signing key and its certificate (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate("sns.amazonaws.com", key, "sns.amazonaws.com", key)
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def seed_certificate(url: str = CERT_URL) -> None:
    """Put the test's certificate in Pacer's cache under ``url`` (nothing is fetched)."""
    SnsCertificate.objects.create(url=url, pem=sns_key()[1], fetched_at=datetime.now(UTC))


# AWS: "Verifying the signatures of Amazon SNS messages" - the fields in this order, each
# as name, newline, value, newline; Subject only when the message has one.
SUBSCRIPTION_ORDER = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn"]
AWS_ORDER = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": [*SUBSCRIPTION_ORDER, "Type"],
    "UnsubscribeConfirmation": [*SUBSCRIPTION_ORDER, "Type"],
}


def sns_sign(envelope: dict, version: str = "1", cert_url: str = CERT_URL, key=None) -> dict:
    """``envelope`` as SNS posts it: with SignatureVersion, SigningCertURL and Signature."""
    text = "".join(
        f"{name}\n{envelope[name]}\n" for name in AWS_ORDER[envelope["Type"]] if name in envelope
    )
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = (key or sns_key()[0]).sign(text.encode(), padding.PKCS1v15(), digest)
    return {
        **envelope,
        "SignatureVersion": version,
        "Signature": base64.b64encode(signature).decode(),
        "SigningCertURL": cert_url,
    }


def sns_notification(inner: dict, subject: str | None = None) -> dict:
    envelope = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Message": json.dumps(inner),
        "Timestamp": "2026-03-02T10:00:00.000Z",
        "UnsubscribeURL": f"https://{SNS_HOST}/?Action=Unsubscribe&SubscriptionArn={TOPIC}:x",
    }
    if subject is not None:
        envelope["Subject"] = subject
    return envelope


def subscription_confirmation(subscribe_url: str) -> dict:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e2425f004aed",
        "TopicArn": TOPIC,
        "Message": f"You have chosen to subscribe to the topic {TOPIC}.",
        "SubscribeURL": subscribe_url,
        "Timestamp": "2026-03-02T09:00:00.000Z",
    }


class SendGrid:
    """A SendGrid account's signed event webhook: its key pair, the public half as
    SendGrid shows it (base64 DER)."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode()

    def headers(self, body: bytes, at: datetime) -> dict:
        stamp = str(int(at.timestamp()))
        signature = self.key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(signature).decode(),
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": stamp,
        }


def basic_auth(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


class FakeAmazon:
    """A real HTTPS server answering as SNS does: the signing certificate at its path and
    ``ConfirmSubscription`` (its answer settable); every request path is kept."""

    def __init__(self, directory):
        self.ca_file, chain = tls_files(directory, SNS_HOST)
        self.requests: list[str] = []
        self.hosts = {SNS_HOST}
        self.confirm_status = 200
        amazon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                amazon.requests.append(self.path)
                if self.path.endswith(".pem"):
                    status, body = 200, sns_key()[1].encode()
                else:
                    status = amazon.confirm_status
                    body = (
                        b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult>"
                        b"<SubscriptionArn>" + TOPIC.encode() + b":1f2e</SubscriptionArn>"
                        b"</ConfirmSubscriptionResult></ConfirmSubscriptionResponse>"
                    )
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def resolve(self, real_getaddrinfo):
        """A ``getaddrinfo`` that sends the hosts in ``self.hosts`` (Amazon's SNS host, and
        any a test adds) to this server, others to DNS."""

        def getaddrinfo(host, port, *args, **kwargs):
            if host in self.hosts:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", self.port))]
            return real_getaddrinfo(host, port, *args, **kwargs)

        return getaddrinfo

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
