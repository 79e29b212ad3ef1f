"""What the messaging benchmarks share: a template with personalisation and links,
contacts who consented to marketing email, and the timing helpers."""

import resource
import socket
from datetime import UTC, datetime

TEMPLATE_HTML = """<html><body>
<h1>Hello {{ contact.first_name|default:"there" }},</h1>
<p>Our spring offers for {{ contact.first_name }} {{ contact.last_name }} are in.
<a href="https://shop.example/spring?utm_source=email">See the offers</a>,
<a href="https://shop.example/stores">find your store</a> or
<a href="https://shop.example/account">check your points</a>.</p>
<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> ·
<a href="{{ preferences_url }}">Preferences</a></p>
</body></html>"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def consenting_contacts(workspace, emails: list[str], last_name: str = "") -> list:
    """A contact per address (first name ``Ann<n>``), each with a marketing email
    consent."""
    from pacer.people.models import Consent, Contact

    contacts = Contact.objects.bulk_create(
        [
            Contact(workspace=workspace, email=email, first_name=f"Ann{n}", last_name=last_name)
            for n, email in enumerate(emails)
        ],
        batch_size=5000,
    )
    Consent.objects.bulk_create(
        [
            Consent(
                workspace=workspace,
                contact=contact,
                channel="email",
                purpose="marketing",
                granted=True,
                source="bench",
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            for contact in contacts
        ],
        batch_size=5000,
    )
    return contacts


def spring_template(workspace):
    """The benchmarks' template: ``TEMPLATE_HTML``, a personalised subject and text."""
    from pacer.messaging.actions import save_template

    return save_template(
        workspace,
        name="Spring",
        subject="{{ contact.first_name }}, spring offers inside",
        html=TEMPLATE_HTML,
        text="Hello {{ contact.first_name }}, see https://shop.example/spring",
    )
