"""Lead forms: defined in the UI, served as a hosted page and as an embeddable iframe,
guarded by a honeypot and two rate limits of each form (per address, and from everyone);
fixed hidden UTM values fill what the visitor's link does not carry."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from pacer.core import audit, faults
from pacer.core.errors import NotFound, ValidationFailed
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
MAX_SUBMISSIONS = 100_000  # the highest ceiling a form may set per window
MAX_PER_ADDRESS = 10_000  # the highest per-address limit a form may set per window
HIDDEN = {
    "utm_source": "Source",
    "utm_medium": "Medium",
    "utm_campaign": "Campaign",
    "utm_content": "Content",
    "utm_term": "Term",
}


TEXTS = {"intro": 2000, "thanks": 2000}
STATE = (
    "title",
    "intro",
    "fields",
    "consents",
    "ask_location",
    "thanks",
    "active",
    "max_submissions",
    "max_per_address",
    "hidden",
)


class TooManySubmissions(ValidationFailed):
    """A submission refused by a rate limit (answered 429, "try again later")."""


def _ceiling(value, errors: dict, field: str = "max_submissions", top=MAX_SUBMISSIONS):
    """A form's own limit of submissions per window (``field``: from everyone, or
    ``max_per_address``): empty for the server's default."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdecimal() or not 1 <= int(text) <= top:
        errors[field] = f"must be a whole number from 1 to {top:,}"
        return None
    return int(text)


def _hidden(value, errors: dict) -> dict[str, str]:
    """Fixed hidden values: UTM parameters of at most 200 characters, empty ones left out."""
    if not isinstance(value, Mapping):
        errors["hidden"] = f"must map {', '.join(HIDDEN)} to text"
        return {}
    hidden = {}
    for name, text in value.items():
        if name not in HIDDEN:
            errors[f"hidden.{name}"] = f"must be one of {', '.join(HIDDEN)}"
        elif len(str(text or "").strip()) > 200:
            errors[f"hidden.{name}"] = "must be at most 200 characters"
        elif str(text or "").strip():
            hidden[name] = str(text).strip()
    return hidden


@transaction.atomic
def save_form(
    workspace: Workspace, data: Mapping, *, now: datetime, actor=None, new: bool = False
) -> LeadForm:
    """Create or update the form ``data["key"]``: ``title``, ``intro``, ``fields`` (a
    contact field -> "required" or "optional"; an email or a phone among them),
    ``consents`` (up to ``MAX_CONSENTS`` boxes of ``purpose``, ``channel`` and the
    ``wording`` recorded with each submission), ``ask_location`` (the person picks the
    location), ``thanks``, ``active`` (left out: unchanged; a new form is active),
    ``max_submissions`` (the form's ceiling per window from everyone; empty: the
    server's ``LEAD_FORM_SUBMISSIONS_PER_FORM``), ``max_per_address`` (the form's limit
    per window from one address; empty: the server's ``LEAD_FORM_SUBMISSIONS_PER_ADDRESS``)
    and ``hidden`` (fixed UTM values used when the visitor's link does not carry them);
    these four left out: unchanged. Every bad field named, nothing written; audited with
    what it was before.

    With ``new`` the key must be free: a form with it, even one made at the same moment
    by another request, is refused (``key``), never overwritten.

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
    own_ceiling = _ceiling(data.get("max_submissions"), errors)
    per_address = _ceiling(data.get("max_per_address"), errors, "max_per_address", MAX_PER_ADDRESS)
    hidden = _hidden(data.get("hidden") or {}, errors) if "hidden" in data else None
    if errors:
        raise ValidationFailed(errors)
    faults.point("leads.form.validated")  # checked, not yet written: another save may land
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
    if "max_submissions" in data:
        values["max_submissions"] = own_ceiling
    if "max_per_address" in data:
        values["max_per_address"] = per_address
    if hidden is not None:
        values["hidden"] = hidden
    if new:
        form, created, before = _create(workspace, key, values, now), True, None
    else:
        found = LeadForm.objects.select_for_update().filter(workspace=workspace, key=key).first()
        before = {name: getattr(found, name) for name in STATE} if found else None
        form, created = LeadForm.objects.update_or_create(
            workspace=workspace,
            key=key,
            defaults=values,
            create_defaults=values | {"created_at": now},
        )
    after = {"key": key, "created": created, **{name: getattr(form, name) for name in STATE}}
    audit.record(workspace, "leads.form", form, actor=actor, before=before, after=after)
    return form


def _create(workspace: Workspace, key: str, values: dict, now: datetime) -> LeadForm:
    """A new form with ``key``; refused when the key is taken (the unique constraint
    decides, so two requests at the same moment cannot both make it)."""
    try:
        with transaction.atomic():
            return LeadForm.objects.create(workspace=workspace, key=key, created_at=now, **values)
    except IntegrityError:
        raise ValidationFailed({"key": "a form with this key exists; change it with PUT"}) from None


@transaction.atomic
def set_active(workspace: Workspace, key: str, active: bool, *, actor=None) -> LeadForm:
    """Open or archive the form ``key`` and nothing else of it, under its row lock (a
    change saved at the same moment is kept); audited only when it changes."""
    form = LeadForm.objects.select_for_update().filter(workspace=workspace, key=key).first()
    if form is None:
        raise NotFound("key", "no such form in this workspace")
    if form.active != active:
        before = {name: getattr(form, name) for name in STATE}
        form.active = active
        form.save(update_fields=["active"])
        after = {"key": key, "created": False, **{name: getattr(form, name) for name in STATE}}
        audit.record(workspace, "leads.form", form, actor=actor, before=before, after=after)
    return form


def ceiling(form: LeadForm) -> int:
    """How many submissions the form takes per window from everyone together."""
    return form.max_submissions or settings.LEAD_FORM_SUBMISSIONS_PER_FORM


def per_address(form: LeadForm) -> int:
    """How many submissions the form takes per window from one address."""
    return form.max_per_address or settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS


@transaction.atomic
def refuse_submission(form: LeadForm, posted: Mapping, address: str, now: datetime) -> None:
    """Refuse a submission to a hosted form (inactive form, filled honeypot; too many to
    the form from the address, or from everyone, in the window: ``TooManySubmissions``),
    else count it against both limits. A refusal writes nothing. The form's row is
    locked while counting, so submissions at the same moment cannot pass a limit
    together."""
    if not form.active:
        raise ValidationFailed({"form": "this form no longer takes submissions"})
    if posted.get(HONEYPOT):
        raise ValidationFailed({"form": "could not be submitted"})
    LeadForm.objects.select_for_update().filter(pk=form.pk).values_list("pk").first()
    window = now - timedelta(seconds=settings.LEAD_FORM_WINDOW_SECONDS)
    recent = FormHit.objects.filter(form=form, address=address, at__gte=window).count()
    if recent >= per_address(form):
        raise TooManySubmissions(
            {"form": "too many submissions from your address to this form; try later"}
        )
    if FormHit.objects.filter(form=form, at__gte=window).count() >= ceiling(form):
        raise TooManySubmissions(
            {"form": "this form is taking too many submissions right now; try again later"}
        )
    faults.point("leads.form.counted")  # counted, not yet recorded: the race window
    FormHit.objects.filter(address=address, at__lt=window).delete()
    FormHit.objects.filter(form=form, at__lt=window).delete()
    FormHit.objects.create(workspace=form.workspace, form=form, address=address, at=now)


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
        *HIDDEN,
    ):
        if posted.get(name):
            data[name] = posted[name]
        elif form.hidden.get(name):
            data[name] = form.hidden[name]
    data["form"] = form.key
    data["consents"] = [
        {**box, "granted": posted.get(f"consent_{index}") == "yes"}
        for index, box in enumerate(form.consents)
    ]
    return data, errors
