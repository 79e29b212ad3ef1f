"""Lead forms: defined in the UI, served as a hosted page and as an embeddable iframe,
guarded by a honeypot and a rate limit per address."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.leads.models import FormHit, LeadForm

FIELDS = {
    "email": "Email",
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "postal_code": "Postal code",
}
HONEYPOT = "website"  # hidden from people; bots fill it
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
MAX_CONSENTS = 10


TEXTS = {"intro": 2000, "thanks": 2000}
STATE = ("title", "intro", "fields", "consents", "ask_location", "thanks", "active")


@transaction.atomic
def save_form(workspace: Workspace, data: Mapping, *, now: datetime, actor=None) -> LeadForm:
    """Create or update the form ``data["key"]``: ``title``, ``intro``, ``fields`` (a
    contact field -> "required" or "optional"; an email or a phone among them),
    ``consents`` (up to ``MAX_CONSENTS`` boxes of ``purpose``, ``channel`` and the
    ``wording`` recorded with each submission), ``ask_location`` (the person picks the
    location), ``thanks`` and ``active`` (left out: unchanged; a new form is active).
    Every bad field named, nothing written; audited with what it was before.

    A submission records the consent wording it was shown, so a later change of the
    wording leaves what earlier ones recorded as it was."""
    errors = {}
    key = str(data.get("key") or "").strip()
    if not KEY.fullmatch(key):
        errors["key"] = "must be 1-100 lower-case letters, digits or hyphens"
    title = str(data.get("title") or "").strip()
    if not 1 <= len(title) <= 200:
        errors["title"] = "must be 1-200 characters"
    fields = dict(data.get("fields") or {})
    for name, need in fields.items():
        if name not in FIELDS:
            errors[f"fields.{name}"] = f"must be one of {', '.join(FIELDS)}"
        elif need not in ("required", "optional"):
            errors[f"fields.{name}"] = "must be required or optional"
    if not ({"email", "phone"} & set(fields)):
        errors.setdefault("fields", "ask for an email or a phone number")
    consents = list(data.get("consents") or [])
    if len(consents) > MAX_CONSENTS:
        errors["consents"] = f"at most {MAX_CONSENTS} consent boxes"
    for index, box in enumerate(consents[:MAX_CONSENTS]):
        for part, limit in (("purpose", 60), ("channel", 20), ("wording", 2000)):
            if not 1 <= len(str(box.get(part) or "").strip()) <= limit:
                errors[f"consents[{index}].{part}"] = f"must be 1-{limit} characters"
    for name, limit in TEXTS.items():
        if len(str(data.get(name) or "").strip()) > limit:
            errors[name] = f"must be at most {limit} characters"
    if errors:
        raise ValidationFailed(errors)
    values = {
        "title": title,
        "intro": str(data.get("intro") or "").strip(),
        "fields": fields,
        "consents": [
            {part: str(box[part]).strip() for part in ("purpose", "channel", "wording")}
            for box in consents
        ],
        "ask_location": bool(data.get("ask_location")),
        "thanks": str(data.get("thanks") or "").strip()
        or LeadForm._meta.get_field("thanks").default,
    }
    if "active" in data:
        values["active"] = bool(data["active"])
    found = LeadForm.objects.select_for_update().filter(workspace=workspace, key=key).first()
    before = {name: getattr(found, name) for name in STATE} if found else None
    form, created = LeadForm.objects.update_or_create(
        workspace=workspace, key=key, defaults=values, create_defaults=values | {"created_at": now}
    )
    after = {"key": key, "created": created, **{name: getattr(form, name) for name in STATE}}
    audit.record(workspace, "leads.form", form, actor=actor, before=before, after=after)
    return form


def refuse_submission(form: LeadForm, posted: Mapping, address: str, now: datetime) -> None:
    """Refuse a submission to a hosted form (inactive form, filled honeypot, too many from
    the address), else count it against the address's limit."""
    if not form.active:
        raise ValidationFailed({"form": "this form no longer takes submissions"})
    if posted.get(HONEYPOT):
        raise ValidationFailed({"form": "could not be submitted"})
    window = now - timedelta(seconds=settings.LEAD_FORM_WINDOW_SECONDS)
    recent = FormHit.objects.filter(address=address, at__gte=window).count()
    if recent >= settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS:
        raise ValidationFailed({"form": "too many submissions from your address; try later"})
    FormHit.objects.filter(address=address, at__lt=window).delete()
    FormHit.objects.create(workspace=form.workspace, address=address, at=now)


def submission(form: LeadForm, posted: Mapping) -> tuple[dict, dict]:
    """The capture data from a hosted form's POST (and the form-level errors for fields
    it requires but did not get)."""
    data = {name: posted.get(name, "") for name in form.fields}
    errors = {
        name: "is required"
        for name, need in form.fields.items()
        if need == "required" and not str(posted.get(name, "")).strip()
    }
    for name in (
        "page_url",
        "referrer",
        "anonymous_id",
        "submission_id",
        "location",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    ):
        if posted.get(name):
            data[name] = posted[name]
    data["form"] = form.key
    data["consents"] = [
        {**box, "granted": posted.get(f"consent_{index}") == "yes"}
        for index, box in enumerate(form.consents)
    ]
    return data, errors
