"""Lead forms: the hosted page anyone may submit (also embedded as an iframe), and the
page where managers define forms and copy the embed snippet."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.permissions import page
from pacer.ingest.processing import process_pending
from pacer.leads import actions, forms
from pacer.leads.actions import UTM_FIELDS
from pacer.leads.models import LeadForm
from pacer.people.selectors import locations
from pacer.web.tables import Column, Table

# Any site may embed a hosted form; the page still posts only to Pacer.
EMBEDDABLE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors *"
)


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


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
        "referrer": request.GET.get("referrer") or request.META.get("HTTP_REFERER", ""),
        "page_url": request.GET.get("page_url", ""),
        # a link or iframe to the form may carry the campaign's UTM parameters
        "utm": [(name, request.GET[name][:200]) for name in UTM_FIELDS if request.GET.get(name)],
        "embed": request.GET.get("embed") == "1",
        "honeypot": forms.HONEYPOT,
    }
    status = 200
    if request.method == "POST":
        now = clock.now()
        data, errors = forms.submission(form, request.POST)
        try:
            forms.refuse_submission(form, request.POST, _address(request), now)
            if errors:
                raise ValidationFailed(errors)
            actions.capture(form.workspace, data, source="form", received_at=now)
        except ValidationFailed as error:
            context.update(values=request.POST, errors=error.errors)
            status = 422
        else:
            process_pending(form.workspace)  # the lead is made and answered at once
            context["done"] = True
    response = render(request, "leads/hosted_form.html", context, status=status)
    response["Content-Security-Policy"] = EMBEDDABLE_POLICY
    return response


@page("leads.configure")
def form_list(request):
    workspace: Workspace = request.workspace
    if request.method == "POST":
        posted = request.POST
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
        except ValidationFailed as error:
            messages.error(request, str(error))
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
                href=lambda row: reverse("lead-form", args=[workspace.slug, row["key"]]),
            ),
            Column("title", "Title", sortable=True),
            Column(
                "pk",
                "Embed snippet",
                text=lambda row: (
                    f'<iframe src="{base}/f/{workspace.slug}/{row["key"]}/?embed=1"'
                    ' title="Contact form" style="width:100%;min-height:32rem;border:0"></iframe>'
                ),
            ),
            Column("created_at", "Created", format="datetime", sortable=True),
        ],
        default_sort="key",
        caption="Lead forms",
        empty_title="No forms yet.",
        empty_hint="Create one below; share its page or paste its snippet into any site.",
        html_id="lead-forms",
    )
    return render(request, "leads/forms.html", {"table": table, "fields": forms.FIELDS.items()})
