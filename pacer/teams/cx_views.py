"""Pages of locations and customer experience: the per-location scoreboard (marketing
results, speed to lead and CX signals; staff see the locations they take leads for), the
experience page (surveys, review ratings, and where acquisition spend is wasted because
the experience is broken), a survey's page, and the public page a survey is answered on."""

import re
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from pacer.core.errors import ValidationFailed, row_id
from pacer.core.permissions import allows, page
from pacer.messaging import selectors as messaging
from pacer.metrics.customers import activity_bounds
from pacer.people import selectors as people
from pacer.planning.money import money_column
from pacer.teams import selectors, surveys, triggers
from pacer.teams.cx import NPS_SHOWN, csat_of, nps_of
from pacer.teams.models import SurveyKind
from pacer.teams.waste import (
    MIN_NPS_ANSWERS,
    Z,
    benchmark_repeat_rate,
    experience_gaps,
    repeat_sample_needed,
    verdict,
)
from pacer.warehouse.sync import default_store
from pacer.web.address import show_at
from pacer.web.filters import DateRange, FilterBar
from pacer.web.tables import Column, Table


def location_columns(currency: str) -> list[Column]:
    """The location scoreboard's columns, money in ``currency``."""
    return [
        Column("name", "Location", sortable=True),
        money_column("spend", "Spend", currency, sortable=True),
        Column("leads", "Leads", format="count", sortable=True),
        Column("new_customers", "New customers", format="count", sortable=True),
        money_column("revenue", "Revenue", currency, sortable=True),
        money_column("cac", "CAC", currency, sortable=True),
        Column("romi", "ROMI", format="percent", sortable=True),
        Column("repeat_rate", "Repeat rate", format="percent", sortable=True),
        Column("retention", "Retention", format="percent", sortable=True, visible=False),
        Column("speed_to_lead", "Speed to lead (median min)", format="decimal", sortable=True),
        Column("nps", "NPS", format=NPS_SHOWN, sortable=True),
        Column("csat", "CSAT", format="percent", sortable=True, visible=False),
        Column("rating", "Review rating", format="decimal", sortable=True),
    ]


def _range(request, default: str = "last_90") -> tuple[FilterBar, date, date]:
    """The period, its presets counted back from the last day with data (as on every
    analysis page: a business whose data stopped days ago still opens on its last 90
    days), else from today."""
    bounds = activity_bounds(default_store(), request.workspace.pk)
    last = bounds[1] if bounds else None
    period = DateRange(label="Period", default=default, data_end=last)
    bar = FilterBar(request, [period], html_id="range")
    anchor = last or timezone.localdate()
    start = bar.values["start"] or anchor - timedelta(days=89)
    end = bar.values["end"] or anchor
    return bar, start, end


@page("locations.scoreboard")
def location_scoreboard(request):
    bar, start, end = _range(request)
    only = selectors.visible_locations(request.workspace, request.user.pk, request.role)
    rows = selectors.location_scoreboard(request.workspace, start, end, only=only)
    table = Table(
        request,
        rows,
        location_columns(request.workspace.currency),
        default_sort="name",
        caption="Marketing results, speed to lead and customer experience per location",
        empty_title="No locations to show."
        if only is None
        else "You take leads for no location yet.",
        empty_hint="Locations come from contacts' data or an import."
        if only is None
        else "An admin adds you to a location's lead queue.",
        html_id="locations",
    )
    context = {"table": table, "bar": bar, "start": start, "end": end, "limited": only is not None}
    return render(request, "teams/locations.html", context)


@page("cx.view")
def experience(request):
    form, errors = {}, {}
    if request.method == "POST":
        if not allows(request.role, "cx.manage"):
            raise PermissionDenied("Your role does not allow this (cx.manage).")
        form = {name: request.POST.get(name, "") for name in ("name", "kind", "question")}
        try:
            survey = surveys.create_survey(request.workspace, **form, actor=request.user)
        except ValidationFailed as error:
            errors = error.errors
        else:
            messages.success(request, f"Survey '{survey.name}' created.")
            return HttpResponseRedirect(reverse("cx-survey", args=[survey.pk]))
    return _experience_page(request, form, errors)


def _experience_page(request, form=None, errors=None, ratings_errors=None):
    """The experience page; after a refused survey (``errors``) or ratings import
    (``ratings_errors``) with the reasons at that form's fields, answered 422."""
    show_at(request, reverse("cx"))
    bar, start, end = _range(request)
    can_manage = allows(request.role, "cx.manage")
    rows = selectors.location_scoreboard(request.workspace, start, end)
    gaps = experience_gaps(rows)
    gap_table = Table(
        request,
        gaps,
        [
            Column("name", "Location"),
            money_column("spend", "Spend", request.workspace.currency),
            Column("new_customers", "New customers", format="count"),
            Column("repeat_rate", "Repeat rate", format="percent"),
            Column("nps", "NPS", format=NPS_SHOWN),
            Column("nps_answers", "NPS answers", format="count"),
            Column("nps_margin", "NPS ± 2 SE", text=_nps_margin),
            money_column("revenue_at_stake", "Revenue at stake", request.workspace.currency),
            Column("flag", "Verdict", text=verdict),
        ],
        default_sort="name",
        prefix="gaps-",
        caption="Locations by revenue at stake, those wasting spend first",
        empty_title="No locations with data in this period.",
        html_id="gaps",
    )
    survey_rows = [
        {"pk": s.pk, "name": s.name, "kind": s.get_kind_display(), "answers": s.answers}
        for s in selectors.surveys(request.workspace)
    ]
    survey_table = Table(
        request,
        survey_rows,
        [
            Column("name", "Survey", href=lambda r: reverse("cx-survey", args=[r["pk"]])),
            Column("kind", "Kind"),
            Column("answers", "Answers", format="count"),
        ],
        default_sort="name",
        prefix="surveys-",
        caption="Surveys",
        empty_title="No surveys yet.",
        empty_hint="Create an NPS or CSAT survey below.",
        html_id="surveys",
    )
    benchmark = benchmark_repeat_rate(rows)
    context = {
        "bar": bar,
        "gaps": gap_table,
        "flagged": sum(g["flagged"] for g in gaps),
        "at_stake": sum(g["revenue_at_stake"] for g in gaps if g["flagged"]),
        "benchmark": benchmark,
        "min_nps_answers": MIN_NPS_ANSWERS,
        "min_customers": repeat_sample_needed(benchmark) if benchmark is not None else None,
        "surveys": survey_table,
        "can_manage": can_manage,
        "kinds": SurveyKind.choices,
        "form": form or {"kind": "nps"},
        "errors": errors or {},
        "ratings_errors": ratings_errors or {},
    }
    status = 422 if errors or ratings_errors else 200
    return render(request, "teams/experience.html", context, status=status)


def _nps_margin(gap: dict) -> str:
    """± 2 standard errors of the location's NPS, in whole points ("" without answers)."""
    if gap.get("nps_se") is None:
        return ""
    return f"± {Z * gap['nps_se']:.0f}"


def _file_errors(errors: dict[str, str]) -> dict[str, str]:
    """The import's refusals named for the page's file field: ``rows[3].rating`` is the
    file's row 4 (after the header)."""
    named = {}
    for path, reason in errors.items():
        found = re.fullmatch(r"rows\[(\d+)\]\.(\w+)", path)
        named[f"file row {int(found[1]) + 1}, {found[2]}" if found else path] = reason
    return named


@page("cx.manage")
def import_ratings(request):
    if request.method != "POST":
        return HttpResponseRedirect(reverse("cx") + "#ratings-h")
    upload = request.FILES.get("file")
    try:
        if upload is None or upload.size > 5_000_000:
            raise ValidationFailed({"file": "choose a CSV file of at most 5 MB"})
        counts = surveys.import_ratings(request.workspace, upload.read(), actor=request.user)
    except ValidationFailed as error:
        return _experience_page(request, ratings_errors=_file_errors(error.errors))
    messages.success(
        request, f"Ratings imported: {counts['created']} new, {counts['updated']} updated."
    )
    return HttpResponseRedirect(reverse("cx"))


def _trigger_form(survey) -> dict:
    """The trigger's settings as the form shows them (the defaults without one)."""
    trigger = getattr(survey, "trigger", None)
    if trigger is None:
        return {"enabled": "1", "delay_days": "2", "send_from": "09:00", "send_until": "18:00"}
    codes = {location.pk: location.code for location in people.locations(survey.workspace)}
    return {
        "enabled": "1" if trigger.enabled else "0",
        "delay_days": str(trigger.delay_days),
        "send_from": f"{trigger.send_from:%H:%M}",
        "send_until": f"{trigger.send_until:%H:%M}",
        "locations": ", ".join(codes[pk] for pk in trigger.location_ids if pk in codes),
        "ask_again_after_days": str(trigger.ask_again_after_days),
        "sender_id": str(trigger.sender_id),
        "purpose": trigger.purpose,
        "visit_event": trigger.visit_event,
    }


def _survey_page(
    request, survey, trigger_form=None, trigger_errors=None, status=200, send_refused=None
):
    """The survey's page; after a refused trigger (``trigger_form``, ``trigger_errors``)
    or send form (``send_refused``: what was typed and the reasons), 422."""
    show_at(request, reverse("cx-survey", args=[survey.pk]))
    scores = list(survey.responses.values_list("score", flat=True))
    link, errors = "", {}
    contact_text = request.GET.get("contact", "").strip()
    if contact_text and allows(request.role, "cx.manage"):
        if contact_id := row_id(contact_text):
            token = surveys.answer_token(survey, contact_id)
            link = request.build_absolute_uri(reverse("survey-answer", args=[token]))
        else:
            errors["contact"] = "must be a contact id"
    by_location = selectors.trigger_by_location(survey)
    sent = sum(row["sent"] for row in by_location)
    answered = sum(row["answered"] for row in by_location)
    trigger_table = Table(
        request,
        by_location,
        [
            Column("location", "Location"),
            Column("sent", "Sent", format="count"),
            Column("skipped", "Skipped", format="count"),
            Column("answered", "Answered", format="count"),
            Column("response_rate", "Response rate", format="percent"),
        ],
        default_sort="location",
        prefix="trigger-",
        caption="Sent after orders and visits and answered, by the order's or visit's location",
        empty_title="Nothing sent after an order or visit yet.",
        empty_hint="Set the trigger below; it asks about orders (and visits) from then on.",
        html_id="trigger-by-location",
    )
    context = {
        "survey": survey,
        "answers": len(scores),
        "score": nps_of(scores) if survey.kind == SurveyKind.NPS else csat_of(scores),
        "score_kind": NPS_SHOWN if survey.kind == SurveyKind.NPS else "percent",
        "link": link,
        "contact": contact_text,
        "errors": errors,
        "can_manage": allows(request.role, "cx.manage"),
        "senders": [
            (str(x.pk), f"{x.name} <{x.from_email}>") for x in messaging.senders(request.workspace)
        ],
        "trigger": getattr(survey, "trigger", None),
        "trigger_form": trigger_form or _trigger_form(survey),
        "trigger_errors": trigger_errors or {},
        "trigger_table": trigger_table,
        "trigger_sent": sent,
        "trigger_answered": answered,
        "response_rate": answered / sent if sent else None,
        "switches": [("1", "On: send after each order (and visit)"), ("0", "Off")],
        "send_form": (send_refused or {}).get("form", {}),
        "send_errors": (send_refused or {}).get("errors", {}),
    }
    return render(request, "teams/survey.html", context, status=status)


@page("cx.view")
def survey_detail(request, survey_id: int):
    survey = selectors.survey(request.workspace, survey_id)
    if survey is None:
        raise Http404("no such survey in this workspace")
    return _survey_page(request, survey)


TRIGGER_FIELDS = (
    "enabled",
    "delay_days",
    "send_from",
    "send_until",
    "locations",
    "ask_again_after_days",
    "sender_id",
    "purpose",
    "visit_event",
)


@page("cx.manage")
def survey_trigger(request, survey_id: int):
    survey = selectors.survey(request.workspace, survey_id)
    if survey is None:
        raise Http404("no such survey in this workspace")
    if request.method != "POST":
        return HttpResponseRedirect(reverse("cx-survey", args=[survey.pk]) + "#trigger-h")
    form = {name: request.POST.get(name, "")[:2000] for name in TRIGGER_FIELDS}
    codes = [code.strip() for code in form["locations"].split(",") if code.strip()]
    try:
        triggers.save_trigger(
            survey,
            sender_id=form["sender_id"],
            delay_days=form["delay_days"],
            send_from=form["send_from"],
            send_until=form["send_until"],
            locations=codes,
            ask_again_after_days=form["ask_again_after_days"],
            purpose=form["purpose"],
            enabled=form["enabled"] == "1",
            visit_event=form["visit_event"],
            actor=request.user,
        )
    except ValidationFailed as error:
        return _survey_page(request, survey, form, error.errors, status=422)
    messages.success(request, "Trigger saved: the survey goes out after each order or visit.")
    return HttpResponseRedirect(reverse("cx-survey", args=[survey.pk]))


@page("cx.manage")
def send_survey(request, survey_id: int):
    survey = selectors.survey(request.workspace, survey_id)
    if survey is None:
        raise Http404("no such survey in this workspace")
    back = HttpResponseRedirect(reverse("cx-survey", args=[survey.pk]))
    if request.method != "POST":
        return back
    form = {name: request.POST.get(name, "") for name in ("contact_ids", "sender_id")}
    parts = [p.strip() for p in form["contact_ids"].replace("\n", ",").split(",") if p.strip()]
    if not parts or len(parts) > 100_000 or not all(p.isdecimal() and len(p) < 19 for p in parts):
        errors = {"contact_ids": "list contact ids (whole numbers), separated by commas"}
        return _survey_page(
            request, survey, status=422, send_refused={"form": form, "errors": errors}
        )
    try:
        counts = surveys.send_survey(
            survey,
            contact_ids=[int(p) for p in parts],
            sender_id=form["sender_id"],
            actor=request.user,
        )
    except ValidationFailed as error:
        refused = {"form": form, "errors": error.errors}
        return _survey_page(request, survey, status=422, send_refused=refused)
    messages.success(
        request,
        f"Survey queued to {counts['queued']}; skipped {counts['skipped']} (no consent or "
        f"suppressed); {counts['not_found']} not found.",
    )
    return back


def answer_survey(request, token: str):
    """The public page a survey is answered on: the signed token names the survey and
    the person; one answer per person."""
    found = surveys.read_token(token) if len(token) <= 300 else None
    if found is None:
        raise Http404("this survey link is not valid")
    return _answer(request, *found)


def answer_survey_by_email(request, token: str):
    """The same page from the survey's email: the survey's token and the recipient's
    own signed unsubscribe link (``r``) name the survey and the person."""
    recipient = request.GET.get("r", "")
    found = None
    if len(token) <= 300 and len(recipient) <= 1000:
        found = surveys.read_email_link(token, recipient)
    if found is None:
        raise Http404("this survey link is not valid")
    return _answer(request, *found)


def _answer(request, survey, contact_id: int, location_id: int | None = None):
    low, high = surveys.SCALES[survey.kind]
    errors, done, status = {}, False, 200
    answered = surveys.has_answered(survey, contact_id)
    if request.method == "POST" and answered:
        status = 422  # one answer per person: the page says so, nothing is written
    elif request.method == "POST":
        try:
            surveys.answer(
                survey,
                contact_id,
                score=request.POST.get("score", ""),
                comment=request.POST.get("comment", ""),
                location_id=location_id,
            )
            done = True
        except ValidationFailed as error:
            errors, status = error.errors, 422
    context = {
        "survey": survey,
        "choices": list(range(low, high + 1)),
        "errors": errors,
        "done": done,
        "answered": answered,
    }
    return render(request, "teams/answer.html", context, status=status)
