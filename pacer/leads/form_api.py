"""Lead forms over the REST API (``/api/leads/forms``): list, read, create, change and
archive, through the same action as the form pages (``forms.save_form``), for the
members who may configure leads. A form is never deleted (its leads keep its key):
archiving stops it taking submissions, and a change with ``active: true`` brings it
back."""

from typing import Annotated, Literal

from ninja import Field, Router, Schema, Status

from pacer.core import clock
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.leads import forms
from pacer.leads.models import LeadForm

router = Router(tags=["leads"])

FormKey = text(100, min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
Need = Literal["required", "optional"]
FieldName = Literal[tuple(forms.FIELDS)]
HiddenName = Literal[tuple(forms.HIDDEN)]


class ConsentBoxIO(Schema):
    purpose: text(60, min_length=1, examples=["marketing"])
    channel: text(20, min_length=1, examples=["email"])
    wording: text(2000, min_length=1, description="recorded with each submission")


class LeadFormChange(Schema):
    title: text(200, min_length=1)
    intro: text(2000) = ""
    fields: dict[FieldName, Need] = Field(
        description='contact field -> "required" or "optional"; an email or a phone among them',
        examples=[{"email": "required", "first_name": "optional"}],
    )
    consents: list[ConsentBoxIO] = Field([], max_length=forms.MAX_CONSENTS)
    ask_location: bool = Field(False, description="the person picks the location")
    thanks: text(2000) = Field("", description="empty: the default thank-you text")
    active: bool = Field(True, description="false: archived, takes no submissions")
    max_submissions: Annotated[int, Field(ge=1, le=forms.MAX_SUBMISSIONS)] | None = Field(
        None, description="submissions per window from everyone; none: the server's default"
    )
    max_per_address: Annotated[int, Field(ge=1, le=forms.MAX_PER_ADDRESS)] | None = Field(
        None,
        description="submissions per window from one address; none: the server's default",
    )
    hidden: dict[HiddenName, text(200)] = Field(
        {}, description="fixed UTM values, used when the visitor's link lacks them"
    )


class LeadFormIn(LeadFormChange):
    key: FormKey = Field(description="its address: /f/<workspace>/<key>/")


class LeadFormOut(LeadFormIn):
    url: str = Field(description="the hosted page")
    created_at: str


def _out(form: LeadForm) -> dict:
    return {
        "key": form.key,
        "title": form.title,
        "intro": form.intro,
        "fields": form.fields,
        "consents": form.consents,
        "ask_location": form.ask_location,
        "thanks": form.thanks,
        "active": form.active,
        "max_submissions": form.max_submissions,
        "max_per_address": form.max_per_address,
        "hidden": form.hidden,
        "url": f"/f/{form.workspace.slug}/{form.key}/",
        "created_at": form.created_at.isoformat(),
    }


def _found(request, key: str) -> LeadForm:
    form = LeadForm.objects.filter(workspace=request.workspace, key=key).first()
    if form is None:
        raise NotFound("key", "no such form in this workspace")
    return form


def _save(request, key: str, payload: LeadFormChange, *, new: bool = False) -> LeadForm:
    data = {**payload.dict(), "key": key}
    data["consents"] = [dict(box) for box in data["consents"]]
    return forms.save_form(request.workspace, data, now=clock.now(), actor=request.user, new=new)


@router.get("/forms", response={200: list[LeadFormOut], **ERRORS})
@endpoint("leads.configure")
def list_forms(request, active: bool | None = None):
    """The workspace's forms by key (``active``: only the active or the archived ones)."""
    found = LeadForm.objects.filter(workspace=request.workspace).select_related("workspace")
    if active is not None:
        found = found.filter(active=active)
    return [_out(form) for form in found.order_by("key")]


@router.post("/forms", response={201: LeadFormOut, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def create_form(request, payload: LeadFormIn):
    """Make a form; a key in use is refused (change that form with PUT)."""
    return Status(201, _out(_save(request, payload.key, payload, new=True)))


@router.get("/forms/{key}", response={200: LeadFormOut, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def get_form(request, key: FormKey):
    return _out(_found(request, key))


@router.put("/forms/{key}", response={200: LeadFormOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def change_form(request, key: FormKey, payload: LeadFormChange):
    """Replace a form's settings (every field; left out: its default). Its leads and the
    consent wordings they recorded stay as they were."""
    _found(request, key)
    return _out(_save(request, key, payload))


@router.post("/forms/{key}/archive", response={200: LeadFormOut, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def archive_form(request, key: FormKey):
    """Stop a form taking submissions (its page then says so); archiving an archived
    form changes nothing."""
    return _out(forms.set_active(request.workspace, key, False, actor=request.user))
