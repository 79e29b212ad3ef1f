"""Lead forms: the hosted page anyone may submit (also embedded as an iframe), the page
where managers define forms and copy the embed snippet, and each form's page (the form
itself, with a preview of its hosted page, and how its leads escalate a missed
deadline)."""

import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.login import client_address
from pacer.core.models import Workspace
from pacer.core.permissions import page
from pacer.ingest.processing import process_pending
from pacer.leads import actions, escalation, forms
from pacer.leads.actions import UTM_FIELDS
from pacer.leads.models import FormEscalation, LeadForm
from pacer.leads.sla_views import (
    STEP_ROWS,
    adding_step,
    chain_form,
    chain_options,
    row_errors,
    step_rows,
)
from pacer.people.selectors import locations
from pacer.web.tables import Column, Table

# Any site may embed a hosted form; the page still posts only to Pacer.
EMBEDDABLE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors *"
)


URL_LIMIT = 2000  # the longest page address or referrer a lead keeps


def _address(request) -> str:
    """The visitor's address (behind the HTTPS proxy, the one it saw: every visitor's
    ``REMOTE_ADDR`` is the proxy's there)."""
    return client_address(request) or "0.0.0.0"


def _visit(request, embed: bool) -> dict:
    """Where the visitor came from, for the form's hidden fields: what the embed script
    passed (the embedding page's address, its referrer and UTM parameters), else the
    browser's ``Referer``: for an iframe that is the embedding page, for the hosted page
    itself the page the visitor came from. A re-shown form keeps what it was sent with."""
    given = request.POST if request.method == "POST" else request.GET
    referer = request.META.get("HTTP_REFERER", "") if request.method == "GET" else ""
    page_url, referrer = given.get("page_url"), given.get("referrer")
    if page_url is None:
        page_url = referer if embed else ""
    if referrer is None:
        referrer = "" if embed else referer
    return {
        "page_url": page_url[:URL_LIMIT],
        "referrer": referrer[:URL_LIMIT],
        # a link or iframe to the form may carry the campaign's UTM parameters
        "utm": [(name, given[name][:200]) for name in UTM_FIELDS if given.get(name)],
    }


@csrf_exempt  # posted from other sites' pages (embedded); honeypot and rate limit instead
@xframe_options_exempt
def hosted_form(request, workspace: str, key: str):
    form = LeadForm.objects.filter(workspace__slug=workspace, key=key).first()
    if form is None:
        raise Http404("no such form")
    context = {
        "form": form,
        "fields": [
            (name, forms.FIELDS[name], need == "required") for name, need in form.fields.items()
        ],
        "locations": [(loc.code, loc.name) for loc in locations(form.workspace)]
        if form.ask_location
        else [],
        "values": {},
        "errors": {},
        # the refusals with a field of their own link to it (not "form": a closed form)
        "field_names": ",".join([*form.fields, *(["location"] if form.ask_location else [])]),
        **_visit(request, embed=request.GET.get("embed") == "1"),
        "embed": request.GET.get("embed") == "1",
        # the form's own page shows it: nothing it sends is taken
        "preview": request.GET.get("preview") == "1",
        "honeypot": forms.HONEYPOT,
    }
    status = 200
    if request.method == "POST" and not context["preview"]:
        now = clock.now()
        data, errors = forms.submission(form, request.POST)
        try:
            forms.refuse_submission(form, request.POST, _address(request), now)
            if errors:
                raise ValidationFailed(errors)
            actions.capture(form.workspace, data, source="form", received_at=now)
        except ValidationFailed as error:
            context.update(values=request.POST, errors=error.errors)
            status = 429 if isinstance(error, forms.TooManySubmissions) else 422
        else:
            process_pending(form.workspace)  # the lead is made and answered at once
            context["done"] = True
    response = render(request, "leads/hosted_form.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(settings.LEAD_FORM_WINDOW_SECONDS)
    response["Content-Security-Policy"] = EMBEDDABLE_POLICY
    return response


EMBED_SCRIPT = """(function () {
  var script = document.currentScript, here = new URLSearchParams(window.location.search);
  var query = new URLSearchParams({
    embed: "1",
    page_url: window.location.href.slice(0, LIMIT),
    referrer: document.referrer.slice(0, LIMIT)
  });
  UTM.forEach(function (name) {
    if (here.get(name)) { query.set(name, here.get(name).slice(0, 200)); }
  });
  var frame = document.createElement("iframe");
  frame.src = FORM + "?" + query.toString();
  frame.title = TITLE;
  frame.style.cssText = "width:100%;min-height:32rem;border:0";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
"""


def embed_script(request, workspace: str, key: str):
    """The embed snippet's script: it puts the form's iframe where the script stands and
    passes it the embedding page's address, referrer and UTM parameters."""
    form = LeadForm.objects.filter(workspace__slug=workspace, key=key).first()
    if form is None:
        raise Http404("no such form")
    hosted = request.build_absolute_uri(reverse("lead-form", args=[workspace, key]))
    names = {"FORM": hosted, "TITLE": form.title, "UTM": list(UTM_FIELDS), "LIMIT": URL_LIMIT}
    constants = "".join(f"  var {name} = {json.dumps(value)};\n" for name, value in names.items())
    body = EMBED_SCRIPT.replace("(function () {\n", "(function () {\n" + constants, 1)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def snippet(base: str, workspace: str, key: str) -> str:
    """The HTML to paste into a site: the script that embeds the form with the visitor's
    UTM parameters and referrer, and a plain iframe where scripts are off."""
    hosted = f"{base}/f/{workspace}/{key}/"
    return (
        f'<script src="{hosted}embed.js" async></script><noscript><iframe src="{hosted}?embed=1"'
        ' title="Contact form" style="width:100%;min-height:32rem;border:0"></iframe></noscript>'
    )


NEW_FORM_FIELDS = ("key", "title", "intro", "consent", "ask_location", "thanks")


@page("leads.configure")
def form_list(request):
    workspace: Workspace = request.workspace
    typed, errors = {"field_email": "required"}, {}
    if request.method == "POST":
        posted = request.POST
        typed = {name: posted.get(name, "") for name in NEW_FORM_FIELDS} | {
            f"field_{name}": posted.get(f"field_{name}", "") for name in forms.FIELDS
        }
        data = {
            "key": posted.get("key", ""),
            "title": posted.get("title", ""),
            "intro": posted.get("intro", ""),
            "fields": {
                name: posted.get(f"field_{name}")
                for name in forms.FIELDS
                if posted.get(f"field_{name}") in ("required", "optional")
            },
            "consents": [{"purpose": "marketing", "channel": "email", "wording": posted["consent"]}]
            if posted.get("consent", "").strip()
            else [],
            "ask_location": posted.get("ask_location") == "on",
            "thanks": posted.get("thanks", ""),
        }
        try:
            saved = forms.save_form(workspace, data, now=clock.now(), actor=request.user)
        except ValidationFailed as error:  # re-shown below with the reasons at the fields
            errors = {
                ("consent" if key.startswith("consents[0].") else key): reason
                for key, reason in error.errors.items()
            }
        else:
            messages.success(request, f"Form '{saved.key}' saved.")
            return HttpResponseRedirect(reverse("lead-forms"))
    base = request.build_absolute_uri("/")[:-1]
    table = Table(
        request,
        LeadForm.objects.filter(workspace=workspace),
        [
            Column(
                "key",
                "Form",
                sortable=True,
                href=lambda row: reverse("lead-form-settings", args=[row["key"]]),
                nowrap=True,  # a key breaks at its hyphens otherwise
            ),
            Column("title", "Title", sortable=True),
            Column(
                "escalation",
                "Escalation",
                sortable=True,
                labels=dict(FormEscalation.choices),
            ),
            Column(
                "active",
                "Hosted page",
                text=lambda row: f"/f/{workspace.slug}/{row['key']}/",
                href=lambda row: reverse("lead-form", args=[workspace.slug, row["key"]]),
            ),
            Column(
                "pk",
                "Embed snippet",
                text=lambda row: snippet(base, workspace.slug, row["key"]),
            ),
            Column("created_at", "Created", format="datetime", sortable=True),
        ],
        default_sort="key",
        caption="Lead forms",
        empty_title="No forms yet.",
        empty_hint="Create one below; share its page or paste its snippet into any site.",
        html_id="lead-forms",
    )
    fields = [(name, label, typed.get(f"field_{name}", "")) for name, label in forms.FIELDS.items()]
    context = {"table": table, "fields": fields, "form": typed, "errors": errors}
    return render(request, "leads/forms.html", context, status=422 if errors else 200)


def _default_chain(workspace: Workspace) -> dict:
    """The chain a form's leads follow by default, in words, and the locations with
    their own chain (which their leads follow instead)."""
    chains = {chain["location"]: chain["steps"] for chain in escalation.chain_rows(workspace)}
    names = {loc.code: loc.name for loc in locations(workspace)}
    every = chains.pop("", None) or escalation.DEFAULT
    return {
        "default_chain": "; ".join(escalation.describe(step) for step in every),
        "own_chains": sorted(names.get(code, code) for code in chains),
    }


NEEDS = (("", "not asked"), ("optional", "optional"), ("required", "required"))
CONSENT_PARTS = ("purpose", "channel", "wording")


def _posted_form(form: LeadForm, post) -> tuple[dict, dict, list[int]]:
    """What the form page posted, as ``forms.save_form`` takes it; the consent rows as
    typed; and the page row of each filled consent row (an empty row is left out)."""
    rows = [
        {part: post.get(f"consents[{index}].{part}", "").strip() for part in CONSENT_PARTS}
        for index in range(forms.MAX_CONSENTS)
    ]
    filled = [index for index, row in enumerate(rows) if any(row.values())]
    data = {
        "key": form.key,
        "title": post.get("title", ""),
        "intro": post.get("intro", ""),
        "fields": {
            name: post.get(f"fields.{name}")
            for name in forms.FIELDS
            if post.get(f"fields.{name}") in ("required", "optional")
        },
        "consents": [rows[index] for index in filled],
        "ask_location": post.get("ask_location") == "on",
        "thanks": post.get("thanks", ""),
        "active": post.get("active") == "on",
        "max_submissions": post.get("max_submissions", "").strip(),
        "max_per_address": post.get("max_per_address", "").strip(),
        "hidden": {name: post.get(f"hidden.{name}", "") for name in forms.HIDDEN},
    }
    return data, {"rows": rows}, filled


def _consent_errors(errors: dict, filled: list[int]) -> dict:
    """Refusals of the filled consent rows keyed by the page's own rows."""
    keyed = {}
    for key, reason in errors.items():
        if key.startswith("consents["):
            index, rest = key[len("consents[") :].split("]", 1)
            key = f"consents[{filled[int(index)]}]{rest}"
        keyed[key] = reason
    return keyed


def _editor(form: LeadForm, data: dict | None, rows: list[dict] | None) -> dict:
    """The form editor's values: as posted (``data``, ``rows``) or as saved."""
    data = data or {
        "title": form.title,
        "intro": form.intro,
        "fields": form.fields,
        "ask_location": form.ask_location,
        "thanks": form.thanks,
        "active": form.active,
        "max_submissions": form.max_submissions or "",
        "max_per_address": form.max_per_address or "",
        "hidden": form.hidden,
    }
    rows = rows if rows is not None else list(form.consents)
    shown = len([r for r in rows if any(r.values())]) + 1  # and one empty row
    rows = (list(rows) + [{} for _ in range(forms.MAX_CONSENTS)])[: min(shown, forms.MAX_CONSENTS)]
    return {
        **data,
        "field_rows": [
            {"name": f"fields.{name}", "label": label, "value": data["fields"].get(name, "")}
            for name, label in forms.FIELDS.items()
        ],
        "hidden_rows": [
            {"name": f"hidden.{name}", "label": label, "value": data["hidden"].get(name, "")}
            for name, label in forms.HIDDEN.items()
        ],
        "consent_rows": [
            {
                "number": index + 1,
                **{
                    part: {"name": f"consents[{index}].{part}", "value": row.get(part, "")}
                    for part in CONSENT_PARTS
                },
            }
            for index, row in enumerate(rows)
        ],
    }


@page("leads.configure")
def form_settings(request, key: str):
    """One form: the form itself (title, fields, consent boxes and their wording, the
    location question, the thank-you message, whether it takes submissions) with a
    preview of its hosted page, its address and snippet, and how its leads escalate (the
    default chain, none, or its own steps)."""
    workspace: Workspace = request.workspace
    form = LeadForm.objects.filter(workspace=workspace, key=key).first()
    if form is None:
        raise Http404("no such form")
    current = escalation.form_chain(workspace, key)
    mode, rows, errors, status = current["mode"], current["steps"], {}, 200
    edited, edit_rows, edit_errors, added = None, None, {}, None
    if request.method == "POST" and request.POST.get("part") == "form":
        edited, typed, filled = _posted_form(form, request.POST)
        edit_rows = typed["rows"]
        try:
            forms.save_form(workspace, edited, now=clock.now(), actor=request.user)
        except ValidationFailed as error:
            edit_errors, status = _consent_errors(error.errors, filled), 422
        else:
            messages.success(request, f"Form '{key}' saved.")
            return redirect("lead-form-settings", key)
    elif request.method == "POST" and adding_step(request.POST):
        mode, added = request.POST.get("mode", ""), adding_step(request.POST)
    elif request.method == "POST":
        mode = request.POST.get("mode", "")
        rows, steps, filled = chain_form(request.POST)
        try:
            escalation.save_form_chain(
                workspace,
                key,
                {"mode": mode, "steps": steps if mode == FormEscalation.OWN else []},
                actor=request.user,
            )
        except ValidationFailed as error:
            errors, status = row_errors(error.errors, filled), 422
        else:
            messages.success(request, f"Escalation of form '{key}' saved.")
            return redirect("lead-form-settings", key)
    default_rows = rows or [{"delay_minutes": "0", "to": "managers"}]
    context = {
        "lead_form": form,
        "hosted": reverse("lead-form", args=[workspace.slug, key]),
        "snippet": snippet(request.build_absolute_uri("/")[:-1], workspace.slug, key),
        "asked": ", ".join(
            f"{forms.FIELDS.get(name, name)} ({need})" for name, need in form.fields.items()
        ),
        "edit": _editor(form, edited, edit_rows),
        "edit_errors": edit_errors,
        "needs": NEEDS,
        "rate_limit": settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS,
        "per_address_help": (
            f"Empty: the server's default, {settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS}; "
            f"1 to {forms.MAX_PER_ADDRESS:,}. Now: {forms.per_address(form)}."
        ),
        "rate_window": settings.LEAD_FORM_WINDOW_SECONDS // 60,
        "default_ceiling": settings.LEAD_FORM_SUBMISSIONS_PER_FORM,
        "ceiling_help": (
            f"Empty: the server's default, {settings.LEAD_FORM_SUBMISSIONS_PER_FORM}; "
            f"1 to {forms.MAX_SUBMISSIONS:,}. Now: {forms.ceiling(form)}."
        ),
        "utm_fields": ", ".join(UTM_FIELDS),
        "mode": mode,
        "modes": FormEscalation.choices,
        **_default_chain(workspace),
        "step_rows": added or step_rows(default_rows),
        "max_steps": STEP_ROWS,
        "chain_errors": errors,
        **chain_options(workspace),
    }
    return render(request, "leads/form_settings.html", context, status=status)
