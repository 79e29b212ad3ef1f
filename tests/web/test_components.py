"""The components: number formats, URL-state filters and date presets, form errors next
to their fields, and the template tags' markup (accessible names, states)."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from pacer.web import formats
from pacer.web.charts import PALETTE, Series, chart
from pacer.web.filters import Choice, DateRange, FilterBar, Text, preset_range
from pacer.web.forms import errors_for_field, errors_from_message

END = date(2026, 2, 15)


def test_numbers_look_the_same_everywhere():
    assert formats.money(1234.5, "USD") == "$1,235"  # halves away from zero, as in JS
    assert formats.money(1234.4, "USD") == "$1,234"
    assert formats.money(45.5, "EUR") == "€45.50"
    assert formats.money(-12, "GBP") == "-£12.00"
    assert formats.money(1500, "JPY") == "¥1,500" and formats.money(15, "JPY") == "¥15"
    assert formats.money(2500, "sek") == "SEK\u00a02,500"
    assert formats.money(0, "USD") == "$0" and formats.money(-0.001, "USD") == "$0.00"
    assert formats.count(2.5) == "3" and formats.count(-2.5) == "-3"
    assert formats.count(12345.4) == "12,345"
    assert formats.percent(0.1234) == "12.3%"
    assert formats.ratio(2.5) == "2.50×"
    for missing in (None, float("nan"), float("inf"), "abc"):
        assert formats.format_value(missing, "money") == "—"
    assert formats.format_value(date(2026, 1, 31), "date") == "2026-01-31"
    # a day stored as a moment (midnight) shows as its date; any other moment keeps its time
    midnight = datetime(2026, 1, 31, tzinfo=UTC)
    assert formats.format_value(midnight, "datetime") == "2026-01-31"
    assert formats.format_value(midnight + timedelta(minutes=1), "datetime") == "2026-01-31 00:01"
    assert formats.format_value(midnight + timedelta(microseconds=1), "datetime") == (
        "2026-01-31 00:00"
    )
    with pytest.raises(ValueError, match="kind: 'euros' is not one of"):
        formats.format_value(1, "euros")
    assert formats.currency_spec("eur") == {"code": "EUR", "prefix": "€", "minor": True}


def test_a_negative_number_that_rounds_to_zero_shows_as_zero():
    # an NPS of -0.3 is shown as a whole number: "0", not "-0"; the same in every kind
    assert formats.count(-0.3) == formats.count(-0.0) == "0" and formats.count(-0.5) == "-1"
    assert formats.percent(-0.0004) == "0.0%" and formats.percent(-0.0005) == "-0.1%"
    assert formats.ratio(-0.004) == "0.00×" and formats.decimal(-0.004) == "0.00"
    assert formats.decimal(-0.00004, 4) == "0.0000" and formats.points(-0.00004) == "0.00 pp"
    assert formats.money(-0.001, "USD") == "$0.00" and formats.money(-0.4, "JPY") == "¥0"
    assert formats.format_value(-0.3, "count") == "0"


def test_differences_carry_their_sign_and_unit():
    from pacer.web.templatetags.pacer_format import amount, effect, signed_percent

    assert signed_percent(0.319) == "+31.9%" and signed_percent(-0.05) == "-5.0%"
    assert signed_percent(0.00001) == "0.0%"  # no sign on what shows as zero
    assert formats.points(0.0048) == "+0.48 pp" and formats.points(-0.0545) == "-5.45 pp"
    assert effect(0.0048, "pp") == "+0.48 pp" and effect(1.5, "EUR") == "+€1.50"
    assert effect(-2, "USD") == "-$2.00" and amount(0.00002, "pp") == "0.00 pp"
    assert formats.p_value(0.00003) == "< 0.0001" and formats.p_value(0.01234) == "0.0123"
    assert formats.points(float("nan")) == formats.p_value(None) == "—"


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        ("last_7", date(2026, 2, 9), END),
        ("last_30", date(2026, 1, 17), END),
        ("last_90", date(2025, 11, 18), END),
        ("last_365", date(2025, 2, 16), END),
        ("mtd", date(2026, 2, 1), END),
        ("last_month", date(2026, 1, 1), date(2026, 1, 31)),
        ("qtd", date(2026, 1, 1), END),
        ("ytd", date(2026, 1, 1), END),
        ("all", None, None),
    ],
)
def test_presets_count_back_from_the_day_the_data_ends(preset, first, last):
    assert preset_range(preset, END) == (first, last)


def test_a_refused_choice_says_what_is_shown_without_a_capital_mid_sentence():
    """The option shown instead is quoted as its control shows it (a name keeps its
    capitals: 'North', 'TV'); the blank choice reads as words of the sentence, or is left
    out when it is one word ("Any")."""

    def refusal(choice: Choice, query: str) -> str:
        return FilterBar(RequestFactory().get("/?" + query), [choice]).errors[choice.name]

    show = Choice("show", "Show", [("identified", "Identified"), ("all", "Everyone")])
    assert refusal(show, "show=everybody") == (
        "'everybody' is not one of the choices; 'Identified' shown"
    )
    place = Choice("at", "Location", [("n", "North"), ("tv", "TV")], default="tv")
    assert refusal(place, "at=x") == "'x' is not one of the choices; 'TV' shown"
    every = Choice("at", "Location", [("n", "North")], blank="All locations")
    assert refusal(every, "at=x") == "'x' is not one of the choices; all locations shown"
    # a blank of one word names nothing shown ("any shown" read as a mistake)
    email = Choice("email", "Email", [("yes", "Has email")], blank="Any")
    assert refusal(email, "email=maybe") == "'maybe' is not one of the choices"
    status = Choice("status", "Status", [("live", "Live")], blank="Any status")
    assert refusal(status, "status=x") == "'x' is not one of the choices; any status shown"


def test_last_month_and_quarter_across_year_and_leap_day():
    assert preset_range("last_month", date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert preset_range("last_month", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert preset_range("qtd", date(2026, 11, 30)) == (date(2026, 10, 1), date(2026, 11, 30))
    with pytest.raises(ValueError, match="range: 'fortnight' is not a preset"):
        preset_range("fortnight", END)


def bar(query: str, **date_range):
    request = RequestFactory().get("/?" + query)
    return FilterBar(
        request,
        [
            DateRange(data_end=END, **date_range),
            Choice("channel", "Channel", [("email", "Email"), ("tv", "TV")], blank="All channels"),
            Choice("grain", "Period", [("month", "Month"), ("week", "Week")]),
            Text("q", "Search", max_length=10),
        ],
    )


def test_the_url_is_the_state_and_refusals_are_reported_not_applied():
    plain = bar("")
    assert plain.values == {
        "start": None,
        "end": None,
        "range": "all",
        "channel": "",
        "grain": "month",
        "q": "",
    }
    assert plain.errors == {} and not plain.active
    chosen = bar("range=last_7&channel=tv&grain=week&q=ann")
    assert chosen.values == {
        "start": date(2026, 2, 9),
        "end": END,
        "range": "last_7",
        "channel": "tv",
        "grain": "week",
        "q": "ann",
    }
    assert chosen.active
    wrong = bar("start=2026-13-01&end=2026-02-01&channel=radio&grain=day&q=" + "x" * 11)
    assert wrong.errors == {
        "start": "must be a date (YYYY-MM-DD), not '2026-13-01'",
        "channel": "'radio' is not one of the choices; all channels shown",
        "grain": "'day' is not one of the choices; 'Month' shown",
        "q": "must be at most 10 characters",
    }
    assert wrong.values["start"] is None and wrong.values["end"] is None  # default: all data
    assert wrong.values["channel"] == "" and wrong.values["grain"] == "month"
    # the controls still show what the address says
    date_range = wrong.filters[0]
    assert date_range.start.raw == "2026-13-01" and date_range.end.raw == "2026-02-01"
    assert wrong.filters[1].control.raw == "radio"


def test_dates_typed_over_a_preset_win_and_unchanged_ones_keep_it():
    kept = bar("range=mtd&start=2026-02-01&end=2026-02-15")
    assert kept.values["range"] == "mtd"
    typed = bar("range=mtd&start=2026-01-10&end=2026-02-15")
    assert typed.values["range"] == "" and typed.values["start"] == date(2026, 1, 10)
    open_ended = bar("start=2026-01-10")
    assert (open_ended.values["start"], open_ended.values["end"]) == (date(2026, 1, 10), None)
    backwards = bar("start=2026-02-10&end=2026-02-01")
    assert backwards.errors == {"end": "must be on or after the start date"}
    assert backwards.values["range"] == "all"
    unknown = bar("range=fortnight")
    assert unknown.errors == {"range": "'fortnight' is not a preset"}
    assert unknown.values["range"] == "all"


def test_a_range_that_needs_both_dates_refuses_an_open_one():
    needed = bar("start=2026-01-10", default="last_30", presets=("last_30", "ytd"), required=True)
    assert needed.errors == {"end": "is needed (or choose a preset)"}
    assert (needed.values["start"], needed.values["end"]) == (date(2026, 1, 17), END)
    with pytest.raises(ValueError, match="cannot offer all data"):
        DateRange(required=True, default="ytd")


def test_preset_links_keep_the_other_filters_and_start_again_at_the_first_page():
    links = bar("channel=tv&start=2026-01-01&after=abc&sort=-revenue").filters[0].preset_links
    assert links[0]["url"] == "?channel=tv&sort=-revenue&range=last_7"
    assert not any(link["current"] for link in links)


def test_errors_land_next_to_their_fields():
    errors = {"variants[1].weight": "must be positive", "key": "is taken", "arms line 2": "bad"}
    assert errors_for_field(errors, "variants") == ["#2 › weight: must be positive"]
    assert errors_for_field(errors, "key") == ["is taken"]
    assert errors_for_field(errors, "arms") == ["line 2: bad"]
    assert errors_for_field(errors, "name") == [] and errors_for_field(None, "key") == []
    assert errors_from_message("arms line 1: n must be a number", "arms") == {
        "arms line 1": "n must be a number"
    }
    assert errors_from_message("something odd", "arms") == {"arms": "something odd"}


def render(source: str, currency: str = "USD", **context) -> str:
    request = RequestFactory().get("/")
    request.workspace = SimpleNamespace(currency=currency)
    return Template("{% load pacer_ui %}" + source).render(Context({"request": request, **context}))


def test_kpi_card_formats_by_kind_in_the_workspace_currency_and_explains_itself():
    html = render(
        '{% kpi_card "CAC" 61.2 "money" definition="Spend ÷ new customers." delta=0.08 '
        'delta_good="down" %}',
        currency="EUR",
    )
    assert '<b class="kpi-value" data-value="61.2">€61.20</b>' in html
    assert 'aria-describedby="kpi-cac-def"' in html and 'id="kpi-cac-def"' in html
    assert 'role="tooltip"' in html and "What is CAC?" in html
    assert 'class="kpi-delta bad"' in html and "+8.0%" in html  # CAC going up is bad
    flat = render('{% kpi_card "Retention" None "percent" %}')
    assert ">—<" in flat and "kpi-delta" not in flat and "kpi-info" not in flat


def test_field_shows_its_errors_and_ties_them_to_the_control():
    html = render(
        '{% field "key" "Key" value="Bad Key" help="Lowercase" %}',
        errors={"key": "use lowercase letters"},
    )
    assert '<label for="field-key">Key</label>' in html
    assert 'aria-invalid="true" aria-describedby="field-key-hint field-key-error"' in html
    assert 'id="field-key-error"><p>use lowercase letters</p>' in html
    assert 'value="Bad Key"' in html
    summary = render("{% form_errors %}", errors={"variants[0].key": "taken"})
    # the field's name is marked for its label (``pacer.web.error_labels`` puts it in)
    marked = "<!--label-of:field-variants-->Variants<!--/label-of-->"
    assert f'href="#field-variants">{marked} › #1 › key: taken</a>' in summary
    assert render("{% form_errors %}", errors={}).strip() == ""
    select = render(
        '{% field "metric" "Metric" type="select" options=choices value="b" %}',
        choices=[("a", "A"), ("b", "B")],
    )
    assert '<option value="b" selected>B</option>' in select and "aria-invalid" not in select


def test_body_components_place_their_content():
    header = render(
        '{% page_header "Leads" subtitle="All of them" %}<a href="/x">New</a>{% endpage_header %}'
    )
    assert (
        "<h1>Leads</h1>" in header
        and '<div class="page-actions"><a href="/x">New</a></div>' in header
    )
    assert 'class="page-actions"' not in render('{% page_header "Bare" %}{% endpage_header %}')
    empty = render('{% empty_state "No leads yet" %}<p>Import some.</p>{% endempty_state %}')
    assert '<p class="empty-title">No leads yet</p>' in empty and "<p>Import some.</p>" in empty
    modal = render('{% modal "help" "Help" %}Press Esc.{% endmodal %}')
    assert '<dialog id="help" class="modal" aria-labelledby="help-title">' in modal
    assert "Press Esc." in modal and "data-modal-close" in modal


def test_charts_share_the_palette_and_name_their_formats():
    config = chart(
        "bar",
        ["Jan", "Feb"],
        [
            Series("Revenue", [1, 2], type="line"),
            Series("Spend", [3, 4]),
            Series("Leads", [5, 6], axis="y2"),
        ],
        y="money",
        y2="count",
        currency="EUR",
    )
    colours = [d["borderColor"] for d in config["data"]["datasets"]]
    assert colours == PALETTE[:3]
    assert config["data"]["datasets"][0]["type"] == "line"
    assert config["data"]["datasets"][2]["yAxisID"] == "y2"
    assert config["pacer"] == {
        "format": {"y": "money", "y2": "count"},
        "currency": {"code": "EUR", "prefix": "€", "minor": True},
        "partial": [],
    }
    single = chart("bar", ["a"], [Series("People", [1], vary_colors=True)], horizontal=True)
    assert single["options"]["indexAxis"] == "y" and single["pacer"]["format"] == {"x": "count"}
    assert single["options"]["plugins"]["legend"]["display"] is False
    with pytest.raises(ValueError, match="kind: 'pie'"):
        chart("pie", [], [])
